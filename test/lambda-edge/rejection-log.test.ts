import type { CloudFrontResultResponse } from 'aws-lambda';
import fc from 'fast-check';
import { createHandler } from '../../lambda-edge/viewer-request';
import * as fs from 'fs';
import * as path from 'path';
import { AUTH_REJECTION_REASONS, authRejectionReason, rejectionLogLine, routeOf } from '../../lambda-edge/shared/rejections';
import { authConfig, bearer, generateKey, type HeaderInput, mint, validClaims, viewerRequest, viewerRequestEvent } from './jwt-fixtures';

/** Every refusal of a viewer-request function logs one JSON line: reason, route, kid; never the token or claims. */

const key = generateKey('RS256');
const other = generateKey('RS256');
const ROUTES = ['/api/me/*', '/api/me', '/api/*'];

function setup(overrides = {}) {
  const lines: string[] = [];
  const handler = createHandler(
    { auth: authConfig([key], overrides), guard: { protectedPatterns: ['/api/me/*'] }, experiments: [], routes: ROUTES },
    { log: (l) => lines.push(l) },
  );
  return { lines, handler };
}

async function refusal(headers: HeaderInput, uri = '/api/me/profile', overrides = {}) {
  const { lines, handler } = setup(overrides);
  const r = (await handler(viewerRequestEvent(viewerRequest(headers, uri)))) as CloudFrontResultResponse;
  return { status: r.status, lines: lines.map((l) => JSON.parse(l)), raw: lines };
}

test('no token: 401 and one line with reason token-missing and the route', async () => {
  const r = await refusal({});
  expect(r.status).toBe('401');
  expect(r.lines).toEqual([{ event: 'tiered-cdn.rejection', reason: 'token-missing', status: 401, route: '/api/me/*' }]);
});

test('the reason names the failed check, with the kid the token named', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, HeaderInput, string]> = [
    ['token-expired', bearer(mint(key, validClaims({ exp: now - 3600 }))), key.kid],
    ['audience-not-accepted', bearer(mint(key, validClaims({ aud: 'someone-else' }))), key.kid],
    ['issuer-not-accepted', bearer(mint(key, validClaims({ iss: 'https://evil.test/' }))), key.kid],
    ['unknown-key-id', bearer(mint(other)), other.kid],
    ['invalid-signature', bearer(`${mint(key).split('.').slice(0, 2).join('.')}.${mint(other).split('.')[2]}`), key.kid],
  ];
  for (const [reason, headers, kid] of cases) {
    const r = await refusal(headers);
    expect([r.status, r.lines]).toEqual(['401', [{ event: 'tiered-cdn.rejection', reason, status: 401, route: '/api/me/*', kid }]]);
  }
  expect((await refusal({ authorization: 'Basic dXNlcjpwYXNz' })).lines[0].reason).toBe('authorization-header-is-not-a-bearer-token');
  expect((await refusal({ authorization: 'Bearer not-a-jwt' })).lines[0].reason).toBe('malformed-token');
});

test('a missing scope is 403 scope-insufficient; the bare /api/me behavior is named as the route', async () => {
  const r = await refusal(bearer(mint(key, validClaims({ scope: 'other' }))), '/api/me', { requiredScopes: ['read:me'] });
  expect(r.status).toBe('403');
  expect(r.lines).toEqual([{ event: 'tiered-cdn.rejection', reason: 'scope-insufficient', status: 403, route: '/api/me', kid: key.kid }]);
});

test('a guard refusal is 400 with reason path-<problem>, on the behavior CloudFront matched the spelling to', async () => {
  const r = await refusal({}, '/api//me/profile');
  expect(r.status).toBe('400');
  expect(r.lines).toEqual([{ event: 'tiered-cdn.rejection', reason: 'path-empty-segment', status: 400, route: '/api/*' }]);
});

test('an accepted request logs nothing', async () => {
  const { lines, handler } = setup();
  const r = await handler(viewerRequestEvent(viewerRequest(bearer(mint(key)))));
  expect((r as { uri?: string }).uri).toBe('/api/me/profile');
  expect(lines).toEqual([]);
});

test('attack: the line never carries the token or a claim; a made-up kid cannot forge a line, a long one is left out', async () => {
  const token = mint(key, validClaims({ exp: 1, sub: 'secret-subject', email: 'a@b.test' }));
  const r = await refusal(bearer(token));
  expect(r.raw[0]).not.toContain(token.split('.')[1]);
  expect(r.raw[0]).not.toContain('secret-subject');
  expect(r.raw[0]).not.toContain('a@b.test');
  const weird = await refusal(bearer(mint(key, validClaims(), { kid: 'x\n{"reason":"forged"}' })));
  expect(weird.raw).toHaveLength(1);
  expect(weird.raw[0]).not.toContain('\n');
  expect(weird.lines[0]).toMatchObject({ reason: 'unknown-key-id', kid: 'x\n{"reason":"forged"}' });
  const long = await refusal(bearer(mint(key, validClaims(), { kid: 'k'.repeat(200) })));
  expect(long.lines[0].kid).toBeUndefined();
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 300 }), async (junk) => {
      const out = await refusal({ authorization: `Bearer ${junk}` });
      expect(out.lines).toHaveLength(1);
      expect(AUTH_REJECTION_REASONS as readonly string[]).toContain(out.lines[0].reason);
      if (junk.length > 8) expect(out.raw[0]).not.toContain(junk);
    }),
    { numRuns: 100 },
  );
});

test('the reason set is closed: every refusal auth.ts can give maps into it', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'lambda-edge', 'viewer-request', 'auth.ts'), 'utf8');
  const descriptions = [...source.matchAll(/invalid\('([^']+)'\)/g)].map((m) => m[1]);
  expect(descriptions.length).toBeGreaterThan(12);
  for (const d of descriptions) expect(AUTH_REJECTION_REASONS as readonly string[]).toContain(authRejectionReason(d));
});

test('rejectionLogLine and routeOf: one line, the first matching pattern of the behaviors sharing the function', () => {
  expect(rejectionLogLine({ reason: 'token-missing', status: 401 })).toBe('{"event":"tiered-cdn.rejection","reason":"token-missing","status":401}');
  expect(routeOf('/api/me', ROUTES)).toBe('/api/me');
  expect(routeOf('/api/me/x', ROUTES)).toBe('/api/me/*');
  expect(routeOf('/other', ROUTES)).toBeUndefined();
  expect(routeOf('/api/me', undefined)).toBeUndefined();
});
