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

type HeaderInput = Record<string, string | string[]>;

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
