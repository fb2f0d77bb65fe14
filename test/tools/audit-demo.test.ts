import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type DemoApi, startDemoApi } from '../../examples/demo-api/server';
import { buildProgram } from '../../tools/cli';
import { type LocalEdge, routedDomains, startLocalEdge } from '../../tools/local/server';
import { readDistribution } from '../../tools/local/assembly';
import { devKeyAssembly } from '../local/reference-assembly';
import { CLI, cliFromSources, runCli } from './invalidate-moto-server';

/**
 * `tiered-cdn audit` on the project's own demo (the reference app, its edge functions, the demo
 * API) passes: cookies the edge sets are not charged to the origin, and the shared authenticated
 * route is compared between two users. The examples of `audit --help` run as written.
 */
let api: DemoApi;
let edge: LocalEdge;
let assembly: { dir: string; root: string };
let bin: string;

beforeAll(async () => {
  assembly = devKeyAssembly();
  api = await startDemoApi({ port: 0 });
  const model = readDistribution(assembly.dir);
  const origins: Record<string, string> = {};
  for (const o of Object.values(model.origins)) if (o.kind === 'custom') origins[o.domainName] = api.url;
  for (const d of routedDomains(model)) origins[d] = api.url;
  edge = await startLocalEdge({ app: assembly.dir, port: 0, origins, onWarning: () => {} });
  // `tiered-cdn` on PATH, as after `npm install`: the CLI of this checkout, bundled for this jest run
  // as the package ships it compiled (the bin file itself has tests of its own).
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-audit-bin-'));
  fs.writeFileSync(path.join(bin, 'tiered-cdn'), `#!/bin/sh\nexec "${process.execPath}" -e '${cliFromSources()}' "${CLI}" "$@"\n`, { mode: 0o755 });
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await api?.close();
  if (bin) fs.rmSync(bin, { recursive: true, force: true });
});

test('the demo audited with --app passes: the experiment cookies the edge sets are named and not charged', async () => {
  const run = await runCli(['audit', '--base', edge.url, '--app', assembly.dir], {}, assembly.root);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^\/\s+no\s+200\s+html\s+ok\s/m);
  // The static route is audited with a real object of the bucket, not with '/assets/'.
  expect(run.stdout).toMatch(/^\/assets\/app\.[0-9a-f]{8}\.(css|js)\s+no\s+200\s+static\s+ok\s+public, max-age=31536000, immutable$/m);
  expect(run.stdout).toContain("not graded: Set-Cookie tcdn-vid, tcdn-exp-home, set by the distribution's own edge functions after the cache");
  expect(run.stdout).toMatch(/\n0 error\(s\), 0 warning\(s\) in \d+ response\(s\)/);
});

function helpExamples(): string[] {
  const help = buildProgram().commands.find((c) => c.name() === 'audit')!;
  let text = '';
  help.configureOutput({ writeOut: (s) => (text += s) });
  help.outputHelp();
  const demo = text.slice(text.indexOf('Examples, against the local demo'), text.indexOf('Against a deployed distribution'));
  return [...demo.matchAll(/^ {2}\$ (.+)$/gm)].map((m) => m[1]);
}

test('every --help example against the local demo runs as written and exits 0', async () => {
  const examples = helpExamples();
  expect(examples).toHaveLength(4);
  // One shell, so the tokens of one line reach the next; each audit's status is recorded.
  const script = examples
    .map((line) => line.replaceAll('http://127.0.0.1:8080', edge.url))
    .map((line, i) => (line.includes(' audit ') ? `${line} > out${i}.txt 2> err${i}.txt; echo "$?" > status${i}.txt` : line))
    .join('\n');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-audit-examples-'));
  try {
    fs.symlinkSync(assembly.dir, path.join(work, 'cdk.out'));
    fs.symlinkSync(path.join(assembly.root, '.tiered-cdn'), path.join(work, '.tiered-cdn'));
    // Not spawnSync: the local edge answering these requests runs in this process.
    const status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', ['-c', `set -u\n${script}`], { cwd: work, stdio: 'ignore', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(status).toBe(0);
    const audits = examples.map((l, i) => [l, i] as const).filter(([l]) => l.includes(' audit '));
    expect(audits).toHaveLength(3);
    for (const [line, i] of audits) {
      const err = fs.readFileSync(path.join(work, `err${i}.txt`), 'utf8');
      expect([line, fs.readFileSync(path.join(work, `status${i}.txt`), 'utf8').trim(), err]).toEqual([line, '0', '']);
    }
    const json = JSON.parse(fs.readFileSync(path.join(work, `out${audits[2][1]}.txt`), 'utf8'));
    expect(json.rows.map((r: { viewer: string; status: number }) => `${r.viewer} ${r.status}`)).toEqual(['anonymous 401', 'sub=alice 200', 'sub=bob 200']);
    expect(json.errors).toBe(0);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
