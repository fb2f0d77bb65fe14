import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { resolveAuthConfig, type RouteAuthOptions } from '../../lib/auth';
import type { Jwk } from '../../lambda-edge/shared/config';
import { publicJwk } from '../../tools/dev-keys';

const WHERE = "routes['/api/me/*'].auth";
const rsaPair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = publicJwk(rsaPair.privateKey, 'RS256');
const ecJwk = publicJwk(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256');

const minimal: RouteAuthOptions = { issuer: 'https://login.example.com/', audience: 'my-api', jwks: { keys: [rsaJwk] } };

function problemsOf(options: RouteAuthOptions) {
  const { config, errors } = resolveAuthConfig(options, WHERE);
  if (errors.length > 0) expect(config).toBeUndefined();
  return errors;
}

/** The problems' messages. */
function errorsOf(options: RouteAuthOptions): string[] {
  return problemsOf(options).map((p) => p.message);
}

describe('resolveAuthConfig', () => {
  test('minimal example: defaults applied, public members only baked', () => {
    const { config, errors } = resolveAuthConfig(minimal, WHERE);
    expect(errors).toEqual([]);
    expect(config).toEqual({
      issuer: 'https://login.example.com/',
      audience: ['my-api'],
      algorithms: ['RS256'],
      clockSkewSeconds: 30,
      requiredScopes: [],
      realm: 'tiered-cdn',
      jwks: { keys: [{ kty: 'RSA', n: rsaJwk.n, e: rsaJwk.e, kid: rsaJwk.kid, alg: 'RS256' }] },
      forwardClaims: [],
    });
  });

  test('maximum example', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-jwks-'));
    const file = path.join(dir, 'jwks.json');
    fs.writeFileSync(file, JSON.stringify({ keys: [rsaJwk, ecJwk] }));
    try {
      const { config, errors } = resolveAuthConfig(
        {
          issuer: 'https://login.example.com/tenant/',
          audience: ['a', 'b'],
          algorithms: ['RS256', 'ES256'],
          clockSkew: Duration.seconds(10),
          requiredScopes: ['read:me'],
          cookieName: 'session',
          jwksFile: file,
          jwksUri: 'https://login.example.com/tenant/.well-known/jwks.json',
          realm: 'example api',
          forwardClaims: ['email', 'tenant_id'],
        },
        WHERE,
      );
      expect(errors).toEqual([]);
      expect(config).toMatchObject({
        audience: ['a', 'b'],
        algorithms: ['RS256', 'ES256'],
        clockSkewSeconds: 10,
        requiredScopes: ['read:me'],
        cookieName: 'session',
        jwksUri: 'https://login.example.com/tenant/.well-known/jwks.json',
        realm: 'example api',
        forwardClaims: ['email', 'tenant_id'],
      });
      expect(config?.jwks.keys.map((k) => k.kid)).toEqual([rsaJwk.kid, ecJwk.kid]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('audience null is accepted as an explicit skip', () => {
    expect(resolveAuthConfig({ ...minimal, audience: null }, WHERE).config?.audience).toBeNull();
  });

  test('clockSkew as a number of seconds', () => {
    expect(resolveAuthConfig({ ...minimal, clockSkew: 5 }, WHERE).config?.clockSkewSeconds).toBe(5);
  });

  test('collects every problem at once', () => {
    const errors = errorsOf({ issuer: 'nope', audience: undefined as never, algorithms: ['HS256', 'none'] as never, jwks: { keys: [] } });
    expect(errors).toHaveLength(5);
    // Each with a stable code and the path of its prop (the route label in the message is not part of the path).
    const coded = problemsOf({ issuer: 'nope', audience: undefined as never, algorithms: ['HS256', 'none'] as never, jwks: { keys: [] } });
    expect(coded.map((p) => `${p.code} ${p.path}`)).toEqual([
      "auth-issuer-invalid routes['/api/me/*'].auth.issuer",
      "auth-audience-missing routes['/api/me/*'].auth.audience",
      "auth-algorithm-hmac routes['/api/me/*'].auth.algorithms",
      "auth-algorithm-none routes['/api/me/*'].auth.algorithms",
      "auth-jwks-empty routes['/api/me/*'].auth.jwks",
    ]);
  });

  test('fails when audience is omitted', () => {
    const { audience: _omit, ...rest } = minimal;
    expect(errorsOf(rest as RouteAuthOptions)).toEqual([
      expect.stringMatching(/^routes\['\/api\/me\/\*'\]\.auth\.audience is missing; .*or null to skip the check explicitly/),
    ]);
  });

  test('fails when audience is an empty list', () => {
    expect(errorsOf({ ...minimal, audience: [] })).toEqual([expect.stringContaining('.audience must be a non-empty string, a non-empty list of them, or null, got: []')]);
  });

  test('fails when the issuer is not an https URL', () => {
    for (const issuer of ['login.example.com', 'http://login.example.com/', '']) {
      expect(errorsOf({ ...minimal, issuer })).toEqual([expect.stringContaining(`.issuer must be the issuer's https URL exactly as it appears in the iss claim (known at synth time), got: ${JSON.stringify(issuer)}`)]);
    }
  });

  test('fails when algorithms contains none', () => {
    expect(errorsOf({ ...minimal, algorithms: ['none' as never] })).toEqual([expect.stringContaining('.algorithms contains "none": unsigned tokens are never accepted')]);
  });

  test('fails when algorithms contains HS256', () => {
    expect(errorsOf({ ...minimal, algorithms: ['RS256', 'HS256' as never] })).toEqual([
      expect.stringContaining('.algorithms contains "HS256": HMAC needs the shared secret at the edge'),
    ]);
  });

  test('fails when algorithms contains an algorithm the edge verifier does not support', () => {
    expect(errorsOf({ ...minimal, algorithms: ['ES512'] as never })).toEqual([expect.stringContaining('.algorithms contains "ES512", which the edge verifier does not support; use RS256, RS384, RS512, PS256, ES256, ES384, EdDSA')]);
  });

  test('fails when algorithms is empty', () => {
    expect(errorsOf({ ...minimal, algorithms: [] })).toContainEqual(expect.stringContaining(".algorithms must be a non-empty list such as ['RS256'], got: []"));
  });

  test('fails when the JWKS contains private key material', () => {
    const privateJwk = { ...(rsaPair.privateKey.export({ format: 'jwk' }) as Jwk), kid: 'k1' };
    expect(errorsOf({ ...minimal, jwks: { keys: [privateJwk] } })).toEqual([
      expect.stringContaining('.jwks.keys[0] contains private key material (d, p, q, dp, dq, qi); bake only the public key'),
    ]);
  });

  test('fails when the JWKS holds a symmetric key', () => {
    expect(errorsOf({ ...minimal, jwks: { keys: [{ kty: 'oct', kid: 'k', k: 'c2VjcmV0' }] } })).toEqual([
      expect.stringContaining('contains private key material (k)'),
      expect.stringContaining(`.jwks.keys[0].kty must be 'RSA', 'EC' or 'OKP' (asymmetric signing keys), got: "oct"; symmetric (HS*) secrets must never be shipped to the edge`),
    ]);
  });

  test('fails when the JWKS has no keys', () => {
    expect(errorsOf({ ...minimal, jwks: { keys: [] } })).toEqual([expect.stringContaining(".jwks has no keys; add the issuer's public signing keys")]);
  });

  test('fails when no keys are given at all', () => {
    expect(errorsOf({ issuer: minimal.issuer, audience: 'x', jwksUri: 'https://login.example.com/jwks' })).toEqual([
      expect.stringContaining('has no keys: set jwks (the issuer\'s public JWKS object) or jwksFile'),
    ]);
  });

  test('fails when both jwks and jwksFile are given', () => {
    expect(errorsOf({ ...minimal, jwksFile: 'jwks.json' })).toEqual([expect.stringContaining('.jwks and routes[\'/api/me/*\'].auth.jwksFile are both set')]);
  });

  test('fails when jwksFile cannot be read', () => {
    expect(errorsOf({ issuer: minimal.issuer, audience: 'x', jwksFile: '/nonexistent/jwks.json' })).toEqual([
      expect.stringContaining('.jwksFile "/nonexistent/jwks.json" cannot be read (ENOENT); check the path'),
    ]);
  });

  test('fails when jwksFile is not JSON', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'auth-jwks-')), 'jwks.json');
    fs.writeFileSync(file, 'not json');
    expect(errorsOf({ issuer: minimal.issuer, audience: 'x', jwksFile: file })).toEqual([expect.stringContaining(`.jwksFile ${JSON.stringify(file)} is not valid JSON`)]);
  });

  test('fails when a key type does not match the algorithms', () => {
    expect(errorsOf({ ...minimal, jwks: { keys: [ecJwk] } })).toEqual([
      expect.stringContaining(`.jwks.keys[0] (${JSON.stringify(ecJwk.kid)}) is a EC P-256 key, which matches none of the algorithms ["RS256"]; add ES256 to algorithms or remove the key`),
    ]);
  });

  test('fails when a key has no kid', () => {
    const { kid: _kid, ...noKid } = rsaJwk;
    expect(errorsOf({ ...minimal, jwks: { keys: [noKid as Jwk] } })).toEqual([expect.stringContaining('.jwks.keys[0].kid must be a non-empty string (tokens select their key by kid), got: undefined')]);
  });

  test('fails when two keys share a kid', () => {
    expect(errorsOf({ ...minimal, algorithms: ['RS256', 'ES256'], jwks: { keys: [rsaJwk, { ...ecJwk, kid: rsaJwk.kid }] } })).toEqual([
      expect.stringContaining(`.jwks.keys[1].kid ${JSON.stringify(rsaJwk.kid)} is used by another key`),
    ]);
  });

  test('fails when an RSA key is shorter than 2048 bits', () => {
    const weak = publicJwk(crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'RS256');
    expect(errorsOf({ ...minimal, jwks: { keys: [weak] } })).toEqual([expect.stringContaining('is a 1024-bit RSA key; use at least 2048 bits')]);
  });

  test('fails when a key is not a valid public key', () => {
    expect(errorsOf({ ...minimal, algorithms: ['ES256'], jwks: { keys: [{ kty: 'EC', kid: 'broken', crv: 'P-256', x: 'AQAB', y: 'AQAB' }] } })).toEqual([expect.stringContaining('.jwks.keys[0] ("broken") is not a valid EC public key')]);
  });

  test('fails when a key is marked for encryption', () => {
    expect(errorsOf({ ...minimal, jwks: { keys: [{ ...rsaJwk, use: 'enc' }] } })).toEqual([expect.stringContaining(".jwks.keys[0].use must be 'sig' for a signing key, got: \"enc\"")]);
  });

  test('fails when clockSkew is out of range', () => {
    expect(errorsOf({ ...minimal, clockSkew: Duration.hours(1) })).toEqual([expect.stringContaining('.clockSkew must be between 0 and 300 seconds, got: "1 hour"')]);
    expect(errorsOf({ ...minimal, clockSkew: -1 })).toEqual([expect.stringContaining('.clockSkew must be between 0 and 300 seconds, got: -1')]);
  });

  test('fails when jwksUri is not https', () => {
    expect(errorsOf({ ...minimal, jwksUri: 'http://login.example.com/jwks' })).toEqual([expect.stringContaining('.jwksUri must be an https URL known at synth time')]);
  });

  test('fails when a required scope contains a space', () => {
    expect(errorsOf({ ...minimal, requiredScopes: ['read me'] })).toEqual([expect.stringContaining('.requiredScopes contains "read me"; a scope is one non-empty word')]);
  });

  test('fails when a forwarded claim cannot be a header name', () => {
    expect(errorsOf({ ...minimal, forwardClaims: ['https://example.com/roles'] })).toEqual([
      expect.stringContaining('.forwardClaims contains "https://example.com/roles"; claim names become header names'),
    ]);
  });

  test('fails when two forwarded claims give headers an origin reads as one (case, or _ for -)', () => {
    expect(errorsOf({ ...minimal, forwardClaims: ['Role', 'role', 'tenant_id', 'tenant-id', 'email'] })).toEqual([
      expect.stringContaining(`.forwardClaims has "Role" and "role", which both become x-auth-claim-role`),
      expect.stringContaining(`.forwardClaims has "tenant_id" and "tenant-id", which both become x-auth-claim-tenant-id`),
    ]);
  });

  test('fails when the cookie name is invalid', () => {
    expect(errorsOf({ ...minimal, cookieName: 'my cookie' })).toEqual([expect.stringContaining('.cookieName must be a valid cookie name')]);
  });

  test('fails when the realm contains a quote', () => {
    expect(errorsOf({ ...minimal, realm: 'a"b' })).toEqual([expect.stringContaining('.realm must be 1-64 printable ASCII characters without quotes or backslashes, got: "a\\"b"')]);
  });
});

test('a route whose JWKS is a tiered-cdn development key warns on every synth (tiered-cdn:development-keys), naming the route', () => {
  const { privateKey } = require('crypto').generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { publicJwk } = require('../../tools/dev-keys');
  const key = publicJwk(privateKey, 'RS256');
  const plan = (jwks: object) =>
    require('../../lib').planDistribution(
      {
        origins: { api: { domainName: 'api.example.com' } },
        routes: [
          { pathPattern: '*', tier: 'dynamic', origin: 'api' },
          { pathPattern: '/me/*', tier: 'dynamic', origin: 'api', auth: { issuer: 'https://id.example.com/', audience: 'a', jwks } },
        ],
      },
      { region: 'us-east-1' },
    );
  const dev = plan({ keys: [key], 'x-tiered-cdn-development-key': 'never deploy' });
  expect(dev.problems).toEqual([]);
  expect(dev.warnings.filter((w: { id: string }) => w.id === 'tiered-cdn:development-keys').map((w: { message: string }) => w.message)).toEqual([
    expect.stringContaining('routes[1] ("/me/*").auth accepts tokens signed with a tiered-cdn development key'),
  ]);
  expect(plan({ keys: [key] }).warnings.filter((w: { id: string }) => w.id === 'tiered-cdn:development-keys')).toEqual([]);
});
