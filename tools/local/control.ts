import type * as http from 'http';
import { VirtualClock } from './clock';
import type { EdgePipeline } from './pipeline';
import { controlRefusal } from './control-guard';
import { CONTROL_PREFIX } from './types';

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The endpoints under CONTROL_PREFIX that tests and tools steer the local edge with. Refused (403)
 * unless the request could only have been sent on purpose (see controlRefusal).
 */
export function handleControl(pipeline: EdgePipeline, req: http.IncomingMessage, res: http.ServerResponse, rawUrl: string, port: number): void {
  const clock = pipeline.clock;
  const url = new URL(rawUrl, 'http://local');
  const route = url.pathname.slice(CONTROL_PREFIX.length);
  req.resume();
  const refused = controlRefusal(req, port);
  if (refused) return json(res, 403, { error: refused });
  if (route === 'clock' && req.method === 'GET') return json(res, 200, { kind: clock.kind, now: new Date(clock.now()).toISOString() });
  if (route === 'clock/advance' && req.method === 'POST') {
    if (!(clock instanceof VirtualClock)) return json(res, 409, { error: 'the clock is real; start the local edge with --clock virtual to move time' });
    const seconds = Number(url.searchParams.get('seconds'));
    if (!url.searchParams.has('seconds') || !Number.isFinite(seconds) || seconds < 0) {
      return json(res, 400, { error: `seconds must be a number >= 0, got: ${JSON.stringify(url.searchParams.get('seconds'))}` });
    }
    clock.advance(seconds);
    return json(res, 200, { kind: clock.kind, now: new Date(clock.now()).toISOString() });
  }
  if (route === 'stats' && req.method === 'GET') return json(res, 200, pipeline.stats);
  if (route === 'invalidate' && req.method === 'POST') {
    const paths = url.searchParams.getAll('path');
    try {
      return json(res, 200, { paths, invalidated: pipeline.invalidate(paths) });
    } catch (e) {
      return json(res, 400, { error: e instanceof Error ? e.message : String(e) });
    }
  }
  if (route === 'stats/reset' && req.method === 'POST') {
    pipeline.resetStats();
    return json(res, 200, pipeline.stats);
  }
  return json(res, 404, { error: `unknown control endpoint ${req.method} ${url.pathname}; known: GET clock, POST clock/advance?seconds=N, GET stats, POST stats/reset, POST invalidate?path=/p&path=/q*` });
}
