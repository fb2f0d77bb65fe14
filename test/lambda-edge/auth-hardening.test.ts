import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as fc from 'fast-check';
import { decodeIdentityHeader } from '../../examples/identity-headers';
import { encodeIdentityValue } from '../../lambda-edge/shared/identity-header';
import { ECDSA_ORDER } from '../../lambda-edge/shared/jwk';
import { createAuthenticator, fetchJwksDocument, MAX_JWKS_BYTES, stripAssertedHeaders } from '../../lambda-edge/viewer-request/auth';
import { publicJwk, signJwt, type SigningAlgorithm } from '../../tools/dev-keys';
import { authConfig, b64url, bearer, generateKey, mint, validClaims, viewerRequest, type TestKey } from './jwt-fixtures';

const ALGS: SigningAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const keys = Object.fromEntries(ALGS.map((alg) => [alg, generateKey(alg)])) as Record<SigningAlgorithm, TestKey>;

function withSignature(token: string, signature: Buffer): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${b64url(signature)}`;
}
const signatureOf = (token: string) => Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');

async function outcome(key: TestKey, token: string) {
  return createAuthenticator(authConfig([key], { algorithms: [key.alg as never] })).authenticate(viewerRequest(bearer(token)));
}

function description(o: Awaited<ReturnType<typeof outcome>>): string | undefined {
  return o.allow ? undefined : JSON.parse(o.response.body as string).error_description;
}

describe('one signature, one spelling', () => {
  test.each(ALGS)('%s: the genuine token passes', async (alg) => {
    expect((await outcome(keys[alg], mint(keys[alg]))).allow).toBe(true);
  });

  test.each(ALGS)('%s: one byte more (a leading zero, or a trailing byte) is refused', async (alg) => {
    const token = mint(keys[alg]);
    const sig = signatureOf(token);
    for (const mutated of [Buffer.concat([Buffer.alloc(1), sig]), Buffer.concat([sig, Buffer.alloc(1)])]) {
      expect(description(await outcome(keys[alg], withSignature(token, mutated)))).toBe('invalid signature');
    }
  });

  test.each(['RS256', 'RS384', 'RS512', 'PS256'] as const)('%s: a signature one byte short of the modulus (leading zero dropped) is refused', async (alg) => {
    // OpenSSL left-pads a short RSA signature, so a signature starting with 0x00 verifies without it.
    let token = mint(keys[alg], validClaims({ n: 0 }));
    for (let i = 1; signatureOf(token)[0] !== 0; i++) token = mint(keys[alg], validClaims({ n: i }));
    const short = signatureOf(token).subarray(1);
    if (alg === 'PS256') {
      // The attack is real for PSS: OpenSSL verifies the short spelling.
      const pss = { key: keys[alg].privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST };
      expect(crypto.verify('sha256', Buffer.from(token.slice(0, token.lastIndexOf('.'))), pss, short)).toBe(true);
    }
    expect((await outcome(keys[alg], token)).allow).toBe(true);
    expect(description(await outcome(keys[alg], withSignature(token, short)))).toBe('invalid signature');
  });

  test.each(['ES256', 'ES384'] as const)('%s: the high-S twin (r, n - s), which OpenSSL accepts, is refused', async (alg) => {
    const token = mint(keys[alg]);
    const sig = signatureOf(token);
    const half = sig.length / 2;
    const s = BigInt(`0x${sig.subarray(half).toString('hex')}`);
    const twin = Buffer.concat([sig.subarray(0, half), Buffer.from((ECDSA_ORDER[alg] - s).toString(16).padStart(half * 2, '0'), 'hex')]);
    const input = Buffer.from(token.slice(0, token.lastIndexOf('.')));
    expect(crypto.verify(`sha${alg.slice(2)}`, input, { key: keys[alg].privateKey, dsaEncoding: 'ieee-p1363' }, twin)).toBe(true);
    expect(description(await outcome(keys[alg], withSignature(token, twin)))).toBe('invalid signature');
  });

  test.each(['ES256', 'ES384'] as const)('%s: a DER-encoded signature of the same (r, s) is refused', async (alg) => {
    const token = mint(keys[alg]);
    const input = Buffer.from(token.slice(0, token.lastIndexOf('.')));
    const der = crypto.sign(`sha${alg.slice(2)}`, input, { key: keys[alg].privateKey, dsaEncoding: 'der' });
    expect(description(await outcome(keys[alg], withSignature(token, der)))).toBe('invalid signature');
  });

  test('EdDSA: S + L (not reduced mod L) is refused', async () => {
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    const token = mint(keys.EdDSA);
    const sig = signatureOf(token);
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`);
    const unreduced = Buffer.from((s + L).toString(16).padStart(64, '0'), 'hex').reverse();
    expect(description(await outcome(keys.EdDSA, withSignature(token, Buffer.concat([sig.subarray(0, 32), unreduced]))))).toBe('invalid signature');
  });

  test('property: flipping any one bit of any signature is refused, for every algorithm', async () => {
    const tokens = Object.fromEntries(ALGS.map((alg) => [alg, mint(keys[alg])]));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ALGS), fc.nat(), fc.integer({ min: 0, max: 7 }), async (alg, at, bit) => {
        const sig = Buffer.from(signatureOf(tokens[alg]));
        sig[at % sig.length] ^= 1 << bit;
        expect((await outcome(keys[alg], withSignature(tokens[alg], sig))).allow).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('identity headers cannot collide', () => {
  const claimsOf = async (claims: Record<string, unknown>) => {
    const o = await createAuthenticator(authConfig([keys.RS256], { forwardClaims: ['x'] })).authenticate(viewerRequest(bearer(mint(keys.RS256, validClaims(claims)))));
    if (!o.allow) throw new Error('refused');
    return o.request.headers;
  };

  test.each([
    ['é', '%C3%A9'],
    [null, 'null'],
    [[1, 2], '[1,2]'],
    [{ a: 1 }, '{"a":1}'],
    [42, '42'],
    [true, 'true'],
    ['a b', 'a%20b'],
    ['\ud800', '\ufffd'],
  ])('claim values %j and %j give different headers', async (a, b) => {
    const ha = (await claimsOf({ x: a }))['x-auth-claim-x'][0].value;
    const hb = (await claimsOf({ x: b }))['x-auth-claim-x'][0].value;
    expect(ha).not.toBe(hb);
    expect(decodeIdentityHeader(ha)).toEqual(a);
    expect(decodeIdentityHeader(hb)).toEqual(b);
  });

  test("sub 'é' and sub '%C3%A9' reach the origin as different x-auth-sub values", async () => {
    const a = (await claimsOf({ sub: 'é' }))['x-auth-sub'][0].value;
    const b = (await claimsOf({ sub: '%C3%A9' }))['x-auth-sub'][0].value;
    expect([a, b]).toEqual(['%C3%A9', '%25C3%25A9']);
  });

  test('scopes: each scope encoded, separated by single spaces', async () => {
    const h = await claimsOf({ scope: 'read:me a%20b' });
    expect(h['x-auth-scope'][0].value).toBe('read:me a%2520b');
    expect(h['x-auth-scope'][0].value.split(' ').map(decodeIdentityHeader)).toEqual(['read:me', 'a%20b']);
  });

  test('property: the encoding is injective, round-trips, and stays printable ASCII without leading or trailing space', () => {
    // One instance for both values: the same values, and its table of every code point is built once.
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue());
    fc.assert(
      fc.property(value, value, (a, b) => {
        const ea = encodeIdentityValue(a);
        expect(ea).toMatch(/^[\x21-\x7e]*$/);
        // JSON has no -0: compare as JSON text.
        expect(JSON.stringify(decodeIdentityHeader(ea))).toBe(JSON.stringify(a));
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(ea).not.toBe(encodeIdentityValue(b));
      }),
      { numRuns: 3000 },
    );
  });

  test.each(['x_auth_sub', 'X_Auth_Sub', 'x-auth_claim-role', 'X-AUTH-SCOPE'])('viewer header %s, which folds to an asserted name, is removed', (name) => {
    const request = viewerRequest({ [name]: 'admin', 'x-other': 'kept' });
    const stripped = stripAssertedHeaders(request);
    expect(Object.keys(stripped.headers).filter((h) => h.replace(/_/g, '-').toLowerCase().startsWith('x-auth-'))).toEqual([]);
    expect(stripped.headers['x-other']).toBeDefined();
  });
});

describe('keys fetched from jwksUri pass the same checks as baked keys', () => {
  const baked = generateKey('RS256');
  // A sound key other than the baked one, for every fetched-key test: each builds its own
  // authenticator and JWK from it (a new 2,048-bit key per test cost about 0.15 s of CPU each).
  const fetched = generateKey('RS256');
  const weak = (bits: number) => {
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
    return { privateKey: pair.privateKey, jwk: publicJwk(pair.privateKey, 'RS256') };
  };

  async function tryFetched(jwk: Record<string, unknown>, privateKey: crypto.KeyObject, alg = 'RS256', algorithms = ['RS256']) {
    const auth = createAuthenticator(authConfig([baked], { jwksUri: 'https://issuer.test/jwks', algorithms: algorithms as never }), {
      fetchJwks: async () => ({ keys: [jwk] }),
    });
    const token = signJwt({ alg, typ: 'JWT', kid: jwk.kid }, validClaims(), privateKey);
    return auth.authenticate(viewerRequest(bearer(token)));
  }

  test('a sound fetched key is accepted (so the refusals below are the checks, not the plumbing)', async () => {
    const k = fetched;
    expect((await tryFetched({ ...k.jwk }, k.privateKey)).allow).toBe(true);
  });

  test.each([1024, 512])('an RSA-%i key is left out: its tokens are refused as an unknown kid', async (bits) => {
    const k = weak(bits);
    expect(description(await tryFetched({ ...k.jwk }, k.privateKey))).toBe('unknown key id');
  });

  test('a key published with its private members is left out', async () => {
    const k = fetched;
    const full = { ...(k.privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: k.kid, alg: 'RS256' };
    expect(description(await tryFetched(full, k.privateKey))).toBe('unknown key id');
  });

  test.each([
    ['use: enc', { use: 'enc' }],
    ["key_ops without 'verify'", { key_ops: ['encrypt'] }],
    ['alg of another key type', { alg: 'ES256' }],
    ['alg outside the route algorithms', { alg: 'RS512' }],
    ['n not a string', { n: 12345 }],
    ['no kid', { kid: undefined }],
  ])('a key with %s is left out', async (_what, change) => {
    const k = fetched;
    const jwk = { ...k.jwk, ...change, kid: 'kid' in change ? change.kid : k.kid };
    const token = signJwt({ alg: 'RS256', typ: 'JWT', kid: k.kid }, validClaims(), k.privateKey);
    const auth = createAuthenticator(authConfig([baked], { jwksUri: 'https://issuer.test/jwks' }), { fetchJwks: async () => ({ keys: [jwk] }) });
    expect((await auth.authenticate(viewerRequest(bearer(token)))).allow).toBe(false);
  });

  test("an alg-less fetched RSA key verifies only the route's algorithms of its type", async () => {
    const k = fetched;
    const noAlg = { ...k.jwk, alg: undefined };
    // RS512 is not a route algorithm: refused before the key is even looked at.
    expect((await tryFetched(noAlg, k.privateKey, 'RS512', ['RS256'])).allow).toBe(false);
    expect((await tryFetched(noAlg, k.privateKey, 'RS256', ['RS256'])).allow).toBe(true);
    // An EC token cannot use an RSA key, whatever the route allows.
    expect((await tryFetched(noAlg, keys.ES256.privateKey, 'ES256', ['RS256', 'ES256'])).allow).toBe(false);
  });

  test('malformed fetched documents and keys never throw and never admit', async () => {
    const k = fetched;
    for (const doc of [null, 'x', { keys: 'x' }, { keys: [null, 1, 'k', [], { kty: 'RSA' }, { kty: 'RSA', kid: k.kid, n: 'AQAB', e: 'AQAB' }] }]) {
      const auth = createAuthenticator(authConfig([baked], { jwksUri: 'https://issuer.test/jwks' }), { fetchJwks: async () => doc });
      expect((await auth.authenticate(viewerRequest(bearer(mint(k))))).allow).toBe(false);
    }
  });
});

describe('the JWKS size limit holds while the body streams', () => {
  let server: http.Server;
  let written = 0;
  let finished = false;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      written = 0;
      finished = false;
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const total = 400 * 1024 * 1024;
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        finished = true;
        res.end();
      };
      res.write('{"keys":[');
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a 400 MB chunked JWKS is refused after 64 KB, and the connection is cut long before the end', async () => {
    const heapBefore = process.memoryUsage().rss;
    await expect(fetchJwksDocument(url, 10_000)).rejects.toThrow('JWKS document too large');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(false);
    // What the server could push before the cut: socket buffers, not the document.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(100 * 1024 * 1024);
    expect(MAX_JWKS_BYTES).toBe(64 * 1024);
  });
});
