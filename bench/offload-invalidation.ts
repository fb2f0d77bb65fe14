/**
 * The invalidation scenario of `npm run bench:offload`: products change during the trace, and each
 * change is followed at once by an invalidation of one of three kinds, side by side with no
 * invalidation at all:
 *   - by tag:       `#product:<id>` (the origin tags every response with the products it shows)
 *   - by path list: the product's URL and its category's URL (the URLs a team can list in advance;
 *                   search results that show the product cannot be listed)
 *   - purge-all:    `/*`
 * The API caches an hour at the edge (s-maxage=3600): long enough that invalidation, not expiry,
 * decides freshness. A response is stale when it shows a product older than the origin's current
 * version of it at the time it is served. Same trace, same changes, same local edge (virtual clock,
 * Origin Shield, several edge locations) for every strategy.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { TieredCdn } from '../lib';
import { DEFAULT_CACHE_TAG_HEADER } from '../lambda-edge/shared/invalidation';
import { type LocalEdge, startLocalEdge } from '../tools/local';

export interface InvalidationScenarioOptions {
  readonly requests: number;
  readonly minutes: number;
  readonly pops: number;
  /** Virtual seconds between two product changes. */
  readonly changeEverySeconds: number;
  readonly rnd: () => number;
  readonly zipf: (n: number, s: number, rnd: () => number) => () => number;
  readonly outdir: string;
}

const PRODUCTS = 300;
const CATEGORIES = 12;
const SEARCHES = 60;
const categoryOf = (p: number) => p % CATEGORIES;

type Strategy = 'none' | 'tag' | 'paths' | 'all';
const STRATEGIES: { id: Strategy; name: string }[] = [
  { id: 'none', name: 'no invalidation (TTL 1 h)' },
  { id: 'tag', name: 'by tag: #product:<id>' },
  { id: 'paths', name: 'by path list: product + category URL' },
  { id: 'all', name: 'purge-all: /*' },
];

interface Request {
  readonly at: number;
  readonly path: string;
  readonly pop: number;
}

interface Change {
  readonly at: number;
  readonly product: number;
}

/** The catalog as the origin serves it: which products each URL shows. */
function shownBy(p: string, searches: readonly number[][]): number[] {
  const [, , kind, id] = p.split('?')[0].split('/');
  if (kind === 'products') return [Number(id.slice(2))];
  if (kind === 'categories') return Array.from({ length: PRODUCTS }, (_, i) => i).filter((i) => categoryOf(i) === Number(id.slice(2)));
  return searches[Number(new URLSearchParams(p.split('?')[1]).get('q'))];
}

function makeWorkload(o: InvalidationScenarioOptions): { requests: Request[]; changes: Change[]; searches: number[][] } {
  const product = o.zipf(PRODUCTS, 0.9, o.rnd);
  const search = o.zipf(SEARCHES, 1.0, o.rnd);
  const searches = Array.from({ length: SEARCHES }, () => Array.from({ length: 8 }, () => product()));
  const requests: Request[] = [];
  const gap = (o.minutes * 60) / o.requests;
  let at = 0;
  for (let i = 0; i < o.requests; i++) {
    at += -Math.log(1 - o.rnd()) * gap;
    const r = o.rnd();
    const p = r < 0.5 ? `/api/products/p-${product()}` : r < 0.75 ? `/api/categories/c-${categoryOf(product())}` : `/api/search?q=${search()}`;
    requests.push({ at, path: p, pop: Math.floor(o.rnd() * o.pops) });
  }
  // Popular products change more often, as they are the ones edited.
  const changes: Change[] = [];
  for (let t = o.changeEverySeconds; t < at; t += o.changeEverySeconds) changes.push({ at: t, product: product() });
  return { requests, changes, searches };
}

function synthCatalog(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Catalog', { env: { region: 'us-east-1' } });
  new TieredCdn(stack, 'Cdn', {
    origins: { api: { domainName: 'api.example.com', region: 'us-east-1' } },
    routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }],
    waf: false,
    monitoring: false,
    originVerify: false,
  });
  app.synth();
}

/** The catalog API: s-maxage=3600, every response tagged with the products it shows and their categories. */
async function startCatalogOrigin(versions: number[], searches: readonly number[][]): Promise<{ url: string; fetches: () => number; close(): Promise<void> }> {
  let fetches = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    fetches++;
    const shown = shownBy(req.url ?? '/', searches);
    const tags = [...new Set(shown.flatMap((p) => [`product:${p}`, `category:${categoryOf(p)}`]))].slice(0, 50);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, s-maxage=3600', [DEFAULT_CACHE_TAG_HEADER]: tags.join(',') });
    res.end(JSON.stringify({ v: Object.fromEntries(shown.map((p) => [p, versions[p]])) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetches: () => fetches,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function itemsFor(strategy: Strategy, product: number): string[] {
  if (strategy === 'tag') return [`#product:${product}`];
  if (strategy === 'paths') return [`/api/products/p-${product}`, `/api/categories/c-${categoryOf(product)}`];
  if (strategy === 'all') return ['/*'];
  return [];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

interface StrategyOutcome {
  readonly name: string;
  readonly originRequests: number;
  readonly stale: number;
  readonly invalidationPaths: number;
  readonly errors: number;
}

async function runStrategy(strategy: Strategy, name: string, dir: string, o: InvalidationScenarioOptions, w: ReturnType<typeof makeWorkload>): Promise<StrategyOutcome> {
  const versions = Array.from({ length: PRODUCTS }, () => 1);
  const origin = await startCatalogOrigin(versions, w.searches);
  const edge: LocalEdge = await startLocalEdge({ app: dir, port: 0, pops: o.pops, clock: 'virtual', origins: { 'api.example.com': origin.url }, onWarning: () => {} });
  const t0 = edge.clock.now();
  const advanceTo = (s: number) => {
    const target = t0 + Math.round(s * 1000);
    if (target > edge.clock.now()) edge.clock.advance!((target - edge.clock.now()) / 1000);
  };
  let stale = 0;
  let errors = 0;
  let invalidationPaths = 0;
  let next = 0;
  for (const r of w.requests) {
    while (next < w.changes.length && w.changes[next].at <= r.at) {
      const c = w.changes[next++];
      advanceTo(c.at);
      versions[c.product]++;
      const items = itemsFor(strategy, c.product);
      if (items.length > 0) {
        edge.invalidate(items);
        invalidationPaths += items.length;
      }
    }
    advanceTo(r.at);
    const res = await get(`${edge.url}${r.path}`, { 'x-tiered-cdn-pop': String(r.pop) });
    if (res.status !== 200) {
      errors++;
      continue;
    }
    const shown = JSON.parse(res.body).v as Record<string, number>;
    if (Object.entries(shown).some(([p, v]) => v < versions[Number(p)])) stale++;
  }
  await edge.close();
  const originRequests = origin.fetches();
  await origin.close();
  return { name, originRequests, stale, invalidationPaths, errors };
}

/** Runs every strategy on one workload and returns the Markdown lines of the comparison. */
export async function invalidationScenario(o: InvalidationScenarioOptions): Promise<string[]> {
  const dir = path.join(o.outdir, 'catalog');
  synthCatalog(dir);
  const w = makeWorkload(o);
  const results: StrategyOutcome[] = [];
  for (const s of STRATEGIES) results.push(await runStrategy(s.id, s.name, dir, o, w));
  agent.destroy();
  const total = w.requests.length;
  const per1000 = (n: number) => ((1000 * n) / total).toFixed(1);
  return [
    `Invalidation scenario: ${total} viewer requests over ${o.minutes} virtual minutes, ${o.pops} edge locations + Origin Shield; ${PRODUCTS} products in ${CATEGORIES} categories, ${SEARCHES} searches of 8 products; 50% product pages, 25% category pages, 25% searches; s-maxage=3600; a product changes every ${o.changeEverySeconds} s (${w.changes.length} changes), invalidated at once`,
    '',
    '| invalidation | origin requests / 1,000 viewer requests | stale responses served | stale / 1,000 | invalidation paths (each billed beyond 1,000/month) | errors |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.name} | ${per1000(r.originRequests)} | ${r.stale} | ${per1000(r.stale)} | ${r.invalidationPaths} | ${r.errors} |`),
  ];
}
