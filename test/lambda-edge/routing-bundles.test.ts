import * as path from 'path';
import type { CloudFrontRequestEvent, CloudFrontRequest, CloudFrontResponse, CloudFrontResponseEvent } from 'aws-lambda';
import type { OriginRequestConfig, ViewerResponseConfig } from '../../lambda-edge/shared/config';
import { bundleEdgeFunction } from '../../lib/edge/bundle';
import { resolveRouteRouting } from '../../lib/routing';
import { requestEvent, responseEvent } from './routing-fixtures';

/** Loads a built bundle the way Lambda does: `index.handler` of the folder. */
function load<E, R>(dir: string): (event: E) => Promise<R> {
  return require(path.join(dir, 'index.js')).handler;
}

const ORIGIN_REQUEST: OriginRequestConfig = {
  rules: [
    { countries: ['DE', 'FR'], origin: 'eu' },
    { device: 'mobile', origin: 'm' },
  ],
  origins: {
    eu: { kind: 'custom', domainName: 'api-eu.example.com', protocol: 'https', port: 443, path: '' },
    m: { kind: 's3', domainName: 'mobile-site.s3.eu-west-1.amazonaws.com', path: '' },
  },
};

describe('built origin-request bundle', () => {
  const handler = load<CloudFrontRequestEvent, CloudFrontRequest>(bundleEdgeFunction('origin-request', ORIGIN_REQUEST).dir);

  it('routes a viewer from Germany to the EU origin with its Host', async () => {
    const out = await handler(requestEvent('routing-origin-request-custom'));
    expect(out.origin?.custom?.domainName).toBe('api-eu.example.com');
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'api-eu.example.com' }]);
  });

  it('routes a mobile viewer of an S3 origin to the mobile bucket with its Host', async () => {
    const out = await handler(requestEvent('routing-origin-request-s3'));
    expect(out.origin?.s3).toMatchObject({ domainName: 'mobile-site.s3.eu-west-1.amazonaws.com', region: 'eu-west-1' });
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'mobile-site.s3.eu-west-1.amazonaws.com' }]);
  });

  it('leaves other viewers on the behavior origin', async () => {
    const event = requestEvent('routing-origin-request-custom');
    event.Records[0].cf.request.headers['cloudfront-viewer-country'][0].value = 'BR';
    const out = await handler(event);
    expect(out.origin?.custom?.domainName).toBe('api.example.com');
    expect(out.headers.host).toEqual([{ key: 'Host', value: 'api.example.com' }]);
  });
});

describe('built viewer-response bundle', () => {
  const config: ViewerResponseConfig = {
    experiments: [{ name: 'homepage', variants: [{ name: 'classic', weight: 1 }, { name: 'hero', weight: 1 }], cookieMaxAgeSeconds: 600 }],
  };
  const handler = load<CloudFrontResponseEvent, CloudFrontResponse>(bundleEdgeFunction('viewer-response', config).dir);

  it('sets the assigned variant cookie on a response', async () => {
    const event = responseEvent('routing-viewer-response');
    event.Records[0].cf.request.headers['x-tcdn-set-cookie'] = [{ key: 'x-tcdn-set-cookie', value: 'tcdn-exp-homepage=hero' }];
    const out = await handler(event);
    expect(out.headers['set-cookie']).toEqual([
      { key: 'Set-Cookie', value: 'theme=light; Path=/' },
      { key: 'Set-Cookie', value: 'tcdn-exp-homepage=hero; Path=/; Max-Age=600; Secure; SameSite=Lax' },
    ]);
  });

  it('passes a response through when nothing was assigned', async () => {
    const event = responseEvent('routing-viewer-response');
    const out = await handler(event);
    expect(out).toEqual(event.Records[0].cf.response);
  });
});

describe('built viewer-request and viewer-response bundles together', () => {
  const experiments = [
    { name: 'homepage', variants: [{ name: 'classic', weight: 1 }, { name: 'hero', weight: 1 }], cookieMaxAgeSeconds: 600 },
  ];
  const viewerRequest = load<CloudFrontRequestEvent, CloudFrontRequest>(
    bundleEdgeFunction('viewer-request', { normalize: { dropParams: [], dropPrefixes: [], sort: true }, experiments }).dir,
  );
  const viewerResponse = load<CloudFrontResponseEvent, CloudFrontResponse>(bundleEdgeFunction('viewer-response', { experiments }).dir);

  async function visit(cookie?: string) {
    const event = requestEvent('routing-viewer-request');
    if (cookie) event.Records[0].cf.request.headers.cookie = [{ key: 'Cookie', value: cookie }];
    event.Records[0].cf.request.headers['x-experiment-homepage'] = [{ key: 'X-Experiment-Homepage', value: 'hero' }];
    const request = await viewerRequest(event);
    const response = responseEvent('routing-viewer-response');
    response.Records[0].cf.request.headers = request.headers;
    const out = await viewerResponse(response);
    return { request, setCookies: out.headers['set-cookie'].slice(1).map((h) => h.value) };
  }

  it('normalizes the query, assigns a variant whatever header the viewer sent, and sets the cookies', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const { request, setCookies } = await visit();
      expect(request.querystring).toBe('a=%C3%A9t%C3%A9&b=2');
      const variant = request.headers['x-experiment-homepage'][0].value;
      seen.add(variant);
      expect(setCookies).toContain(`tcdn-exp-homepage=${variant}; Path=/; Max-Age=600; Secure; SameSite=Lax`);
    }
    // A viewer-sent 'hero' would have pinned every visit; fresh viewers split between both.
    expect([...seen].sort()).toEqual(['classic', 'hero']);
  });

  it('keeps a returning viewer on its variant and sets no cookie', async () => {
    const { request } = await visit('tcdn-vid=AbCdEfGhIjKlMnOpQrStUv; tcdn-exp-homepage=classic');
    expect(request.headers['x-experiment-homepage'][0].value).toBe('classic');
    const again = await visit('tcdn-vid=AbCdEfGhIjKlMnOpQrStUv; tcdn-exp-homepage=classic');
    expect(again.setCookies).toEqual([]);
  });
});

describe('bundles built from a resolved route', () => {
  it('answer as the route table says', async () => {
    const { config, errors } = resolveRouteRouting(
      {
        experiments: [{ name: 'homepage', variants: [{ name: 'classic', weight: 1 }, { name: 'hero', weight: 1 }] }],
        originRouting: { rules: [{ countries: ['FR'], origin: 'api-eu' }], routingCacheKey: 'country' },
      },
      { 'api-eu': { kind: 'custom', domainName: 'api-eu.example.com', protocol: 'https', port: 443, path: '/v2' } },
    );
    expect(errors).toEqual([]);
    const origin = load<CloudFrontRequestEvent, CloudFrontRequest>(bundleEdgeFunction('origin-request', config!.originRequest).dir);
    const event = requestEvent('routing-origin-request-custom');
    event.Records[0].cf.request.headers['cloudfront-viewer-country'][0].value = 'FR';
    const out = await origin(event);
    expect(out.origin?.custom).toMatchObject({ domainName: 'api-eu.example.com', path: '/v2' });

    const viewer = load<CloudFrontResponseEvent, CloudFrontResponse>(bundleEdgeFunction('viewer-response', config!.viewerResponse).dir);
    const response = responseEvent('routing-viewer-response');
    response.Records[0].cf.request.headers['x-tcdn-set-cookie'] = [{ key: 'x-tcdn-set-cookie', value: 'tcdn-exp-homepage=classic' }];
    const set = (await viewer(response)).headers['set-cookie'].map((h) => h.value);
    expect(set).toContain('tcdn-exp-homepage=classic; Path=/; Max-Age=2592000; Secure; SameSite=Lax');
  });
});
