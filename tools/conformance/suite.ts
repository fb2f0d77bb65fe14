/**
 * Runs the public HTTP caching test suite (npm `http-cache-tests`, the suite behind cache-tests.fyi)
 * through the local edge: the suite's own origin server and the local edge both listen on 127.0.0.1
 * port 0; the suite's client sends every test request to the edge, which forwards misses to the
 * suite's server. The suite's bookkeeping requests (PUT /config/<id>, GET /state/<id>) go straight to
 * its server: they are not cache traffic, and a cached tier takes no PUT.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { DistributionModel } from '../local/model';
import { startLocalEdge } from '../local/server';

/** What the suite's client records per test: true, or [error class, message]. */
export type SuiteResult = true | [string, string];

export interface SuiteTest {
  readonly id: string;
  readonly name: string;
  readonly kind?: 'required' | 'optimal' | 'check';
  readonly depends_on?: readonly string[];
  readonly browser_only?: boolean;
}

export interface SuiteGroup {
  readonly id: string;
  readonly name: string;
  readonly tests: readonly SuiteTest[];
}

export interface SuiteRun {
  readonly groups: readonly SuiteGroup[];
  readonly results: Readonly<Record<string, SuiteResult>>;
  /** Request and response counts, for the report. */
  readonly originFetches: number;
  readonly viewerRequests: number;
}

export const SUITE_DIR = path.dirname(require.resolve('http-cache-tests/package.json'));
// Native import(): ts transpiles `await import()` to require() under CommonJS, which cannot load .mjs.
const importEsm = new Function('u', 'return import(u)') as (url: string) => Promise<any>;
const suiteModule = (rel: string) => importEsm(pathToFileURL(path.join(SUITE_DIR, rel)).href);

/** The test groups the suite's CLI runs (its index plus Surrogate-Control), browser-only tests left out. */
export async function loadSuite(): Promise<SuiteGroup[]> {
  const groups: SuiteGroup[] = [...(await suiteModule('tests/index.mjs')).default, (await suiteModule('tests/surrogate-control.mjs')).default];
  return groups.map((g) => ({ ...g, tests: g.tests.filter((t) => !t.browser_only) }));
}

/** The suite's origin server, from its own request handlers, on 127.0.0.1 port 0. */
async function startSuiteServer(): Promise<{ url: string; close(): Promise<void> }> {
  const [config, test, state] = await Promise.all(['server/handle-config.mjs', 'server/handle-test.mjs', 'server/handle-state.mjs'].map(suiteModule));
  const quiet = console.log;
  const server = http.createServer((req, res) => {
    const segs = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/').slice(1);
    const dispatch = segs.shift();
    const handler = dispatch === 'config' ? config.default : dispatch === 'test' ? test.default : dispatch === 'state' ? state.default : undefined;
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    handler(segs, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        console.log = quiet;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs every test of the suite once through a local edge serving `distribution`, whose origins all
 * point at the suite's server. Progress and the server's warnings are not printed.
 */
export async function runSuite(distribution: DistributionModel): Promise<SuiteRun> {
  const groups = await loadSuite();
  const origin = await startSuiteServer();
  const origins: Record<string, string> = {};
  for (const o of Object.values(distribution.origins)) origins[o.id] = origin.url;
  const edge = await startLocalEdge({ distribution, port: 0, origins, onWarning: () => undefined });
  const fetchModule = require(require.resolve('node-fetch', { paths: [SUITE_DIR] }));
  const nodeFetch = (fetchModule.default ?? fetchModule) as (url: string, init?: unknown) => Promise<unknown>;
  // A fresh connection per request: a kept-alive one the edge closes during the suite's pauses would
  // fail the next test with ECONNRESET.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });
  const routed = (url: string, init?: Record<string, unknown>) => {
    const u = new URL(url);
    const bookkeeping = u.pathname.startsWith('/config/') || u.pathname.startsWith('/state/');
    return nodeFetch(`${bookkeeping ? origin.url : edge.url}${u.pathname}${u.search}`, { ...init, agent });
  };
  const log = console.log;
  console.log = () => undefined; // the suite's server prints a warning per unexpected request
  try {
    const runner = await suiteModule('client/runner.mjs');
    await runner.runTests(groups, routed, false, 'http://suite');
    const results = runner.getResults() as Record<string, SuiteResult>;
    return { groups, results, originFetches: edge.stats.originFetches, viewerRequests: edge.stats.viewerRequests };
  } finally {
    console.log = log;
    agent.destroy();
    await edge.close();
    await origin.close();
  }
}

/** The published results the package ships (results/<name>.json), by implementation name. */
export function publishedResults(file: string): Record<string, SuiteResult> {
  return require(path.join(SUITE_DIR, 'results', file)) as Record<string, SuiteResult>;
}
