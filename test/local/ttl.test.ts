import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/**
 * CloudFront's TTL rules, observed over HTTP through the local edge on a synthesized distribution:
 * /a/* has MinTTL 0, DefaultTTL 5, MaxTTL 100; /b/* has MinTTL 10 (above its DefaultTTL 5), MaxTTL 100.
 */
let app: string;
let origin: TestOrigin;
let edge: LocalEdge;
const served = new Map<string, number>();
let failing = false;

const HEADERS: Record<string, () => Record<string, string>> = {
  smaxage: () => ({ 'cache-control': 's-maxage=20, max-age=5' }),
  maxage: () => ({ 'cache-control': 'max-age=30' }),
  expires: () => ({ expires: new Date(Date.now() + 40_000).toUTCString() }),
  none: () => ({}),
  big: () => ({ 'cache-control': 'max-age=1000' }),
  small: () => ({ 'cache-control': 'max-age=2' }),
  nostore: () => ({ 'cache-control': 'no-store' }),
  private: () => ({ 'cache-control': 'private, max-age=60' }),
  nocache: () => ({ 'cache-control': 'no-cache' }),
  swr: () => ({ 'cache-control': 's-maxage=10, stale-while-revalidate=30' }),
  swrhuge: () => ({ 'cache-control': 's-maxage=10, stale-while-revalidate=100000' }),
  sie: () => ({ 'cache-control': 's-maxage=10, stale-if-error=60' }),
  plain: () => ({ 'cache-control': 's-maxage=10' }),
};

beforeAll(async () => {
  app = synthApp((stack) => {
    const api = new origins.HttpOrigin('api.example.com');
    const a = new cloudfront.CachePolicy(stack, 'Min0', {
      minTtl: Duration.seconds(0), defaultTtl: Duration.seconds(5), maxTtl: Duration.seconds(100),
    });
    const b = new cloudfront.CachePolicy(stack, 'Min10', {
      minTtl: Duration.seconds(10), defaultTtl: Duration.seconds(5), maxTtl: Duration.seconds(100),
    });
    new cloudfront.Distribution(stack, 'Dist', {
      defaultBehavior: { origin: api, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED },
      additionalBehaviors: { '/a/*': { origin: api, cachePolicy: a }, '/b/*': { origin: api, cachePolicy: b } },
    });
  });
  origin = await startOrigin((req, res) => {
    const kind = (req.url.split('/')[2]?.split('?')[0] ?? '').replace(/\d+$/, '');
    const n = (served.get(req.url) ?? 0) + 1;
    served.set(req.url, n);
    if (failing && kind === 'sie') return send(res, 503, {}, 'down');
    if (kind === 'notfound') return send(res, 404, {}, 'nope');
    send(res, 200, HEADERS[kind]?.() ?? {}, `${req.url} #${n}`);
  });
  edge = await startLocalEdge({ app, port: 0, clock: 'virtual', origins: { 'api.example.com': origin.url }, onWarning: () => {} });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const get = (p: string, headers?: Record<string, string>) => request(`${edge.url}${p}`, { headers });
const originHits = (p: string) => origin.requests.filter((r) => r.url === p).length;

/** The object is a hit until `ttl` seconds have passed, then fetched again. */
async function expectTtl(p: string, ttl: number): Promise<void> {
  const first = await get(p);
  expect(first.headers['x-cache']).toBe('Miss from cloudfront');
  const second = await get(p);
  expect(second.headers['x-cache']).toBe('Hit from cloudfront');
  expect(second.text).toBe(first.text);
  edge.clock.advance!(ttl - 1);
  const before = await get(p);
  expect(before.headers['x-cache']).toBe('Hit from cloudfront');
  expect(before.headers.age).toBe(String(ttl - 1));
  expect(originHits(p)).toBe(1);
  edge.clock.advance!(1);
  const after = await get(p);
  expect(after.headers['x-cache']).toBe('Miss from cloudfront');
  expect(originHits(p)).toBe(2);
}

async function expectNotCached(p: string): Promise<void> {
  expect((await get(p)).headers['x-cache']).toBe('Miss from cloudfront');
  expect((await get(p)).headers['x-cache']).toBe('Miss from cloudfront');
  expect(originHits(p)).toBe(2);
}

test('s-maxage wins over max-age', () => expectTtl('/a/smaxage', 20));
test('max-age when there is no s-maxage', () => expectTtl('/a/maxage', 30));
test('Expires when there is no Cache-Control age', () => expectTtl('/a/expires', 40));
test('DefaultTTL when the origin says nothing', () => expectTtl('/a/none', 5));
test('MinTTL when the origin says nothing and MinTTL > DefaultTTL', () => expectTtl('/b/none', 10));
test('max-age above MaxTTL is clamped to MaxTTL', () => expectTtl('/a/big', 100));
test('max-age below MinTTL is raised to MinTTL', () => expectTtl('/b/small', 10));
test('no-store is honoured when MinTTL is 0', () => expectNotCached('/a/nostore'));
test('private is honoured when MinTTL is 0', () => expectNotCached('/a/private'));
test('no-cache is honoured when MinTTL is 0', () => expectNotCached('/a/nocache'));
test('no-store is cached for MinTTL when MinTTL > 0', () => expectTtl('/b/nostore', 10));
test('private is cached for MinTTL when MinTTL > 0', () => expectTtl('/b/private', 10));
test('CachingDisabled never caches, whatever the origin says', () => expectNotCached('/x/maxage'));

test('error responses are cached for the default ErrorCachingMinTTL of 10 s', async () => {
  const first = await get('/a/notfound');
  expect(first.status).toBe(404);
  expect(first.headers['x-cache']).toBe('Error from cloudfront');
  expect((await get('/a/notfound')).headers['x-cache']).toBe('Error from cloudfront');
  expect(originHits('/a/notfound')).toBe(1);
  edge.clock.advance!(10);
  await get('/a/notfound');
  expect(originHits('/a/notfound')).toBe(2);
});

test('stale-while-revalidate: stale served at once, refreshed in the background, then fresh', async () => {
  const first = await get('/a/swr');
  expect(first.text).toBe('/a/swr #1');
  edge.clock.advance!(15); // expired 5 s ago, inside the 30 s window
  const stale = await get('/a/swr');
  expect(stale.headers['x-cache']).toBe('Hit from cloudfront');
  expect(stale.text).toBe('/a/swr #1');
  expect(stale.headers.age).toBe('15');
  await edge.settle();
  expect(originHits('/a/swr')).toBe(2);
  const fresh = await get('/a/swr');
  expect(fresh.headers['x-cache']).toBe('Hit from cloudfront');
  expect(fresh.text).toBe('/a/swr #2');
  edge.clock.advance!(10 + 30); // past TTL + window: a plain miss
  const miss = await get('/a/swr');
  expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
  expect(miss.text).toBe('/a/swr #3');
});

test('stale-while-revalidate window is limited by MaxTTL', async () => {
  await get('/a/swrhuge');
  edge.clock.advance!(10 + 99);
  expect((await get('/a/swrhuge')).text).toBe('/a/swrhuge #1');
  await edge.settle();
  edge.clock.advance!(10 + 100); // the refreshed copy, now beyond 10 + min(100000, MaxTTL 100)
  const r = await get('/a/swrhuge');
  expect(r.headers['x-cache']).toBe('Miss from cloudfront');
  expect(r.text).toBe('/a/swrhuge #3');
});

test('stale-if-error: stale served when the origin answers 5xx, the error once the window is over', async () => {
  failing = false;
  expect((await get('/a/sie')).text).toBe('/a/sie #1');
  failing = true;
  edge.clock.advance!(30); // expired, inside stale-if-error=60
  const stale = await get('/a/sie');
  expect(stale.status).toBe(200);
  expect(stale.text).toBe('/a/sie #1');
  expect(stale.headers['x-cache']).toBe('Hit from cloudfront');
  edge.clock.advance!(45); // 75 s old: beyond 10 + 60
  const error = await get('/a/sie');
  expect(error.status).toBe(503);
  expect(error.headers['x-cache']).toBe('Error from cloudfront');
  failing = false;
});

// Last: it stops the origin for good.
test('stale-if-error also covers an origin that refuses connections', async () => {
  expect((await get('/a/sie2')).text).toBe('/a/sie2 #1');
  await origin.close();
  edge.clock.advance!(20);
  const stale = await get('/a/sie2');
  expect(stale.status).toBe(200);
  expect(stale.text).toBe('/a/sie2 #1');
  const other = await get('/a/plain');
  expect(other.status).toBe(502);
  expect(other.headers['x-cache']).toBe('Error from cloudfront');
});
