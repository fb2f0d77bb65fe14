import { TieredCdn } from '../../lib';
import { forwardAllViewerHeaders } from '../../tools/conformance/distribution';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/** forwardHeaders through the local edge: the origin sees the header, the cache key does not hold it. */
let origin: TestOrigin;
let edge: LocalEdge;

beforeAll(async () => {
  const app = synthApp((stack) => {
    const cdn = new TieredCdn(stack, 'Cdn', {
      origins: { api: { domainName: 'api.example.com', originShield: false } },
      routes: [
        { pathPattern: '*', tier: 'api', origin: 'api' },
        { pathPattern: '/fwd/*', tier: 'api', origin: 'api', forwardHeaders: ['X-Request-Id'] },
        { pathPattern: '/vary/*', tier: 'api', origin: 'api', varyHeaders: ['X-Request-Id'] },
        // An all-viewer origin request policy on a cached tier, which the construct refuses: widened by hand.
        { pathPattern: '/all/*', tier: 'api', origin: 'api', forwardHeaders: ['x-all-viewer'] },
      ],
    });
    forwardAllViewerHeaders(cdn, 'x-all-viewer');
  });
  origin = await startOrigin((req, res) =>
    send(res, 200, { 'cache-control': 's-maxage=60' }, `id=${req.headers['x-request-id'] ?? '-'}${req.url.startsWith('/all/') ? ` auth=${req.headers.authorization ?? '-'}` : ''}`),
  );
  edge = await startLocalEdge({ app, port: 0, origins: { 'api.example.com': origin.url }, onWarning: () => {} });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const get = (p: string, id: string) => request(`${edge.url}${p}`, { headers: { 'x-request-id': id } });

test('a forwarded header reaches the origin on a miss, and a different value is still a hit', async () => {
  const first = await get('/fwd/x', 'a');
  expect(first.text).toBe('id=a');
  const second = await get('/fwd/x', 'b');
  expect(second.headers['x-cache']).toBe('Hit from cloudfront');
  expect(second.text).toBe('id=a');
  expect(origin.requests.filter((r) => r.url === '/fwd/x')).toHaveLength(1);
});

test("an all-viewer origin request policy on a cached tier does not send Authorization: CloudFront forwards it only from the cache key", async () => {
  const r = await request(`${edge.url}/all/x`, { headers: { authorization: 'Bearer t', 'x-request-id': 'z' } });
  expect(r.text).toBe('id=z auth=-');
});

test('without forwardHeaders the origin never sees it', async () => {
  expect((await get('/plain', 'a')).text).toBe('id=-');
});

test('a vary header instead splits the cache per value', async () => {
  expect((await get('/vary/x', 'a')).text).toBe('id=a');
  const other = await get('/vary/x', 'b');
  expect(other.headers['x-cache']).toBe('Miss from cloudfront');
  expect(other.text).toBe('id=b');
});
