import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type ChildOutput, outputOf } from '../helpers/child-output';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

/*
 * A validation error under the CDK CLI, as the README shows it: the message with every problem and
 * its code, no stack trace and no source line, whether `cdk synth` runs by hand or under a tool.
 */

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
/** The error block of the README's "Errors say how to fix". */
const README_ERROR = /\n```\n(Invalid TieredCdn 'Shop\/Cdn'[\s\S]*?)```\n/.exec(README)![1];

/** A project of its own (plain JavaScript, as examples/consumer) with this checkout's node_modules. */
function project(routes: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-synth-error-'));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(dir, 'site'));
  fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<!doctype html><title>Shop</title>\n');
  // tsx only to load this checkout's TypeScript sources (lib/); in one process, without npx's start-up.
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node --require tsx/cjs app.js' }));
  fs.writeFileSync(
    path.join(dir, 'app.js'),
    `const path = require('path');
const { App, Stack } = require('aws-cdk-lib');
const { TieredCdn } = require(${JSON.stringify(path.join(REPO_ROOT, 'lib'))});
const app = new App();
const stack = new Stack(app, 'Shop', { env: { region: 'us-east-1' } });
new TieredCdn(stack, 'Cdn', {
  site: { source: path.join(__dirname, 'site') },
  origins: { api: { domainName: 'api.shop.example' } },
  routes: ${routes},
});
app.synth();
`,
  );
  return dir;
}

function cdkSynth(cwd: string): Promise<ChildOutput> {
  return outputOf(
    spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices'], {
      cwd,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

const README_ROUTES = `[{ pathPattern: '*', tier: 'html', origin: 'site' }, { pathPattern: '/a/*', tier: 'api', origin: 'nope', methods: 'ALL' }]`;
const NO_STACK = /^\s+at |\^\n|node:internal|TieredCdnValidationError|problems: \[/m;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

test("npx cdk synth prints the README's error, with every problem and its code, and no stack trace", async () => {
  const dir = project(README_ROUTES);
  dirs.push(dir);
  const run = await cdkSynth(dir);
  expect(run.code).not.toBe(0);
  expect(run.stderr.startsWith(README_ERROR)).toBe(true);
  expect(run.stderr).not.toMatch(NO_STACK);
});

test('plain JavaScript with maxTtl: 30 is a coded problem under cdk synth, not a TypeError', async () => {
  const dir = project(`[{ pathPattern: '*', tier: 'html', origin: 'site' }, { pathPattern: '/api/products/*', tier: 'api', origin: 'api', maxTtl: 30 }]`);
  dirs.push(dir);
  const run = await cdkSynth(dir);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toContain(
    `Invalid TieredCdn 'Shop/Cdn' (1 problem):\n  - routes[1] ("/api/products/*").maxTtl must be a Duration such as Duration.seconds(30) (from aws-cdk-lib), got: 30 (a number). Write Duration.seconds(30) for 30 seconds. [prop-type-invalid]\n`,
  );
  expect(run.stderr).not.toMatch(/toSeconds is not a function/);
  expect(run.stderr).not.toMatch(NO_STACK);
  // The README quotes this very problem.
  expect(README).toContain('`maxTtl: 30` is the problem `routes[2] ("/api/products/*").maxTtl must be a Duration');
});

test('tiered-cdn diagram --synth (which runs cdk synth as diff does) shows the same error, no stack, exit 1', async () => {
  const dir = project(README_ROUTES);
  dirs.push(dir);
  const run = await runCli(['diagram', '--synth'], {}, dir);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(README_ERROR);
  expect(run.stderr).not.toMatch(NO_STACK);
});
