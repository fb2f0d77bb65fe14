import { type DemoApi, startDemoApi } from '../../examples/demo-api/server';
import { request } from './helpers';

/** The demo origin sends what each tier of the reference app expects from an origin. */

let api: DemoApi;
beforeAll(async () => {
  api = await startDemoApi({ port: 0 });
});
afterAll(() => api?.close());

test('public products: shared caching with stale-while-revalidate, in the Accept-Language language', async () => {
  const r = await request(`${api.url}/api/products?page=2`, { headers: { 'accept-language': 'fr-FR,fr;q=0.9' } });
  expect(r.status).toBe(200);
  expect(r.headers['cache-control']).toBe('public, s-maxage=60, stale-while-revalidate=30');
  expect(r.headers['content-language']).toBe('fr');
  expect(JSON.parse(r.text).items[0].name).toBe('Tasse à espresso');
  expect(JSON.parse(r.text).page).toBe('2');
});

test('config: shared by every user, stale-if-error for origin outages', async () => {
  const r = await request(`${api.url}/api/config/flags`);
  expect(r.headers['cache-control']).toBe('public, s-maxage=300, stale-if-error=3600');
});

test('/api/me/: private, no-store; echoes the asserted subject, 401 without one', async () => {
  const ok = await request(`${api.url}/api/me/profile`, { headers: { 'x-auth-sub': 'carol' } });
  expect(ok.headers['cache-control']).toBe('private, no-store');
  expect(JSON.parse(ok.text).sub).toBe('carol');
  const anonymous = await request(`${api.url}/api/me/profile`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers['cache-control']).toBe('private, no-store');
});

test('counts requests per path, visible in x-demo-origin-count', async () => {
  await request(`${api.url}/api/products/p-200`);
  const second = await request(`${api.url}/api/products/p-200`);
  expect(second.headers['x-demo-origin-count']).toBe('2');
  expect(api.counts.get('/api/products/p-200')).toBe(2);
});

test('products and categories carry cache tags; categories send CDN-Cache-Control', async () => {
  const one = await request(`${api.url}/api/products/p-200`);
  expect(one.headers['x-amz-meta-cache-tag']).toBe('product:p-200, category:brewing');
  const list = await request(`${api.url}/api/products`);
  expect(list.headers['x-amz-meta-cache-tag']).toBe('product:p-100, category:cups, product:p-200, category:brewing, product:p-300');
  const cat = await request(`${api.url}/api/categories/brewing`);
  expect(cat.headers['cache-control']).toBe('public, max-age=60');
  expect(cat.headers['cdn-cache-control']).toBe('max-age=300, stale-while-revalidate=60');
  expect(cat.headers['x-amz-meta-cache-tag']).toBe('product:p-200, category:brewing, product:p-300');
  expect((await request(`${api.url}/api/categories/none`)).status).toBe(404);
});
