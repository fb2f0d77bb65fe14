import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontRequestResult, CloudFrontResultResponse } from 'aws-lambda';
import { bundleEdgeFunction } from '../../lib/edge/bundle';
import type { ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { attackAuthorizations, authConfig, generateKey, mint, validClaims } from './jwt-fixtures';

/** Bundle budget from the issue: the whole viewer-request function, gzipped. */
const GZIP_BUDGET_BYTES = 8 * 1024;

const rsa = generateKey('RS256');
const es = generateKey('ES256');
const other = generateKey('RS256');

const protectedConfig: ViewerRequestConfig = {
  normalize: { dropParams: [], dropPrefixes: [], sort: true },
  auth: authConfig([rsa, es], { requiredScopes: ['read:me'], forwardClaims: ['email'] }),
  experiments: [{ name: 'checkout', variants: [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }], cookieMaxAgeSeconds: 86400 }],
};
const openConfig: ViewerRequestConfig = { experiments: [] };

type Handler = (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult>;

function load(config: ViewerRequestConfig): { handler: Handler; file: string } {
  const bundle = bundleEdgeFunction('viewer-request', config);
  const file = path.join(bundle.dir, 'index.js');
  // A fresh module per config, as Lambda loads it: the config is baked into the file.
  return { handler: require(file).handler as Handler, file };
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'events', 'auth-viewer-request.json'), 'utf8')) as CloudFrontRequestEvent;

/** The fixture event with the given Authorization values (none when empty). */
function event(authorization: string[] = []): CloudFrontRequestEvent {
  const copy = JSON.parse(JSON.stringify(fixture)) as CloudFrontRequestEvent;
  if (authorization.length > 0) copy.Records[0].cf.request.headers.authorization = authorization.map((value) => ({ key: 'Authorization', value }));
  return copy;
}

function isResponse(result: CloudFrontRequestResult): result is CloudFrontResultResponse {
  return typeof result === 'object' && result !== null && 'status' in result;
}

const protectedHandler = load(protectedConfig);
const openHandler = load(openConfig);

test('the bundle with auth, normalize and one experiment fits in 8 KB gzipped', () => {
  const code = fs.readFileSync(protectedHandler.file);
  const gz = zlib.gzipSync(code, { level: 9 }).length;
  expect(gz).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
});

test('a valid token passes: spoofed identity headers replaced, query normalized, variant assigned', async () => {
  const result = await protectedHandler.handler(event([`Bearer ${mint(rsa, validClaims({ email: 'ada@example.com' }))}`]));
  if (isResponse(result)) throw new Error(`refused: ${result.body}`);
  const request = result as CloudFrontRequest;
  expect(request.headers['x-auth-sub']).toEqual([{ key: 'x-auth-sub', value: 'user-1' }]);
  expect(request.headers['x-auth-claim-email'][0].value).toBe('ada@example.com');
  expect(request.headers['x-auth-claim-role']).toBeUndefined();
  expect(request.querystring).toBe('a=1&b=2');
  expect(['a', 'b']).toContain(request.headers['x-experiment-checkout'][0].value);
});

test('an ES256 token passes through the bundle', async () => {
  const result = await protectedHandler.handler(event([`Bearer ${mint(es)}`]));
  expect(isResponse(result)).toBe(false);
});

test('no token: 401 with the Bearer challenge, no-store, JSON body', async () => {
  const result = await protectedHandler.handler(event());
  if (!isResponse(result)) throw new Error('let through');
  expect(result.status).toBe('401');
  expect(result.headers?.['www-authenticate'][0].value).toBe('Bearer realm="tiered-cdn-test"');
  expect(result.headers?.['cache-control'][0].value).toBe('no-store');
  expect(JSON.parse(result.body as string)).toEqual({ error: 'unauthorized', error_description: 'a Bearer token is required' });
});

test('a token without the required scope: 403 insufficient_scope', async () => {
  const result = await protectedHandler.handler(event([`Bearer ${mint(rsa, validClaims({ scope: 'other' }))}`]));
  if (!isResponse(result)) throw new Error('let through');
  expect(result.status).toBe('403');
  expect(result.headers?.['www-authenticate'][0].value).toContain('error="insufficient_scope"');
});

describe('every attack gets 401 invalid_token from the built bundle', () => {
  const attacks = attackAuthorizations(rsa, es, other);
  test.each(attacks)('attack: %s', async (_name, authorization) => {
    const result = await protectedHandler.handler(event(authorization));
    if (!isResponse(result)) throw new Error('let through to the origin');
    expect(result.status).toBe('401');
    expect(result.headers?.['www-authenticate'][0].value).toMatch(/^Bearer realm="tiered-cdn-test", error="invalid_token", error_description="[^"]+"$/);
    expect(result.headers?.['cache-control'][0].value).toBe('no-store');
    expect(JSON.parse(result.body as string).error).toBe('invalid_token');
  });
});

test('attack: spoofed x-auth-sub on a route without auth is removed', async () => {
  const result = await openHandler.handler(event());
  if (isResponse(result)) throw new Error('unexpected response');
  const request = result as CloudFrontRequest;
  expect(request.headers['x-auth-sub']).toBeUndefined();
  expect(request.headers['x-auth-claim-role']).toBeUndefined();
  expect(request.headers['user-agent'][0].value).toBe('curl/8.5.0');
});

test('attack: spoofed x-auth-sub on a protected route is replaced by the verified subject', async () => {
  const result = await protectedHandler.handler(event([`Bearer ${mint(rsa, validClaims({ sub: 'user-42' }))}`]));
  if (isResponse(result)) throw new Error('refused');
  expect((result as CloudFrontRequest).headers['x-auth-sub']).toEqual([{ key: 'x-auth-sub', value: 'user-42' }]);
});
