import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../tools/invalidate-moto-server';
import { cliArgs, shellQuote } from './helpers';
import { devKeyAssembly } from './reference-assembly';

/**
 * `npm start` (tools/start.ts) on the reference app as `npx cdk synth` writes it (development key):
 * it serves the demo and prints what to try. Every printed command is run as printed, in one shell
 * as a user would paste them, and what its comment promises is checked.
 */

interface Ran {
  readonly line: string;
  /** Output of each run of the line. */
  readonly outputs: string[];
}

const header = (out: string, name: string) => new RegExp(`^${name}: (.*?)\\r?$`, 'im').exec(out)?.[1];
const status = (out: string) => Number(/^HTTP\/[\d.]+ (\d{3})/m.exec(out)?.[1]);

/** What each printed line promises, by the command's shape: [pattern, runs, check]. */
const PROMISES: Array<[RegExp, number, (r: Ran) => void]> = [
  [/^curl -si -b demo\.jar -c demo\.jar \S+\/$/, 2, ({ outputs: [a, b] }) => {
    expect([status(a), header(a, 'x-cache')]).toEqual([200, 'Miss from cloudfront']);
    expect([status(b), header(b, 'x-cache')]).toEqual([200, 'Hit from cloudfront']);
  }],
  [/^curl -s -b demo\.jar \S+\/ \| grep -o '<h1>\.\*<\/h1>'$/, 3, ({ outputs }) => {
    expect(outputs[0]).toMatch(/^<h1>tiered-cdn demo.*<\/h1>\n$/);
    expect(new Set(outputs).size).toBe(1);
  }],
  [/^curl -s --cookie 'tcdn-exp-home=control' /, 1, ({ outputs: [a] }) => expect(a).toBe('<h1>tiered-cdn demo</h1>\n')],
  [/^curl -s --cookie 'tcdn-exp-home=redesign' /, 1, ({ outputs: [a] }) => expect(a).toBe('<h1>tiered-cdn demo: the redesign variant</h1>\n')],
  [/^curl -s --compressed -D - -o \/dev\/null \S+\/assets\/app\.[0-9a-f]{8}\.css$/, 1, ({ outputs: [a] }) => {
    expect([status(a), header(a, 'content-encoding'), header(a, 'cache-control')]).toEqual([200, 'br', 'public, max-age=31536000, immutable']);
  }],
  [/^curl -s -H 'Accept-Encoding: gzip' -D - -o \/dev\/null /, 1, ({ outputs: [a] }) => expect(header(a, 'content-encoding')).toBe('gzip')],
  [/^curl -si \S+\/api\/products$/, 2, ({ outputs: [a, b] }) => {
    expect([status(a), header(a, 'x-cache')]).toEqual([200, 'Miss from cloudfront']);
    expect([status(b), header(b, 'x-cache')]).toEqual([200, 'Hit from cloudfront']);
  }],
  [/^curl -si '\S+\/api\/products\?utm_source=x'$/, 1, ({ outputs: [a] }) => expect([status(a), header(a, 'x-cache')]).toEqual([200, 'Hit from cloudfront'])],
  [/^curl -si \S+\/api\/me\/profile$/, 1, ({ outputs: [a] }) => expect(status(a)).toBe(401)],
  [/^TOKEN=\$\(npx tiered-cdn token --sub alice\)$/, 1, () => {}],
  [/^curl -si -H "Authorization: Bearer \$TOKEN" \S+\/api\/me\/profile$/, 1, ({ outputs: [a] }) => {
    expect(status(a)).toBe(200);
    expect(a).toMatch(/"sub":\s*"alice"/);
  }],
  [/^curl -si -H "Authorization: Bearer \$TOKEN" \S+\/api\/config\/flags$/, 2, ({ outputs: [a, b] }) => {
    expect([status(a), header(a, 'x-cache')]).toEqual([200, 'Miss from cloudfront']);
    expect([status(b), header(b, 'x-cache')]).toEqual([200, 'Hit from cloudfront']);
  }],
  [/^curl -si \S+\/api\/categories\/brewing$/, 2, ({ outputs: [a, b] }) => {
    expect([status(a), header(a, 'x-cache'), header(a, 'cache-control')]).toEqual([200, 'Miss from cloudfront', 'public, max-age=60']);
    expect([status(b), header(b, 'x-cache'), header(b, 'cache-control')]).toEqual([200, 'Hit from cloudfront', 'public, max-age=60']);
    expect(header(b, 'cdn-cache-control')).toBeUndefined();
  }],
  [/^npx tiered-cdn invalidate --endpoint http:\/\/\S+ --distribution E[0-9A-F]+ --tags product:p-200 --wait$/, 1, ({ outputs: [a] }) => {
    expect(a).toContain('1/1 invalidation completed');
    expect(a).toMatch(/invalidated 1 tag on E[0-9A-F]+/);
  }],
  [/^curl -s -D - -o \/dev\/null \S+\/api\/categories\/brewing$/, 1, ({ outputs: [a] }) => expect([status(a), header(a, 'x-cache')]).toEqual([200, 'Miss from cloudfront'])],
  [/^curl -s -H 'x-tiered-cdn-control: 1' \S+\/__tiered-cdn\/stats$/, 1, ({ outputs: [a] }) => expect(JSON.parse(a)).toEqual(expect.objectContaining({ viewerRequests: expect.any(Number) }))],
];

/** Runs the lines in one bash, each the number of times its promise needs, one output file per run. */
function runLines(lines: string[], cwd: string): Promise<Ran[]> {
  const plan = lines.map((line) => {
    const promise = PROMISES.find(([re]) => re.test(line));
    if (!promise) throw new Error(`npm start printed a command no test checks: ${line}`);
    return { line, runs: promise[1] };
  });
  const script = plan
    .map(({ line, runs }, i) =>
      line.startsWith('TOKEN=') ? line : Array.from({ length: runs }, (_, r) => `{ ${line} ; } > out-${i}-${r}.txt 2>&1`).join('\n'),
    )
    .join('\n');
  return new Promise((resolve, reject) => {
    // Not spawnSync: this process must keep reading npm start's output meanwhile.
    const child = spawn('bash', ['-c', `set -u\n${script}`], { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the printed commands failed (exit ${code})`));
      resolve(plan.map(({ line, runs }, i) => ({ line, outputs: line.startsWith('TOKEN=') ? [] : Array.from({ length: runs }, (_, r) => fs.readFileSync(path.join(cwd, `out-${i}-${r}.txt`), 'utf8')) })));
    });
  });
}

test('prints what to try; every printed command runs as printed and does what its comment says; stops on SIGTERM', async () => {
  const { dir, root } = devKeyAssembly();
  // Where a user pastes the commands: `npx tiered-cdn` is this checkout's (run from its sources, as the
  // run's CLI bundle under jest: test/local/helpers.ts), the key the one the app trusts.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-try-'));
  fs.mkdirSync(path.join(work, 'node_modules', '.bin'), { recursive: true });
  fs.writeFileSync(path.join(work, 'node_modules', '.bin', 'tiered-cdn'), `#!/bin/sh\nexec ${[process.execPath, ...cliArgs([])].map(shellQuote).join(' ')} "$@"\n`, { mode: 0o755 });
  fs.symlinkSync(path.join(root, '.tiered-cdn'), path.join(work, '.tiered-cdn'));

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'tools', 'start.ts'), '--no-synth', '--app', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => (/Ctrl-C to stop/.test(out) ? resolve() : undefined);
      child.stdout.on('data', check);
      child.on('close', () => reject(new Error(`npm start exited early:\n${out}`)));
    });
    const tryBlock = out.slice(out.indexOf('\nTry'), out.indexOf('Ctrl-C to stop'));
    const lines = tryBlock
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim().split(/\s{2,}# /)[0]);
    expect(lines.length).toBeGreaterThanOrEqual(PROMISES.length);
    const ran = await runLines(lines, work);
    for (const r of ran) PROMISES.find(([re]) => re.test(r.line))![2](r);
    // Every promise was printed: a command dropped from the list fails here.
    for (const [re] of PROMISES) expect([re.source, lines.some((l) => re.test(l))]).toEqual([re.source, true]);
    // The excerpt in docs/local-edge.md is made of printed lines (on the default port).
    const url = /Local edge\s+(http:\/\/\S+)/.exec(out)![1];
    const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'local-edge.md'), 'utf8');
    const excerpt = /prints what to try:\n\n```sh\n([\s\S]*?)```/.exec(docs)![1].trim().split('\n');
    const printed = tryBlock.split('\n').map((l) => l.trim().replaceAll(url, 'http://127.0.0.1:8080'));
    for (const line of excerpt) expect([line, printed.some((p) => p === line || p.startsWith(`${line.split('   # ')[0]}   # `))]).toEqual([line, true]);
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(work, { recursive: true, force: true });
  }
  expect(await exited).toBe(0);
});
