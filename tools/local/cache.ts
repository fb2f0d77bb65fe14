import type { Clock } from './clock';
import { type EdgeResponse, getHeader } from './http-types';
import type { TtlDecision } from './ttl';

interface Entry {
  response: EdgeResponse;
  /** Clock time (ms) the object was fetched from the origin, so age carries across tiers. */
  bornAt: number;
  decision: TtlDecision;
  /**
   * Clock time until which an expired object is served without asking the origin again, after the
   * origin failed: CloudFront keeps serving it for the failure's ErrorCachingMinTTL.
   */
  holdUntil?: number;
}

/** What the next tier up (shield or origin) answered. */
export interface Upstream {
  response: EdgeResponse;
  /** Seconds the object had already spent in the tier above. */
  age: number;
  /** The upstream answered 304 to our validators: the stored object is still good. */
  notModified?: boolean;
  /** Origin unreachable, timed out or 5xx: a stale object may be served instead (stale-if-error). */
  failed: boolean;
  /** Set when the response came from the origin (not from a cache above), for result types. */
  fromOrigin: boolean;
  /** Free-form label of how the upstream produced it (`LambdaGeneratedResponse`, `Error`...). */
  kind?: string;
}

export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

/**
 * Stored fields a 304 does not replace (RFC 9111 section 3.2): those describing the stored body and
 * the validator it was revalidated with.
 */
const KEPT_ON_REVALIDATION = new Set(['content-length', 'content-encoding', 'content-range', 'content-md5', 'etag']);

export type LookupResult = 'Hit' | 'RefreshHit' | 'Miss' | 'StaleHit' | 'StaleIfError';

export interface Served {
  response: EdgeResponse;
  result: LookupResult;
  /** Age in seconds, fractional (cache hits only). */
  age?: number;
  upstream?: Upstream;
}

/**
 * One cache: an edge location or the Origin Shield. Fresh objects are hits; stale ones inside the
 * stale-while-revalidate window are served at once and refreshed in the background; concurrent misses
 * for one key share one upstream fetch (request collapsing), unless the response turns out not to be
 * cacheable: then each waiting request fetches on its own, so a private response is never shared.
 */
export class CacheTier {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<{ up: Upstream; stored: boolean }>>();
  /** Background refreshes in progress, awaited by `settle()` so tests and shutdown see them end. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    readonly name: string,
    private readonly clock: Clock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops every stored object whose key the predicate accepts, as an invalidation does; returns how many. */
  invalidate(match: (key: string, response: EdgeResponse) => boolean): number {
    let n = 0;
    for (const [key, entry] of [...this.entries]) {
      if (match(key, entry.response)) {
        this.entries.delete(key);
        n++;
      }
    }
    return n;
  }

  async settle(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  /**
   * An expired copy may stand in for a failed origin (5xx, unreachable, timed out): "If your origin
   * returns a 5xx status code, CloudFront serves the object even though it has expired" (How
   * CloudFront processes HTTP 4xx and 5xx status codes). An error is not such a copy, and an origin
   * that limited this with `stale-if-error=N` is held to its N seconds.
   */
  private servesStaleOnError(e: Entry): boolean {
    if (e.response.status >= 400) return false;
    return e.decision.staleIfError <= 0 || this.ageOf(e) < e.decision.ttl + e.decision.staleIfError;
  }

  /** Exact age in seconds (fractional): the Age header floors it, the tiers must not lose the fraction. */
  private ageOf(e: Entry): number {
    return Math.max(0, (this.clock.now() - e.bornAt) / 1000);
  }

  /** A fresh stored object, served as `lookup` serves it, or undefined when `lookup` has more to do. */
  hit(key: string): Served | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const age = this.ageOf(entry);
    return age < entry.decision.ttl ? { response: entry.response, result: 'Hit', age } : undefined;
  }

  /**
   * @param fetch the next tier, given validators when a stale object can be revalidated
   * @param decide the TTL rules of the behavior applied to an upstream response
   */
  async lookup(
    key: string,
    fetch: (validators?: Validators) => Promise<Upstream>,
    decide: (res: EdgeResponse) => TtlDecision,
  ): Promise<Served> {
    const fresh = this.hit(key);
    if (fresh) return fresh;
    const entry = this.entries.get(key);
    if (entry) {
      const age = this.ageOf(entry);
      const { ttl, staleWhileRevalidate } = entry.decision;
      if (entry.holdUntil !== undefined && this.clock.now() < entry.holdUntil && this.servesStaleOnError(entry)) {
        return { response: entry.response, result: 'StaleIfError', age };
      }
      if (age < ttl + staleWhileRevalidate) {
        if (!this.inflight.has(key)) {
          const p = this.fetchShared(key, entry, fetch, decide).catch(() => undefined);
          this.background.add(p);
          void p.finally(() => this.background.delete(p));
        }
        return { response: entry.response, result: 'StaleHit', age };
      }
    }
    const shared = this.inflight.get(key);
    let outcome = shared ? await shared : await this.fetchShared(key, entry, fetch, decide);
    if (shared && !outcome.stored) {
      // The response the others waited for is not cacheable (private, no-store, TTL 0): this request
      // goes to the origin on its own rather than receiving someone else's response.
      const up = await fetch();
      outcome = { up, stored: false };
    }
    const { up } = outcome;
    if (shared && outcome.stored && !up.failed) return { response: up.response, result: 'Hit', age: 0, upstream: up };
    const current = this.entries.get(key);
    if (up.notModified && current) return { response: current.response, result: 'RefreshHit', age: this.ageOf(current), upstream: up };
    if (up.failed && entry && this.entries.get(key) === entry && this.servesStaleOnError(entry)) {
      return { response: entry.response, result: 'StaleIfError', age: this.ageOf(entry), upstream: up };
    }
    return { response: up.response, result: 'Miss', upstream: up, age: up.fromOrigin ? undefined : up.age };
  }

  private fetchShared(
    key: string,
    entry: Entry | undefined,
    fetch: (validators?: Validators) => Promise<Upstream>,
    decide: (res: EdgeResponse) => TtlDecision,
  ): Promise<{ up: Upstream; stored: boolean }> {
    const validators = entry
      ? { etag: getHeader(entry.response.headers, 'etag'), lastModified: getHeader(entry.response.headers, 'last-modified') }
      : undefined;
    const p = (async () => {
      const up = await fetch(validators?.etag || validators?.lastModified ? validators : undefined);
      const now = this.clock.now();
      const upAge = up.fromOrigin ? originAge(up.response) : up.age;
      if (up.notModified && entry) {
        // Revalidated: the stored body is kept, its freshness restarts from the 304's headers.
        const merged = { ...entry.response, headers: { ...entry.response.headers } };
        for (const [k, v] of Object.entries(up.response.headers)) {
          if (!KEPT_ON_REVALIDATION.has(k)) merged.headers[k] = v;
        }
        const decision = decide(merged);
        this.entries.set(key, { response: merged, bornAt: now - upAge * 1000, decision: decision.store ? decision : entry.decision });
        return { up, stored: true };
      }
      if (up.failed && entry && this.servesStaleOnError(entry)) {
        const failure = decide(up.response);
        if (failure.store) entry.holdUntil = now + failure.ttl * 1000;
        return { up, stored: false };
      }
      // "If the value of the Content-Length header doesn't match the size of the object, CloudFront
      // doesn't cache the object" (Dropped TCP connections); the copy held before stays.
      if (up.response.incomplete) return { up, stored: false };
      const decision = decide(up.response);
      if (decision.store) {
        this.entries.set(key, { response: up.response, bornAt: now - upAge * 1000, decision });
      } else if (entry) {
        this.entries.delete(key);
      }
      return { up, stored: decision.store };
    })();
    this.inflight.set(key, p);
    const clear = () => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(clear, clear);
    return p;
  }

  /** Answers a lower tier: the stored object with its age, or undefined when absent or expired. */
  stored(key: string): { response: EdgeResponse; age: number; decision: TtlDecision } | undefined {
    const e = this.entries.get(key);
    return e ? { response: e.response, age: this.ageOf(e), decision: e.decision } : undefined;
  }
}

/** The largest Age RFC 9111 section 1.2.2 lets a cache send. */
export const MAX_AGE_SECONDS = 2147483648;

/**
 * Seconds the origin says its response has already spent in caches (RFC 9111 section 5.1): the first
 * member of `Age`; a value that is not a non-negative integer makes the response stale. It counts
 * toward the stored object's age, so `Age` never goes backwards and `max-age` is measured from the
 * origin's clock.
 */
export function originAge(res: EdgeResponse): number {
  const header = getHeader(res.headers, 'age');
  if (header === undefined) return 0;
  const first = header.split(',')[0].trim();
  return /^\d+$/.test(first) ? Math.min(Number(first), MAX_AGE_SECONDS) : MAX_AGE_SECONDS;
}
