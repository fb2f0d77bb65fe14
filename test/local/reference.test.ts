import { type DemoApi, startDemoApi } from '../../examples/demo-api/server';
import { signJwt } from '../../tools/dev-keys';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type ReferenceAssembly, TEST_AUDIENCE, TEST_ISSUER, referenceAssembly } from './reference-assembly';
import { type TestOrigin, request, send, startOrigin } from './helpers';
import { runCli } from '../tools/invalidate-moto-server';

/**
 * The reference app end to end: synthesized in-process with a key pair made here, its edge bundles
 * run by the local edge, the demo API as origin, the site origin replaced by a server that echoes
 * the experiment variant it was asked for.
 */

let assembly: ReferenceAssembly;

function token(sub: string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { alg: 'RS256', typ: 'JWT', kid: assembly.kid },
    { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub, iat: now, exp: now + 600, ...claims },
    assembly.privateKey,
  );
}

let api: DemoApi;
let euApi: TestOrigin;
let site: TestOrigin;
let edge: LocalEdge;

beforeAll(async () => {
  assembly = referenceAssembly();
  api = await startDemoApi({ port: 0 });
  euApi = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'public, s-maxage=60' }, `eu ${req.url}`));
  site = await startOrigin((req, res) =>
    send(res, 200, { 'content-type': 'text/html', 'cache-control': 'public, max-age=30' }, `<p>variant=${req.headers['x-experiment-home'] ?? 'none'}</p>`),
  );
  edge = await startLocalEdge({
    app: assembly.dir,
    port: 0,
    pops: 2,
    clock: 'virtual',
    origins: { 'api.example.com': api.url, 'api-eu.example.com': euApi.url, site: site.url },
    onWarning: () => {},
  });
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await Promise.all([api?.close(), euApi?.close(), site?.close()]);
});

const get = (p: string, headers: Record<string, string> = {}) => request(`${edge.url}${p}`, { headers });

describe('auth at the edge', () => {
  test('no token: 401 generated at the edge, the origin never asked', async () => {
    const r = await get('/api/me/profile');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(r.headers['x-cache']).toBe('LambdaGeneratedResponse from cloudfront');
    expect(api.counts.get('/api/me/profile')).toBeUndefined();
  });

  test('a valid token: 200, the origin sees the verified subject', async () => {
    const r = await get('/api/me/profile', { authorization: `Bearer ${token('alice')}` });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).sub).toBe('alice');
    expect(r.headers['x-cache']).toBe('Miss from cloudfront');
  });

  test('an expired token, or a spoofed x-auth-sub without one: 401', async () => {
    const expired = token('alice', { exp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await get('/api/me/profile', { authorization: `Bearer ${expired}` })).status).toBe(401);
    expect((await get('/api/me/profile', { 'x-auth-sub': 'alice' })).status).toBe(401);
  });

  test('a spoofed x-auth-sub next to a valid token never reaches the origin', async () => {
    const r = await get('/api/me/profile', { authorization: `Bearer ${token('bob')}`, 'x-auth-sub': 'alice' });
    expect(JSON.parse(r.text).sub).toBe('bob');
  });

  test('no /api/me/ response of one user is ever served to another: 40 users, interleaved, concurrent', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const tokens = new Map(users.map((u) => [u, token(u)]));
    const order = users.flatMap((u) => [u, u, u]).sort(() => Math.random() - 0.5);
    const replies = await Promise.all(
      order.map(async (u, i) => {
        const r = await get('/api/me/orders', { authorization: `Bearer ${tokens.get(u)}`, 'x-tiered-cdn-pop': String(i % 2) });
        return { u, status: r.status, sub: JSON.parse(r.text).sub as string, cache: r.headers['x-cache'] };
      }),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(replies.filter((r) => r.sub !== r.u)).toEqual([]);
    expect(replies.every((r) => r.cache === 'Miss from cloudfront')).toBe(true);
    expect(api.counts.get('/api/me/orders')).toBe(order.length);
  });

  test('/api/config/ is authenticated but shared: one origin fetch for two users', async () => {
    const a = await get('/api/config/flags', { authorization: `Bearer ${token('alice')}`, 'x-tiered-cdn-pop': '0' });
    const b = await get('/api/config/flags', { authorization: `Bearer ${token('bob')}`, 'x-tiered-cdn-pop': '0' });
    expect(a.status).toBe(200);
    expect(b.headers['x-cache']).toBe('Hit from cloudfront');
    expect(api.counts.get('/api/config/flags')).toBe(1);
    expect((await get('/api/config/flags')).status).toBe(401);
  });
});

describe('api tier', () => {
  test('public API: Miss, then Hit; tracking parameters do not split the cache; Accept-Language does', async () => {
    expect((await get('/api/products?page=1&utm_source=a')).headers['x-cache']).toBe('Miss from cloudfront');
    expect((await get('/api/products?utm_campaign=b&page=1')).headers['x-cache']).toBe('Hit from cloudfront');
    const de = await get('/api/products?page=1', { 'accept-language': 'de' });
    expect(de.headers['x-cache']).toBe('Miss from cloudfront');
    expect(JSON.parse(de.text).lang).toBe('de');
    expect(api.counts.get('/api/products')).toBe(2);
  });

  test('stale-while-revalidate from the demo API: stale at once after 60 s, refreshed behind it', async () => {
    const first = JSON.parse((await get('/api/products/p-100')).text).generatedAt;
    edge.clock.advance!(70);
    const stale = await get('/api/products/p-100');
    expect(stale.headers['x-cache']).toBe('Hit from cloudfront');
    expect(JSON.parse(stale.text).generatedAt).toBe(first);
    await edge.settle();
    expect(api.counts.get('/api/products/p-100')).toBe(2);
  });

  test('geo routing at origin-request: an EU viewer is served by the EU origin', async () => {
    const r = await get('/api/geo-probe', { 'x-tiered-cdn-viewer-country': 'DE' });
    expect(r.text).toBe('eu /api/geo-probe');
    expect(api.counts.get('/api/geo-probe')).toBeUndefined();
  });
});

describe('A/B experiment on the HTML entry documents', () => {
  test('variants are cached apart and never served to the other', async () => {
    const ask = (variant: string) => get('/about.html', { cookie: `tcdn-exp-home=${variant}`, 'x-tiered-cdn-pop': '1' });
    const c1 = await ask('control');
    const r1 = await ask('redesign');
    expect(c1.text).toBe('<p>variant=control</p>');
    expect(r1.text).toBe('<p>variant=redesign</p>');
    expect(r1.headers['x-cache']).toBe('Miss from cloudfront');
    for (let i = 0; i < 5; i++) {
      const [c, r] = await Promise.all([ask('control'), ask('redesign')]);
      expect(c.text).toBe('<p>variant=control</p>');
      expect(r.text).toBe('<p>variant=redesign</p>');
      expect(c.headers['x-cache']).toBe('Hit from cloudfront');
    }
    // One origin fetch per variant, whatever path the experiment step sends each variant to.
    const fetched = site.requests.filter((q) => q.url.endsWith('/about.html'));
    expect(fetched.map((q) => q.headers['x-experiment-home']).sort()).toEqual(['control', 'redesign']);
  });

  test('a new viewer is assigned a variant and gets the cookie, even from cache', async () => {
    await get('/', { cookie: 'tcdn-exp-home=control' });
    const fresh = await get('/');
    const cookies = ([] as string[]).concat(fresh.headers['set-cookie'] ?? []);
    expect(cookies.some((c) => /^tcdn-exp-home=(control|redesign);/.test(c))).toBe(true);
  });
});

describe('cache tags and CDN-Cache-Control with the demo API', () => {
  const pop = (n: number) => ({ 'x-tiered-cdn-pop': String(n) });

  test('categories: 300 s at the edge from CDN-Cache-Control, browsers keep max-age=60, no tag header', async () => {
    const first = await get('/api/categories/cups', pop(0));
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('public, max-age=60');
    expect(first.headers['cdn-cache-control']).toBeUndefined();
    expect(first.headers['x-amz-meta-cache-tag']).toBeUndefined();
    edge.clock.advance!(299);
    const hit = await get('/api/categories/cups', pop(0));
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.headers['cache-control']).toBe('public, max-age=60');
  });

  test('invalidate --tags product:p-200 reaches the product and its category listing, nothing else', async () => {
    const urls = ['/api/products/p-200', '/api/categories/brewing', '/api/products/p-100', '/api/categories/cups'];
    for (const u of urls) for (const n of [0, 1]) await get(u, pop(n));
    const before = new Map(urls.map((u) => [u, api.counts.get(u) ?? 0]));
    const run = await runCli(['invalidate', '--endpoint', edge.cloudfrontEndpoint, '--distribution', edge.distributionId, '--tags', 'product:p-200']);
    expect(run.code).toBe(0);
    for (const n of [0, 1]) for (const u of urls) await get(u, pop(n));
    expect(urls.map((u) => (api.counts.get(u) ?? 0) - before.get(u)!)).toEqual([1, 1, 0, 0]);
  });
});
