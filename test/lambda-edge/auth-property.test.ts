import * as fc from 'fast-check';
import { createAuthenticator } from '../../lambda-edge/viewer-request/auth';
import { authConfig, b64url, bearer, generateKey, mint, validClaims, viewerRequest } from './jwt-fixtures';

const rsa = generateKey('RS256');
const ec = generateKey('ES256');
const auth = createAuthenticator(authConfig([rsa, ec]));
const validTokens = [mint(rsa), mint(ec), mint(rsa, validClaims({ scope: 'a b c', email: 'x@y' }))];

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\u0000é';

/** Returns whether the token was refused; fails the property if decide() throws or lets it through. */
function refused(token: string): boolean {
  const outcome = auth.decide(viewerRequest(bearer(token)));
  return outcome.allow === false && outcome.response.status === '401';
}

type Mutation =
  | { kind: 'replace'; at: number; char: string }
  | { kind: 'delete'; at: number }
  | { kind: 'insert'; at: number; char: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'swapSegments'; a: number; b: number }
  | { kind: 'dropSegment'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.constantFrom(...TOKEN_CHARS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), char: fc.constantFrom(...TOKEN_CHARS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapSegments' as const), a: fc.nat(2), b: fc.nat(2) }),
  fc.record({ kind: fc.constant('dropSegment' as const), at: fc.nat(2) }),
);

function apply(token: string, m: Mutation): string {
  switch (m.kind) {
    case 'replace': {
      const at = m.at % token.length;
      return token.slice(0, at) + m.char + token.slice(at + 1);
    }
    case 'delete': {
      const at = m.at % token.length;
      return token.slice(0, at) + token.slice(at + 1);
    }
    case 'insert': {
      const at = m.at % (token.length + 1);
      return token.slice(0, at) + m.char + token.slice(at);
    }
    case 'truncate':
      return token.slice(0, m.at % token.length);
    case 'swapSegments': {
      const parts = token.split('.');
      [parts[m.a], parts[m.b]] = [parts[m.b], parts[m.a]];
      return parts.join('.');
    }
    case 'dropSegment': {
      const parts = token.split('.');
      parts.splice(m.at, 1);
      return parts.join('.');
    }
  }
}

test('a trailing space after the token is refused; extra spaces after the scheme are accepted', () => {
  expect(refused(`${validTokens[0]} `)).toBe(true);
  expect(refused(` ${validTokens[0]}`)).toBe(false); // extra spaces after the scheme are allowed (RFC 6750: 1*SP)
});

test('the unmutated tokens pass (so the properties below are not vacuous)', () => {
  for (const t of validTokens) expect(auth.decide(viewerRequest(bearer(t))).allow).toBe(true);
});

test('property: 5,000 mutated valid tokens are all refused and none throws', () => {
  fc.assert(
    fc.property(fc.constantFrom(...validTokens), fc.array(mutation, { minLength: 1, maxLength: 3 }), (token, mutations) => {
      const mutated = mutations.reduce(apply, token);
      // Spaces before the token belong to the header's separator (`Bearer` 1*SP token), not to the token.
      fc.pre(mutated.replace(/^ +/, '') !== token);
      return refused(mutated);
    }),
    { numRuns: 5_000 },
  );
});

test('property: 3,000 random strings are all refused and none throws', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), maxLength: 400 }), (token) => refused(token)),
    { numRuns: 3_000 },
  );
});

test('property: 3,000 well-formed tokens with random headers, claims and signatures are all refused', () => {
  const header = fc.record(
    {
      alg: fc.constantFrom('RS256', 'RS384', 'ES256', 'none', 'None', 'HS256', 'EdDSA', 'PS256', ''),
      kid: fc.oneof(fc.constantFrom(rsa.kid, ec.kid, '__proto__', '../jwks.json'), fc.string()),
      typ: fc.constantFrom('JWT', 'at+jwt'),
      crit: fc.array(fc.string(), { maxLength: 2 }),
    },
    { requiredKeys: ['alg'] },
  );
  const claims = fc.record(
    {
      iss: fc.constantFrom('https://issuer.test/', 'https://evil.test/', ''),
      aud: fc.oneof(fc.constant('tiered-cdn-test'), fc.array(fc.string(), { maxLength: 3 })),
      sub: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      exp: fc.oneof(fc.integer(), fc.double(), fc.string()),
      nbf: fc.integer(),
      scope: fc.oneof(fc.string(), fc.array(fc.string())),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(claims.map((c) => JSON.stringify(c)), fc.json(), fc.string());
  const signature = fc.uint8Array({ minLength: 0, maxLength: 300 });
  fc.assert(
    fc.property(header, body, signature, (h, b, s) => refused(`${b64url(JSON.stringify(h))}.${b64url(b)}.${b64url(Buffer.from(s))}`)),
    { numRuns: 3_000 },
  );
});
