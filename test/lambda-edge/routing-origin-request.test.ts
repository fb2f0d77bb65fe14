import type { CloudFrontRequest } from 'aws-lambda';
import { applyOrigin, createHandler, decide, s3RegionOf } from '../../lambda-edge/origin-request/index';
import type { OriginRequestConfig } from '../../lambda-edge/shared/config';
import { DEVICE_HEADERS } from '../../lambda-edge/shared/names';
import { requestEvent } from './routing-fixtures';

const CONFIG: OriginRequestConfig = {
  rules: [
    { countries: ['DE', 'FR', 'AT'], origin: 'eu' },
    { device: 'mobile', origin: 'm' },
  ],
  origins: {
    eu: { kind: 'custom', domainName: 'api-eu.example.com', protocol: 'https', port: 443, path: '/v1' },
    m: { kind: 's3', domainName: 'mobile-site.s3.eu-west-1.amazonaws.com', path: '/m' },
  },
};

function request(name: 'routing-origin-request-custom' | 'routing-origin-request-s3', headers: Record<string, string> = {}): CloudFrontRequest {
  const r = requestEvent(name).Records[0].cf.request;
  for (const [k, v] of Object.entries(headers)) r.headers[k] = [{ key: k, value: v }];
  return r;
}

describe('origin-request decide', () => {
  it('routes a viewer from a listed country to the rule origin', () => {
    expect(decide(request('routing-origin-request-custom'), CONFIG)).toEqual({ originId: 'eu', rule: 0 });
  });

  it('routes a mobile viewer by device', () => {
    expect(decide(request('routing-origin-request-s3'), CONFIG)).toEqual({ originId: 'm', rule: 1 });
  });

  it('lets the first matching rule win', () => {
    const r = request('routing-origin-request-custom', { 'cloudfront-is-mobile-viewer': 'true' });
    expect(decide(r, CONFIG)).toEqual({ originId: 'eu', rule: 0 });
  });

  it('keeps the behavior origin when no rule matches', () => {
    const r = request('routing-origin-request-custom', { 'cloudfront-viewer-country': 'US' });
    expect(decide(r, CONFIG)).toBeUndefined();
  });

  it('matches no rule when the viewer headers are not forwarded', () => {
    const r = request('routing-origin-request-custom');
    delete r.headers['cloudfront-viewer-country'];
    delete r.headers['cloudfront-is-mobile-viewer'];
    expect(decide(r, CONFIG)).toBeUndefined();
  });

  it('requires every condition of a rule', () => {
    const both: OriginRequestConfig = { ...CONFIG, rules: [{ countries: ['DE'], device: 'tablet', origin: 'eu' }] };
    expect(decide(request('routing-origin-request-custom'), both)).toBeUndefined();
    const tablet = request('routing-origin-request-custom', { 'cloudfront-is-tablet-viewer': 'true' });
    expect(decide(tablet, both)).toEqual({ originId: 'eu', rule: 0 });
  });

  it.each(Object.keys(DEVICE_HEADERS) as Array<keyof typeof DEVICE_HEADERS>)('a %s rule reads exactly its CloudFront header, and no other device header', (device) => {
    const config: OriginRequestConfig = { ...CONFIG, rules: [{ device, origin: 'eu' }] };
    const plain = request('routing-origin-request-custom');
    for (const h of Object.values(DEVICE_HEADERS)) plain.headers[h] = [{ key: h, value: h === DEVICE_HEADERS[device] ? 'false' : 'true' }];
    expect(decide(plain, config)).toBeUndefined();
    const own = request('routing-origin-request-custom', { [DEVICE_HEADERS[device]]: 'true' });
    expect(decide(own, config)).toEqual({ originId: 'eu', rule: 0 });
  });
});

describe('origin-request handler', () => {
  const handler = createHandler(CONFIG);

  it('switches a custom origin to another custom origin and rewrites Host', async () => {
    const out = await handler(requestEvent('routing-origin-request-custom'));
    expect(out.origin).toEqual({
      custom: {
        customHeaders: { 'x-origin-verify': [{ key: 'X-Origin-Verify', value: 'secret-for-api' }] },
        domainName: 'api-eu.example.com',
        keepaliveTimeout: 10,
        path: '/v1',
        port: 443,
        protocol: 'https',
        readTimeout: 20,
        sslProtocols: ['TLSv1.2'],
      },
    });
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'api-eu.example.com' }]);
    expect(out.uri).toBe('/api/items');
    expect(out.querystring).toBe('page=2');
  });

  it("keeps the distribution's custom headers (the origin-verify secret) when switching to another custom origin", async () => {
    const out = await handler(requestEvent('routing-origin-request-custom'));
    expect(out.origin?.custom?.customHeaders['x-origin-verify']).toEqual([{ key: 'X-Origin-Verify', value: 'secret-for-api' }]);
  });

  it('switches an S3 origin to another bucket, keeping the access identity with the new region', async () => {
    const out = await handler(requestEvent('routing-origin-request-s3'));
    expect(out.origin).toEqual({
      s3: {
        authMethod: 'origin-access-identity',
        customHeaders: {},
        domainName: 'mobile-site.s3.eu-west-1.amazonaws.com',
        path: '/m',
        region: 'eu-west-1',
      },
    });
    expect(out.origin?.custom).toBeUndefined();
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'mobile-site.s3.eu-west-1.amazonaws.com' }]);
  });

  it('switches a custom origin to an S3 origin without an access identity or the custom origin headers', async () => {
    const e = requestEvent('routing-origin-request-custom');
    e.Records[0].cf.request.headers['cloudfront-viewer-country'] = [{ key: 'CloudFront-Viewer-Country', value: 'US' }];
    e.Records[0].cf.request.headers['cloudfront-is-mobile-viewer'] = [{ key: 'CloudFront-Is-Mobile-Viewer', value: 'true' }];
    const out = await handler(e);
    expect(out.origin).toEqual({
      s3: { authMethod: 'none', customHeaders: {}, domainName: 'mobile-site.s3.eu-west-1.amazonaws.com', path: '/m' },
    });
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'mobile-site.s3.eu-west-1.amazonaws.com' }]);
  });

  it('switches an S3 origin to a custom origin with CloudFront defaults for timeouts and TLS', async () => {
    const e = requestEvent('routing-origin-request-s3');
    e.Records[0].cf.request.headers['cloudfront-viewer-country'] = [{ key: 'CloudFront-Viewer-Country', value: 'FR' }];
    const out = await handler(e);
    expect(out.origin).toEqual({
      custom: {
        customHeaders: {},
        domainName: 'api-eu.example.com',
        keepaliveTimeout: 5,
        path: '/v1',
        port: 443,
        protocol: 'https',
        readTimeout: 30,
        sslProtocols: ['TLSv1.2'],
      },
    });
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'api-eu.example.com' }]);
  });

  it('returns the request untouched when no rule matches', async () => {
    const e = requestEvent('routing-origin-request-custom');
    e.Records[0].cf.request.headers['cloudfront-viewer-country'] = [{ key: 'CloudFront-Viewer-Country', value: 'JP' }];
    const before = JSON.parse(JSON.stringify(e.Records[0].cf.request));
    expect(await handler(e)).toEqual(before);
  });
});

describe('applyOrigin', () => {
  it('uses the target timeouts, TLS versions, port, protocol and custom headers when given, over the inherited ones', () => {
    const out = applyOrigin(request('routing-origin-request-custom'), {
      kind: 'custom',
      domainName: 'legacy.example.net',
      protocol: 'http',
      port: 8080,
      path: '',
      readTimeout: 60,
      keepaliveTimeout: 1,
      sslProtocols: ['TLSv1.2', 'TLSv1.1'],
      customHeaders: { 'X-Origin-Verify': 'for-legacy', 'X-Region': 'legacy' },
    });
    expect(out.origin?.custom).toEqual({
      customHeaders: {
        'x-origin-verify': [{ key: 'X-Origin-Verify', value: 'for-legacy' }],
        'x-region': [{ key: 'X-Region', value: 'legacy' }],
      },
      domainName: 'legacy.example.net',
      keepaliveTimeout: 1,
      path: '',
      port: 8080,
      protocol: 'http',
      readTimeout: 60,
      sslProtocols: ['TLSv1.2', 'TLSv1.1'],
    });
    expect(out.headers.host[0].value).toBe('legacy.example.net');
  });

  it('reads the bucket region from S3 domain names', () => {
    expect(s3RegionOf('b.s3.eu-central-1.amazonaws.com')).toBe('eu-central-1');
    expect(s3RegionOf('b.s3-ap-southeast-2.amazonaws.com')).toBe('ap-southeast-2');
    expect(s3RegionOf('b.s3.amazonaws.com')).toBe('us-east-1');
    expect(s3RegionOf('static.example.com')).toBeUndefined();
  });
});

describe('variant paths', () => {
  const config: OriginRequestConfig = {
    rules: [],
    origins: {},
    variantPaths: [{ experiment: 'homepage', prefixes: { hero: '/variants/hero' } }],
  };
  const handler = createHandler(config);

  function s3Request(uri: string, variant?: string) {
    const event = requestEvent('routing-origin-request-s3');
    event.Records[0].cf.request.uri = uri;
    if (variant) event.Records[0].cf.request.headers['x-experiment-homepage'] = [{ key: 'x-experiment-homepage', value: variant }];
    return event;
  }

  it("fetches the document of the viewer's variant from its folder", async () => {
    expect((await handler(s3Request('/index.html', 'hero'))).uri).toBe('/variants/hero/index.html');
    expect((await handler(s3Request('/pricing', 'hero'))).uri).toBe('/variants/hero/pricing');
  });

  it('asks for index.html of a directory, which a bucket does not resolve itself', async () => {
    expect((await handler(s3Request('/', 'hero'))).uri).toBe('/variants/hero/index.html');
    expect((await handler(s3Request('/docs/', 'hero'))).uri).toBe('/variants/hero/docs/index.html');
  });

  it('leaves the control variant, other files and unknown variants alone', async () => {
    expect((await handler(s3Request('/', 'classic'))).uri).toBe('/');
    expect((await handler(s3Request('/favicon.ico', 'hero'))).uri).toBe('/favicon.ico');
    expect((await handler(s3Request('/index.html', 'toString'))).uri).toBe('/index.html');
    expect((await handler(s3Request('/index.html'))).uri).toBe('/index.html');
  });

  it('keeps the S3 origin and Host when only the path changes', async () => {
    const out = await handler(s3Request('/index.html', 'hero'));
    expect(out.origin?.s3?.domainName).toBe('site-bucket.s3.us-east-1.amazonaws.com');
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'site-bucket.s3.us-east-1.amazonaws.com' }]);
  });
});
