import { FunctionRunner } from '../local/cf-function-runner';
import { type CfHeaders, type EdgeRequest, setHeader } from '../local/http-types';
import type { BehaviorModel, DistributionModel } from '../local/model';
import { cacheKey, matchBehavior } from '../local/policies';
import { decideTtl } from '../local/ttl';
import { deviceHeaders } from '../local/types';
import type { LogEntry } from './log-entry';

/*
 * The cache model of a distribution applied to logged requests, without HTTP and without origins:
 * the same behavior match, cache key and TTL rules as the local edge (tools/local/policies.ts,
 * ttl.ts), over plain maps of stored objects, one per edge location and one per Origin Shield
 * region. What the origin would answer is not in the logs: each behavior's lifetime comes from
 * `learnLifetimes` (or an assumption the user states).
 */

/** Result types of requests CloudFront answered without its cache (generated responses, refusals). */
const ANSWERED_BEFORE_CACHE = new Set(['FunctionGeneratedResponse', 'LambdaGeneratedResponse', 'Redirect', 'LimitExceeded', 'CapacityExceeded']);

/** What one request looked like to the origin side of CloudFront, from its log line. */
export function requestOf(e: LogEntry): EdgeRequest {
  const headers: CfHeaders = {};
  if (e.host) setHeader(headers, 'Host', e.host);
  if (e.userAgent) setHeader(headers, 'User-Agent', e.userAgent);
  if (e.referer) setHeader(headers, 'Referer', e.referer);
  if (e.cookie) setHeader(headers, 'Cookie', e.cookie);
  return { method: e.method, uri: e.uri, querystring: e.query, headers, clientIp: '127.0.0.1', body: NO_BODY };
}

/**
 * The CloudFront-* viewer headers a log line tells (device type from the User-Agent, protocol); the
 * viewer's country is not logged and is taken as one value for every request.
 */
function addViewerHeaders(req: EdgeRequest, e: LogEntry): void {
  const memoKey = `${e.protocol}\n${e.userAgent}`;
  let add = viewerHeaderMemo.get(memoKey);
  if (!add) {
    add = {};
    setHeader(add, 'CloudFront-Viewer-Country', 'US');
    setHeader(add, 'CloudFront-Forwarded-Proto', e.protocol || 'https');
    for (const [k, v] of Object.entries(deviceHeaders(e.userAgent || undefined))) setHeader(add, k, v);
    if (viewerHeaderMemo.size > 10_000) viewerHeaderMemo.clear();
    viewerHeaderMemo.set(memoKey, add);
  }
  // The entries are shared between requests and never changed: the cache key only reads them.
  Object.assign(req.headers, add);
}
/** The viewer headers of each User-Agent and protocol, derived once. */
const viewerHeaderMemo = new Map<string, CfHeaders>();
const NO_BODY = Buffer.alloc(0);

/** What the replay takes each behavior's origin to send. */
export interface Lifetime {
  /**
   * Seconds the origin's responses may be kept (its `s-maxage` / `max-age`), or undefined when the
   * origin says nothing and the cache policy's DefaultTTL applies.
   */
  readonly originMaxAge?: number;
  /** How it was found: `learned` from hits and misses, `assumed` (stated by the user), `unknown`. */
  readonly source: 'learned' | 'assumed' | 'unknown' | 'not cached';
  /** Hit and miss intervals the figure rests on. */
  readonly samples: number;
  /** Largest age at which a hit was seen, and the shortest interval between two origin fetches of one object. */
  readonly lowerBound?: number;
  readonly upperBound?: number;
}

export interface Counters {
  requests: number;
  hits: number;
  originRequests: number;
  originBytes: number;
  /** Edge function invocations by runtime: `cloudfront-js-2.0`, `nodejs22.x`... */
  invocations: Record<string, number>;
}

export const emptyCounters = (): Counters => ({ requests: 0, hits: 0, originRequests: 0, originBytes: 0, invocations: {} });

export function addCounters(into: Counters, c: Counters): void {
  into.requests += c.requests;
  into.hits += c.hits;
  into.originRequests += c.originRequests;
  into.originBytes += c.originBytes;
  for (const [k, v] of Object.entries(c.invocations)) into.invocations[k] = (into.invocations[k] ?? 0) + v;
}

/** What the logs themselves say happened: CloudFront's own result types. */
export function countLogged(e: LogEntry, c: Counters): void {
  c.requests++;
  const fromOrigin = originFetchLogged(e);
  if (fromOrigin) {
    c.originRequests++;
    c.originBytes += e.objectBytes;
  } else if (e.resultType === 'Hit' || e.resultType === 'RefreshHit' || e.detailedResultType === 'OriginShieldHit') {
    c.hits++;
  }
}

/** Whether a logged request went to the origin: a miss not answered by the shield, a revalidation, an origin error. */
export function originFetchLogged(e: LogEntry): boolean {
  if (e.detailedResultType === 'OriginShieldHit') return false;
  if (e.resultType === 'Miss' || e.resultType === 'RefreshHit') return true;
  return e.resultType === 'Error' && (e.status >= 500 || e.status === 404);
}

interface Stored {
  readonly born: number;
  readonly ttlMs: number;
}

const MEMO_LIMIT = 200_000;

/**
 * The cache key of a logged request under one distribution, as the local edge computes it: the
 * viewer-request CloudFront Function first (it may normalize the query or answer by itself), then
 * the CloudFront-* viewer headers, then the cache policy (tools/local/policies.ts).
 */
export class CacheKeys {
  private readonly functions?: FunctionRunner;
  /** Viewer-request CloudFront Function results by input, so a popular URL runs the function once. */
  private readonly memo = new Map<string, EdgeRequest | null>();

  constructor(readonly model: DistributionModel, options: { runFunctions?: boolean } = {}) {
    const hasFunctions = model.behaviors.some((b) => b.functions?.['viewer-request']);
    if (hasFunctions && options.runFunctions !== false) this.functions = new FunctionRunner(model, { onLog: () => undefined, budgetMs: 1e9 });
  }

  behaviorOf(uri: string): BehaviorModel {
    return matchBehavior(this.model.behaviors, uri);
  }

  /** The key, or null when a viewer-request function answered the request itself. */
  keyOf(e: LogEntry, b: BehaviorModel): string | null {
    const out = this.viewerRequest(b, requestOf(e));
    if (!out) return null;
    // A remembered function result is shared: the viewer headers go on a copy.
    const req = { ...out, headers: { ...out.headers } };
    addViewerHeaders(req, e);
    return cacheKey(b, req);
  }

  /** The request as the cache sees it: after the viewer-request CloudFront Function, if any; null when the function answered. */
  private viewerRequest(b: BehaviorModel, req: EdgeRequest): EdgeRequest | null {
    if (!this.functions || !b.functions?.['viewer-request']) return req;
    const memoKey = `${b.pathPattern}\n${req.uri}\n${req.querystring}\n${JSON.stringify(req.headers)}`;
    const hit = this.memo.get(memoKey);
    if (hit !== undefined) return hit;
    let out: EdgeRequest | null;
    try {
      const r = this.functions.viewerRequest(b, req, { distributionDomainName: 'replay.cloudfront.net', distributionId: 'EREPLAY', requestId: 'replay' }, {});
      out = r === undefined ? req : r.kind === 'response' ? null : r.request;
    } catch {
      out = null;
    }
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(memoKey, out);
    return out;
  }

}

/** How the replay served one request: from the edge cache, the shield, the origin, or by the edge itself. */
export interface Outcome {
  readonly behavior: BehaviorModel;
  readonly served: 'hit' | 'shield' | 'origin' | 'edge';
}

/** One distribution's cache tiers and counters, fed log entries in time order. */
export class CacheReplay {
  readonly byBehavior = new Map<string, Counters>();
  private readonly pops = new Map<string, Map<string, Stored>>();
  private readonly shields = new Map<string, Map<string, Stored>>();
  private readonly ttlMs = new Map<BehaviorModel, Map<Lifetime | undefined, number>>();
  private readonly keys: CacheKeys;

  /**
   * @param lifetimeOf what the origin sends for this request (learned under the configuration the
   * logs were written with, or assumed for the behavior it matches here)
   */
  constructor(
    readonly model: DistributionModel,
    private readonly lifetimeOf: (e: LogEntry, b: BehaviorModel) => Lifetime | undefined,
    options: { runFunctions?: boolean } = {},
  ) {
    for (const b of model.behaviors) {
      this.ttlMs.set(b, new Map());
      this.byBehavior.set(b.pathPattern, emptyCounters());
    }
    this.keys = new CacheKeys(model, options);
  }

  /**
   * Replays one logged request, counted into `into` (by default this distribution's own row for the
   * behavior it matched); returns that behavior and how the request was served.
   */
  feed(e: LogEntry, into?: Counters): Outcome {
    const b = matchBehavior(this.model.behaviors, e.uri);
    const c = into ?? this.byBehavior.get(b.pathPattern)!;
    c.requests++;
    countInvocations(b, c, 'viewer');
    if (ANSWERED_BEFORE_CACHE.has(e.resultType)) return { behavior: b, served: 'edge' };
    const key = this.keys.keyOf(e, b);
    if (key === null) return { behavior: b, served: 'edge' };
    const life = this.lifetimeOf(e, b);
    const byLife = this.ttlMs.get(b)!;
    let ttlMs = byLife.get(life);
    if (ttlMs === undefined) byLife.set(life, (ttlMs = ttlFor(b, life, this.model) * 1000));
    const cacheable = ttlMs > 0 && b.cachedMethods.includes(e.method) && e.method !== 'HEAD';
    if (!cacheable) {
      this.originFetch(b, c, e);
      return { behavior: b, served: 'origin' };
    }
    let pop = this.pops.get(e.pop);
    if (!pop) this.pops.set(e.pop, (pop = new Map()));
    const now = e.timeMs;
    const s = pop.get(key);
    if (s && now - s.born < s.ttlMs) {
      c.hits++;
      return { behavior: b, served: 'hit' };
    }
    const shieldRegion = this.model.origins[b.targetOriginId]?.originShield?.region;
    if (shieldRegion) {
      let shield = this.shields.get(shieldRegion);
      if (!shield) this.shields.set(shieldRegion, (shield = new Map()));
      const sh = shield.get(key);
      if (sh && now - sh.born < sh.ttlMs) {
        // The edge keeps the shield's copy with the age it already has.
        pop.set(key, sh);
        c.hits++;
        return { behavior: b, served: 'shield' };
      }
      const fresh = { born: now, ttlMs };
      shield.set(key, fresh);
      pop.set(key, fresh);
    } else {
      pop.set(key, { born: now, ttlMs });
    }
    this.originFetch(b, c, e);
    return { behavior: b, served: 'origin' };
  }

  private originFetch(b: BehaviorModel, c: Counters, e: LogEntry): void {
    c.originRequests++;
    c.originBytes += e.objectBytes;
    countInvocations(b, c, 'origin');
  }

  totals(): Counters {
    const t = emptyCounters();
    for (const c of this.byBehavior.values()) addCounters(t, c);
    return t;
  }
}

/** Edge functions a request runs: viewer events on every request, origin events on misses only. */
export function countInvocations(b: BehaviorModel, c: Counters, side: 'viewer' | 'origin'): void {
  const add = (runtime: string) => (c.invocations[runtime] = (c.invocations[runtime] ?? 0) + 1);
  const events = side === 'viewer' ? (['viewer-request', 'viewer-response'] as const) : (['origin-request', 'origin-response'] as const);
  for (const ev of events) {
    const lambda = b.edgeFunctions[ev];
    if (lambda) add(lambda.runtime ?? 'lambda@edge');
    if (side === 'viewer') {
      const fn = b.functions?.[ev as 'viewer-request' | 'viewer-response'];
      if (fn) add(fn.runtime);
    }
  }
}

/**
 * Seconds a behavior keeps an object under its cache policy, given what the origin sends: the
 * local edge's own TTL rules (decideTtl) applied to a response carrying that `max-age`.
 */
export function ttlFor(b: BehaviorModel, life: Lifetime | undefined, model: DistributionModel): number {
  const headers: CfHeaders = {};
  if (life?.originMaxAge !== undefined) setHeader(headers, 'Cache-Control', `max-age=${life.originMaxAge}`);
  const d = decideTtl(b.cachePolicy, 200, headers, 0, model.errorResponses);
  return d.store ? d.ttl : 0;
}
