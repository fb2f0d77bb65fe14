import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AssemblyError, matchBehavior, pathPatternToRegExp, readDistribution, startLocalEdge } from '../../tools/local';
import { request, synthApp } from './helpers';

/** Reading cdk.out: which distribution, which behavior, which edge function code. */

describe('CloudFront path patterns', () => {
  const matches = (pattern: string, p: string) => pathPatternToRegExp(pattern).test(p);
  test('* matches any characters including /', () => {
    expect(matches('/api/*', '/api/a/b/c')).toBe(true);
    expect(matches('/api/*', '/api/')).toBe(true);
    expect(matches('/api/*', '/api')).toBe(false);
    expect(matches('*.jpg', '/img/a/b.jpg')).toBe(true);
  });
  test('? matches exactly one character', () => {
    expect(matches('/v?/x', '/v1/x')).toBe(true);
    expect(matches('/v?/x', '/v10/x')).toBe(false);
  });
  test('case-sensitive, a leading slash optional, other characters literal', () => {
    expect(matches('/API/*', '/api/x')).toBe(false);
    expect(matches('images/*', '/images/a.png')).toBe(true);
    expect(matches('/a.b', '/aXb')).toBe(false);
    expect(matches('/a+b(c)', '/a+b(c)')).toBe(true);
  });
  test('the first matching behavior in template order wins; the default is last', () => {
    const behaviors = [{ pathPattern: '/api/me/*' }, { pathPattern: '/api/*' }, { pathPattern: '*' }];
    expect(matchBehavior(behaviors, '/api/me/x').pathPattern).toBe('/api/me/*');
    expect(matchBehavior(behaviors, '/api/x').pathPattern).toBe('/api/*');
    expect(matchBehavior(behaviors, '/other').pathPattern).toBe('*');
  });
});

describe('choosing the distribution', () => {
  let two: string;
  beforeAll(() => {
    two = synthApp((stack) => {
      new cloudfront.Distribution(stack, 'Blue', { defaultBehavior: { origin: new origins.HttpOrigin('blue.example.com') } });
      new cloudfront.Distribution(stack, 'Green', { defaultBehavior: { origin: new origins.HttpOrigin('green.example.com') } });
    }, 'Two');
  });

  test('fails when there are several and no --stack, listing them', () => {
    expect(() => readDistribution(two)).toThrow(AssemblyError);
    expect(() => readDistribution(two)).toThrow(/Two\/Blue\w+, Two\/Green\w+; pick one with --stack/);
  });

  test('Stack/LogicalId picks one, the logical id without its hash suffix too', () => {
    expect(Object.values(readDistribution(two, 'Two/Green').origins)[0].domainName).toBe('green.example.com');
  });

  test('fails on an unknown stack, naming the distributions found', () => {
    expect(() => readDistribution(two, 'Nope')).toThrow(/--stack 'Nope' has no CloudFront distribution .*Two\/Blue/);
  });

  test('finds a distribution inside a Stage (nested assembly)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-stage-'));
    const app = new App({ outdir });
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'Web', { env: { region: 'us-east-1' } });
    new cloudfront.Distribution(stack, 'Dist', { defaultBehavior: { origin: new origins.HttpOrigin('prod.example.com') } });
    app.synth();
    expect(Object.values(readDistribution(outdir).origins)[0].domainName).toBe('prod.example.com');
  });
});

test('an edge function of a stack outside us-east-1 is found through its cross-region stack and runs', async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-xregion-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Eu', { env: { region: 'eu-west-1', account: '123456789012' } });
  const fn = new cloudfront.experimental.EdgeFunction(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ status: "200", body: "hello from the edge" });'),
  });
  new cloudfront.Distribution(stack, 'Dist', {
    defaultBehavior: {
      origin: new origins.HttpOrigin('a.example.com'),
      edgeLambdas: [{ functionVersion: fn.currentVersion, eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST }],
    },
  });
  app.synth();
  const edge = await startLocalEdge({ app: outdir, port: 0, onWarning: () => {} });
  try {
    const r = await request(`${edge.url}/x`);
    expect(r.text).toBe('hello from the edge');
    expect(r.headers['x-cache']).toBe('LambdaGeneratedResponse from cloudfront');
  } finally {
    await edge.close();
  }
});
