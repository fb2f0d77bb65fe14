import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { DEV_KEY_DIR, DEV_KEY_FILE, loadDevKey } from '../../tools/dev-keys';
import { printable } from '../../lambda-edge/shared/invalidation';
import { shellQuote } from '../../tools/diff/synth';
import { runCli } from './invalidate-moto-server';

/** The tools around the edge, used against their users: each case is an attack and what it gets. */

interface Recorder {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

async function recorder(): Promise<Recorder> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization ?? '-'}`);
    res.writeHead(200, { 'cache-control': 'public, max-age=60' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let base: Recorder;
let other: Recorder;
let tmp: string;

beforeAll(async () => {
  base = await recorder();
  other = await recorder();
});
afterAll(async () => {
  await base.close();
  await other.close();
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-tools-safety-'));
  base.seen.length = 0;
  other.seen.length = 0;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('audit requests only URLs on --base', () => {
  const otherHost = () => new URL(other.url).host;

  test.each([
    ['//host/x', () => `//${otherHost()}/x`],
    ['a backslash path', () => `/\\${otherHost()}/x`],
    ['an absolute URL', () => `${other.url}/x`],
  ])('--paths with %s is refused before any request, and the path is named', async (_what, make) => {
    const p = make();
    const run = await runCli(['audit', '--base', base.url, '--paths', '/ok', p, '--tier', 'api', '--token', 'secret-token']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(JSON.stringify(p));
    expect(run.stderr).toContain(`must stay on ${base.url}`);
    expect(other.seen).toEqual([]);
    expect(base.seen).toEqual([]);
  });

  test('a routes file with a cross-host sample path is refused the same way', async () => {
    const file = path.join(tmp, 'routes.json');
    fs.writeFileSync(file, JSON.stringify([{ pathPattern: '/api/*', tier: 'api', paths: ['/api/a', `//${otherHost()}/steal`] }]));
    const run = await runCli(['audit', '--base', base.url, '--routes', file, '--token', 'secret-token']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`"//${otherHost()}/steal"`);
    expect(other.seen).toEqual([]);
  });

  test('same-origin paths still go out, with the token', async () => {
    const run = await runCli(['audit', '--base', base.url, '--paths', '/api/a', '--tier', 'api', '--token', 'secret-token']);
    expect(base.seen).toEqual(['/api/a -', '/api/a Bearer secret-token']);
    expect(run.stdout).toContain('/api/a');
  });

  test.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:text/plain,x', 'not a url', 'http://'])("--base %j is a one-line error, no stack trace", async (value) => {
    const run = await runCli(['audit', '--base', value, '--paths', '/x', '--tier', 'api']);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toContain('--base must be an http(s) URL');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

test.each([[['--paths', '/x', '--tier', 'api']], [[]]])("audit: a non-http(s) --base is a usage error (exit 2) before anything else is checked (%j)", async (rest) => {
  const run = await runCli(['audit', '--base', 'javascript:alert(1)', ...rest]);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(
    `error: option '--base <url>' argument 'javascript:alert(1)' is invalid. --base must be an http(s) URL such as https://d111111abcdef8.cloudfront.net, got: "javascript:alert(1)"\nrun 'tiered-cdn audit --help' for its options\n`,
  );
});

describe('invalidate prints paths escaped', () => {
  test('a path carrying terminal escape sequences is shown as \\x1b, never sent raw to the terminal', async () => {
    const evil = '/a\x1b[2J\x1b]0;pwned\x07\u202eb';
    const run = await runCli(['invalidate', '--distribution', 'E2ABCDEF', '--dry-run', '--paths', evil]);
    expect(run.code).not.toBe(0);
    expect(run.stderr + run.stdout).not.toMatch(/[\x1b\x07\u202e]/);
    expect(run.stderr).toContain('/a\\x1b[2J\\x1b]0;pwned\\x07\\u{202e}b');
  });

  test('printable leaves ordinary paths alone and escapes every control character', () => {
    expect(printable('/assets/app.js')).toBe('/assets/app.js');
    expect(printable('/a\\b')).toBe('/a\\\\b');
    for (let c = 0; c < 0x20; c++) expect(printable(String.fromCharCode(c))).toMatch(/^\\x[0-9a-f]{2}$/);
    expect(printable('\x7f\x9b')).toBe('\\x7f\\x9b');
  });
});

describe('diff quotes refs and says what --base runs', () => {
  function gitRepo(): string {
    const dir = path.join(tmp, 'repo');
    fs.mkdirSync(dir);
    spawnSync('git', ['init', '-q'], { cwd: dir });
    return dir;
  }

  test.each(['main;touch pwned', '$(touch pwned)', "it's"])('a --base ref %j that is not a commit is quoted in the suggested command', async (ref) => {
    const dir = gitRepo();
    const run = await runCli(['diff', '--base', ref], {}, dir);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`git fetch origin ${shellQuote(ref)}`);
    expect(shellQuote(ref).startsWith("'")).toBe(true);
    // What the shell would make of the suggestion: one literal argument, nothing run.
    const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote(ref)}`], { cwd: dir, encoding: 'utf8' });
    expect(echoed.stdout).toBe(ref);
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  test("a ref starting with '-' is refused before git sees it", async () => {
    const run = await runCli(['diff', '--base=--output=/tmp/x'], {}, gitRepo());
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("is not a git ref (refs never start with '-'");
  });

  test("--help says --base runs that commit's cdk.json app", async () => {
    const run = await runCli(['diff', '--help']);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain("its cdk.json app is run (code from that commit runs on this machine)");
    expect(run.stdout).toContain('--base runs the app command of the cdk.json committed at that ref');
  });
});

describe('development keys are never committed', () => {
  test('tiered-cdn token in a fresh git init project leaves git status clean', async () => {
    spawnSync('git', ['init', '-q'], { cwd: tmp });
    const run = await runCli(['token', '--sub', 'alice'], {}, tmp);
    expect(run.code).toBe(0);
    // The private key is there, and git does not see it.
    expect(fs.existsSync(path.join(tmp, DEV_KEY_DIR, DEV_KEY_FILE))).toBe(true);
    const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: tmp, encoding: 'utf8' });
    expect(status.stdout).toBe('');
    spawnSync('git', ['add', '.'], { cwd: tmp });
    expect(spawnSync('git', ['diff', '--cached', '--name-only'], { cwd: tmp, encoding: 'utf8' }).stdout).toBe('');
  });

  test('a key folder made without its .gitignore gets one on the next use', () => {
    spawnSync('git', ['init', '-q'], { cwd: tmp });
    loadDevKey(tmp);
    fs.rmSync(path.join(tmp, '.tiered-cdn', '.gitignore'));
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: tmp, encoding: 'utf8' }).stdout).not.toBe('');
    loadDevKey(tmp);
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: tmp, encoding: 'utf8' }).stdout).toBe('');
  });
});
