/**
 * Synth speed of the reference app, measured side by side in one run:
 *   - `cdk synth --quiet` as users run it (CLI + the app under tsx, transpile only),
 *   - the app alone under tsx (what the CLI spends outside its own start-up),
 *   - the app alone with aws-cdk-lib's built-in CloudFormation validation, which the app turns off
 *     because cfn-lint checks the templates,
 *   - a type-check of the project (`tsc --noEmit`), which `npm test` runs instead of the synth path.
 * `--with-tests` also times one full `npm test`.
 *
 *   npm run bench:synth [-- --runs 5] [-- --with-tests]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
const withTests = args.includes('--with-tests');
const SYNTH_TARGET_S = 6;
const TEST_TARGET_S = 90;

function time(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`${cmd} ${cmdArgs.join(' ')} exited ${r.status}`);
  }
  return seconds;
}

function stats(samples: number[]): { median: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

const rows: Array<[string, ReturnType<typeof stats>, number | undefined]> = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-'));
try {
  const cli: number[] = [];
  const app: number[] = [];
  const appValidated: number[] = [];
  const typecheck: number[] = [];
  // Warm-up: fills the OS file cache so the first sample is not an outlier.
  time('npx', ['cdk', 'synth', '--quiet', '--output', path.join(scratch, 'warm')]);
  for (let i = 0; i < runs; i++) {
    cli.push(time('npx', ['cdk', 'synth', '--quiet', '--output', path.join(scratch, `cli${i}`)]));
    app.push(time('npx', ['tsx', 'bin/app.ts'], { CDK_OUTDIR: path.join(scratch, `app${i}`) }));
    appValidated.push(
      time('npx', ['tsx', 'bin/app.ts'], { CDK_OUTDIR: path.join(scratch, `val${i}`), TIERED_CDN_CFN_VALIDATION: 'true' }),
    );
    typecheck.push(time('npx', ['tsc', '--noEmit']));
  }
  rows.push(['cdk synth --quiet (CLI + tsx app)', stats(cli), SYNTH_TARGET_S]);
  rows.push(['app alone under tsx', stats(app), undefined]);
  rows.push(['app alone, aws-cdk-lib built-in validation on', stats(appValidated), undefined]);
  rows.push(['tsc --noEmit (type-check)', stats(typecheck), undefined]);
  if (withTests) {
    const t = time('npm', ['test', '--silent']);
    rows.push(['npm test (one run)', stats([t]), TEST_TARGET_S]);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

console.log(`tiered-cdn synth benchmark: ${runs} runs, ${os.cpus().length} cores, node ${process.version}`);
console.log('| what | median s | min s | max s | target s | median / target |');
console.log('|---|---|---|---|---|---|');
for (const [name, s, target] of rows) {
  const ratio = target ? (s.median / target).toFixed(2) : '-';
  console.log(`| ${name} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)} | ${s.max.toFixed(2)} | ${target ?? '-'} | ${ratio} |`);
}
const cliMedian = rows[0][1].median;
const appMedian = rows[1][1].median;
console.log(`CLI overhead over the app alone: ${(cliMedian - appMedian).toFixed(2)} s (${(cliMedian / appMedian).toFixed(2)}x)`);
console.log(`built-in validation costs ${(rows[2][1].median / appMedian).toFixed(2)}x the app alone`);
