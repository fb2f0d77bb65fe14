import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReferenceStack } from '../lib/reference-stack';
import { loadDevKey } from '../tools/dev-keys';
import { testWithTool } from './helpers/python-tools';
import { behaviorFor, cachePolicyOf, distributionConfig } from './helpers/stacks';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-ref-'));
const devKey = loadDevKey(outdir);
const app = new App({ outdir });
const stack = new ReferenceStack(app, 'TieredCdnReference', {
  env: { region: 'us-east-1' },
  auth: { issuer: devKey.issuer, audience: devKey.audience, jwks: devKey.jwks },
});
const template = Template.fromStack(stack);
const assembly = app.synth();

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** Masks what changes with handler code or asset content, so the snapshot shows only real changes. */
export function normalizeTemplate(json: unknown): unknown {
  const text = JSON.stringify(json)
    .replace(/[0-9a-f]{64}(\.zip)?/g, (_m, zip) => `<asset-hash>${zip ?? ''}`)
    .replace(/CurrentVersion[0-9A-F]{8}[0-9a-f]{32}/g, 'CurrentVersion<code-hash>')
    .replace(/"aws:cdk:bundling[^"]*"/g, '"<bundling>"');
  const out = JSON.parse(text);
  // A CloudFront Function's code is inline: it changes with the step code, like a bundle hash.
  for (const r of Object.values<any>(out.Resources ?? {})) {
    if (r.Type === 'AWS::CloudFront::Function') r.Properties.FunctionCode = '<cloudfront-function-code>';
  }
  return out;
}

describe('reference stack', () => {
  test('has the behaviors of the route table, most specific first, and one for the bare path of each protected prefix', () => {
    const config = distributionConfig(template);
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/api/categories/*', '/api/config/*', '/api/config', '/api/me/*', '/assets/*', '/api/me', '/api/*']);
    // `/api/me/*` does not match `/api/me`: without its own behavior, it would reach the API through `/api/*` unauthenticated.
    expect(behaviorFor(template, '/api/me').LambdaFunctionAssociations).toEqual(behaviorFor(template, '/api/me/*').LambdaFunctionAssociations);
    expect(behaviorFor(template, '/api/config').CachePolicyId).toEqual(behaviorFor(template, '/api/config/*').CachePolicyId);
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe('site');
  });

  test('the categories route honours CDN-Cache-Control: origin-response Lambda@Edge, viewer steps as CloudFront Functions', () => {
    const b = behaviorFor(template, '/api/categories/*');
    expect((b.LambdaFunctionAssociations ?? []).map((a: any) => a.EventType)).toEqual(['origin-response']);
    expect((b.FunctionAssociations ?? []).map((a: any) => a.EventType).sort()).toEqual(['viewer-request', 'viewer-response']);
    expect(distributionConfig(template).CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-cache-tag' });
  });

  test('applies the tier policies to the routes', () => {
    expect(cachePolicyOf(template, '/assets/*')).toMatchObject({ MinTTL: 31536000, MaxTTL: 31536000 });
    expect(cachePolicyOf(template, '*')).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 60 });
    expect(cachePolicyOf(template, '/api/*')).toMatchObject({ MinTTL: 0, DefaultTTL: 0, MaxTTL: 86400 });
    expect(cachePolicyOf(template, '/api/config/*')).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    expect(behaviorFor(template, '/api/me/*').CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
  });

  test('runs the viewer steps of behaviors without auth as CloudFront Functions (cloudfront-js-2.0, within 10 KB); behaviors with auth keep one Lambda@Edge viewer-request', () => {
    const resources = template.toJSON().Resources as Record<string, any>;
    const kinds = (p: string) => ({
      functions: (behaviorFor(template, p).FunctionAssociations ?? []).map((a: any) => a.EventType),
      lambdas: (behaviorFor(template, p).LambdaFunctionAssociations ?? []).map((a: any) => a.EventType),
    });
    expect(kinds('*')).toEqual({ functions: ['viewer-request', 'viewer-response'], lambdas: ['origin-request'] });
    // Geo routing of /api/* rides in its viewer-request CloudFront Function (cf.updateRequestOrigin): no origin-request Lambda@Edge.
    expect(kinds('/api/*')).toEqual({ functions: ['viewer-request'], lambdas: [] });
    for (const p of ['/api/me/*', '/api/me', '/api/config/*', '/api/config']) expect(kinds(p)).toEqual({ functions: [], lambdas: ['viewer-request'] });
    const fns = Object.values(resources).filter((r) => r.Type === 'AWS::CloudFront::Function');
    // `*` (2), `/api/*` (1), and `/api/categories/*` (2: its viewer-response restores the origin's Cache-Control).
    expect(fns.length).toBe(5);
    for (const f of fns) {
      expect(f.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
      expect(Buffer.byteLength(f.Properties.FunctionCode)).toBeLessThanOrEqual(10240);
    }
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::CloudFront::KeyValueStore')).toHaveLength(1);
  });

  test('each CloudFront Function keeps 15% of CloudFront\'s 10,240 bytes free (at most 8,700 B), so the route table can grow', () => {
    const resources = template.toJSON().Resources as Record<string, any>;
    const sizes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudFront::Function')
      .map((f) => ({ fn: f.Properties.FunctionConfig.Comment, over: Math.max(0, Buffer.byteLength(f.Properties.FunctionCode) - 8700) }));
    // The largest, /api/* (guard, normalize, geo routing, store reads and their value checks), is 8,367 B (2026-12-06).
    expect(sizes.filter((s) => s.over > 0)).toEqual([]);
    expect(sizes).toHaveLength(5);
  });

  test('has Origin Shield on every origin', () => {
    for (const origin of distributionConfig(template).Origins) {
      expect(origin.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-east-1' });
    }
  });

  test('outputs the distribution id for the invalidate command', () => {
    template.hasOutput('DistributionId', {});
  });

  test('is clean under cdk-nag AwsSolutions, every acknowledgement carrying a reason', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`)).toEqual([]);
    const acknowledged = collectAcknowledgements(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const ack of acknowledged) expect(ack.reason.length).toBeGreaterThan(40);
  });

  testWithTool('cfn-lint', 'cfn-lint reports no errors on the synthesized template', (cfnLint) => {
    const templateFile = path.join(assembly.directory, assembly.getStackByName('TieredCdnReference').templateFile);
    const lint = spawnSync(cfnLint, ['--format', 'json', templateFile], { encoding: 'utf8' });
    if (lint.error) throw lint.error;
    const findings: Array<{ Level: string; Rule: { Id: string }; Message: string }> = JSON.parse(lint.stdout || '[]');
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  });

  test('the built auth bundle in the cloud assembly answers CloudFront events: 401 without a token, the request with one', async () => {
    const handler = loadEdgeHandler('/api/me/*', 'viewer-request');
    const event = (headers: Record<string, string>) => ({
      Records: [
        {
          cf: {
            config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'r1' },
            request: {
              clientIp: '203.0.113.178',
              method: 'GET',
              uri: '/api/me/profile',
              querystring: '',
              headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [{ key: k, value: v }]])),
            },
          },
        },
      ],
    });
    const denied = await handler(event({ Host: 'd111111abcdef8.cloudfront.net', 'X-Auth-Sub': 'admin' }));
    expect(denied.status).toBe('401');
    expect(denied.headers['www-authenticate'][0].value).toMatch(/^Bearer realm=/);
    const now = Math.floor(Date.now() / 1000);
    const token = devKey.sign({ iss: devKey.issuer, aud: devKey.audience, sub: 'alice', iat: now, exp: now + 300 });
    const passed = await handler(event({ Host: 'd111111abcdef8.cloudfront.net', Authorization: `Bearer ${token}`, 'X-Auth-Sub': 'admin' }));
    expect(passed.status).toBeUndefined();
    expect(passed.uri).toBe('/api/me/profile');
    expect(passed.headers['x-auth-sub'].map((h: { value: string }) => h.value)).toEqual(['alice']);
  });

  test('carries its plan in the template Metadata: one entry per behavior in distribution order, with its tier, and no key material', () => {
    const json = template.toJSON();
    const plan = json.Metadata['TieredCdn::Plan'];
    expect(typeof plan.version).toBe('number');
    const config = distributionConfig(template);
    const patterns = [...config.CacheBehaviors.map((b: any) => b.PathPattern), '*'];
    expect(plan.behaviors.map((b: any) => b.pathPattern)).toEqual(patterns);
    expect(Object.fromEntries(plan.behaviors.map((b: any) => [b.pathPattern, b.tier]))).toEqual({
      '/api/categories/*': 'api',
      '/api/config/*': 'api',
      '/api/config': 'api',
      '/api/me/*': 'dynamic',
      '/api/me': 'dynamic',
      '/assets/*': 'static',
      '/api/*': 'api',
      '*': 'html',
    });
    expect(json.Resources[plan.distribution].Type).toBe('AWS::CloudFront::Distribution');
    expect(plan.routedDomains).toEqual(['api-eu.example.com']);
    expect(plan.experiments.map((e: any) => [e.name, e.cookie, e.header])).toEqual([['home', 'tcdn-exp-home', 'x-experiment-home']]);
    const text = JSON.stringify(plan);
    for (const jwk of devKey.jwks.keys) {
      expect(text).not.toContain(String(jwk.n ?? jwk.x));
      expect(text).not.toContain(String(jwk.kid));
    }
    expect(text).not.toMatch(/"(d|p|q|dp|dq|qi|k)":/);
    expect(text).not.toMatch(/PRIVATE KEY/);
  });

  test('matches the reviewed snapshot (asset and code hashes masked)', () => {
    expect(normalizeTemplate(template.toJSON())).toMatchSnapshot();
  });
});

/** Loads the handler of the edge function attached to a behavior, from the synthesized assets. */
function loadEdgeHandler(pathPattern: string, eventType: string): (event: unknown) => Promise<any> {
  const json = template.toJSON();
  const association = behaviorFor(template, pathPattern).LambdaFunctionAssociations.find((a: any) => a.EventType === eventType);
  const version = json.Resources[association.LambdaFunctionARN.Ref];
  const fn = json.Resources[version.Properties.FunctionName.Ref];
  const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
  const assetDir = path.join(assembly.directory, `asset.${assetHash}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(assetDir, 'index.js')).handler;
}

function collectAcknowledgements(root: IConstruct): Array<{ id: string; reason: string }> {
  const out: Array<{ id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && m.data && !Array.isArray(m.data)) {
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) out.push({ id, reason });
      }
    }
  }
  return out;
}
