import * as crypto from 'crypto';
import { buildEdgeCode, edgeEntry } from '../../lib/edge/bundle';
import { composeHandler } from '../../lambda-edge/viewer-request';

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256' };
const auth = {
  issuer: 'https://issuer.example.com/',
  audience: ['shop'],
  algorithms: ['RS256' as const],
  clockSkewSeconds: 30,
  requiredScopes: [],
  realm: 'shop',
  jwks: { keys: [jwk] },
  forwardClaims: [],
};
const normalize = { dropParams: [], dropPrefixes: [], sort: true };

describe('viewer-request bundles carry only the steps their behavior uses', () => {
  test('a behavior without auth ships no JWT verifier', () => {
    const without = Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { normalize, experiments: [] })).toString('utf8');
    const withAuth = Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { normalize, auth, experiments: [] })).toString('utf8');
    expect(withAuth).toContain('invalid_token');
    expect(without).not.toContain('invalid_token');
    expect(without).not.toContain('createPublicKey');
    expect(without.length).toBeLessThan(withAuth.length / 2);
  });

  test('auth configured without the auth step fails at load, never serving unauthenticated', () => {
    expect(() => composeHandler({ auth, experiments: [] }, undefined)).toThrow(
      'viewer-request: auth is configured but the bundle was built without it',
    );
  });
});
