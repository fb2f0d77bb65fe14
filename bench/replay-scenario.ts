import * as http from 'http';
import type { AddressInfo } from 'net';
import { type LocalEdge, startLocalEdge } from '../tools/local';
import type { BehaviorModel, CachePolicyModel, DistributionModel, OriginModel } from '../tools/local/model';
import { type TraceOptions, type TraceRequest } from '../tools/replay/trace';
import { POP_HEADER } from '../tools/local/types';

/*
 * The replay's benchmark scenario: one origin that sends Cache-Control the way each route expects,
 * a distribution A the logs are written under, and three proposed changes B, each run through the
 * real local edge so the replay's prediction can be checked against what happens.
 */

const none = { behavior: 'none' as const, items: [] as string[] };
const ORIGIN_DOMAIN = 'origin.example.com';
/** What the origin sends on /feed/*: only shared caches may keep it, and only once the route is cached. */
export const FEED_S_MAXAGE = 120;

const policy = (name: string, p: Partial<CachePolicyModel>): CachePolicyModel => ({
  id: name, name, minTtl: 0, defaultTtl: 0, maxTtl: 86400, gzip: false, brotli: false, headers: none, cookies: none, queryStrings: none, ...p,
});

export const POLICIES = {
  /** A public route keyed on every query parameter. */
  productsAllQuery: policy('products-all-query', { queryStrings: { behavior: 'all', items: [] } }),
  /** The same, keyed only on the parameters that change the response. */
  productsAllowlist: policy('products-allowlist', { queryStrings: { behavior: 'whitelist', items: ['page'] } }),
  /** The same as productsAllQuery with the device type in the key. */
  productsByDevice: policy('products-by-device', { queryStrings: { behavior: 'all', items: [] }, headers: { behavior: 'whitelist', items: ['cloudfront-is-mobile-viewer'] } }),
  dynamic: policy('dynamic', { maxTtl: 0 }),
  /** The api tier: cached only when the origin opts in with s-maxage, only declared query parameters in the key. */
  api: policy('api', { queryStrings: { behavior: 'whitelist', items: ['page'] } }),
  html: policy('html', { defaultTtl: 300, maxTtl: 300 }),
};

const behavior = (pathPattern: string, cachePolicy: CachePolicyModel): BehaviorModel => ({
  pathPattern,
  targetOriginId: 'origin',
  viewerProtocolPolicy: 'allow-all',
  allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
  cachedMethods: ['GET', 'HEAD'],
  compress: false,
  cachePolicy,
  edgeFunctions: {},
});

const origin = (shield?: string): OriginModel => ({
  id: 'origin', domainName: ORIGIN_DOMAIN, originPath: '', kind: 'custom', protocolPolicy: 'http-only', httpPort: 80, httpsPort: 443,
  readTimeoutSeconds: 30, customHeaders: {}, s3Content: [], ...(shield ? { originShield: { region: shield } } : {}),
});

export function distribution(name: string, parts: { products: CachePolicyModel; feed: CachePolicyModel; shield?: string }): DistributionModel {
  return {
    stackName: name,
    logicalId: 'Distribution',
    region: 'us-east-1',
    behaviors: [
      behavior('/products/*', parts.products),
      behavior('/feed/*', parts.feed),
      behavior('/account/*', POLICIES.dynamic),
      behavior('*', POLICIES.html),
    ],
    origins: { origin: origin(parts.shield) },
    errorResponses: [],
  };
}

/** Configuration A, the one the logs are written under, and the changes proposed against it. */
export const CONFIG_A = distribution('A', { products: POLICIES.productsAllQuery, feed: POLICIES.dynamic });
export const CHANGES: ReadonlyArray<{ kind: string; config: DistributionModel; assume?: Record<string, number> }> = [
  { kind: 'query-string allowlist (/products/*: all -> page)', config: distribution('B-allowlist', { products: POLICIES.productsAllowlist, feed: POLICIES.dynamic }) },
  { kind: 'header added to the key (/products/*: + CloudFront-Is-Mobile-Viewer)', config: distribution('B-header', { products: POLICIES.productsByDevice, feed: POLICIES.dynamic }) },
  {
    kind: 'route moved from dynamic to api, origin sends s-maxage=120 (/feed/*)',
    config: distribution('B-api', { products: POLICIES.productsAllQuery, feed: POLICIES.api }),
    assume: { '/feed/*': FEED_S_MAXAGE },
  },
  { kind: 'Origin Shield added (us-east-1)', config: distribution('B-shield', { products: POLICIES.productsAllQuery, feed: POLICIES.dynamic, shield: 'us-east-1' }) },
];


/** The trace: a day of traffic over four edge locations. */
export function traceOptions(requests: number, seed = 7): TraceOptions {
  return {
    seed,
    requests,
    seconds: 86400,
    pops: 4,
    routes: [
      { prefix: '/products/', share: 0.5, paths: 100, query: { page: { values: 3, p: 0.5 }, utm_source: { values: 8, p: 0.4 } } },
      { prefix: '/feed/', share: 0.15, paths: 10, query: { page: { values: 2, p: 0.3 } } },
      { prefix: '/account/', share: 0.15, paths: 5, sessions: 500 },
      { prefix: '/page/', share: 0.2, paths: 20 },
    ],
  };
}

/**
 * A local origin that answers every GET with a body of a size fixed by the path and the
 * Cache-Control each route expects: products an hour at the edge, the feed s-maxage=120 (shared caches
 * only), account pages private, other pages nothing (the html policy's DefaultTTL applies).
 */
export async function startOrigin(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    const url = req.url ?? '/';
    const cc = url.startsWith('/products/') ? 'public, max-age=60, s-maxage=3600' : url.startsWith('/feed/') ? `s-maxage=${FEED_S_MAXAGE}` : url.startsWith('/account/') ? 'private, no-store' : undefined;
    const size = 500 + (url.length * 97) % 4000;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': size, ...(cc ? { 'cache-control': cc } : {}) });
    res.end(Buffer.alloc(size, 120));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests: () => count, close: () => new Promise((r) => server.close(() => r())) };
}

export interface EdgeRun {
  originRequests: number;
  byBehavior: Record<string, number>;
}

/**
 * Sends the trace through the real local edge (HTTP on 127.0.0.1) under one configuration, on its
 * virtual clock so a day takes seconds; `log` receives CloudFront standard log lines.
 */
export async function runThroughEdge(config: DistributionModel, trace: readonly TraceRequest[], originUrl: string, log?: string): Promise<EdgeRun> {
  const edge: LocalEdge = await startLocalEdge({ distribution: config, port: 0, clock: 'virtual', pops: 4, origins: { [ORIGIN_DOMAIN]: originUrl }, log, onWarning: () => undefined });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const start = edge.clock.now();
    for (const r of trace) {
      const target = start + r.atMs;
      const now = edge.clock.now();
      if (target > now) edge.clock.advance!((target - now) / 1000);
      await get(edge.url, r, agent);
    }
    await edge.settle();
    const byBehavior = Object.fromEntries(Object.entries(edge.stats.byBehavior).map(([k, v]) => [k, v.originFetches]));
    return { originRequests: edge.stats.originFetches, byBehavior };
  } finally {
    agent.destroy();
    await edge.close();
  }
}

function get(base: string, r: TraceRequest, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': r.userAgent, [POP_HEADER]: String(r.pop) };
    if (r.cookie) headers.cookie = r.cookie;
    const req = http.get(`${base}${r.uri}${r.query ? `?${r.query}` : ''}`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
}
