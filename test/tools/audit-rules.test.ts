import { ObservedResponse, gradeResponse, looksHashed, parseCacheControl, sharedCacheable } from '../../tools/audit/rules';

function res(path: string, headers: ObservedResponse['headers'], extra: Partial<ObservedResponse> = {}): ObservedResponse {
  return { path, status: 200, headers, withToken: false, differsPerUser: false, ...extra };
}
const rules = (g: ReturnType<typeof gradeResponse>) => g.findings.map((f) => `${f.severity}:${f.rule}`);

test('parses Cache-Control directives, case-insensitively, with quoted values', () => {
  const d = parseCacheControl('Public, Max-Age=60, s-maxage="120", no-transform');
  expect([...d.entries()]).toEqual([['public', true], ['max-age', '60'], ['s-maxage', '120'], ['no-transform', true]]);
  expect(sharedCacheable(parseCacheControl('max-age=60'))).toBe(true);
  expect(sharedCacheable(parseCacheControl('private, max-age=60'))).toBe(false);
  expect(sharedCacheable(parseCacheControl('max-age=0'))).toBe(false);
});

test.each([
  ['/assets/app.3f9c2a1b.js', true],
  ['/assets/index-BxZ3kQ9a.js', true],
  ['/assets/logo.png', false],
  ['/assets/application.css', false],
])('looksHashed(%s) = %s', (p, expected) => expect(looksHashed(p)).toBe(expected));

test('a hashed asset sent immutable for a year passes', () => {
  expect(gradeResponse('static', res('/assets/app.3f9c2a1b.js', { 'cache-control': 'public, max-age=31536000, immutable' }))).toEqual({ findings: [], sendInstead: [] });
});

test('missing Cache-Control is an error on cached tiers and a warning on dynamic', () => {
  expect(rules(gradeResponse('html', res('/index.html', {})))).toEqual(['error:missing-cache-control']);
  expect(rules(gradeResponse('dynamic', res('/api/me', {})))).toEqual(['warning:missing-cache-control']);
  expect(gradeResponse('dynamic', res('/api/me', {})).sendInstead).toEqual(['Cache-Control: private, no-store']);
});

test('public caching with Set-Cookie is an error, private is not', () => {
  const bad = gradeResponse('api', res('/api/s', { 'cache-control': 'public, s-maxage=60', 'set-cookie': ['sid=1'] }));
  expect(rules(bad)).toEqual(['error:public-with-set-cookie']);
  expect(bad.sendInstead).toEqual(['Cache-Control: private, no-store']);
  expect(rules(gradeResponse('api', res('/api/s', { 'cache-control': 'private, max-age=60', 'set-cookie': 'sid=1' })))).toEqual([]);
});

test('a public response that differs per user is an error', () => {
  expect(rules(gradeResponse('api', res('/api/u', { 'cache-control': 's-maxage=60' }, { differsPerUser: true, withToken: true })))).toEqual([
    'error:public-differs-per-user',
  ]);
});

test('no-store on a static asset is an error; a hashed one without immutable a warning', () => {
  expect(rules(gradeResponse('static', res('/assets/logo.png', { 'cache-control': 'no-store' })))).toEqual(['error:static-no-store']);
  const g = gradeResponse('static', res('/assets/app.8d41e0c7.css', { 'cache-control': 'public, max-age=3600' }));
  expect(rules(g)).toEqual(['warning:hashed-not-immutable']);
  expect(g.sendInstead).toEqual(['Cache-Control: public, max-age=31536000, immutable']);
});

test('an api response must say s-maxage or private', () => {
  expect(rules(gradeResponse('api', res('/api/x', { 'cache-control': 'public, max-age=600' })))).toEqual(['warning:api-neither-s-maxage-nor-private']);
  expect(rules(gradeResponse('api', res('/api/x', { 'cache-control': 'no-store' })))).toEqual([]);
  expect(rules(gradeResponse('api', res('/api/x', { 'cache-control': 'public, s-maxage=60, max-age=0' })))).toEqual([]);
});

test('Vary: * is an error and Vary: Cookie / User-Agent a warning on cached tiers, suggesting a narrower Vary', () => {
  const star = gradeResponse('api', res('/api/v', { 'cache-control': 's-maxage=60', vary: '*' }));
  expect(rules(star)).toEqual(['error:vary-star']);
  expect(star.sendInstead).toEqual(['Vary: Accept-Encoding']);
  const cookie = gradeResponse('static', res('/a.css', { 'cache-control': 'public, max-age=60', vary: 'Accept-Encoding, Cookie, User-Agent' }));
  expect(rules(cookie)).toEqual(['warning:vary-high-cardinality']);
  expect(cookie.findings[0].message).toContain('Vary: cookie, user-agent');
  expect(cookie.sendInstead).toEqual(['Vary: Accept-Encoding']);
  expect(rules(gradeResponse('dynamic', res('/api/me', { 'cache-control': 'private, no-store', vary: 'Cookie' })))).toEqual([]);
});

test('max-age longer than s-maxage is a warning', () => {
  expect(rules(gradeResponse('api', res('/api/m', { 'cache-control': 'public, max-age=300, s-maxage=60' })))).toEqual(['warning:max-age-exceeds-s-maxage']);
});

describe('cache tags and targeted TTLs', () => {
  const tags = { cacheTagHeader: 'x-amz-meta-cache-tag' };

  test('a cacheable api or html response without tags is a warning naming the header to send', () => {
    const g = gradeResponse('api', res('/api/products/42', { 'cache-control': 'public, s-maxage=60' }), tags);
    expect(rules(g)).toEqual(['warning:cacheable-without-tags']);
    expect(g.sendInstead).toEqual(['x-amz-meta-cache-tag: <kind>:<id>, ... (e.g. product:42, category:tv: each thing this response shows)']);
    expect(rules(gradeResponse('html', res('/about.html', { 'cache-control': 'public, max-age=0, s-maxage=60, must-revalidate' }), tags))).toEqual(['warning:cacheable-without-tags']);
  });

  test('tagged, uncacheable, static or dynamic responses, and distributions without tags, pass', () => {
    const ok = [
      gradeResponse('api', res('/api/products/42', { 'cache-control': 'public, s-maxage=60', 'x-amz-meta-cache-tag': 'product:42' }), tags),
      gradeResponse('api', res('/api/cart', { 'cache-control': 'private, no-store' }), tags),
      gradeResponse('static', res('/assets/app.3f9c2a1b.js', { 'cache-control': 'public, max-age=31536000, immutable' }), tags),
      gradeResponse('dynamic', res('/api/me', { 'cache-control': 'private, no-store' }), tags),
      gradeResponse('api', res('/api/products/42', { 'cache-control': 'public, s-maxage=60' })),
      // A CDN-Cache-Control no-store is not cached at the edge, whatever the browser may do.
      gradeResponse('api', res('/api/x', { 'cache-control': 'public, max-age=60', 'cdn-cache-control': 'no-store' }), tags),
    ];
    for (const g of ok) expect(rules(g)).toEqual([]);
  });

  test('a CDN-Cache-Control or Surrogate-Control TTL shorter than the browser max-age is a warning', () => {
    const g = gradeResponse('api', res('/api/c', { 'cache-control': 'public, max-age=600', 'cdn-cache-control': 'max-age=60', 'x-amz-meta-cache-tag': 'c' }), tags);
    expect(rules(g)).toEqual(['warning:cdn-ttl-shorter-than-browser']);
    expect(g.findings[0].message).toBe('cdn-cache-control keeps it 60 s at the edge but browsers keep it 600 s: a refresh or an invalidation at the edge cannot reach browsers for up to 600 s');
    expect(g.sendInstead).toEqual(['Cache-Control: public, max-age=60']);
    expect(rules(gradeResponse('api', res('/api/s', { 'cache-control': 'max-age=120', 'surrogate-control': 'max-age=30' })))).toEqual(['warning:cdn-ttl-shorter-than-browser']);
    expect(rules(gradeResponse('api', res('/api/ok', { 'cache-control': 'public, max-age=60', 'cdn-cache-control': 'max-age=300' })))).toEqual([]);
  });
});
