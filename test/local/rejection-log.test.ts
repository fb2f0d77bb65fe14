import { startLocalEdge } from '../../tools/local';
import { request } from './helpers';
import { referenceAssembly } from './reference-assembly';

/** The local edge hands on what the Lambda@Edge bundles log: one JSON line per rejection. */

test('a request without a token: 401, and the rejection line the bundle logged reaches onEdgeLog with reason and route', async () => {
  const lines: Array<{ line: string; fn: string }> = [];
  const edge = await startLocalEdge({
    app: referenceAssembly().dir,
    port: 0,
    origins: { 'api.example.com': 'http://127.0.0.1:9' },
    onWarning: () => {},
    onEdgeLog: (line, fn) => lines.push({ line, fn }),
  });
  try {
    expect((await request(`${edge.url}/api/me/profile`)).status).toBe(401);
    expect((await request(`${edge.url}/api/me/profile`, { headers: { authorization: 'Bearer a.b.c' } })).status).toBe(401);
    const entries = lines.map((l) => JSON.parse(l.line));
    expect(entries).toEqual([
      { event: 'tiered-cdn.rejection', reason: 'token-missing', status: 401, route: '/api/me/*' },
      { event: 'tiered-cdn.rejection', reason: 'malformed-token', status: 401, route: '/api/me/*' },
    ]);
    expect(lines[0].fn).toMatch(/ViewerRequest/);
  } finally {
    await edge.close();
  }
}, 120_000);

test('a path guard refusal in a CloudFront Function: 400, and the same rejection line reaches onFunctionLog with reason and route', async () => {
  const lines: string[] = [];
  const edge = await startLocalEdge({
    app: referenceAssembly().dir,
    port: 0,
    origins: { 'api.example.com': 'http://127.0.0.1:9' },
    onWarning: () => {},
    onEdgeLog: () => {},
    onFunctionLog: (line) => lines.push(line),
  });
  try {
    // `/api/*` runs its viewer steps (guard, normalize, routing) as a CloudFront Function.
    expect((await request(`${edge.url}/api//me/profile`)).status).toBe(400);
    expect((await request(`${edge.url}/api/%6De/profile`)).status).toBe(400);
    const refusals = lines.filter((l) => l.includes('tiered-cdn.rejection'));
    expect(refusals).toHaveLength(2);
    // `<function name>: <the line the function logged>`; never the path the viewer sent.
    const entries = refusals.map((l) => JSON.parse(l.slice(l.indexOf(': ') + 2)));
    expect(entries).toEqual([
      { event: 'tiered-cdn.rejection', reason: 'path-empty-segment', status: 400, route: '/api/*' },
      { event: 'tiered-cdn.rejection', reason: 'path-encoded-unreserved', status: 400, route: '/api/*' },
    ]);
    expect(refusals[0]).toMatch(/^CdnFunctionViewerRequestApi[0-9A-F]*: /);
    expect(refusals.join('\n')).not.toContain('%6De');
  } finally {
    await edge.close();
  }
}, 120_000);
