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

/** A bundle's handler, loaded as Lambda loads `index.js`. */
function loadBundle(code: string): (event: unknown) => Promise<any> {
  const mod = { exports: {} as { handler: (event: unknown) => Promise<any> } };
  new Function('module', 'exports', 'require', code)(mod, mod.exports, require);
  return mod.exports.handler;
}

describe('viewer-request bundles carry only the steps their behavior uses', () => {
  test('a behavior without auth ships no JWT verifier', () => {
    const without = Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { normalize, experiments: [] })).toString('utf8');
    const withAuth = Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { normalize, auth, experiments: [] })).toString('utf8');
    expect(withAuth).toContain('invalid_token');
    expect(without).not.toContain('invalid_token');
    expect(without).not.toContain('createPublicKey');
    expect(without.length).toBeLessThan(withAuth.length / 2);
  });

  test('a behavior without experiments or normalize ships neither, and still strips viewer-sent experiment headers', async () => {
    const experiments = [{ name: 'checkout', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }], cookieMaxAgeSeconds: 86400 }];
    const bare = Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { auth, experiments: [] })).toString('utf8');
    const full = Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { normalize, auth, experiments })).toString('utf8');
    // The tracking-prefix list lives in normalize; new viewers get their id from randomUUID in the bucketing.
    expect(full).toContain('utm_');
    expect(full).toContain('randomUUID');
    expect(bare).not.toContain('utm_');
    expect(bare).not.toContain('randomUUID');
    expect(bare.length).toBeLessThan(full.length - 2000);

    // What the bundle without experiments still does: a viewer cannot pick its own variant.
    const handler = loadBundle(Buffer.from(buildEdgeCode(edgeEntry('viewer-request'), { experiments: [] })).toString('utf8'));
    const request = { uri: '/', method: 'GET', querystring: '', clientIp: '203.0.113.9', headers: { 'x-experiment-checkout': [{ key: 'X-Experiment-Checkout', value: 'b' }], accept: [{ key: 'Accept', value: '*/*' }] } };
    const out = await handler({ Records: [{ cf: { config: {}, request } }] });
    expect(out.headers['x-experiment-checkout']).toBeUndefined();
    expect(out.headers.accept).toEqual([{ key: 'Accept', value: '*/*' }]);
  });

  test('normalize or experiments configured without their step fail at load, never serving without them', () => {
    const experiments = [{ name: 'checkout', variants: [{ name: 'a', weight: 1 }], cookieMaxAgeSeconds: 60 }];
    expect(() => composeHandler({ normalize, experiments: [] }, undefined)).toThrow('viewer-request: normalize is configured but the bundle was built without it');
    expect(() => composeHandler({ experiments }, undefined)).toThrow('viewer-request: experiments are configured but the bundle was built without them');
  });

  test('auth configured without the auth step fails at load, never serving unauthenticated', () => {
    expect(() => composeHandler({ auth, experiments: [] }, undefined)).toThrow(
      'viewer-request: auth is configured but the bundle was built without it',
    );
  });
});
