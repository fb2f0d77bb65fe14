import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { buildProgram } from '../../tools/cli';
import { referenceAssembly } from '../local/reference-assembly';
import { CLI, cliFromSources, REPO_ROOT, runCli } from './invalidate-moto-server';

/** The conventions every tiered-cdn command keeps, tried on the commands where they were broken. */

describe('a bad option value: the one-line error, where the options are, exit 2', () => {
  test.each([
    [['local', '--port', 'abc'], "error: option '--port <n>' argument 'abc' is invalid. expected a port from 0 to 65535, got 'abc'", 'local'],
    [['token', '--exp-in', '0'], "error: option '--exp-in <duration>' argument '0' is invalid. expected a positive duration such as 90s, 15m, 1h or 7d, got: \"0\"", 'token'],
    [['audit', '--base', 'http://127.0.0.1:1', '--timeout', 'soon'], "error: option '--timeout <seconds>' argument 'soon' is invalid. expected a number of seconds > 0, got 'soon'", 'audit'],
    [['diagram', '--bogus'], "error: unknown option '--bogus'", 'diagram'],
    [['token', '--sub', '', '--dir', os.tmpdir()], "error: option '--sub <subject>' argument '' is invalid. expected a non-empty value (a token with an empty claim names no one), got ''", 'token'],
    [['token', '--aud', '', '--dir', os.tmpdir()], "error: option '--aud <audience>' argument '' is invalid. expected a non-empty value (a token with an empty claim names no one), got ''", 'token'],
    [['audit', '--base', 'file:///etc/passwd'], "error: option '--base <url>' argument 'file:///etc/passwd' is invalid. --base must be an http(s) URL such as https://d111111abcdef8.cloudfront.net, got: \"file:///etc/passwd\"", 'audit'],
    [['invalidate', '--distribution', 'E1', '--tags', '#a'], "error: --tags '#a' starts with '#', which is added when a tag is sent: use --tags a (a tag that itself starts with '#' goes in --paths as '##a')", 'invalidate'],
  ])('%j', async (args, error, command) => {
    const run = await runCli(args, {}, REPO_ROOT);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${error}\nrun 'tiered-cdn ${command} --help' for its options\n`);
  });
});

test('output into a closed pipe ends quietly (tiered-cdn local --help | head -1)', async () => {
  const child = spawn(process.execPath, ['-e', cliFromSources(), CLI, 'local', '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // The reader goes away before the command writes anything, as `head -1` does after one line.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});

describe('token --claim', () => {
  test.each([
    ['sub=bob', "'sub' is set with --sub: use --sub bob, not --claim"],
    ['exp=1', "'exp' is set with --exp-in: use --exp-in 1, not --claim"],
    ['iss=https://evil.example/', "'iss' is set with --issuer: use --issuer https://evil.example/, not --claim"],
  ])('refuses the registered claim %s, saying how to set it', async (claim, message) => {
    const run = await runCli(['token', '--claim', claim, '--dir', os.tmpdir()], {}, REPO_ROOT);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  test('sets other claims, and --help says which it refuses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-token-'));
    try {
      const run = await runCli(['token', '--claim', 'team=core', '--sub', 'alice', '--json', '--dir', dir], {}, REPO_ROOT);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).claims).toEqual(expect.objectContaining({ team: 'core', sub: 'alice' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const help = (await runCli(['token', '--help'], {}, REPO_ROOT)).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('refuses iss, sub, aud, exp, iat, nbf, jti, scope');
  });
});

test('help shows defaults in the format the option takes, and no empty ones', () => {
  let all = '';
  for (const command of buildProgram().commands) {
    command.configureOutput({ writeOut: (s) => (all += s) });
    command.outputHelp();
  }
  expect(all).toMatch(/--exp-in <duration>\s+lifetime: 90s, 15m, 1h, 7d \(default: 1h\)/);
  expect(all).not.toMatch(/\(default: (\[\]|\{\}|3600)\)/);
});

test('local: nothing on stdout when the edge cannot listen (port in use), only the error on stderr', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const run = await runCli(['local', '--app', referenceAssembly().dir, '--port', String(port)], {}, REPO_ROOT);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
  } finally {
    blocker.close();
  }
});

test('diff outside a git repository says how to compare two templates', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-nogit-'));
  try {
    const run = await runCli(['diff'], { GIT_CEILING_DIRECTORIES: os.tmpdir() }, dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${fs.realpathSync(dir)} is not in a git repository`);
    expect(run.stderr).toContain('hint: compare two synthesized templates instead: tiered-cdn diff --old before.template.json --new cdk.out');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('one exit-code rule: 2 for a wrong option or value (with where the options are), 1 for a failure', () => {
  const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-000000000000';
  const usage: ReadonlyArray<[string, () => string[], string, string]> = [
    ['a path without its leading /', () => ['invalidate', '--distribution', 'E1', '--paths', 'index.html'], "'index.html': must start with / (use '/index.html')", 'invalidate'],
    ['/* without --all', () => ['invalidate', '--distribution', 'E1', '--paths', '/*'], "refusing to invalidate '/*'", 'invalidate'],
    ['--all without its confirmation', () => ['invalidate', '--distribution', 'E1', '--all'], 'add --yes-invalidate-everything to confirm', 'invalidate'],
    ['nothing to invalidate', () => ['invalidate', '--distribution', 'E1'], 'nothing to invalidate', 'invalidate'],
    ['--group without path groups', () => ['invalidate', '--distribution', 'E1', '--group', 'html'], '--group needs path groups', 'invalidate'],
    ['nothing to audit', () => ['audit', '--base', 'http://127.0.0.1:1'], 'nothing to audit', 'audit'],
    ['a path no route matches', () => ['audit', '--base', 'http://127.0.0.1:1', '--paths', '/x'], 'no route (and no --tier) for /x', 'audit'],
    ['an unknown experiment', () => ['experiment', 'set', 'checkout', 'a=1', '--kvs-arn', ARN, '--app', referenceAssembly().dir], "experiment 'checkout' is not in the app", 'experiment set'],
    ['an unknown variant', () => ['experiment', 'set', 'home', 'blue=1', '--kvs-arn', ARN, '--app', referenceAssembly().dir], "experiment 'home' has no variant 'blue'", 'experiment set'],
    ['experiment set with no arguments names the first missing one', () => ['experiment', 'set'], "error: missing required argument 'name'", 'experiment set'],
    ['experiment set without --kvs-arn', () => ['experiment', 'set', 'home', 'control=1'], "error: required option '--kvs-arn <arn>' not specified", 'experiment set'],
    ['routing set with no arguments names the first missing one', () => ['routing', 'set'], "error: missing required argument 'origin'", 'routing set'],
    ['routing set without --kvs-arn', () => ['routing', 'set', 'apiEu', 'api.example.com'], "error: required option '--kvs-arn <arn>' not specified", 'routing set'],
    ['experiment off with no arguments', () => ['experiment', 'off'], "error: missing required argument 'name'", 'experiment off'],
  ];

  test.each(usage)('%s: exit 2', async (_what, args, message, command) => {
    const run = await runCli(args(), {}, REPO_ROOT);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr.endsWith(`run 'tiered-cdn ${command} --help' for its options\n`)).toBe(true);
  });

  test.each([
    [['invalidte', '--help']],
    [['invalidte', '-h']],
    [['help', 'invalidte']],
    [['invalidte']],
  ])('%j: unknown command, the nearest one, exit 2 (not the top-level help)', async (args) => {
    const run = await runCli(args, {}, REPO_ROOT);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("error: unknown command 'invalidte'\n(Did you mean invalidate?)\nrun 'tiered-cdn --help' for the commands\n");
  });

  test.each([
    ['a CloudFront API that does not answer', ['invalidate', '--distribution', 'E1', '--paths', '/x', '--endpoint', 'http://127.0.0.1:1', '--max-attempts', '1'], 'CreateInvalidation for distribution E1 failed'],
    ['a base that does not answer', ['audit', '--base', 'http://127.0.0.1:1', '--paths', '/x', '--tier', 'static', '--timeout', '2'], 'request to http://127.0.0.1:1/x failed'],
  ])('%s: a failure, exit 1', async (_what, args, message) => {
    const run = await runCli(args, {}, REPO_ROOT);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('--help');
  });

  test('help of a known command still exits 0', async () => {
    const run = await runCli(['invalidate', '--help'], {}, REPO_ROOT);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: tiered-cdn invalidate');
  });
});
