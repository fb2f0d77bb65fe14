import * as fs from 'fs';
import { formatLogLine, LOG_HEADER } from '../local/access-log';
import type { DistributionModel } from '../local/model';
import type { LogEntry } from './log-entry';
import { CacheReplay, type Lifetime } from './simulate';
import type { TraceRequest } from './trace';

const POPS = ['IAD89-C1', 'FRA56-P3', 'NRT57-P2', 'GRU3-C1', 'SYD62-P1', 'BOM78-P4', 'CDG52-P1', 'LHR61-P5'];

/** The log entry of one trace request, before CloudFront's answer is known. */
export function traceEntry(r: TraceRequest, startMs: number): LogEntry {
  return {
    timeMs: startMs + r.atMs, pop: POPS[r.pop % POPS.length], method: 'GET', uri: r.uri, query: r.query, status: 200,
    bytes: 0, objectBytes: 500 + ((r.uri.length * 97) % 4000), resultType: '', detailedResultType: '', host: 'www.example.com',
    userAgent: r.userAgent, referer: '', cookie: r.cookie ?? '', protocol: 'https',
  };
}

/**
 * Writes a trace as a CloudFront standard log (legacy format, the local edge's own writer) with the
 * hits and misses a distribution's cache model gives it: large logs without running a server.
 */
export async function writeTraceLog(file: string, trace: Iterable<TraceRequest>, model: DistributionModel, lifetimes: ReadonlyMap<string, Lifetime>, startMs = Date.UTC(2026, 11, 1)): Promise<number> {
  const out = fs.createWriteStream(file);
  const sim = new CacheReplay(model, (_e, b) => lifetimes.get(b.pathPattern));
  out.write(LOG_HEADER);
  let n = 0;
  let chunk: string[] = [];
  for (const r of trace) {
    const e = traceEntry(r, startMs);
    const { served } = sim.feed({ ...e, resultType: 'Miss' });
    // As the local edge logs them: a hit in the shield is a miss at the edge location.
    const result = served === 'hit' ? 'Hit' : served === 'edge' ? 'FunctionGeneratedResponse' : 'Miss';
    const detailed = served === 'shield' ? 'OriginShieldHit' : result;
    const iso = new Date(e.timeMs).toISOString();
    chunk.push(formatLogLine({
      date: iso.slice(0, 10), time: iso.slice(11, 19), 'x-edge-location': e.pop, 'sc-bytes': e.objectBytes + 300, 'c-ip': '192.0.2.10',
      'cs-method': 'GET', 'cs(Host)': 'd111111abcdef8.cloudfront.net', 'cs-uri-stem': e.uri, 'sc-status': 200, 'cs(User-Agent)': e.userAgent,
      'cs-uri-query': e.query, 'cs(Cookie)': e.cookie, 'x-edge-result-type': result, 'x-edge-request-id': `r${n}`,
      'x-host-header': e.host, 'cs-protocol': 'https', 'cs-bytes': 200, 'time-taken': '0.010', 'x-edge-response-result-type': result,
      'cs-protocol-version': 'HTTP/2.0', 'x-edge-detailed-result-type': detailed, 'sc-content-type': 'application/json', 'sc-content-len': e.objectBytes,
    }));
    n++;
    if (chunk.length >= 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = [];
    }
  }
  if (chunk.length) out.write(`${chunk.join('\n')}\n`);
  await new Promise<void>((r) => out.end(r));
  return n;
}
