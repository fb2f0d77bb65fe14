import type { CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import type { ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { createHandler } from '../../lambda-edge/viewer-request/index';
import { authConfig, bearer, generateKey, mint, viewerRequest, viewerRequestEvent } from './jwt-fixtures';

const key = generateKey('ES256');
const experiment = { name: 'checkout', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }], cookieMaxAgeSeconds: 3600 };
const full: ViewerRequestConfig = {
  normalize: { dropParams: [], dropPrefixes: [], sort: true },
  auth: authConfig([key]),
  experiments: [experiment],
};

function withQuery(request: CloudFrontRequest, querystring: string): CloudFrontRequest {
  return { ...request, querystring };
}

test('order: a passing request is normalized, authenticated, then bucketed', async () => {
  const handler = createHandler(full);
  const request = withQuery(viewerRequest({ ...bearer(mint(key)), 'X-Experiment-Checkout': 'b-forced', 'X-Auth-Sub': 'admin' }), 'z=1&utm_source=x&a=2');
  const result = (await handler(viewerRequestEvent(request))) as CloudFrontRequest;
  expect(result.querystring).toBe('a=2&z=1');
  expect(result.headers['x-auth-sub'][0].value).toBe('user-1');
  expect(['a', 'b']).toContain(result.headers['x-experiment-checkout'][0].value);
});

test('order: a refused request is answered before any bucketing (no variant, no cookie instruction)', async () => {
  const handler = createHandler(full);
  const result = (await handler(viewerRequestEvent(viewerRequest()))) as CloudFrontResultResponse;
  expect(result.status).toBe('401');
  expect(JSON.stringify(result.headers)).not.toMatch(/experiment|set-cookie/i);
});

test('a behavior with no step configured still strips identity headers', async () => {
  const handler = createHandler({ experiments: [] });
  const request = viewerRequest({ 'X-Auth-Sub': 'admin', 'X-Auth-Claim-Role': 'root', 'X-Auth-Scope': 'admin', Accept: 'text/html' });
  const result = (await handler(viewerRequestEvent(request))) as CloudFrontRequest;
  expect(Object.keys(result.headers).filter((h) => h.startsWith('x-auth-'))).toEqual([]);
  expect(result.headers.accept[0].value).toBe('text/html');
});
