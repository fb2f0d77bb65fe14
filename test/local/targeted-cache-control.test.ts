import { Duration } from 'aws-cdk-lib';
import { TieredCdn } from '../../lib';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/**
 * CDN-Cache-Control (RFC 9213) and Surrogate-Control through the local edge, on a TieredCdn api
 * route with targetedCacheControl: the generated origin-response and viewer-response Lambda@Edge
 * functions run as CloudFront runs them; TTLs are read off hits and misses on a virtual clock.
 */
let app: string;
let origin: TestOrigin;
let edge: LocalEdge;
const EXPIRES = 'Wed, 21 Oct 2099 07:28:00 GMT';

const REPLIES: Record<string, Record<string, string>> = {
  cdn300: { 'cache-control': 'max-age=60', 'cdn-cache-control': 'max-age=300' },
  nostore: { 'cache-control': 'public, max-age=600', 'cdn-cache-control': 'no-store' },
  private: { 'cache-control': 'public, max-age=600', 'cdn-cache-control': 'private' },
  surrogate: { 'cache-control': 'no-cache', 'surrogate-control': 'max-age=100' },
  both: { 'cache-control': 'max-age=5', 'surrogate-control': 'max-age=500', 'cdn-cache-control': 'max-age=50' },
  swr: { 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=10, stale-while-revalidate=30' },
  clamp: { 'cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=100000' },
  plain: { 'cache-control': 's-maxage=20' },
  invalid: { 'cache-control': 's-maxage=30', 'cdn-cache-control': 'max-age=, ;;' },
  expires: { expires: EXPIRES, 'cdn-cache-control': 'max-age=40' },
};

beforeAll(async () => {
  app = synthApp((stack) => {
    new TieredCdn(stack, 'Cdn', {
      origins: { api: { domainName: 'api.example.com' } },
      routes: [
        { pathPattern: '/api/*', tier: 'api', origin: 'api', targetedCacheControl: true, maxTtl: Duration.seconds(600) },
        { pathPattern: '*', tier: 'api', origin: 'api' },
      ],
      waf: false,
      monitoring: false,
      originVerify: false,
    });
  });
  origin = await startOrigin((req, res) => {
    const kind = req.url.split('/')[2]?.split('?')[0] ?? '';
    send(res, 200, REPLIES[kind] ?? { 'cache-control': 's-maxage=20' }, `${req.url} #${origin.requests.filter((r) => r.url === req.url).length}`);
  });
  edge = await startLocalEdge({ app, port: 0, clock: 'virtual', origins: { 'api.example.com': origin.url }, onWarning: () => {} });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const get = (p: string) => request(`${edge.url}${p}`);
const fetches = (p: string) => origin.requests.filter((r) => r.url === p).length;

/** Cached for exactly `ttl` seconds at the edge. */
async function expectEdgeTtl(p: string, ttl: number): Promise<void> {
  expect((await get(p)).headers['x-cache']).toBe('Miss from cloudfront');
  edge.clock.advance!(ttl - 1);
  expect((await get(p)).headers['x-cache']).toBe('Hit from cloudfront');
  edge.clock.advance!(1);
  expect((await get(p)).headers['x-cache']).toBe('Miss from cloudfront');
}

test('the behavior runs the generated origin-response and viewer-response functions', () => {
  const b = edge.distribution.behaviors.find((x) => x.pathPattern === '/api/*')!;
  expect(Object.keys(b.edgeFunctions).sort()).toEqual(['origin-response']);
  expect(Object.keys(b.functions ?? {})).toEqual(['viewer-response']);
  expect(Object.keys(edge.distribution.behaviors.find((x) => x.pathPattern === '*')!.edgeFunctions)).toEqual([]);
});

test('CDN-Cache-Control sets the edge TTL; viewers get the origin Cache-Control and no targeted or internal header', async () => {
  await expectEdgeTtl('/api/cdn300', 300);
  const r = await get('/api/cdn300');
  expect(r.headers['cache-control']).toBe('max-age=60');
  for (const h of ['cdn-cache-control', 'surrogate-control', 'x-tcdn-targeted', 'x-tcdn-origin-cache-control', 'x-tcdn-origin-expires']) expect(r.headers[h]).toBeUndefined();
});

test('the same Cache-Control on a hit as on a miss', async () => {
  const miss = await get('/api/cdn300?hit=1');
  const hit = await get('/api/cdn300?hit=1');
  expect([miss.headers['x-cache'], hit.headers['x-cache']]).toEqual(['Miss from cloudfront', 'Hit from cloudfront']);
  expect(hit.headers['cache-control']).toBe(miss.headers['cache-control']);
  expect(hit.headers['cache-control']).toBe('max-age=60');
});

test('no-store and private in CDN-Cache-Control are not cached, whatever the browser may do', async () => {
  for (const p of ['/api/nostore', '/api/private']) {
    const a = await get(p);
    const b = await get(p);
    expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['Miss from cloudfront', 'Miss from cloudfront']);
    expect(fetches(p)).toBe(2);
    expect(b.headers['cache-control']).toBe('public, max-age=600');
  }
});

test('Surrogate-Control applies without CDN-Cache-Control, and yields to it when both are sent', async () => {
  await expectEdgeTtl('/api/surrogate', 100);
  expect((await get('/api/surrogate')).headers['cache-control']).toBe('no-cache');
  await expectEdgeTtl('/api/both', 50);
  const r = await get('/api/both');
  expect(r.headers['cache-control']).toBe('max-age=5');
  expect(r.headers['surrogate-control']).toBeUndefined();
});

test('stale-while-revalidate in CDN-Cache-Control: stale served once the TTL passed, refreshed in the background', async () => {
  await get('/api/swr');
  edge.clock.advance!(20);
  const stale = await get('/api/swr');
  expect(stale.headers['x-cache']).toBe('Hit from cloudfront');
  expect(stale.text).toBe('/api/swr #1');
  await edge.settle();
  expect(fetches('/api/swr')).toBe(2);
  expect(stale.headers['cache-control']).toBe('max-age=1');
});

test("the behavior's MaxTTL still caps a targeted max-age", async () => {
  await expectEdgeTtl('/api/clamp', 600);
});

test('origins without a targeted field, or with an invalid one, see no change', async () => {
  await expectEdgeTtl('/api/plain', 20);
  expect((await get('/api/plain')).headers['cache-control']).toBe('s-maxage=20');
  await expectEdgeTtl('/api/invalid', 30);
  const r = await get('/api/invalid');
  expect(r.headers['cache-control']).toBe('s-maxage=30');
  expect(r.headers['cdn-cache-control']).toBe('max-age=, ;;');
});

test('Expires is kept for viewers and ignored by the edge when a targeted field is present', async () => {
  await expectEdgeTtl('/api/expires', 40);
  const r = await get('/api/expires');
  expect(r.headers.expires).toBe(EXPIRES);
  expect(r.headers['cache-control']).toBeUndefined();
});
