import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replayLogs } from '../tools/replay/run';
import { generateTrace } from '../tools/replay/trace';
import { writeTraceLog } from '../tools/replay/write-trace';
import { CHANGES, CONFIG_A, runThroughEdge, startOrigin, traceOptions } from './replay-scenario';

/*
 * npm run bench:replay — how well the replay predicts, and how fast it reads.
 * 1. A day-long trace runs through the real local edge (HTTP on 127.0.0.1, a real local origin,
 *    the virtual clock) under configuration A, which writes CloudFront standard logs.
 * 2. Those logs are replayed against each proposed configuration B (with A as --base-app).
 * 3. The same trace runs through the local edge under B: the actual origin requests.
 * 4. Replay speed on a generated million-line log.
 * REPLAY_BENCH_REQUESTS (default 20000) and REPLAY_BENCH_LINES (default 1000000) size the runs.
 */

const REQUESTS = Number(process.env.REPLAY_BENCH_REQUESTS ?? 20_000);
const LINES = Number(process.env.REPLAY_BENCH_LINES ?? 1_000_000);

async function accuracy(dir: string): Promise<void> {
  const trace = generateTrace(traceOptions(REQUESTS));
  const origin = await startOrigin();
  try {
    const logFile = path.join(dir, 'a.log');
    let t = Date.now();
    const actualA = await runThroughEdge(CONFIG_A, trace, origin.url, logFile);
    const edgeSeconds = (Date.now() - t) / 1000;
    console.log(`Trace: ${trace.length} requests over 24 h (virtual clock), 4 edge locations; through the local edge under A in ${edgeSeconds.toFixed(1)} s; A's origin requests: ${actualA.originRequests}`);
    const self = await replayLogs({ logs: [logFile], app: CONFIG_A });
    console.log(`Hit ratio under A (logs): ${(self.current.hitRatio * 100).toFixed(1)}%`);
    console.log(`Learned lifetimes: ${self.behaviors.map((b) => `${b.pathPattern} ${b.lifetime.originMaxAge ?? '-'} s (${b.lifetime.source}, ${b.lifetime.samples} samples)`).join('; ')}`);
    console.log(`Replay of A's logs against A itself: ${self.proposed.originRequests} origin requests predicted, ${actualA.originRequests} actual (${pctErr(self.proposed.originRequests, actualA.originRequests)})\n`);
    console.log('| change | origin requests now (logs) | predicted under B | actual under B (local edge) | error |');
    console.log('|---|---|---|---|---|');
    for (const change of CHANGES) {
      const predicted = await replayLogs({ logs: [logFile], app: change.config, base: CONFIG_A, assume: change.assume });
      t = Date.now();
      const actual = await runThroughEdge(change.config, trace, origin.url);
      console.log(`| ${change.kind} | ${self.current.originRequests} | ${predicted.proposed.originRequests} | ${actual.originRequests} | ${pctErr(predicted.proposed.originRequests, actual.originRequests)} |`);
    }
  } finally {
    await origin.close();
  }
}

function pctErr(predicted: number, actual: number): string {
  const e = actual === 0 ? (predicted === 0 ? 0 : 1) : (predicted - actual) / actual;
  return `${e >= 0 ? '+' : ''}${(e * 100).toFixed(2)}%`;
}

async function speed(dir: string): Promise<void> {
  const file = path.join(dir, 'million.log');
  const learned = new Map([['/products/*', { originMaxAge: 3600, source: 'learned' as const, samples: 0 }], ['*', { originMaxAge: 300, source: 'learned' as const, samples: 0 }]]);
  await writeTraceLog(file, generateTrace(traceOptions(LINES, 11)), CONFIG_A, learned);
  global.gc?.();
  const size = fs.statSync(file).size;
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  const r = await replayLogs({ logs: [file], app: CHANGES[0].config, base: CONFIG_A });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    `\nSpeed: ${r.lines.toLocaleString('en-US')} lines (${(size / 1e6).toFixed(0)} MB, legacy W3C, 24 h) replayed against A and B (two passes over the file) in ${s.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU: ` +
      `${Math.round(r.lines / s).toLocaleString('en-US')} lines/s wall, ${Math.round(r.lines / cpuS).toLocaleString('en-US')} lines per CPU-second; RSS ${(rss0 / 1e6).toFixed(0)} MB before, ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB after`,
  );
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-replay-bench-'));
  try {
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    if (process.env.REPLAY_BENCH_SKIP_ACCURACY !== '1') await accuracy(dir);
    if (process.env.REPLAY_BENCH_SKIP_SPEED !== '1') await speed(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
