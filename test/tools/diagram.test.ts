import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, aws_cloudfront as cloudfront, aws_cloudfront_origins as origins, aws_lambda as lambda, aws_s3 as s3 } from 'aws-cdk-lib';
import { distributionsOf } from '../../tools/diagram/model';
import { EMBED_END, EMBED_START, toMermaid } from '../../tools/diagram/mermaid';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

/**
 * A small distribution shaped like the construct's: a plan in the template Metadata naming each
 * behavior's tier (as TieredCdn writes it), shield on one origin. `withPlan: false` leaves the plan
 * out, as in a plain aws-cdk-lib distribution.
 */
function synthSmallApp(outdir: string, withPlan = true): void {
  // Path metadata is what `cdk synth` writes; the diagram names resources by construct path.
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Small', { env: { region: 'us-east-1' } });
  const bucket = new s3.Bucket(stack, 'Site');
  const staticPolicy = new cloudfront.CachePolicy(stack, 'StaticPolicy', { comment: 'tiered-cdn static tier' });
  const apiHeaders = new cloudfront.ResponseHeadersPolicy(stack, 'ApiHeaders', { comment: 'tiered-cdn api tier: security headers' });
  const fn = new lambda.Function(stack, 'AuthFn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async (e) => e.Records[0].cf.request;'),
  });
  const dist = new cloudfront.Distribution(stack, 'Dist', {
    defaultBehavior: { origin: origins.S3BucketOrigin.withOriginAccessControl(bucket, { originId: 'site', originShieldRegion: 'us-east-1' }), cachePolicy: staticPolicy },
    additionalBehaviors: {
      '/api/*': {
        origin: new origins.HttpOrigin('api.example.com', { originId: 'api' }),
        responseHeadersPolicy: apiHeaders,
        edgeLambdas: [{ eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST, functionVersion: fn.currentVersion }],
      },
      '/me/*': { origin: new origins.HttpOrigin('me.example.com', { originId: 'me' }), cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED },
    },
  });
  if (withPlan) {
    stack.templateOptions.metadata = {
      'TieredCdn::Plan': {
        version: 1,
        distribution: stack.getLogicalId(dist.node.defaultChild as cloudfront.CfnDistribution),
        behaviors: [
          { pathPattern: '/api/*', tier: 'api' },
          { pathPattern: '/me/*', tier: 'dynamic' },
          { pathPattern: '*', tier: 'static' },
        ],
      },
    };
  }
  app.synth();
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-diagram-'));
  synthSmallApp(path.join(dir, 'cdk.out'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('reads behaviors in match order with tiers, edge functions, origins and Origin Shield', () => {
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'Small.template.json'), 'utf8'));
  const [d] = distributionsOf('Small', template);
  expect(d.behaviors.map((b) => [b.pathPattern, b.tier, b.originId, b.functions.map((f) => `${f.eventType} ${f.name}`)])).toEqual([
    ['/api/*', 'api', 'api', ['viewer-request AuthFn']],
    ['/me/*', 'dynamic', 'me', []],
    ['*', 'static', 'site', []],
  ]);
  expect(d.origins).toEqual([
    { id: 'site', label: 'S3 bucket Site', kind: 's3', originKind: 's3-oac', shieldRegion: 'us-east-1' },
    { id: 'api', label: 'api.example.com', kind: 'custom', originKind: 'custom', shieldRegion: undefined },
    { id: 'me', label: 'me.example.com', kind: 'custom', originKind: 'custom', shieldRegion: undefined },
  ]);
  const chart = toMermaid([d]);
  expect(chart.split('\n')).toEqual(
    expect.arrayContaining([
      'flowchart LR',
      '  subgraph d_tier_api["api tier: cached when the origin sends s-maxage"]',
      '    d_route1["1. /api/*"]',
      '    d_route3["3. *"]',
      '  d_fn_AuthFn[["Lambda@Edge<br/>AuthFn"]]',
      '  d_route1 -.->|"viewer-request"| d_fn_AuthFn',
      '  d_shield_site{{"Origin Shield<br/>us-east-1"}}',
      '  d_route3 --> d_shield_site',
      '  d_shield_site --> d_origin_site',
      '  d_route2 --> d_origin_me',
    ]),
  );
});

test('without a plan (a plain aws-cdk-lib distribution), behaviors still chart: CachingDisabled is dynamic, the rest custom', () => {
  const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-diagram-plain-'));
  try {
    synthSmallApp(plain, false);
    const template = JSON.parse(fs.readFileSync(path.join(plain, 'Small.template.json'), 'utf8'));
    const [d] = distributionsOf('Small', template);
    expect(d.behaviors.map((b) => [b.pathPattern, b.tier, b.originId])).toEqual([
      ['/api/*', 'custom', 'api'],
      ['/me/*', 'dynamic', 'me'],
      ['*', 'custom', 'site'],
    ]);
    expect(toMermaid([d])).toContain('d_route1["1. /api/*"]');
  } finally {
    fs.rmSync(plain, { recursive: true, force: true });
  }
});

test('a plan of an unknown version is ignored rather than misread', () => {
  const template = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'Small.template.json'), 'utf8'));
  template.Metadata['TieredCdn::Plan'].version = 99;
  const [d] = distributionsOf('Small', template);
  expect(d.behaviors.map((b) => b.tier)).toEqual(['custom', 'dynamic', 'custom']);
});

test('--out writes the chart; --check passes when fresh and exits 1 when stale', async () => {
  const app = path.join(dir, 'cdk.out');
  const md = path.join(dir, 'diagram.md');
  const written = await runCli(['diagram', '--app', app, '--out', md]);
  expect(written.code).toBe(0);
  expect(written.stdout).toContain('(1 distribution(s), 3 route(s))');
  expect(fs.readFileSync(md, 'utf8')).toMatch(/^# Distribution diagram\n[\s\S]*```mermaid\nflowchart LR\n[\s\S]*```\n$/);
  expect((await runCli(['diagram', '--app', app, '--check', md])).code).toBe(0);
  fs.writeFileSync(md, fs.readFileSync(md, 'utf8').replace('1. /api/*', '1. /v1/*'));
  const stale = await runCli(['diagram', '--app', app, '--check', md]);
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain(`${md} is stale: it does not match the synthesized distribution; regenerate it with 'tiered-cdn diagram --synth --out ${md}'`);
  expect(stale.stderr).toContain('-     d_route1["1. /v1/*"]\n+     d_route1["1. /api/*"]');
  const stdout = await runCli(['diagram', '--app', app]);
  expect(stdout.stdout.startsWith('flowchart LR\n')).toBe(true);
});

test('a document with the markers (a README) gets only its marked block written and checked', async () => {
  const app = path.join(dir, 'cdk.out');
  const readme = path.join(dir, 'README.md');
  fs.writeFileSync(readme, `# My CDN\n\nIntro.\n\n${EMBED_START}\nold chart\n${EMBED_END}\n\n## More\n`);
  expect((await runCli(['diagram', '--app', app, '--check', readme])).code).toBe(1);
  expect((await runCli(['diagram', '--app', app, '--out', readme])).code).toBe(0);
  const written = fs.readFileSync(readme, 'utf8');
  expect(written).toMatch(new RegExp(`^# My CDN\\n\\nIntro\\.\\n\\n${escapeRegExp(EMBED_START)}\\n\\n\`\`\`mermaid\\nflowchart LR\\n[\\s\\S]*\\n\`\`\`\\n\\n${escapeRegExp(EMBED_END)}\\n\\n## More\\n$`));
  // Prose outside the markers is the author's: editing it keeps the check green.
  fs.writeFileSync(readme, written.replace('Intro.', 'A longer introduction.'));
  expect((await runCli(['diagram', '--app', app, '--check', readme])).code).toBe(0);
  fs.writeFileSync(readme, written.replace('3. *', '3. /old/*'));
  expect((await runCli(['diagram', '--app', app, '--check', readme])).code).toBe(1);
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('fails when there is no cloud assembly', async () => {
  const run = await runCli(['diagram', '--app', path.join(dir, 'missing')]);
  expect(run.code).toBe(1);
  // The CLI prints the error, then its hint on a line of its own.
  expect(run.stderr).toContain(`tiered-cdn: --app '${path.join(dir, 'missing')}' does not exist\nhint: run 'npx cdk synth' first, or pass --synth\n`);
});

test('the committed docs/diagram.md and the README diagram match the reference app', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-diagram-ref-'));
  try {
    // The project's CDK CLI itself (what `npx cdk` finds), without npm's own start-up.
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '--output', out], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Each arrow names the steps the function runs for that route; each function node its runtime.
    const chart = (await runCli(['diagram', '--app', out], {}, REPO_ROOT)).stdout;
    expect(chart).toMatch(/d_route\d+ -\.->\|"viewer-request: guard, auth"\| d_fn_Cdn_ViewerRequestApiConfig_Fn/);
    expect(chart).toMatch(/d_route\d+ -\.->\|"viewer-request: guard, normalize, routing"\| d_fn_Cdn_FunctionViewerRequestApi\n/);
    // Functions are named by what they do; routing targets are drawn, with the viewers routed there and their shield.
    expect(chart).toContain('d_fn_Cdn_FunctionViewerRequestApi[["CloudFront Function: guard, normalize, routing<br/>Cdn/FunctionViewerRequestApi"]]');
    expect(chart).toContain('d_fn_Cdn_ViewerRequestApiConfig_Fn[["Lambda@Edge: guard, auth<br/>Cdn/ViewerRequestApiConfig/Fn"]]');
    expect(chart).toContain('d_target_api_eu_example_com[("apiEu: api-eu.example.com<br/>routing target; the function sets no Origin Shield")]');
    expect(chart).toMatch(/d_route\d+ -\.->\|"routed: countries AT, BE, BG and 24 more"\| d_target_api_eu_example_com\n/);
    expect(chart).toMatch(/-\.->\|"origin-response: targeted-cache-control"\|/);
    for (const doc of ['docs/diagram.md', 'README.md']) {
      const run = await runCli(['diagram', '--app', out, '--check', doc], {}, REPO_ROOT);
      expect(run.stderr + run.stdout).toContain(`${doc} is up to date`);
      expect(run.code).toBe(0);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("--out FILE.md speaks for the user's file: its header names that file's regenerate and check commands, not this repository's", async () => {
  const app = path.join(dir, 'cdk.out');
  const md = path.join(dir, 'cdn-diagram.md');
  expect((await runCli(['diagram', '--app', app, '--out', md])).code).toBe(0);
  const header = fs.readFileSync(md, 'utf8').split('\n')[2];
  expect(header).toBe(
    `<!-- Generated by \`tiered-cdn diagram --synth --out ${md}\`; do not edit by hand. \`tiered-cdn diagram --synth --check ${md}\` fails when it is stale (run it in CI). -->`,
  );
  expect(header).not.toMatch(/docs\/diagram\.md|A test fails/);
});

test('diagram --synth in a folder without cdk.json says how to get one, exit 2', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-nocdkjson-'));
  try {
    const run = await runCli(['diagram', '--synth'], {}, empty);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error: --synth runs the app that cdk.json names, and ${empty} has no cdk.json`);
    expect(run.stderr).toContain('{"app": "npx tsx cdk-app.ts"}');
    expect(run.stderr).toContain("run 'tiered-cdn diagram --help' for its options");
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
