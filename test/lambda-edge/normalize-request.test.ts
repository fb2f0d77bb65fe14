import type { CloudFrontRequest } from 'aws-lambda';
import type { NormalizeConfig } from '../../lambda-edge/shared/config';
import { normalizeRequest } from '../../lambda-edge/viewer-request/normalize';

const SORT_ONLY: NormalizeConfig = { dropParams: [], dropPrefixes: [], sort: true };

function req(querystring: string): CloudFrontRequest {
  return {
    clientIp: '203.0.113.1',
    method: 'GET',
    uri: '/api/items',
    querystring,
    headers: { host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }] },
  };
}

function qs(querystring: string, config: NormalizeConfig = SORT_ONLY): string {
  return normalizeRequest(req(querystring), config).querystring;
}

describe('normalizeRequest', () => {
  it('sorts parameters by name', () => {
    expect(qs('b=2&c=3&a=1')).toBe('a=1&b=2&c=3');
  });

  it('gives two orderings of the same parameters one cache key', () => {
    expect(qs('size=l&color=red&page=2')).toBe(qs('page=2&size=l&color=red'));
  });

  it('keeps the order given when sorting is off', () => {
    expect(qs('b=2&a=1&utm_source=x', { ...SORT_ONLY, sort: false })).toBe('b=2&a=1');
  });

  it('drops utm_* parameters, fbclid and gclid with no configuration', () => {
    expect(qs('utm_source=news&utm_medium=email&fbclid=IwAR0&gclid=Cj0K&q=shoes')).toBe('q=shoes');
  });

  it('drops tracking parameters whatever their case', () => {
    expect(qs('UTM_Source=news&GCLID=1&q=shoes')).toBe('q=shoes');
  });

  it('drops the configured parameters and prefixes too', () => {
    const config: NormalizeConfig = { dropParams: ['ref', 'sessionid'], dropPrefixes: ['pk_'], sort: true };
    expect(qs('ref=home&pk_campaign=x&sessionid=9&q=shoes&referrer=a', config)).toBe('q=shoes&referrer=a');
  });

  it('keeps only allowlisted parameters when an allowlist is set', () => {
    const config: NormalizeConfig = { ...SORT_ONLY, allowlist: ['page', 'q'] };
    expect(qs('q=shoes&color=red&page=2&debug=1', config)).toBe('page=2&q=shoes');
  });

  it('matches the allowlist exactly: an application reads Page and page apart', () => {
    const config: NormalizeConfig = { ...SORT_ONLY, allowlist: ['page'] };
    expect(qs('Page=3&page=2', config)).toBe('page=2');
  });

  it('keeps an allowlisted tracking parameter: the allowlist is the whole list of kept names', () => {
    const config: NormalizeConfig = { ...SORT_ONLY, allowlist: ['utm_campaign'] };
    expect(qs('utm_campaign=spring&utm_source=x&q=1', config)).toBe('utm_campaign=spring');
  });

  it('keeps repeated names in their original relative order', () => {
    expect(qs('tag=b&id=1&tag=a&tag=c')).toBe('id=1&tag=b&tag=a&tag=c');
  });

  it('copies encoded values byte for byte', () => {
    expect(qs('q=caf%C3%A9+au+lait&a=%2F%26x%3D1&b=100%25')).toBe('a=%2F%26x%3D1&b=100%25&q=caf%C3%A9+au+lait');
  });

  it('matches names after decoding but keeps their raw spelling', () => {
    expect(qs('utm%5Fsource=x&a%20b=1&q=2')).toBe('a%20b=1&q=2');
  });

  it('keeps a malformed escape as it came', () => {
    expect(qs('b=%E0%A4%A&a=%')).toBe('a=%&b=%E0%A4%A');
  });

  it('keeps names without a value and empty values', () => {
    expect(qs('flag&b=&a=1')).toBe('a=1&b=&flag');
  });

  it('drops empty segments', () => {
    expect(qs('&&b=2&&a=1&')).toBe('a=1&b=2');
  });

  it('leaves an empty query string empty', () => {
    const input = req('');
    const output = normalizeRequest(input, SORT_ONLY);
    expect(output.querystring).toBe('');
  });

  it('empties a query string made only of tracking parameters', () => {
    expect(qs('utm_source=a&fbclid=b')).toBe('');
  });

  it('does not modify the request it was given', () => {
    const input = req('b=2&a=1&utm_source=x');
    const snapshot = JSON.stringify(input);
    const output = normalizeRequest(input, SORT_ONLY);
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(output.querystring).toBe('a=1&b=2');
    expect(output.uri).toBe('/api/items');
    expect(output.headers).toEqual(input.headers);
  });
});
