import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { ReferenceStack } from '../../lib/reference-stack';
import { FunctionSandbox } from '../../tools/local/cf-function';
import { functionEvent, requestFromFunction, requestToFunction } from '../../tools/local/cf-function-event';
import { LocalKeyValueStore } from '../../tools/local/kvs';
import { attackAuthorizations, AUDIENCE, generateKey, ISSUER, mint, validClaims, viewerRequest, viewerRequestEvent } from './jwt-fixtures';

// The reference app synthesized into a cloud assembly with keys made for this test; the handlers
// under test are the files CloudFormation would deploy.
const trusted = generateKey('RS256');
const secondTrusted = generateKey('RS256');
const stranger = generateKey('RS256');
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-auth-assembly-'));
const app = new App({ outdir });
const stack = new ReferenceStack(app, 'AuthAssembly', {
  env: { region: 'us-east-1' },
  auth: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [trusted.jwk, secondTrusted.jwk] } },
});
const assembly = app.synth();
const template = assembly.getStackByName(stack.stackName).template;

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

type Handler = (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult>;

/** The viewer-request handler CloudFront runs for a path pattern, loaded from the assembly's asset. */
function viewerRequestHandler(pathPattern: string): Handler {
  const config = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig;
  const behavior = config.CacheBehaviors.find((b: any) => b.PathPattern === pathPattern);
  const association = behavior.LambdaFunctionAssociations.find((a: any) => a.EventType === 'viewer-request');
  const version = template.Resources[association.LambdaFunctionARN.Ref];
  const fn = template.Resources[version.Properties.FunctionName.Ref];
  const asset = path.join(assembly.directory, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
  return require(path.join(asset, 'index.js')).handler as Handler;
}

const isResponse = (r: CloudFrontRequestResult): r is Exclude<CloudFrontRequestResult, CloudFrontRequest | void | null> =>
  typeof r === 'object' && r !== null && 'status' in r;

describe.each(['/api/me/*', '/api/config/*'])('reference assembly %s', (pattern) => {
  const handler = viewerRequestHandler(pattern);
  const uri = pattern.replace('*', 'profile');

  test('a valid token passes with the verified subject, the spoofed one gone', async () => {
    const request = viewerRequest({ Authorization: `Bearer ${mint(trusted, validClaims({ sub: 'alice' }))}`, 'X-Auth-Sub': 'admin' }, uri);
    const result = await handler(viewerRequestEvent(request));
    if (isResponse(result)) throw new Error(`refused: ${result.body}`);
    expect((result as CloudFrontRequest).headers['x-auth-sub']).toEqual([{ key: 'x-auth-sub', value: 'alice' }]);
  });

  test('no token: 401 Bearer challenge, no-store', async () => {
    const result = await handler(viewerRequestEvent(viewerRequest({}, uri)));
    if (!isResponse(result)) throw new Error('let through');
    expect(result.status).toBe('401');
    expect(result.headers?.['www-authenticate'][0].value).toMatch(/^Bearer realm="[^"]+"$/);
    expect(result.headers?.['cache-control'][0].value).toBe('no-store');
  });

  test.each(attackAuthorizations(trusted, secondTrusted, stranger))('attack: %s gets 401 invalid_token', async (_name, authorization) => {
    const request = viewerRequest({ Authorization: authorization }, uri);
    const result = await handler(viewerRequestEvent(request));
    if (!isResponse(result)) throw new Error('let through to the origin');
    expect(result.status).toBe('401');
    expect(result.headers?.['www-authenticate'][0].value).toContain('error="invalid_token"');
    expect(result.headers?.['cache-control'][0].value).toBe('no-store');
  });
});

test('attack: a spoofed x-auth-sub on an unprotected route of the assembly is removed', () => {
  // /api/* runs its viewer steps (guard, query normalization, no auth) as a CloudFront Function:
  // the template's FunctionCode, run in the local edge's cloudfront-js-2.0 sandbox.
  const config = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig;
  const behavior = config.CacheBehaviors.find((b: any) => b.PathPattern === '/api/*');
  const association = behavior.FunctionAssociations.find((a: any) => a.EventType === 'viewer-request');
  const fn = template.Resources[association.FunctionARN['Fn::GetAtt'][0]];
  // Its routing target's domain is read from the key value store; an empty one keeps the deployed domain.
  const store = new LocalKeyValueStore({ logicalId: 'Store', name: 'store', id: 'x', arn: 'arn:aws:cloudfront::123456789012:key-value-store/x', data: [], source: 'test' });
  const model = { eventType: 'viewer-request' as const, name: 'ApiViewerRequest', runtime: fn.Properties.FunctionConfig.Runtime, code: fn.Properties.FunctionCode, keyValueStores: ['Store'] };
  const request = { method: 'GET', uri: '/api/products', querystring: '', headers: { 'x-auth-sub': [{ key: 'X-Auth-Sub', value: 'admin' }], 'x-auth-scope': [{ key: 'X-Auth-Scope', value: 'admin' }] }, clientIp: '198.51.100.1', body: Buffer.alloc(0) };
  const ctx = { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', requestId: 'r1' };
  const inv = new FunctionSandbox(model, { stores: new Map([['Store', store]]) }).invoke(functionEvent('viewer-request', ctx, request.clientIp, requestToFunction(request)));
  const out = requestFromFunction(model, inv.result, request);
  expect(out.headers['x-auth-sub']).toBeUndefined();
  expect(out.headers['x-auth-scope']).toBeUndefined();
});
