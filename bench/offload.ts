/**
 * Origin offload of the tiered reference app, measured by replaying one Zipf-distributed trace through
 * (a) no CDN, (b) one TTL on everything, (c) the reference app without Origin Shield, (d) with it,
 * all on the local edge with a virtual clock; then the hit-path throughput and p99 latency of the
 * local edge under load (autocannon, bench/offload-hitpath.ts), next to a bare server returning the same stored bytes.
 *
 * Then the invalidation scenario (bench/offload-invalidation.ts): products change during a trace and
 * are invalidated by tag, by path list or by purge-all, side by side.
 *
 * Run: npm run bench:offload [-- --requests 20000 --minutes 10 --pops 4 --seed 7]
 *      npm run bench:offload -- --scenario invalidation [--invalidation-requests 10000 --change-every 5]
 *      npm run bench:offload -- --scenario hit-path [--rounds 3 --load-seconds 5 --connections 32]
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { ReferenceStack } from '../lib/reference-stack';
import { publicJwk, signJwt } from '../tools/dev-keys';
import { type DistributionModel, type LocalEdge, readDistribution, startLocalEdge } from '../tools/local';
// One seeded generator (so every configuration sees the same trace) and one Zipf sampler, shared with replay's traces.
import { rng, zipf } from '../tools/replay/trace';
import { lowerBound } from './offload-bound';
import { hitPathLines } from './offload-hitpath';
import { invalidationScenario } from './offload-invalidation';

type Tier = 'static' | 'html' | 'api' | 'config' | 'dynamic';
const TIERS: Tier[] = ['static', 'html', 'api', 'config', 'dynamic'];

/** How old a response of each tier may be when served (TTL + stale-while-revalidate), in seconds. */
const MAX_STALENESS: Record<Tier, number> = { static: Infinity, html: 60, api: 90, config: 300, dynamic: 0 };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface TraceRequest {
  at: number; // virtual seconds since start
  tier: Tier;
  path: string;
  user: number;
  pop: number;
  lang: string;
  /** What the cache key of the tiered app is made of: the lower bound counts distinct ones. */
  key: string;
}

function makeTrace(count: number, minutes: number, pops: number, seed: number): TraceRequest[] {
  const rnd = rng(seed);
  const asset = zipf(400, 1.0, rnd);
  const page = zipf(60, 1.0, rnd);
  const product = zipf(1000, 0.9, rnd);
  const listing = zipf(20, 1.1, rnd);
  const user = zipf(2000, 0.7, rnd);
  const out: TraceRequest[] = [];
  let at = 0;
  const gap = (minutes * 60) / count;
  for (let i = 0; i < count; i++) {
    at += -Math.log(1 - rnd()) * gap;
    const u = user();
    const r = rnd();
    const lang = rnd() < 0.7 ? 'en' : rnd() < 0.67 ? 'de' : 'fr';
    const noise = rnd() < 0.4 ? `utm_source=mail${Math.floor(rnd() * 50)}&fbclid=${Math.floor(rnd() * 1e9)}` : '';
    let tier: Tier;
    let p: string;
    let key: string;
    if (r < 0.4) {
      tier = 'static';
      p = `/assets/chunk-${asset()}.${(7919 * 31).toString(16)}.js`;
      key = p;
    } else if (r < 0.55) {
      tier = 'html';
      const n = page();
      p = n === 0 ? '/' : `/page-${n}.html`;
      key = `${p}|${u % 2 ? 'redesign' : 'control'}`;
    } else if (r < 0.85) {
      tier = 'api';
      const base = rnd() < 0.8 ? `/api/products/p-${product()}` : `/api/products?page=${listing() + 1}`;
      p = noise ? `${base}${base.includes('?') ? '&' : '?'}${noise}` : base;
      key = `${base}|${lang}`;
    } else if (r < 0.9) {
      tier = 'config';
      p = rnd() < 0.7 ? '/api/config/flags' : '/api/config/regions';
      // The reference app's /api/config/* varies on Accept-Language, like the rest of the API.
      key = `${p}|${lang}`;
    } else {
      tier = 'dynamic';
      p = rnd() < 0.5 ? '/api/me/orders' : '/api/me/profile';
      key = `${p}|${u}|${i}`;
    }
    out.push({ at, tier, path: p, user: u, pop: Math.floor(rnd() * pops), lang, key });
  }
  return out;
}

const tierOf = (p: string): Tier =>
  p.startsWith('/assets/') ? 'static' : p.startsWith('/api/me/') ? 'dynamic' : p.startsWith('/api/config/') ? 'config' : p.startsWith('/api/') ? 'api' : 'html';

/** One origin for the whole site: answers each tier with the headers the reference app expects. */
async function startBenchOrigin(now: () => number): Promise<{ url: string; fetches: Record<Tier, number>; close(): Promise<void> }> {
  const fetches: Record<Tier, number> = { static: 0, html: 0, api: 0, config: 0, dynamic: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    const p = (req.url ?? '/').split('?')[0];
    const tier = tierOf(p);
    fetches[tier]++;
    const session = /(?:^|;\s*)session=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    const jwtSub = (t: string | undefined) => (t ? JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString() || '{}').sub : undefined);
    const sub = (req.headers['x-auth-sub'] as string | undefined) ?? jwtSub(req.headers.authorization) ?? jwtSub(session);
    const cc: Record<Tier, string | undefined> = {
      static: 'public, max-age=31536000, immutable',
      html: undefined, // as S3 sends it: the behavior's DefaultTTL decides
      api: 'public, s-maxage=60, stale-while-revalidate=30',
      config: 'public, s-maxage=300, stale-if-error=3600',
      dynamic: 'private, no-store',
    };
    const body = JSON.stringify({ path: p, sub: tier === 'dynamic' ? (sub ?? null) : undefined, pad: 'x'.repeat(600) });
    const headers: Record<string, string> = {
      'content-type': tier === 'static' ? 'text/javascript' : tier === 'html' ? 'text/html' : 'application/json',
      'x-born': String(now()),
    };
    if (cc[tier]) headers['cache-control'] = cc[tier]!;
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetches,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Outcome {
  name: string;
  originFetches: Record<Tier, number>;
  hits: Record<Tier, number>;
  requests: Record<Tier, number>;
  wronglyStale: number;
  wronglyPrivate: number;
  errors: number;
  seconds: number;
}

/**
 * CloudFront Functions' budget notices: the local sandbox times each call, and on a loaded machine
 * that time includes waiting for a core. Counted per setup and printed as one line, not one line each.
 */
const overBudget: Record<string, number> = {};
const countFunctionLog = (setup: string) => (line: string) => {
  if (line.includes('is over the budget')) overBudget[setup] = (overBudget[setup] ?? 0) + 1;
  else process.stderr.write(`${setup}: ${line}\n`);
};

/** The replay's current time, in the clock of the setup being replayed; the origin stamps it as x-born. */
let virtualNow = Date.now();

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function get(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

async function replay(name: string, trace: TraceRequest[], tokens: string[], target: { url: string; edge?: LocalEdge; advanceTo?: (s: number) => void }, origin: { fetches: Record<Tier, number> }): Promise<Outcome> {
  const zero = () => ({ static: 0, html: 0, api: 0, config: 0, dynamic: 0 });
  const out: Outcome = { name, originFetches: zero(), hits: zero(), requests: zero(), wronglyStale: 0, wronglyPrivate: 0, errors: 0, seconds: 0 };
  const before = { ...origin.fetches };
  const started = process.hrtime.bigint();
  const startMs = Date.now();
  for (const r of trace) {
    target.advanceTo?.(r.at);
    virtualNow = target.edge ? target.edge.clock.now() : startMs + r.at * 1000;
    const headers: Record<string, string> = {
      'accept-language': r.lang,
      cookie: `tcdn-exp-home=${r.user % 2 ? 'redesign' : 'control'}`,
      'x-tiered-cdn-pop': String(r.pop),
    };
    if (r.tier === 'dynamic' || r.tier === 'config') {
      headers.authorization = `Bearer ${tokens[r.user]}`;
      headers.cookie += `; session=${tokens[r.user]}`;
    }
    const res = await get(`${target.url}${r.path}`, headers);
    // A stale-while-revalidate refresh runs behind the response; it reaches the origin before the
    // clock moves on, at the request that triggered it, as CloudFront refreshes at once. Otherwise
    // it reached the origin at the next request's time, born late, and the api tier "beat" the bound.
    if (target.edge) await target.edge.settle();
    out.requests[r.tier]++;
    if (res.status !== 200) {
      out.errors++;
      if (process.env.BENCH_DEBUG && out.errors < 3) process.stderr.write(`error: ${name} ${r.path} ${res.status} ${JSON.stringify(res.headers)} ${res.body.slice(0, 300)}\n`);
      continue;
    }
    if (/^(Hit|RefreshHit) from cloudfront$/.test(String(res.headers['x-cache']))) out.hits[r.tier]++;
    const age = (virtualNow - Number(res.headers['x-born'])) / 1000;
    if (age > MAX_STALENESS[r.tier]) {
      out.wronglyStale++;
      if (process.env.BENCH_DEBUG) process.stderr.write(`stale: ${name} ${r.tier} ${r.path} age ${age} ${JSON.stringify(res.headers)}\n`);
    }
    if (r.tier === 'dynamic' && JSON.parse(res.body).sub !== `user-${r.user}`) out.wronglyPrivate++;
  }
  if (target.edge) await target.edge.settle();
  out.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const t of TIERS) out.originFetches[t] = origin.fetches[t] - before[t];
  return out;
}

function synthReference(outdir: string, jwk: ReturnType<typeof publicJwk>): void {
  const app = new App({ outdir });
  new ReferenceStack(app, 'TieredCdnReference', {
    env: { region: 'us-east-1' },
    auth: { issuer: 'https://bench.issuer/', audience: 'bench', jwks: { keys: [jwk] } },
  });
  app.synth();
}

/** The setup many start from: every path cached the same fixed time, the session cookie forwarded, the whole query in the key. */
function synthNaive(outdir: string): void {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Naive', { env: { region: 'us-east-1' } });
  const ttl = Duration.minutes(5);
  const policy = new cloudfront.CachePolicy(stack, 'OneTtl', {
    minTtl: ttl, defaultTtl: ttl, maxTtl: ttl,
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
    enableAcceptEncodingGzip: true,
  });
  // The session cookie reaches the origin, but the key does not hold it: the classic way to leak.
  const forward = new cloudfront.OriginRequestPolicy(stack, 'Forward', {
    headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Accept-Language'),
    cookieBehavior: cloudfront.OriginRequestCookieBehavior.all(),
  });
  const api = new origins.HttpOrigin('api.example.com');
  new cloudfront.Distribution(stack, 'Dist', {
    defaultBehavior: { origin: new origins.HttpOrigin('site.example.com'), cachePolicy: policy },
    additionalBehaviors: { '/api/*': { origin: api, cachePolicy: policy, originRequestPolicy: forward } },
  });
  app.synth();
}

function withoutShield(model: DistributionModel): DistributionModel {
  const originsNoShield = Object.fromEntries(Object.entries(model.origins).map(([k, o]) => [k, { ...o, originShield: undefined }]));
  return { ...model, origins: originsNoShield };
}

/** The local edge serving a cached static asset of the reference app, against a bare server of the same bytes. */
async function hitPath(reference: DistributionModel, originUrl: string): Promise<string[]> {
  const edge = await startLocalEdge({ distribution: reference, port: 0, origins: { 'api.example.com': originUrl, site: originUrl }, onWarning: () => {} });
  try {
    return await hitPathLines(`${edge.url}/assets/chunk-0.3c0d5.js`, { rounds: arg('rounds', 3), seconds: arg('load-seconds', 5), connections: arg('connections', 32) });
  } finally {
    await edge.close();
  }
}

async function hitPathOnly(): Promise<string[]> {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const refDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-')), 'reference');
  synthReference(refDir, publicJwk(privateKey, 'RS256'));
  const origin = await startBenchOrigin(() => Date.now());
  try {
    return await hitPath(readDistribution(refDir), origin.url);
  } finally {
    await origin.close();
    agent.destroy();
  }
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const per1000 = (n: number, d: number) => ((1000 * n) / d).toFixed(1);

async function main(): Promise<void> {
  const count = arg('requests', 20000);
  const minutes = arg('minutes', 10);
  const pops = arg('pops', 4);
  const seed = arg('seed', 7);
  const invalidationLines = () =>
    invalidationScenario({
      requests: arg('invalidation-requests', 10000),
      minutes,
      pops,
      changeEverySeconds: arg('change-every', 5),
      rnd: rng(seed + 1),
      zipf,
      outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-inv-')),
    });
  const scenario = process.argv.indexOf('--scenario');
  if (scenario > 0) {
    const name = process.argv[scenario + 1];
    if (name === 'invalidation') process.stdout.write(`${(await invalidationLines()).join('\n')}\n`);
    else if (name === 'hit-path') process.stdout.write(`${(await hitPathOnly()).join('\n')}\n`);
    else throw new Error(`--scenario takes 'invalidation' or 'hit-path', got: ${name}`);
    return;
  }
  const trace = makeTrace(count, minutes, pops, seed);
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicJwk(privateKey, 'RS256');
  const iat = Math.floor(Date.now() / 1000);
  const users = Math.max(...trace.map((r) => r.user)) + 1;
  const tokens = Array.from({ length: users }, (_, u) =>
    signJwt({ alg: 'RS256', typ: 'JWT', kid: jwk.kid }, { iss: 'https://bench.issuer/', aud: 'bench', sub: `user-${u}`, iat, exp: iat + 86400 }, privateKey),
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-'));
  const refDir = path.join(tmp, 'reference');
  const naiveDir = path.join(tmp, 'naive');
  synthReference(refDir, jwk);
  synthNaive(naiveDir);

  const origin = await startBenchOrigin(() => virtualNow);
  const results: Outcome[] = [];

  // (a) no CDN: the trace straight at the origin.
  results.push(await replay('no CDN', trace, tokens, { url: origin.url }, origin));

  const runEdge = async (name: string, opts: { app?: string; distribution?: DistributionModel }) => {
    const edge = await startLocalEdge({
      ...opts,
      port: 0,
      pops,
      clock: 'virtual',
      onFunctionLog: countFunctionLog(name),
      origins: opts.app === naiveDir ? { 'api.example.com': origin.url, 'site.example.com': origin.url } : { 'api.example.com': origin.url, 'api-eu.example.com': origin.url, site: origin.url },
      onWarning: () => {},
    });
    const t0 = edge.clock.now();
    const advanceTo = (s: number) => {
      const target = t0 + Math.round(s * 1000);
      if (target > edge.clock.now()) edge.clock.advance!((target - edge.clock.now()) / 1000);
    };
    results.push(await replay(name, trace, tokens, { url: edge.url, edge, advanceTo }, origin));
    await edge.close();
  };
  await runEdge('one TTL (5 min) on everything', { app: naiveDir });
  const reference = readDistribution(refDir);
  await runEdge('tiered, no Origin Shield', { distribution: withoutShield(reference) });
  await runEdge('tiered + Origin Shield', { distribution: reference });

  const bound = lowerBound(trace, { static: 31536000, html: 60, api: 60, config: 300, dynamic: 0 }, TIERS);
  const total = trace.length;
  const boundTotal = TIERS.reduce((s, t) => s + bound[t], 0);
  const lines: string[] = [];
  lines.push(`Trace: ${total} viewer requests over ${minutes} virtual minutes, ${pops} edge locations, seed ${seed}`);
  lines.push(`mix: ${TIERS.map((t) => `${t} ${pct(trace.filter((r) => r.tier === t).length, total)}`).join(', ')}; 40% of api requests carry utm_/fbclid noise`);
  lines.push('');
  lines.push('| setup | origin requests / 1,000 viewer requests | static | html | api | config | dynamic | hit ratio static / html / api / config / dynamic | wrongly stale | other users\' private | replay time |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const fetches = TIERS.reduce((s, t) => s + r.originFetches[t], 0);
    lines.push(
      `| ${r.name} | ${per1000(fetches, total)} | ${TIERS.map((t) => r.originFetches[t]).join(' | ')} | ${TIERS.map((t) => pct(r.hits[t], r.requests[t])).join(' / ')} | ${r.wronglyStale} | ${r.wronglyPrivate} | ${r.seconds.toFixed(1)} s |`,
    );
  }
  lines.push(`| lower bound (distinct keys x TTL windows, one shared cache) | ${per1000(boundTotal, total)} | ${TIERS.map((t) => bound[t]).join(' | ')} | | | | |`);
  const shield = results[results.length - 1];
  lines.push('');
  lines.push(`api tier origin fetches with Origin Shield: ${shield.originFetches.api} vs lower bound ${bound.api} = ${(shield.originFetches.api / bound.api).toFixed(2)}x (target <= 1.10x)`);
  lines.push(`errors (non-200) per setup: ${results.map((r) => `${r.name}: ${r.errors}`).join(', ')}`);
  lines.push(
    `CloudFront Function calls over the compute budget in the local sandbox (a notice, not a failure; the local timing, which machine load inflates): ${results.map((r) => `${r.name}: ${overBudget[r.name] ?? 0}`).join(', ')}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end of the replays`,
  );

  lines.push('', ...(await hitPath(reference, origin.url)));
  lines.push('', ...(await invalidationLines()));
  await origin.close();
  agent.destroy();
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench:offload: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
