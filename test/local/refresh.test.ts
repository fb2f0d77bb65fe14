import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/** Revalidation (RefreshHit), custom error responses and their caching, CORS from a managed policy. */

let origin: TestOrigin;
let edge: LocalEdge;
let version = 1;

beforeAll(async () => {
  const app = synthApp((stack) => {
    const api = new origins.HttpOrigin('api.example.com', { readTimeout: Duration.seconds(1) });
    const policy = new cloudfront.CachePolicy(stack, 'Short', { minTtl: Duration.seconds(0), defaultTtl: Duration.seconds(0), maxTtl: Duration.seconds(100) });
    new cloudfront.Distribution(stack, 'Dist', {
      defaultBehavior: { origin: api, cachePolicy: policy, responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS },
      additionalBehaviors: { '/nocache/*': { origin: api, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED } },
      errorResponses: [{ httpStatus: 404, responsePagePath: '/errors/404.html', responseHttpStatus: 404, ttl: Duration.seconds(30) }],
    });
  });
  origin = await startOrigin((req, res) => {
    if (req.url === '/never-answers') return; // the response never comes
    const etag = `"v${version}"`;
    if (req.url === '/errors/404.html') return send(res, 200, { 'content-type': 'text/html', 'cache-control': 'max-age=60' }, '<h1>Custom not found</h1>');
    if (req.url.includes('missing')) return send(res, 404, {}, 'plain not found');
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': 's-maxage=10' });
      res.end();
      return;
    }
    send(res, 200, { etag, 'cache-control': 's-maxage=10' }, `version ${version}`);
  });
  edge = await startLocalEdge({ app, port: 0, clock: 'virtual', origins: { 'api.example.com': origin.url }, onWarning: () => {} });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const get = (p: string, headers?: Record<string, string>) => request(`${edge.url}${p}`, { headers });

test('an expired object with an ETag is revalidated: 304 from the origin gives RefreshHit and restarts the TTL', async () => {
  expect((await get('/doc')).text).toBe('version 1');
  edge.clock.advance!(11);
  const refreshed = await get('/doc');
  expect(refreshed.headers['x-cache']).toBe('RefreshHit from cloudfront');
  expect(refreshed.text).toBe('version 1');
  const conditional = origin.requests.filter((r) => r.url === '/doc')[1];
  expect(conditional.headers['if-none-match']).toBe('"v1"');
  expect((await get('/doc')).headers['x-cache']).toBe('Hit from cloudfront');
  version = 2;
  edge.clock.advance!(10);
  const changed = await get('/doc');
  expect(changed.headers['x-cache']).toBe('Miss from cloudfront');
  expect(changed.text).toBe('version 2');
});

test("a viewer's conditional GET is answered 304 from the cache, without a body", async () => {
  const first = await get('/cond');
  expect(first.status).toBe(200);
  const etag = String(first.headers.etag);
  const again = await get('/cond', { 'if-none-match': etag });
  expect(again.status).toBe(304);
  expect(again.headers['x-cache']).toBe('Hit from cloudfront');
  expect(again.body.length).toBe(0);
  expect(again.headers.etag).toBe(etag);
  expect((await get('/cond', { 'if-none-match': '"other"' })).status).toBe(200);
  expect(origin.requests.filter((q) => q.url === '/cond')).toHaveLength(1);
});

test('a byte range of a cached object: 206 with Content-Range, 416 outside the object', async () => {
  const whole = await get('/ranged');
  const size = whole.body.length;
  const first = await get('/ranged', { range: 'bytes=0-3' });
  expect(first.status).toBe(206);
  expect(first.text).toBe(whole.text.slice(0, 4));
  expect(first.headers['content-range']).toBe(`bytes 0-3/${size}`);
  const suffix = await get('/ranged', { range: 'bytes=-2' });
  expect(suffix.text).toBe(whole.text.slice(-2));
  const outside = await get('/ranged', { range: `bytes=${size + 10}-` });
  expect(outside.status).toBe(416);
  expect(outside.headers['content-range']).toBe(`bytes */${size}`);
  expect(origin.requests.filter((q) => q.url === '/ranged')).toHaveLength(1);
});

test('a custom error response serves the configured page and caches the error for its ErrorCachingMinTTL', async () => {
  const r = await get('/missing-page');
  expect(r.status).toBe(404);
  expect(r.text).toBe('<h1>Custom not found</h1>');
  expect(r.headers['x-cache']).toBe('Error from cloudfront');
  edge.clock.advance!(29);
  await get('/missing-page');
  expect(origin.requests.filter((q) => q.url === '/missing-page')).toHaveLength(1);
  edge.clock.advance!(1);
  await get('/missing-page');
  expect(origin.requests.filter((q) => q.url === '/missing-page')).toHaveLength(2);
});

test('errors are not cached under CachingDisabled', async () => {
  await get('/nocache/missing');
  await get('/nocache/missing');
  expect(origin.requests.filter((q) => q.url === '/nocache/missing')).toHaveLength(2);
});

test('a managed CORS policy adds Access-Control-Allow-Origin only when the request has Origin', async () => {
  expect((await get('/doc', { origin: 'https://app.example.com' })).headers['access-control-allow-origin']).toBe('*');
  expect((await get('/doc')).headers['access-control-allow-origin']).toBeUndefined();
});

test('hits of one stored object are answered each for itself: own request id and Age, CORS by its own Origin, one Via', async () => {
  await get('/shared-hit');
  const a = await get('/shared-hit');
  edge.clock.advance!(3);
  const b = await get('/shared-hit', { origin: 'https://app.example.com' });
  const c = await get('/shared-hit');
  expect([a, b, c].map((r) => r.headers['x-cache'])).toEqual(['Hit from cloudfront', 'Hit from cloudfront', 'Hit from cloudfront']);
  expect(new Set([a, b, c].map((r) => r.headers['x-amz-cf-id'])).size).toBe(3);
  expect(Number(b.headers.age)).toBe(Number(a.headers.age) + 3);
  expect(a.headers['access-control-allow-origin']).toBeUndefined();
  expect(b.headers['access-control-allow-origin']).toBe('*');
  expect(c.headers['access-control-allow-origin']).toBeUndefined();
  expect(c.headers.via).toBe(a.headers.via);
  expect(String(c.headers.via).split(',')).toHaveLength(1);
  expect(origin.requests.filter((q) => q.url === '/shared-hit')).toHaveLength(1);
});

test('an origin that does not answer within OriginReadTimeout: 504, x-cache Error from cloudfront', async () => {
  const r = await get('/never-answers');
  expect(r.status).toBe(504);
  expect(r.headers['x-cache']).toBe('Error from cloudfront');
});

test('invalidation removes a path, or a prefix ending in *, and nothing else', async () => {
  for (const p of ['/inv/a', '/inv/b/c', '/keep']) await get(p);
  expect((await get('/inv/a')).headers['x-cache']).toBe('Hit from cloudfront');
  const byApi = edge.invalidate(['/inv/a']);
  expect(byApi).toBe(1);
  expect((await get('/inv/a')).headers['x-cache']).toBe('Miss from cloudfront');
  expect((await get('/inv/b/c')).headers['x-cache']).toBe('Hit from cloudfront');
  const r = await request(`${edge.url}/__tiered-cdn/invalidate?path=/inv/*`, { method: 'POST', headers: { 'x-tiered-cdn-control': '1' } });
  expect(JSON.parse(r.text)).toEqual({ paths: ['/inv/*'], invalidated: 2 });
  expect((await get('/inv/b/c')).headers['x-cache']).toBe('Miss from cloudfront');
  expect((await get('/keep')).headers['x-cache']).toBe('Hit from cloudfront');
  const bad = await request(`${edge.url}/__tiered-cdn/invalidate?path=inv*x`, { method: 'POST', headers: { 'x-tiered-cdn-control': '1' } });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain("'inv*x': must start with / (use '/inv*x')");
});

describe('origin failover (origin group)', () => {
  let primary: TestOrigin;
  let secondary: TestOrigin;
  let groupEdge: LocalEdge;
  beforeAll(async () => {
    const app = synthApp((stack) => {
      new cloudfront.Distribution(stack, 'Dist', {
        defaultBehavior: {
          origin: new origins.OriginGroup({
            primaryOrigin: new origins.HttpOrigin('primary.example.com'),
            fallbackOrigin: new origins.HttpOrigin('secondary.example.com'),
            fallbackStatusCodes: [503],
          }),
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        },
      });
    }, 'Failover');
    primary = await startOrigin((req, res) => (req.url === '/flaky' ? send(res, 503, {}, 'primary down') : send(res, 200, {}, 'primary')));
    secondary = await startOrigin((req, res) => send(res, 200, {}, `secondary ${req.headers.host}`));
    groupEdge = await startLocalEdge({
      app,
      port: 0,
      origins: { 'primary.example.com': primary.url, 'secondary.example.com': secondary.url },
      onWarning: () => {},
    });
  });
  afterAll(async () => {
    await groupEdge?.close();
    await Promise.all([primary?.close(), secondary?.close()]);
  });

  test('the primary answers while it is healthy', async () => {
    expect((await request(`${groupEdge.url}/ok`)).text).toBe('primary');
    expect(secondary.requests).toHaveLength(0);
  });

  test('a failover status code from the primary sends the request to the secondary, with its own Host', async () => {
    const r = await request(`${groupEdge.url}/flaky`);
    expect(r.status).toBe(200);
    expect(r.text).toBe('secondary secondary.example.com');
    expect(primary.requests.filter((q) => q.url === '/flaky')).toHaveLength(1);
  });
});
