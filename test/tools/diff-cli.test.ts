import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

/** A minimal CDK app: an api cache policy and a named bucket, parameterised by the two values the tests change. */
function appSource(ttlSeconds: number, bucketName: string): string {
  return `const cdk = require('aws-cdk-lib');
const app = new cdk.App();
const stack = new cdk.Stack(app, 'Web', { env: { region: 'us-east-1' } });
new cdk.aws_cloudfront.CachePolicy(stack, 'ApiCachePolicy', {
  minTtl: cdk.Duration.seconds(0), defaultTtl: cdk.Duration.seconds(0), maxTtl: cdk.Duration.seconds(${ttlSeconds}),
});
new cdk.aws_s3.Bucket(stack, 'SiteBucket', { bucketName: '${bucketName}' });
`;
}

/**
 * A scratch git repository with the project's node_modules linked in at its root, as a CDK app's
 * repository would have them installed. `gitignore` lists what the app must not commit.
 */
function scratchRepo(prefix: string, gitignore = 'node_modules\ncdk.out\n'): { dir: string; git: (...args: string[]) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  run('init', '--quiet', '--initial-branch=main');
  run('config', 'user.email', 'test@example.com');
  run('config', 'user.name', 'test');
  run('config', 'commit.gpgsign', 'false');
  fs.writeFileSync(path.join(dir, '.gitignore'), gitignore);
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, git: run };
}

let repo: string;
let git: (...args: string[]) => string;

beforeAll(() => {
  ({ dir: repo, git } = scratchRepo('tcdn-diff-repo-'));
  fs.writeFileSync(path.join(repo, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
  fs.writeFileSync(path.join(repo, 'app.js'), appSource(86400, 'site-bucket-one'));
  git('add', '.');
  git('commit', '--quiet', '-m', 'first');
  fs.writeFileSync(path.join(repo, 'app.js'), appSource(3600, 'site-bucket-two'));
  git('commit', '--quiet', '-am', 'second');
});

afterAll(() => {
  if (repo) fs.rmSync(repo, { recursive: true, force: true });
});

test('diff between two commits calls out the replacement and the TTL change before the full difference', async () => {
  const run = await runCli(['diff', '--base', 'HEAD~1'], {}, repo);
  expect(run.stderr).toMatch(/checked out HEAD~1 \([0-9a-f]{12}\) into a temporary worktree/);
  expect(run.code).toBe(0);
  const out = run.stdout;
  expect(out).toMatch(/^Comparing HEAD~1 \([0-9a-f]{12}\) -> working tree/);
  expect(out).toContain('Stack Web: 2 resource change(s), 1 replacement(s), 1 cache or behavior change(s)');
  expect(out).toMatch(/WILL_REPLACE AWS::S3::Bucket SiteBucket\w* \(Web\/SiteBucket\/Resource\): BucketName changed/);
  expect(out).toMatch(/ttl\s+ApiCachePolicy\w* CachePolicyConfig\.MaxTTL: 86400 -> 3600/);
  // Called out first, then the full CloudFormation difference.
  expect(out.indexOf('Replacements')).toBeLessThan(out.indexOf('[~] AWS::S3::Bucket'));
  expect(out).toContain('BucketName (requires replacement)');
  // The temporary worktree is gone.
  expect(git('worktree', 'list').split('\n')).toHaveLength(1);
});

test('fails with a clear message on an unknown ref, before synthesizing anything', async () => {
  const run = await runCli(['diff', '--base', 'no-such-branch'], {}, repo);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("--base 'no-such-branch' is not a commit in");
  expect(run.stderr).not.toContain('synthesizing');
});

test('the base is synthesized with the same git-ignored development key as the working tree', async () => {
  const { dir, git: g } = scratchRepo('tcdn-diff-devkey-', 'node_modules\ncdk.out\n.tiered-cdn\n');
  try {
    fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    // Like bin/app.ts: a key generated on first use into the ignored folder, baked into the template.
    fs.writeFileSync(
      path.join(dir, 'app.js'),
      `const fs = require('fs'); const cdk = require('aws-cdk-lib');
if (!fs.existsSync('.tiered-cdn/key')) { fs.mkdirSync('.tiered-cdn', { recursive: true }); fs.writeFileSync('.tiered-cdn/key', String(Date.now()) + Math.random().toString(36).slice(2, 8)); }
const app = new cdk.App(); const stack = new cdk.Stack(app, 'Web', { env: { region: 'us-east-1' } });
new cdk.aws_s3.Bucket(stack, 'B', { bucketName: 'b-' + fs.readFileSync('.tiered-cdn/key', 'utf8').toLowerCase() });
`,
    );
    g('add', '.');
    g('commit', '--quiet', '-m', 'first');
    // No key yet: the working tree's synth creates it, and the base reuses it.
    expect(fs.existsSync(path.join(dir, '.tiered-cdn'))).toBe(false);
    const first = await runCli(['diff', '--base', 'HEAD'], {}, dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('no differences');
    expect(fs.existsSync(path.join(dir, '.tiered-cdn', 'key'))).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('works from an app folder inside a larger repository, with node_modules at the top', async () => {
  const { dir: mono, git: g } = scratchRepo('tcdn-diff-mono-');
  try {
    const infra = path.join(mono, 'infra');
    fs.mkdirSync(infra);
    fs.writeFileSync(path.join(infra, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    fs.writeFileSync(path.join(infra, 'app.js'), appSource(300, 'mono-bucket'));
    g('add', '.');
    g('commit', '--quiet', '-m', 'first');
    fs.writeFileSync(path.join(infra, 'app.js'), appSource(600, 'mono-bucket'));
    const run = await runCli(['diff', '--base', 'HEAD', '--fail-on-replace'], {}, infra);
    expect(run.stderr).not.toContain('tiered-cdn:');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Stack Web: 1 resource change(s), 0 replacement(s), 1 cache or behavior change(s)');
    expect(run.stdout).toMatch(/ttl\s+ApiCachePolicy\w* CachePolicyConfig\.MaxTTL: 300 -> 600/);
  } finally {
    fs.rmSync(mono, { recursive: true, force: true });
  }
});
