import * as http from 'http';
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, startOrigin, synthApp } from './helpers';

/**
 * Behaviors the Developer Guide documents and the local edge once got wrong, each observed over HTTP
 * against a real origin. The origin answers `/<status>/<name>?<response headers as a query>`:
 * `/404/a?cache-control=max-age%3D100` is a 404 with that Cache-Control. MinTTL 0, DefaultTTL 0,
 * MaxTTL 1000; ErrorCachingMinTTL 30 for 503 and 60 for 416, 10 s (the default) for the rest.
 * `/min/*` has MinTTL 5; `/fwd/*` forwards X-Foo to the origin (origin request policy, not keyed).
 * `/ranged/*` answers a `Range: bytes=a-b` with a 206 of the alphabet.
 */
let origin: TestOrigin;
let edge: LocalEdge;
/** Paths whose origin is down: 'status' answers 503, 'close' drops the connection, 'hang' never answers. */
const down = new Map<string, 'status' | 'close' | 'hang'>();

beforeAll(async () => {
  const app = synthApp((stack) => {
    const api = new origins.HttpOrigin('api.example.com', { readTimeout: Duration.seconds(1) });
    const policy = new cloudfront.CachePolicy(stack, 'Api', {
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1000),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
    });
    const min5 = new cloudfront.CachePolicy(stack, 'Min5', {
      minTtl: Duration.seconds(5),
      defaultTtl: Duration.seconds(5),
      maxTtl: Duration.seconds(1000),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
    });
    const fwd = new cloudfront.OriginRequestPolicy(stack, 'Fwd', { headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('x-foo') });
    new cloudfront.Distribution(stack, 'Dist', {
      defaultBehavior: { origin: api, cachePolicy: policy },
      additionalBehaviors: {
        '/min/*': { origin: api, cachePolicy: min5 },
        '/fwd/*': { origin: api, cachePolicy: policy, originRequestPolicy: fwd },
      },
      errorResponses: [
        { httpStatus: 503, ttl: Duration.seconds(30) },
        { httpStatus: 416, ttl: Duration.seconds(60) },
      ],
    });
  });
  origin = await startOrigin((req, res) => {
    const url = new URL(req.url, 'http://origin');
    const failure = down.get(url.pathname);
    if (failure === 'hang') return;
    if (failure === 'close') return void res.socket?.destroy();
    if (failure === 'status') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
    const status = Number(url.pathname.split('/')[1]) || 200;
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    for (const [k, v] of url.searchParams) if (!k.startsWith('_')) headers[k] = v;
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    if (url.pathname.startsWith('/ranged/') && range) {
      const [start, end] = [Number(range[1]), Number(range[2])];
      const body = ALPHABET.slice(start, end + 1);
      return void res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${ALPHABET.length}` }).end(body);
    }
    if (url.pathname.startsWith('/ranged/') || url.pathname.startsWith('/whole/')) return void res.writeHead(200, headers).end(ALPHABET);
    if (headers.etag && req.headers['if-none-match'] === headers.etag) return void res.writeHead(304, headers).end();
    if (url.pathname.startsWith('/update304/')) {
      const revalidation = req.headers['if-none-match'] !== undefined;
      const fields = revalidation ? { 'x-v': '2', 'content-md5': 'B', etag: '"e2"' } : { 'x-v': '1', 'content-md5': 'A', etag: '"e1"' };
      return void res.writeHead(revalidation ? 304 : 200, { 'cache-control': 'max-age=10', ...fields }).end(revalidation ? undefined : 'body');
    }
    const n = origin.requests.filter((r) => r.url === req.url).length;
    res.writeHead(status, headers).end(`${url.pathname} #${n}`);
  });
  edge = await startLocalEdge({ app, port: 0, clock: 'virtual', origins: { 'api.example.com': origin.url }, onWarning: () => {} });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const get = (p: string, headers?: Record<string, string>) => request(`${edge.url}${p}`, { headers });
const originHits = (p: string) => origin.requests.filter((r) => r.url === p).length;
const q = (headers: Record<string, string>) => `?${new URLSearchParams(headers)}`;

/** Cached for exactly `ttl` seconds: the origin is asked once until then, again right after. */
async function expectCachedFor(p: string, ttl: number): Promise<void> {
  await get(p);
  edge.clock.advance!(ttl - 1);
  await get(p);
  expect(originHits(p)).toBe(1);
  edge.clock.advance!(1);
  await get(p);
  expect(originHits(p)).toBe(2);
}

async function expectNotCached(p: string): Promise<void> {
  await get(p);
  await get(p);
  expect(originHits(p)).toBe(2);
}

describe('error caching ("How CloudFront processes HTTP 4xx and 5xx status codes", "Control how long CloudFront caches errors")', () => {
  test.each([404, 414, 500, 501, 502, 504])('%i without Cache-Control is cached for ErrorCachingMinTTL (10 s)', (status) =>
    expectCachedFor(`/${status}/plain`, 10),
  );

  test.each([400, 403, 405, 412, 415])('%i without max-age is not cached', (status) => expectNotCached(`/${status}/plain`));

  test.each([400, 403, 405, 412, 415])('%i with max-age=100 is cached for 100 s, the longer of it and ErrorCachingMinTTL', (status) =>
    expectCachedFor(`/${status}/ma${q({ 'cache-control': 'max-age=100' })}`, 100),
  );

  test.each([404, 500, 503])('%i with max-age=100 is cached for 100 s, not its shorter ErrorCachingMinTTL', (status) =>
    expectCachedFor(`/${status}/ma100${q({ 'cache-control': 'max-age=100' })}`, 100),
  );

  test('404 with s-maxage=100: the longer of the header and ErrorCachingMinTTL applies', () =>
    expectCachedFor(`/404/sma${q({ 'cache-control': 's-maxage=100' })}`, 100),
  );

  test('503 with max-age=5 and ErrorCachingMinTTL 30: 30 s, the longer one', () =>
    expectCachedFor(`/503/short${q({ 'cache-control': 'max-age=5' })}`, 30),
  );

  test('404 with a future Expires: cached until then (an Expires counts like max-age)', () =>
    expectCachedFor(`/404/exp${q({ date: new Date(0).toUTCString(), expires: new Date(200_000).toUTCString() })}`, 200),
  );

  test('a max-age above MaxTTL is limited by MaxTTL', () => expectCachedFor(`/404/big${q({ 'cache-control': 'max-age=5000' })}`, 1000));

  test('400 with only a past Expires is not cached (max-age or s-maxage is required)', () =>
    expectNotCached(`/400/exp${q({ expires: 'Thu, 01 Jan 1970 00:00:00 GMT' })}`),
  );

  test('416 is never cached, even with max-age and an ErrorCachingMinTTL configured for it', () =>
    expectNotCached(`/416/ma${q({ 'cache-control': 'max-age=100' })}`),
  );

  test.each([410, 499, 599])('%i, on neither list, is not cached even with max-age', (status) =>
    expectNotCached(`/${status}/ma${q({ 'cache-control': 'max-age=100' })}`),
  );

  test.each([404, 414, 501])('%i with no-store is not cached', (status) => expectNotCached(`/${status}/ns${q({ 'cache-control': 'no-store' })}`));

  test('503 with no-store: the directive is ignored, cached for its ErrorCachingMinTTL', () =>
    expectCachedFor(`/503/ns${q({ 'cache-control': 'no-store' })}`, 30),
  );

  test('a cached error is answered from the cache with x-cache Error', async () => {
    const p = '/404/xcache';
    await get(p);
    const again = await get(p);
    expect(again.status).toBe(404);
    expect(again.headers['x-cache']).toBe('Error from cloudfront');
    expect(originHits(p)).toBe(1);
  });
});

describe('redirects ("How CloudFront processes HTTP 3xx status codes from your origin")', () => {
  test.each([307, 308])('%i is cached only with a Cache-Control header: an Expires alone is not enough', async (status) => {
    await expectNotCached(`/${status}/exp${q({ location: '/x', expires: new Date(Date.now() + 100_000).toUTCString() })}`);
    await expectCachedFor(`/${status}/cc${q({ location: '/x', 'cache-control': 'max-age=50' })}`, 50);
  });

  test.each([301, 302])('%i follows the usual rules: cached until its Expires', (status) =>
    expectCachedFor(`/${status}/exp${q({ location: '/x', date: new Date(0).toUTCString(), expires: new Date(40_000).toUTCString() })}`, 40),
  );
});

describe('an expired copy stands in for a failed origin ("Origin unavailable")', () => {
  async function expectStaleServed(name: string, failure: 'status' | 'close' | 'hang'): Promise<void> {
    const p = `/200/${name}`;
    const url = `${p}${q({ 'cache-control': 'max-age=10' })}`;
    expect((await get(url)).text).toBe(`${p} #1`);
    edge.clock.advance!(11);
    down.set(p, failure);
    const stale = await get(url);
    expect(stale.status).toBe(200);
    expect(stale.text).toBe(`${p} #1`);
    expect(stale.headers.age).toBe('11');
    down.delete(p);
  }

  test('origin answers 503: the expired object is served', () => expectStaleServed('503', 'status'));
  test('origin closes the connection: the expired object is served', () => expectStaleServed('close', 'close'));
  test('origin does not answer within its read timeout: the expired object is served after the timeout', () => expectStaleServed('hang', 'hang'));

  test('after a failure the expired object is served for the failure\'s ErrorCachingMinTTL without asking the origin', async () => {
    const p = '/200/hold';
    const url = `${p}${q({ 'cache-control': 'max-age=10' })}`;
    await get(url);
    edge.clock.advance!(11);
    down.set(p, 'status'); // a 503: ErrorCachingMinTTL 30
    expect((await get(url)).text).toBe(`${p} #1`);
    down.delete(p);
    edge.clock.advance!(29);
    expect((await get(url)).text).toBe(`${p} #1`);
    expect(originHits(url)).toBe(2);
    edge.clock.advance!(1);
    expect((await get(url)).text).toBe(`${p} #3`);
  });

  test('stale-if-error=60 and an origin that does not answer: served stale after the read timeout', async () => {
    const p = '/200/sie-hang';
    const url = `${p}${q({ 'cache-control': 'max-age=10, stale-if-error=60' })}`;
    await get(url);
    edge.clock.advance!(30);
    down.set(p, 'hang');
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.text).toBe(`${p} #1`);
    down.delete(p);
  });

  test('an origin that limited it with stale-if-error=5 gets the error once that is over', async () => {
    const p = '/200/sie';
    const url = `${p}${q({ 'cache-control': 'max-age=10, stale-if-error=5' })}`;
    await get(url);
    edge.clock.advance!(16);
    down.set(p, 'status');
    const r = await get(url);
    expect(r.status).toBe(503);
    down.delete(p);
  });

  test('a revalidation the origin answers with 503 instead of 304 serves the expired object', async () => {
    const p = '/200/reval';
    const url = `${p}${q({ 'cache-control': 'max-age=10', etag: '"e1"' })}`;
    await get(url);
    edge.clock.advance!(11);
    down.set(p, 'status');
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.text).toBe(`${p} #1`);
    expect(origin.requests.filter((x) => x.url === url)[1].headers['if-none-match']).toBe('"e1"');
    down.delete(p);
  });

  test("a viewer's conditional GET for an expired object: revalidated with the origin, then 304 to the viewer", async () => {
    const url = `/200/cond${q({ 'cache-control': 'max-age=10', etag: '"c1"' })}`;
    await get(url);
    edge.clock.advance!(11);
    const r = await get(url, { 'if-none-match': '"c1"' });
    expect(r.status).toBe(304);
    expect(r.headers['x-cache']).toBe('RefreshHit from cloudfront');
    expect(originHits(url)).toBe(2);
  });

  test('without a cached copy the viewer gets the error: 502 for a closed connection', async () => {
    down.set('/200/none', 'close');
    const r = await get('/200/none');
    expect(r.status).toBe(502);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    down.delete('/200/none');
  });
});

describe('Expires is an HTTP-date or already expired (RFC 9110 5.6.7, RFC 9111 5.3)', () => {
  const DATE = 'Tue, 01 Dec 2026 00:00:00 GMT';
  test.each([
    ['IMF-fixdate', 'Tue, 01 Dec 2026 00:01:40 GMT'],
    ['RFC 850 date', 'Tuesday, 01-Dec-26 00:01:40 GMT'],
    ['asctime date', 'Tue Dec  1 00:01:40 2026'],
  ])('%s: cached until then', (name, expires) => expectCachedFor(`/200/${name.replace(/\W/g, '')}${q({ date: DATE, expires })}`, 100));

  test.each([
    ['a UTC zone', 'Tue, 01 Dec 2026 00:01:40 UTC'],
    ['no comma', 'Tue 01 Dec 2026 00:01:40 GMT'],
    ['double spaces', 'Tue, 01  Dec  2026 00:01:40 GMT'],
    ['dashes', 'Tue, 01-Dec-2026 00:01:40 GMT'],
    ['a two-digit year in IMF-fixdate', 'Tue, 01 Dec 26 00:01:40 GMT'],
    ['periods in the time', 'Tue, 01 Dec 2026 00.01.40 GMT'],
    ['a number', '0'],
  ])('with %s: invalid, so not cached', (name, expires) => expectNotCached(`/200/bad${name.replace(/\W/g, '')}${q({ date: DATE, expires })}`));

  test('RFC 850 "18-Aug-50" is 2050, not 1950: more than 50 years ahead only counts as the past', () =>
    expectCachedFor(`/200/rfc850-50${q({ date: 'Thu, 18 Aug 2050 02:00:00 GMT', expires: 'Thursday, 18-Aug-50 02:01:18 GMT' })}`, 78),
  );
});

describe('Age from the origin (RFC 9111 4.2.3; CloudFront does not document it)', () => {
  test('Age: 7200 with max-age=3600 is already stale: not served from the cache', async () => {
    const p = `/200/old${q({ 'cache-control': 'max-age=3600', age: '7200' })}`;
    expect((await get(p)).headers.age).toBe('7200');
    await get(p);
    expect(originHits(p)).toBe(2);
  });

  test('Age counts toward the stored age, so it never goes backwards on a hit', async () => {
    const p = `/200/aged${q({ 'cache-control': 'max-age=3600', age: '30' })}`;
    await get(p);
    edge.clock.advance!(5);
    const hit = await get(p);
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.headers.age).toBe('35');
  });

  test.each([['-5'], ['1.5'], ['abc'], ['5;foo=bar']])('an invalid Age (%s) makes the response stale (RFC 9111 5.1)', async (age) => {
    const p = `/200/age${age.replace(/\W/g, 'x')}${q({ 'cache-control': 'max-age=100', age })}`;
    await get(p);
    expect((await get(p)).headers['x-cache']).toBe('Miss from cloudfront');
  });

  test('a list-based Age counts its first member: "3, 7200" is 3', async () => {
    const p = `/200/agelist${q({ 'cache-control': 'max-age=100', age: '3, 7200' })}`;
    await get(p);
    edge.clock.advance!(2);
    const hit = await get(p);
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.headers.age).toBe('5');
  });
});

describe('a body that disagrees with Content-Length is served as received and not cached ("Dropped TCP connections")', () => {
  let raw: http.Server;
  let rawEdge: LocalEdge;
  let rawHits = 0;

  beforeAll(async () => {
    raw = http.createServer((req, res) => {
      rawHits++;
      res.setHeader('Cache-Control', 'max-age=100');
      res.setHeader('Content-Length', '10');
      if (req.url === '/long') return void res.end('0123456789 and more');
      res.flushHeaders();
      res.write('01234');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const port = (raw.address() as { port: number }).port;
    rawEdge = await startLocalEdge({ distribution: edge.distribution, port: 0, clock: 'virtual', origins: { 'api.example.com': `http://127.0.0.1:${port}` }, onWarning: () => {} });
  });

  afterAll(async () => {
    await rawEdge?.close();
    raw.closeAllConnections();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  });

  test.each([
    ['longer', '/long', '0123456789'],
    ['shorter (connection closed early)', '/short', '01234'],
  ])('a body %s than Content-Length', async (_, p, body) => {
    const before = rawHits;
    const first = await request(`${rawEdge.url}${p}`);
    expect(first.status).toBe(200);
    expect(first.text).toBe(body);
    const second = await request(`${rawEdge.url}${p}`);
    expect(second.headers['x-cache']).toBe('Miss from cloudfront');
    expect(rawHits - before).toBe(2);
  });
});

test('a 304 updates the stored fields but the body\'s and its validator (RFC 9111 3.2)', async () => {
  const p = '/update304/a';
  await get(p);
  edge.clock.advance!(11);
  const r = await get(p);
  expect(r.headers['x-cache']).toBe('RefreshHit from cloudfront');
  expect([r.headers['x-v'], r.headers['content-md5'], r.headers.etag, r.text]).toEqual(['2', 'A', '"e1"', 'body']);
});

test('fields named by the origin\'s Connection header are hop-by-hop: not passed on, not stored (RFC 9110 7.6.1)', async () => {
  const p = `/200/conn${q({ connection: 'x-hop, close', 'x-hop': '1', 'x-end': '2', 'cache-control': 'max-age=100' })}`;
  for (const r of [await get(p), await get(p)]) {
    expect(r.headers['x-hop']).toBeUndefined();
    expect(r.headers['x-end']).toBe('2');
  }
});

describe('Vary ("Content negotiation", "HTTP response headers that CloudFront removes or replaces")', () => {
  test('Vary: * with MinTTL 0: passed on, and every request goes to the origin, without conditional headers', async () => {
    const p = `/200/star${q({ 'cache-control': 'max-age=100', vary: '*', etag: '"v1"' })}`;
    expect((await get(p)).headers.vary).toBe('*');
    const second = await get(p);
    expect(second.headers['x-cache']).toBe('Miss from cloudfront');
    const [, again] = origin.requests.filter((r) => r.url === p);
    expect(again.headers['if-none-match']).toBeUndefined();
  });

  test('Vary: * with MinTTL above 0: cached, and the * is removed', async () => {
    const p = `/min/star${q({ 'cache-control': 'max-age=100', vary: '*' })}`;
    const first = await get(p);
    expect(origin.requests.find((r) => r.url === p)).toBeDefined();
    expect(first.headers.vary).toBeUndefined();
    expect((await get(p)).headers['x-cache']).toBe('Hit from cloudfront');
  });

  test('values naming headers the behavior does not forward are removed; Accept-Encoding and Cookie stay', async () => {
    const r = await get(`/200/vary${q({ vary: 'Accept-Encoding, X-Foo, Cookie, Accept-Language' })}`);
    expect(r.headers.vary).toBe('Accept-Encoding, Cookie');
  });

  test('a header the behavior forwards stays in Vary; nothing left means no Vary at all', async () => {
    expect((await get(`/fwd/vary${q({ vary: 'X-Foo, X-Bar' })}`)).headers.vary).toBe('X-Foo');
    expect((await get(`/200/vary-none${q({ vary: 'X-Foo' })}`)).headers).not.toHaveProperty('vary');
  });
});

describe('range GETs ("How CloudFront processes range GETs")', () => {
  test('a range the edge does not hold is asked of the origin; its 206 is cached for that range', async () => {
    const p = `/ranged/a${q({ 'cache-control': 'max-age=100' })}`;
    const first = await get(p, { range: 'bytes=2-4' });
    expect(first.status).toBe(206);
    expect(first.text).toBe('cde');
    expect(origin.requests.filter((r) => r.url === p)[0].headers.range).toBe('bytes=2-4');
    const again = await get(p, { range: 'bytes=2-4' });
    expect(again.headers['x-cache']).toBe('Hit from cloudfront');
    expect(again.text).toBe('cde');
    expect(again.headers['content-range']).toBe('bytes 2-4/26');
    expect(originHits(p)).toBe(1);
    const other = await get(p, { range: 'bytes=5-6' });
    expect(other.text).toBe('fg');
    expect(originHits(p)).toBe(2);
  });

  test('a range inside a stored 206 of the same object is served from it', async () => {
    const p = `/ranged/c${q({ 'cache-control': 'max-age=100' })}`;
    await get(p, { range: 'bytes=10-19' });
    for (const [range, text, contentRange] of [
      ['bytes=12-14', 'mno', 'bytes 12-14/26'],
      ['bytes=10-19', 'klmnopqrst', 'bytes 10-19/26'],
    ]) {
      const r = await get(p, { range });
      expect(r.status).toBe(206);
      expect(r.headers['x-cache']).toBe('Hit from cloudfront');
      expect(r.text).toBe(text);
      expect(r.headers['content-range']).toBe(contentRange);
    }
    expect(originHits(p)).toBe(1);
    expect((await get(p, { range: 'bytes=18-21' })).text).toBe('stuv'); // beyond the stored part
    expect(originHits(p)).toBe(2);
  });

  test('an origin that ignores Range sends the whole object: cached, and every range is served from it', async () => {
    const p = `/whole/b${q({ 'cache-control': 'max-age=100' })}`;
    const first = await get(p, { range: 'bytes=0-2' });
    expect(first.status).toBe(206);
    expect(first.text).toBe('abc');
    const other = await get(p, { range: 'bytes=3-5' });
    expect(other.headers['x-cache']).toBe('Hit from cloudfront');
    expect(other.text).toBe('def');
    expect((await get(p)).text).toBe(ALPHABET);
    expect(originHits(p)).toBe(1);
  });
});
