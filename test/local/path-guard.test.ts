import * as fc from 'fast-check';
import { signJwt } from '../../tools/dev-keys';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type ReferenceAssembly, TEST_AUDIENCE, TEST_ISSUER, referenceAssembly } from './reference-assembly';
import { type Reply, type TestOrigin, requestPath, send, startOrigin } from './helpers';

/**
 * The reference app attacked through the local edge with spellings of its protected paths. The API
 * origin here is as lenient as real ones (it records what it was asked and answers 200 to anything),
 * so the test watches what reaches it: never an unauthenticated request for a protected resource,
 * and only canonical paths.
 */

let assembly: ReferenceAssembly;
let api: TestOrigin;
let site: TestOrigin;
let edge: LocalEdge;

beforeAll(async () => {
  assembly = referenceAssembly();
  api = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `api ${req.url}`));
  site = await startOrigin((req, res) => send(res, 200, { 'content-type': 'text/html', 'cache-control': 'no-store' }, `site ${req.url}`));
  edge = await startLocalEdge({
    app: assembly.dir,
    port: 0,
    pops: 1,
    clock: 'virtual',
    origins: { 'api.example.com': api.url, 'api-eu.example.com': api.url, site: site.url },
    onWarning: () => {},
  });
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await Promise.all([api?.close(), site?.close()]);
});

/** A request whose path goes on the wire byte for byte. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return requestPath(edge.url, path, { headers, method });
}

function token(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ alg: 'RS256', typ: 'JWT', kid: assembly.kid }, { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub, iat: now, exp: now + 600 }, assembly.privateKey);
}

const PROTECTED = ['/api/me/profile', '/api/config/flags'];
const spellings = (p: string): string[] => {
  const [, api, top, ...rest] = p.split('/');
  const tail = rest.join('/');
  return [
    `/${api}//${top}/${tail}`,
    `/${api}/./${top}/${tail}`,
    `/${api}/x/../${top}/${tail}`,
    `/${api}/%${top.charCodeAt(0).toString(16)}${top.slice(1)}/${tail}`,
    `/${api}/${top}%2F${tail}`,
    `/${api}/${top};/${tail}`,
    `/${api}/${top.toUpperCase()}/${tail}`,
    `/${api.toUpperCase()}/${top}/${tail}`,
    `/${api}/${top}\\${tail}`,
    `/${api}/${top}/./${tail}`,
    `/${api}/${top}//${tail}`,
    `/${api}/${top}/%2e/${tail}`,
    `/${api}/${top.toUpperCase()}`,
    `/${api}/${top}%3F/${tail}`,
    `/${api}/${top}%23`,
    `/${api}/${top}./${tail}`,
  ];
};

/** Requests for a protected resource among those the API origin got since `from` (all sent without a token). */
function protectedSince(from: number): string[] {
  return api.requests
    .slice(from)
    .map((r) => r.url)
    .filter((u) => /^\/+api\/+(me|config)\b/i.test(decodeURIComponent(u.replace(/%2f/gi, '/')).replace(/[\\;]/g, '/').replace(/\/\.?\//g, '/')));
}

describe('protected routes of the reference app hold under any spelling', () => {
  test.each(PROTECTED.flatMap((p) => spellings(p).map((s) => [p, s])))('%s spelled %s: never reaches the API without a token', async (_p, spelled) => {
    const before = api.requests.length;
    const r = await raw(spelled);
    expect(api.requests.length).toBe(before);
    if (spelled.startsWith('/API/')) {
      // No API behavior matches an upper-case /API/: CloudFront sends it to the site bucket
      // (under the A/B variant's prefix, for half of the viewers).
      expect(site.requests.at(-1)?.url).toMatch(new RegExp(`^(/variants/redesign)?${spelled.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}$`));
    } else {
      expect(r.status).toBe(400);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(r.text).error).toBe('non_canonical_path');
    }
  });

  test.each(['/api/me', '/api/config'])('%s (the bare prefix) needs a token as its prefix/* does', async (p) => {
    const before = api.requests.length;
    expect((await raw(p)).status).toBe(401);
    expect(api.requests.length).toBe(before);
    const ok = await raw(p, { authorization: `Bearer ${token('carol')}` });
    expect(ok.status).toBe(200);
    expect(api.requests.at(-1)?.url).toBe(p);
  });

  test('with a valid token, a non-canonical spelling is still refused: the origin sees canonical paths only', async () => {
    const r = await raw('/api/me//profile', { authorization: `Bearer ${token('dave')}` });
    expect(r.status).toBe(400);
  });

  test('legit paths, encoded meaning included, are served and reach the origin as sent', async () => {
    for (const p of ['/api/products/42', '/api/search/a%20b?q=%2e', '/api/search/100%25', '/api/search/a%2Bb', '/api/caf%C3%A9', '/api/search/what%3F', '/api/search/%23tag', '/api/search/a+b']) {
      const r = await raw(p);
      expect(r.status).toBe(200);
      expect(api.requests.at(-1)?.url).toBe(p);
    }
    expect((await raw('/api/me/profile', { authorization: `Bearer ${token('erin')}` })).status).toBe(200);
  });

  test('static traffic is not guarded: the site behaviors run no guard', async () => {
    const r = await raw('/assets//app.js');
    expect(r.status).toBe(200);
    expect(site.requests.at(-1)?.url).toBe('/assets//app.js');
  });

  test('property: no generated spelling reaches the origin unauthenticated for a protected resource', async () => {
    const piece = fc.constantFrom('api', 'API', 'me', 'ME', 'config', '%6De', 'm%65', '%63onfig', '.', '..', '%2e', '', 'x', 'profile', ';', '%2F', '\\', '%5C', 'flags');
    const from = api.requests.length;
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 2, maxLength: 5 }), async (parts) => {
        const r = await raw(`/${parts.join('/')}`);
        expect(r.status).not.toBe(500);
        expect(protectedSince(from)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('identity headers reaching the origin cannot collide or be spoofed', () => {
  const tokenWith = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt({ alg: 'RS256', typ: 'JWT', kid: assembly.kid }, { iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 600, ...claims }, assembly.privateKey);
  };

  test("subs 'é' and '%C3%A9' reach the origin as different x-auth-sub values", async () => {
    const seen: unknown[] = [];
    for (const sub of ['é', '%C3%A9']) {
      expect((await raw('/api/me/profile', { authorization: `Bearer ${tokenWith({ sub })}` })).status).toBe(200);
      seen.push(api.requests.at(-1)?.headers['x-auth-sub']);
    }
    expect(seen).toEqual(['%C3%A9', '%25C3%25A9']);
  });

  test('x_auth_sub and X-Auth_Sub from the viewer never reach the origin', async () => {
    const r = await raw('/api/me/profile', { authorization: `Bearer ${tokenWith({ sub: 'bob' })}`, x_auth_sub: 'alice', 'X-Auth_Scope': 'admin' });
    expect(r.status).toBe(200);
    const headers = api.requests.at(-1)!.headers;
    expect(headers['x-auth-sub']).toBe('bob');
    expect(Object.keys(headers).filter((h) => /^x[-_]auth[-_]/i.test(h) && h !== 'x-auth-sub')).toEqual([]);
  });
});
