import * as crypto from 'crypto';
import { TieredCdn } from '../../lib';
import { publicJwk, signJwt } from '../../tools/dev-keys';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type Reply, type TestOrigin, requestPath, send, startOrigin, synthApp } from './helpers';

/**
 * Protected routes a user adds, beyond the reference app's: one on its own prefix (`/admin/*`) and
 * one whose pattern has a wildcard before `/*` (`/api/v?/sessions/*`). Attacked through the local
 * edge with an origin that answers anything; it must never see an unauthenticated request for them.
 */
const ISSUER = 'https://issuer.test/';
const AUDIENCE = 'user-routes';
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = publicJwk(privateKey, 'RS256');

let api: TestOrigin;
let edge: LocalEdge;

beforeAll(async () => {
  const auth = { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] } };
  const app = synthApp((stack) => {
    new TieredCdn(stack, 'Cdn', {
      origins: { api: { domainName: 'api.example.com', originShield: false } },
      routes: [
        { pathPattern: '*', tier: 'api', origin: 'api' },
        { pathPattern: '/admin/*', tier: 'dynamic', origin: 'api', auth },
        { pathPattern: '/api/v?/sessions/*', tier: 'dynamic', origin: 'api', auth },
      ],
    });
  }, 'PathGuardUserRoutes');
  api = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `api ${req.url}`));
  edge = await startLocalEdge({ app, port: 0, pops: 1, origins: { 'api.example.com': api.url }, onWarning: () => {}, onEdgeLog: () => {} });
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await api?.close();
});

const raw = (path: string, headers: Record<string, string> = {}): Promise<Reply> => requestPath(edge.url, path, { headers });

const bearer = () => {
  const now = Math.floor(Date.now() / 1000);
  return { authorization: `Bearer ${signJwt({ alg: 'RS256', typ: 'JWT', kid: jwk.kid }, { iss: ISSUER, aud: AUDIENCE, sub: 'u1', iat: now, exp: now + 600 }, privateKey)}` };
};

// Unicode letters whose case mapping lands on ASCII: an origin comparing with Java's
// equalsIgnoreCase or .NET's OrdinalIgnoreCase reads them as the ASCII letter.
const ATTACKS = [
  '/Admin/users',
  '/ADMIN',
  '/admin',
  '/adm%C4%B1n/users', // U+0131 dotless i, upper-cases to I
  '/adm%C4%B0n/users', // U+0130 I with dot, lower-cases to i
  '/api/v1/sessions',
  '/api/v1/Sessions/x',
  '/api/V1/sessions/x',
  '/api/v1/%C5%BFessions/x', // U+017F long s, upper-cases to S
  '/api/v1/se%C5%BFsions',
  '/%E2%84%AAadmin', // U+212A Kelvin sign is not in "admin": canonical, unprotected, served
];

describe("a user's own protected routes hold under any spelling", () => {
  test.each(ATTACKS.slice(0, -1))('%s without a token never reaches the origin', async (p) => {
    const before = api.requests.length;
    const r = await raw(p);
    expect([400, 401]).toContain(r.status);
    expect(api.requests.length).toBe(before);
  });

  test('the Kelvin sign in front of a protected prefix is just another path', async () => {
    expect((await raw('/%E2%84%AAadmin')).status).toBe(200);
  });

  test('with a token, the canonical spellings (bare prefixes included) are served as sent', async () => {
    for (const p of ['/admin', '/admin/users', '/api/v1/sessions', '/api/v2/sessions/x']) {
      const r = await raw(p, bearer());
      expect(r.status).toBe(200);
      expect(api.requests.at(-1)?.url).toBe(p);
    }
  });

  test('legit encoded non-ASCII paths near a protected prefix are still served', async () => {
    for (const p of ['/adm%C3%ADn/users', '/api/v1/s%C3%A9ssions', '/api/v1/caf%C3%A9']) {
      expect((await raw(p)).status).toBe(200);
      expect(api.requests.at(-1)?.url).toBe(p);
    }
  });
});
