import * as crypto from 'crypto';
import type { CloudFrontRequest, CloudFrontRequestEvent } from 'aws-lambda';
import type { AuthConfig, Jwk } from '../../lambda-edge/shared/config';
import { publicJwk, signJwt, type SigningAlgorithm } from '../../tools/dev-keys';

/** A key pair generated for the test run; nothing is read from disk. */
export interface TestKey {
  readonly alg: SigningAlgorithm;
  readonly privateKey: crypto.KeyObject;
  readonly jwk: Jwk;
  readonly kid: string;
}

export function generateKey(alg: SigningAlgorithm): TestKey {
  const pair =
    alg === 'ES256'
      ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'ES384'
        ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' })
        : alg === 'EdDSA'
          ? crypto.generateKeyPairSync('ed25519')
          : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicJwk(pair.privateKey, alg);
  return { alg, privateKey: pair.privateKey, jwk, kid: jwk.kid as string };
}

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'tiered-cdn-test';

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function validClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300, scope: 'read:me', ...extra };
}

export function mint(key: TestKey, claims: Record<string, unknown> = validClaims(), header: Record<string, unknown> = {}): string {
  return signJwt({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header }, claims, key.privateKey);
}

export function authConfig(keys: readonly TestKey[], overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    issuer: ISSUER,
    audience: [AUDIENCE],
    algorithms: [...new Set(keys.map((k) => k.alg))] as AuthConfig['algorithms'],
    clockSkewSeconds: 30,
    requiredScopes: [],
    realm: 'tiered-cdn-test',
    jwks: { keys: keys.map((k) => k.jwk) },
    forwardClaims: [],
    ...overrides,
  };
}

export function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export type HeaderInput = Record<string, string | string[]>;

/** A CloudFront viewer-request `request` object, as CloudFront presents it (lower-case keys). */
export function viewerRequest(headers: HeaderInput = {}, uri = '/api/me/profile'): CloudFrontRequest {
  const cf: CloudFrontRequest['headers'] = { host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }] };
  for (const [name, value] of Object.entries(headers)) {
    cf[name.toLowerCase()] = (Array.isArray(value) ? value : [value]).map((v) => ({ key: name, value: v }));
  }
  return { clientIp: '203.0.113.178', headers: cf, method: 'GET', querystring: '', uri };
}

export function bearer(token: string): HeaderInput {
  return { Authorization: `Bearer ${token}` };
}

export function viewerRequestEvent(request: CloudFrontRequest): CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'req-1' },
          request,
        },
      },
    ],
  };
}

/**
 * Authorization header values for every attack the issue lists, each one a request a correct edge
 * answers with 401 invalid_token. `key` is trusted by the edge, `otherKnown` is another trusted
 * key, `unknown` is not trusted.
 */
export function attackAuthorizations(key: TestKey, otherKnown: TestKey, unknown: TestKey): Array<[string, string[]]> {
  const claims = validClaims();
  const input = (header: object, payload: object | string) =>
    `${b64url(JSON.stringify(header))}.${b64url(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
  const pem = crypto.createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' });
  const hsInput = input({ alg: 'HS256', kid: key.kid }, claims);
  const victim = mint(key);
  const forged = mint(key, validClaims({ sub: 'admin' }));
  const notJson = input({ alg: key.alg, kid: key.kid }, '{"sub":');
  const notJsonSig = crypto.sign('sha256', Buffer.from(notJson), key.privateKey);
  return [
    ['alg none', [`Bearer ${input({ alg: 'none', kid: key.kid }, claims)}.${b64url('x')}`]],
    ['HS256 signed with the RSA public key', [`Bearer ${hsInput}.${b64url(crypto.createHmac('sha256', pem).update(hsInput).digest())}`]],
    ['kid for another key', [`Bearer ${mint(key, claims, { kid: otherKnown.kid })}`]],
    ['unknown kid', [`Bearer ${mint(unknown)}`]],
    ['kid with path characters', [`Bearer ${mint(key, claims, { kid: '../../keys/evil.json' })}`]],
    ['kid with injection characters', [`Bearer ${mint(key, claims, { kid: "x' OR '1'='1" })}`]],
    ['expired', [`Bearer ${mint(key, validClaims({ exp: nowSeconds() - 3600 }))}`]],
    ['nbf in the future', [`Bearer ${mint(key, validClaims({ nbf: nowSeconds() + 3600 }))}`]],
    ['wrong iss', [`Bearer ${mint(key, validClaims({ iss: 'https://evil.test/' }))}`]],
    ['wrong aud', [`Bearer ${mint(key, validClaims({ aud: 'other-app' }))}`]],
    ['missing exp', [`Bearer ${mint(key, validClaims({ exp: undefined }))}`]],
    ['signature of another token', [`Bearer ${forged.slice(0, forged.lastIndexOf('.'))}${victim.slice(victim.lastIndexOf('.'))}`]],
    ['token over 8 KB', [`Bearer ${mint(key, validClaims({ pad: 'x'.repeat(9000) }))}`]],
    ['non-base64url characters', [`Bearer ${victim.replace(/\.([^.]*)$/, '.+/$1')}`]],
    ['payload not JSON', [`Bearer ${notJson}.${b64url(notJsonSig)}`]],
    ['crit header', [`Bearer ${mint(key, claims, { crit: ['b64'] })}`]],
    ['two Authorization headers', [`Bearer ${victim}`, `Bearer ${victim}`]],
  ];
}
