import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * npm run bench:cli — what a start of the `tiered-cdn` command costs, as the package runs it.
 * `npm run build` first (the script does), then a package layout in a temporary folder (bin/,
 * dist/ and node_modules/ linked from this checkout, no sources: the bin runs the compiled CLI).
 * Each row is one command; the rounds alternate the rows, and each cell is the best (min) and the
 * median of CLI_BENCH_RUNS runs (default 7): CPU is the process's own user + system time (read by
 * the process as it exits), wall is measured around the spawn. Every row runs with node's compile
 * cache off and with a warm one (NODE_COMPILE_CACHE, which bin/tiered-cdn.js otherwise points at
 * the operating system's temporary folder).
 */

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.CLI_BENCH_RUNS ?? 7);

interface Row {
  readonly name: string;
  readonly args: readonly string[];
  /** Bare node, the floor every start pays. */
  readonly bare?: boolean;
  /** Run this checkout's bin, which runs the TypeScript sources through tsx. */
  readonly checkout?: boolean;
}

function packageLayout(tmp: string): string {
  const pkg = path.join(tmp, 'pkg');
  fs.mkdirSync(path.join(pkg, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'bin', 'tiered-cdn.js'), path.join(pkg, 'bin', 'tiered-cdn.js'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  for (const dir of ['dist', 'node_modules']) fs.symlinkSync(path.join(ROOT, dir), path.join(pkg, dir), 'dir');
  return path.join(pkg, 'bin', 'tiered-cdn.js');
}

interface Sample {
  readonly cpuMs: number;
  readonly wallMs: number;
}

function runOnce(bin: string, row: Row, env: NodeJS.ProcessEnv, cpuFile: string, cwd: string): Sample {
  // Preloaded into the measured process: its own CPU time, written as it exits.
  const report = `process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeFileSync(${JSON.stringify(cpuFile)}, String((u.user + u.system) / 1000)); });`;
  const preload = path.join(path.dirname(cpuFile), 'report-cpu.js');
  fs.writeFileSync(preload, report);
  const args = row.bare ? ['-r', preload, '-e', '0'] : ['-r', preload, row.checkout ? path.join(ROOT, 'bin', 'tiered-cdn.js') : bin, ...row.args];
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status === null) throw new Error(`${row.name}: killed by ${res.signal}`);
  return { cpuMs: Number(fs.readFileSync(cpuFile, 'utf8')), wallMs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number): string => x.toFixed(0);

function main(): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-cli-'));
  try {
    const bin = packageLayout(tmp);
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    const rows: Row[] = [
      { name: 'node -e 0 (bare node)', args: [], bare: true },
      { name: 'tiered-cdn --help', args: ['--help'] },
      { name: 'tiered-cdn invalidate --paths /index.html (usage error, exit 2)', args: ['invalidate', '--paths', '/index.html'] },
      { name: 'tiered-cdn token --sub alice', args: ['token', '--sub', 'alice', '--dir', work] },
      // Loads the AWS SDK and sends one request to a closed port: the start of a command that sends.
      { name: 'tiered-cdn invalidate --distribution E1 --paths /x --endpoint http://127.0.0.1:9 (exit 1)', args: ['invalidate', '--distribution', 'E1', '--paths', '/x', '--endpoint', 'http://127.0.0.1:9', '--max-attempts', '1', '--timeout', '1'] },
      { name: 'node bin/tiered-cdn.js --help (this checkout: the sources through tsx)', args: ['--help'], checkout: true },
    ];
    const cache = path.join(tmp, 'compile-cache');
    const base = { ...process.env };
    delete base.NODE_COMPILE_CACHE;
    const modes = [
      { name: 'cache off', env: { ...base, NODE_DISABLE_COMPILE_CACHE: '1' } },
      { name: 'warm cache', env: { ...base, NODE_COMPILE_CACHE: cache } },
    ];
    const cpuFile = path.join(tmp, 'cpu');
    // Warm the compile cache (and the file system) with one run of each row.
    for (const row of rows) runOnce(bin, row, modes[1].env, cpuFile, work);
    const samples = new Map<string, Sample[]>();
    for (let i = 0; i < RUNS; i++) {
      for (const row of rows) {
        for (const mode of modes) {
          const key = `${row.name}\u0000${mode.name}`;
          samples.set(key, [...(samples.get(key) ?? []), runOnce(bin, row, mode.env, cpuFile, work)]);
        }
      }
    }
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end, ${RUNS} runs per cell; ms, best / median\n`);
    console.log('| command | CPU, cache off | CPU, warm cache | wall, cache off | wall, warm cache | CPU warm / off |');
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) {
      const [off, warm] = modes.map((m) => samples.get(`${row.name}\u0000${m.name}`)!);
      const cpu = (s: Sample[]) => s.map((x) => x.cpuMs);
      const wall = (s: Sample[]) => s.map((x) => x.wallMs);
      const cell = (xs: number[]) => `${ms(Math.min(...xs))} / ${ms(median(xs))}`;
      console.log(`| \`${row.name}\` | ${cell(cpu(off))} | ${cell(cpu(warm))} | ${cell(wall(off))} | ${cell(wall(warm))} | ${(median(cpu(warm)) / median(cpu(off))).toFixed(2)} |`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
