import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheChanges, diffStacks, formatStackDiffs } from '../../tools/diff/compare';
import { runCli } from './invalidate-moto-server';

function distribution(behaviors: { PathPattern: string; CachePolicyId: unknown; TargetOriginId?: string }[], defaultPolicy = 'managed-optimized') {
  return {
    Resources: {
      Dist: {
        Type: 'AWS::CloudFront::Distribution',
        Properties: {
          DistributionConfig: {
            DefaultCacheBehavior: { TargetOriginId: 'site', CachePolicyId: defaultPolicy },
            CacheBehaviors: behaviors.map((b) => ({ TargetOriginId: 'api', ...b })),
          },
        },
      },
    },
  };
}

test('per path pattern: a cache policy swap, a new behavior, and a changed order are cache changes', () => {
  const before = distribution([
    { PathPattern: '/api/*', CachePolicyId: { Ref: 'ApiPolicy' } },
    { PathPattern: '/api/me/*', CachePolicyId: 'disabled' },
  ]);
  const after = distribution([
    { PathPattern: '/api/me/*', CachePolicyId: 'disabled' },
    { PathPattern: '/api/*', CachePolicyId: { Ref: 'ApiPolicy2' } },
    { PathPattern: '/assets/*', CachePolicyId: { Ref: 'StaticPolicy' } },
  ]);
  const changes = cacheChanges(before, after).map((c) => `${c.kind} ${c.property}`);
  expect(changes).toEqual([
    'cache-key CacheBehaviors[/api/*].CachePolicyId',
    'behavior CacheBehaviors[/assets/*]',
    'behavior CacheBehaviors (order: first match wins)',
  ]);
  const text = formatStackDiffs(diffStacks({ Web: before }, { Web: after }));
  expect(text).toContain('cache-key Dist CacheBehaviors[/api/*].CachePolicyId: Ref ApiPolicy -> Ref ApiPolicy2');
  expect(text).toContain('behavior  Dist CacheBehaviors[/assets/*]: (none) -> "present"');
  expect(text).not.toMatch(/\u001b\[/);
});

test('identical templates print "no differences"', () => {
  const t = distribution([{ PathPattern: '/api/*', CachePolicyId: 'x' }]);
  expect(formatStackDiffs(diffStacks({ Web: t }, { Web: t }))).toBe('no differences\n');
});

test('template mode (--old/--new files) shows a TTL change and a replacement, and --fail-on-replace exits 1', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-diff-'));
  try {
    const policy = (maxTtl: number) => ({
      Type: 'AWS::CloudFront::CachePolicy',
      Properties: { CachePolicyConfig: { Name: 'api', MinTTL: 0, DefaultTTL: 0, MaxTTL: maxTtl, ParametersInCacheKeyAndForwardedToOrigin: { EnableAcceptEncodingGzip: true, HeadersConfig: { HeaderBehavior: 'none' }, CookiesConfig: { CookieBehavior: 'none' }, QueryStringsConfig: { QueryStringBehavior: 'all' } } } },
    });
    const bucket = (name: string) => ({ Type: 'AWS::S3::Bucket', Properties: { BucketName: name } });
    fs.writeFileSync(path.join(dir, 'before.template.json'), JSON.stringify({ Resources: { ApiPolicy: policy(86400), Site: bucket('one') } }));
    fs.writeFileSync(path.join(dir, 'after.template.json'), JSON.stringify({ Resources: { ApiPolicy: policy(600), Site: bucket('two') } }));
    const args = ['diff', '--old', path.join(dir, 'before.template.json'), '--new', path.join(dir, 'after.template.json')];
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('WILL_REPLACE AWS::S3::Bucket Site: BucketName changed');
    expect(run.stdout).toContain('ttl       ApiPolicy CachePolicyConfig.MaxTTL: 86400 -> 600');
    const gated = await runCli([...args, '--fail-on-replace']);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain('1 resource(s) would be replaced or destroyed (--fail-on-replace): after/Site (AWS::S3::Bucket)');
    const json = await runCli([...args, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).stacks[0].cacheChanges).toEqual([
      expect.objectContaining({ property: 'CachePolicyConfig.MaxTTL', kind: 'ttl', oldValue: 86400, newValue: 600 }),
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a new bundle of an edge function used by a behavior is called out, with its construct path; other functions are not', () => {
  const template = (key: string) => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: key } }, Metadata: { 'aws:cdk:path': 'Web/Cdn/ViewerRequestApi/Fn/Resource' } },
      FnVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' } } },
      Helper: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Bucket: 'b', S3Key: key } } },
      Dist: {
        Type: 'AWS::CloudFront::Distribution',
        Properties: { DistributionConfig: { DefaultCacheBehavior: { TargetOriginId: 'site', LambdaFunctionAssociations: [{ EventType: 'viewer-request', LambdaFunctionARN: { Ref: 'FnVersion' } }] } } },
      },
    },
  });
  const changes = cacheChanges(template('old.zip'), template('new.zip'));
  expect(changes).toEqual([
    expect.objectContaining({ logicalId: 'Fn', kind: 'edge-code', path: 'Web/Cdn/ViewerRequestApi/Fn/Resource', oldValue: 'old.zip', newValue: 'new.zip' }),
  ]);
  expect(formatStackDiffs(diffStacks({ Web: template('old.zip') }, { Web: template('new.zip') }))).toContain(
    'edge-code Fn (Web/Cdn/ViewerRequestApi/Fn/Resource) Code (edge bundle and its baked configuration): "old.zip" -> "new.zip"',
  );
});
