import * as crypto from 'crypto';
import type { CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import { createAuthenticator, MAX_TOKEN_LENGTH, type AuthOutcome } from '../../lambda-edge/viewer-request/auth';
import {
  AUDIENCE,
  authConfig,
  b64url,
  bearer,
  generateKey,
  ISSUER,
  mint,
  nowSeconds,
  validClaims,
  viewerRequest,
} from './jwt-fixtures';

const rsa = generateKey('RS256');
const ec = generateKey('ES256');
const other = generateKey('RS256'); // a key the edge does not know
const config = authConfig([rsa, ec], { forwardClaims: ['email', 'tenant'] });
const auth = createAuthenticator(config);

async function run(request: CloudFrontRequest): Promise<AuthOutcome> {
  return auth.authenticate(request);
}

function header(response: CloudFrontResultResponse, name: string): string | undefined {
  return response.headers?.[name]?.[0]?.value;
}

async function expectRefused(request: CloudFrontRequest, description: string, status = 401): Promise<CloudFrontResultResponse> {
  const outcome = await run(request);
  if (outcome.allow) throw new Error(`expected a refusal (${description}) but the request was let through`);
  const res = outcome.response;
  expect(res.status).toBe(String(status));
  expect(header(res, 'cache-control')).toBe('no-store');
  const error = status === 403 ? 'insufficient_scope' : 'invalid_token';
  expect(header(res, 'www-authenticate')).toContain(`error="${error}"`);
  expect(JSON.parse(res.body as string)).toEqual({ error, error_description: description });
  return res;
}

describe('verified tokens', () => {
  test('an RS256 token signed by a baked key passes with identity headers set', async () => {
    const token = mint(rsa, validClaims({ email: 'ada@example.com' }));
    const outcome = await run(viewerRequest(bearer(token)));
    expect(outcome.allow).toBe(true);
    if (!outcome.allow) return;
    const h = outcome.request.headers;
    expect(h['x-auth-sub'][0].value).toBe('user-1');
    expect(h['x-auth-scope'][0].value).toBe('read:me');
    expect(h['x-auth-claim-email'][0].value).toBe('ada@example.com');
    expect(h['x-auth-claim-tenant']).toBeUndefined();
    // The origin of a dynamic route may need the token itself.
    expect(h.authorization[0].value).toBe(`Bearer ${token}`);
  });

  test('an ES256 token signed by a baked key passes', async () => {
    const outcome = await run(viewerRequest(bearer(mint(ec))));
    expect(outcome.allow).toBe(true);
  });

  test('an EdDSA token passes when EdDSA is allowed', async () => {
    const ed = generateKey('EdDSA');
    const edAuth = createAuthenticator(authConfig([ed]));
    const outcome = await edAuth.authenticate(viewerRequest(bearer(mint(ed))));
    expect(outcome.allow).toBe(true);
  });

  test('a PS256 token passes when PS256 is allowed', async () => {
    const ps = generateKey('PS256');
    const psAuth = createAuthenticator(authConfig([ps]));
    expect((await psAuth.authenticate(viewerRequest(bearer(mint(ps)))))).toMatchObject({ allow: true });
    // The same key signing PKCS#1 v1.5 (RS256) is refused: the JWK says PS256.
    const rs = mint({ ...ps, alg: 'RS256' });
    expect((await psAuth.authenticate(viewerRequest(bearer(rs)))).allow).toBe(false);
  });

  test('the bearer scheme is case-insensitive', async () => {
    const outcome = await run(viewerRequest({ Authorization: `bearer ${mint(rsa)}` }));
    expect(outcome.allow).toBe(true);
  });

  test('a token expired less than the clock skew ago still passes', async () => {
    const outcome = await run(viewerRequest(bearer(mint(rsa, validClaims({ exp: nowSeconds() - 10 })))));
    expect(outcome.allow).toBe(true);
  });

  test('non-ASCII and object claims are forwarded as safe header values (percent-encoded; non-strings as ?JSON)', async () => {
    const token = mint(rsa, validClaims({ email: 'zoë@example.com', tenant: { id: 7 } }));
    const outcome = await run(viewerRequest(bearer(token)));
    if (!outcome.allow) throw new Error('refused');
    expect(outcome.request.headers['x-auth-claim-email'][0].value).toBe('zo%C3%AB@example.com');
    expect(outcome.request.headers['x-auth-claim-tenant'][0].value).toBe('?%7B%22id%22:7%7D');
  });

  test('the token is read from the configured cookie when there is no Authorization header', async () => {
    const cookieAuth = createAuthenticator(authConfig([rsa], { cookieName: 'session' }));
    const outcome = await cookieAuth.authenticate(viewerRequest({ Cookie: `theme=dark; session=${mint(rsa)}` }));
    expect(outcome.allow).toBe(true);
  });

  test('the cookie is ignored when no cookie name is configured', async () => {
    const outcome = await run(viewerRequest({ Cookie: `session=${mint(rsa)}` }));
    expect(outcome.allow).toBe(false);
  });

  test('audience null accepts a token for any audience', async () => {
    const anyAud = createAuthenticator(authConfig([rsa], { audience: null }));
    const outcome = await anyAud.authenticate(viewerRequest(bearer(mint(rsa, validClaims({ aud: 'someone-else' })))));
    expect(outcome.allow).toBe(true);
  });
});

describe('refusals', () => {
  test('missing token: 401 with a bare Bearer challenge', async () => {
    const outcome = await run(viewerRequest());
    if (outcome.allow) throw new Error('let through');
    expect(outcome.response.status).toBe('401');
    expect(header(outcome.response, 'www-authenticate')).toBe('Bearer realm="tiered-cdn-test"');
    expect(header(outcome.response, 'cache-control')).toBe('no-store');
    expect(header(outcome.response, 'content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(outcome.response.body as string).error).toBe('unauthorized');
  });

  test('missing scope: 403 insufficient_scope naming the required scope', async () => {
    const scoped = createAuthenticator(authConfig([rsa], { requiredScopes: ['read:me', 'admin'] }));
    const outcome = await scoped.authenticate(viewerRequest(bearer(mint(rsa))));
    if (outcome.allow) throw new Error('let through');
    expect(outcome.response.status).toBe('403');
    expect(header(outcome.response, 'www-authenticate')).toBe(
      'Bearer realm="tiered-cdn-test", error="insufficient_scope", error_description="token lacks a required scope", scope="read:me admin"',
    );
    expect(header(outcome.response, 'cache-control')).toBe('no-store');
  });

  test('all required scopes present (scope string or scp list) passes', async () => {
    const scoped = createAuthenticator(authConfig([rsa], { requiredScopes: ['read:me', 'admin'] }));
    expect((await scoped.authenticate(viewerRequest(bearer(mint(rsa, validClaims({ scope: 'admin read:me' })))))).allow).toBe(true);
    expect((await scoped.authenticate(viewerRequest(bearer(mint(rsa, validClaims({ scope: undefined, scp: ['admin', 'read:me'] })))))).allow).toBe(true);
  });

  test('a non-Bearer Authorization header is refused', async () => {
    await expectRefused(viewerRequest({ Authorization: 'Basic dXNlcjpwYXNz' }), 'Authorization header is not a Bearer token');
  });

  test('an algorithm outside the allow-list is refused even when correctly signed', async () => {
    const only256 = createAuthenticator(authConfig([rsa], { algorithms: ['RS256'] }));
    const token = signJwtWith(rsa.privateKey, { alg: 'RS384', kid: rsa.kid }, validClaims());
    const outcome = await only256.authenticate(viewerRequest(bearer(token)));
    if (outcome.allow) throw new Error('let through');
    expect(JSON.parse(outcome.response.body as string).error_description).toBe('algorithm not allowed');
  });

  test('a token whose alg does not fit its key type is refused', async () => {
    // ES256 header pointing at the RSA key: refused by the key's own alg when it has one...
    const token = `${b64url(JSON.stringify({ alg: 'ES256', kid: rsa.kid }))}.${b64url(JSON.stringify(validClaims()))}.${b64url(crypto.randomBytes(64))}`;
    await expectRefused(viewerRequest(bearer(token)), 'algorithm not allowed');
    // ...and by its key type when the JWK carries no alg.
    const { alg: _alg, ...noAlg } = rsa.jwk;
    const loose = createAuthenticator({ ...authConfig([rsa, ec]), jwks: { keys: [noAlg as typeof rsa.jwk, ec.jwk] } });
    const outcome = await loose.authenticate(viewerRequest(bearer(token)));
    if (outcome.allow) throw new Error('let through');
    expect(JSON.parse(outcome.response.body as string).error_description).toBe('key does not match algorithm');
  });

  test('a signature with base64 padding appended is refused (one signature, one spelling)', async () => {
    await expectRefused(viewerRequest(bearer(`${mint(rsa)}=`)), 'malformed token');
  });
});

function signJwtWith(key: crypto.KeyObject, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const hash = `sha${String(header.alg).slice(2)}`;
  return `${input}.${b64url(crypto.sign(hash, Buffer.from(input), key))}`;
}

describe('attacks', () => {
  test('attack: alg none (empty and junk signature)', async () => {
    const input = `${b64url(JSON.stringify({ alg: 'none', kid: rsa.kid }))}.${b64url(JSON.stringify(validClaims()))}`;
    await expectRefused(viewerRequest(bearer(`${input}.`)), 'malformed token');
    await expectRefused(viewerRequest(bearer(`${input}.${b64url('x')}`)), 'algorithm not allowed');
    const unkeyed = `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify(validClaims()))}.AA`;
    expect((await run(viewerRequest(bearer(unkeyed)))).allow).toBe(false);
  });

  test('attack: HS256 signed with the RSA public key as the HMAC secret', async () => {
    const pem = crypto.createPublicKey(rsa.privateKey).export({ type: 'spki', format: 'pem' });
    for (const secret of [pem, JSON.stringify(rsa.jwk), String(rsa.jwk.n)]) {
      const input = `${b64url(JSON.stringify({ alg: 'HS256', kid: rsa.kid }))}.${b64url(JSON.stringify(validClaims()))}`;
      const token = `${input}.${b64url(crypto.createHmac('sha256', secret).update(input).digest())}`;
      await expectRefused(viewerRequest(bearer(token)), 'algorithm not allowed');
    }
  });

  test('attack: kid of another known key (signed by key A, kid names key B)', async () => {
    const rsa2 = generateKey('RS256');
    const two = createAuthenticator(authConfig([rsa, rsa2]));
    const token = mint(rsa, validClaims(), { kid: rsa2.kid });
    const outcome = await two.authenticate(viewerRequest(bearer(token)));
    if (outcome.allow) throw new Error('let through');
    expect(JSON.parse(outcome.response.body as string).error_description).toBe('invalid signature');
  });

  test('attack: token signed by an unknown key with its own kid', async () => {
    await expectRefused(viewerRequest(bearer(mint(other))), 'unknown key id');
  });

  test('attack: kid with path or injection characters', async () => {
    for (const kid of ['../../../etc/passwd', "' OR '1'='1", '__proto__', 'constructor', `${rsa.kid}\u0000`, `${rsa.kid}/../x`, 'a\r\nx-auth-sub: admin']) {
      await expectRefused(viewerRequest(bearer(mint(rsa, validClaims(), { kid }))), 'unknown key id');
    }
  });

  test('attack: expired token', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ exp: nowSeconds() - 3600 })))), 'token expired');
  });

  test('attack: nbf in the future', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ nbf: nowSeconds() + 3600 })))), 'token not yet valid');
  });

  test('attack: wrong issuer', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ iss: 'https://evil.test/' })))), 'issuer not accepted');
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ iss: undefined })))), 'issuer not accepted');
  });

  test('attack: wrong audience', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ aud: 'another-app' })))), 'audience not accepted');
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ aud: undefined })))), 'audience not accepted');
    expect((await run(viewerRequest(bearer(mint(rsa, validClaims({ aud: ['x', AUDIENCE] }))))))).toMatchObject({ allow: true });
  });

  test('attack: missing exp', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ exp: undefined })))), 'token has no expiry');
  });

  test('attack: signature of another token', async () => {
    const victim = mint(rsa, validClaims({ sub: 'user-1' }));
    const forged = mint(rsa, validClaims({ sub: 'admin' }));
    const spliced = `${forged.slice(0, forged.lastIndexOf('.'))}${victim.slice(victim.lastIndexOf('.'))}`;
    await expectRefused(viewerRequest(bearer(spliced)), 'invalid signature');
  });

  test('attack: token over 8 KB', async () => {
    const token = mint(rsa, validClaims({ pad: 'x'.repeat(MAX_TOKEN_LENGTH) }));
    expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    await expectRefused(viewerRequest(bearer(token)), 'token too large');
  });

  test('attack: non-base64url characters', async () => {
    const token = mint(rsa);
    const [h, p, s] = token.split('.');
    for (const bad of [`${h}.${p}.${s.slice(0, 10)}+/${s.slice(12)}`, `${h}.${p}!.${s}`, `${h}.${p}.${s}%00`, `${h} .${p}.${s}`]) {
      expect((await run(viewerRequest({ Authorization: `Bearer ${bad}` }))).allow).toBe(false);
    }
    await expectRefused(viewerRequest(bearer(`${h}.${p}.${s.slice(0, 10)}+/${s.slice(12)}`)), 'malformed token');
  });

  test('attack: payload not JSON', async () => {
    const input = `${b64url(JSON.stringify({ alg: 'RS256', kid: rsa.kid }))}.${b64url('{"sub":"admin",')}`;
    const token = `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), rsa.privateKey))}`;
    await expectRefused(viewerRequest(bearer(token)), 'malformed token');
  });

  test('attack: crit header', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims(), { crit: ['exp'] }))), 'unsupported critical header');
  });

  test('attack: two Authorization headers', async () => {
    const good = mint(rsa);
    await expectRefused(viewerRequest({ Authorization: [`Bearer ${good}`, `Bearer ${good}`] }), 'more than one Authorization header');
  });

  test('attack: two token cookies', async () => {
    const cookieAuth = createAuthenticator(authConfig([rsa], { cookieName: 'session' }));
    const outcome = await cookieAuth.authenticate(viewerRequest({ Cookie: [`session=${mint(rsa)}`, `session=${mint(rsa, validClaims({ sub: 'admin' }))}`] }));
    expect(outcome.allow).toBe(false);
  });

  test('attack: sub claim that is not a string is refused', async () => {
    await expectRefused(viewerRequest(bearer(mint(rsa, validClaims({ sub: { admin: true } })))), 'malformed token');
  });
});

describe('decide never fetches', () => {
  test('an unknown kid is refused synchronously', () => {
    const outcome = auth.decide(viewerRequest(bearer(mint(other))));
    expect(outcome.allow).toBe(false);
  });

  test('a valid token passes synchronously', () => {
    expect(auth.decide(viewerRequest(bearer(mint(rsa)))).allow).toBe(true);
  });
});

test('the issuer and audience in the fixtures are what the config expects', () => {
  expect(config.issuer).toBe(ISSUER);
  expect(config.audience).toEqual([AUDIENCE]);
});
