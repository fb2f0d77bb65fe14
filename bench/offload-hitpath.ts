/**
 * Hit path of the local edge under load: autocannon in a second process against (1) the local edge
 * serving a cached object and (2) a bare node `http` server that answers with the very bytes the edge
 * served (status, headers and body captured once, stored, written as they are: no per-request work),
 * in alternating rounds so that drifting machine load falls on both targets alike.
 *
 * Run alone: npm run bench:offload -- --scenario hit-path [--rounds 3 --load-seconds 5 --connections 32]
 */
import { spawn } from 'child_process';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

export interface LoadFigures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** Requests counted by autocannon. */
  readonly requests: number;
  /** CPU time of this process (which hosts the server under load) per request, in µs. */
  readonly cpuPerRequest: number;
}

export interface HitPathOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
}

interface Stored {
  readonly status: number;
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
}

/** One GET, keeping the raw header list (names and values as the server sent them). */
function fetchRaw(url: string): Promise<Stored> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Array<[string, string]> = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      })
      .on('error', reject);
  });
}

// Framing and connection headers are node's to write, as they are for the edge's own responses.
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length']);

/** A bare server returning stored bytes: the headers array and body are built once, before listening. */
async function startStoredServer(stored: Stored): Promise<{ url: string; close(): Promise<void> }> {
  const headers = stored.headers.filter(([k]) => !HOP.has(k.toLowerCase())).flat();
  headers.push('Content-Length', String(stored.body.length));
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(stored.status, headers);
    res.end(stored.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** autocannon in its own process, so the load generator does not share the server's event loop. */
export function autocannon(url: string, seconds: number, connections: number): Promise<LoadFigures> {
  const cpu0 = process.cpuUsage();
  const bin = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--json', '-c', String(connections), '-d', String(seconds), url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const cpu = process.cpuUsage(cpu0);
      const r = JSON.parse(out);
      const requests = r.requests.total;
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts, requests, cpuPerRequest: (cpu.user + cpu.system) / Math.max(1, requests) });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Measures `hitUrl` (a URL the edge has cached) against a bare server returning the bytes the edge
 * answered for it; returns the table lines. The first request warms the cache; one short round of
 * each warms the JIT and sockets before the measured rounds.
 */
export async function hitPathLines(hitUrl: string, opts: HitPathOptions): Promise<string[]> {
  await fetchRaw(hitUrl);
  const stored = await fetchRaw(hitUrl);
  const xCache = stored.headers.find(([k]) => k.toLowerCase() === 'x-cache')?.[1];
  if (!/^Hit from cloudfront$/.test(xCache ?? '')) throw new Error(`hit path: ${hitUrl} answered x-cache: ${xCache}, not a hit`);
  const bare = await startStoredServer(stored);
  try {
    await autocannon(hitUrl, 1, opts.connections);
    await autocannon(bare.url, 1, opts.connections);
    const edgeRuns: LoadFigures[] = [];
    const bareRuns: LoadFigures[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      // Alternate which target goes first, so neither always follows the other's load.
      const order = i % 2 === 0 ? ['edge', 'bare'] : ['bare', 'edge'];
      for (const who of order) {
        if (who === 'edge') edgeRuns.push(await autocannon(hitUrl, opts.seconds, opts.connections));
        else bareRuns.push(await autocannon(bare.url, opts.seconds, opts.connections));
      }
    }
    const ratios = edgeRuns.map((e, i) => e.rps / bareRuns[i].rps);
    const cpuRatios = edgeRuns.map((e, i) => bareRuns[i].cpuPerRequest / e.cpuPerRequest);
    const row = (name: string, runs: LoadFigures[]) =>
      `| ${name} | ${runs.map((r) => r.rps.toFixed(0)).join(' / ')} | ${median(runs.map((r) => r.rps)).toFixed(0)} | ${median(runs.map((r) => r.cpuPerRequest)).toFixed(1)} µs | ${median(runs.map((r) => r.p50)).toFixed(2)} ms | ${median(runs.map((r) => r.p99)).toFixed(2)} ms | ${runs.reduce((s, r) => s + r.errors, 0)} |`;
    return [
      `Hit path under load (autocannon in a second process, ${opts.connections} connections, ${opts.rounds} alternating rounds of ${opts.seconds} s after 1 s of warm-up each; node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end):`,
      '| target | requests/s per round | median requests/s | server CPU per request (median) | p50 | p99 | errors |',
      '|---|---|---|---|---|---|---|',
      row(`local edge, cache hit (${stored.body.length} B body)`, edgeRuns),
      row('bare node `http` server, the same stored bytes', bareRuns),
      `local edge / bare server throughput per round: ${ratios.map((r) => r.toFixed(2)).join(' / ')} (median ${median(ratios).toFixed(2)}x; goal >= 0.80x)`,
      `bare server CPU per request / local edge CPU per request, per round: ${cpuRatios.map((r) => r.toFixed(2)).join(' / ')} (median ${median(cpuRatios).toFixed(2)}x: the throughput ratio a saturated core would give, which other load on the machine does not move)`,
    ];
  } finally {
    await bare.close();
  }
}
