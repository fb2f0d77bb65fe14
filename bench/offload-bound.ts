/**
 * The fewest origin fetches a shared cache can make for a trace, the yardstick of
 * `npm run bench:offload`: one fetch per cache key per TTL window, a window starting at the first
 * request after the previous one ended. That is the least a cache can do when it refreshes an
 * expired object at the request that finds it expired, as CloudFront does (a stale-while-
 * revalidate hit sends its refresh at once; serving stale saves the viewer the wait, not the
 * fetch). Two tiers reach it too: with Origin Shield an object keeps its age from tier to tier, so
 * the first request after an expiry at any edge location reaches the shield, which refreshes then
 * (answering that edge's refresh stale; see docs/local-edge.md). Keys of a TTL of 0 are fetched on
 * every request.
 */
export interface BoundRequest<T extends string> {
  /** Seconds since the start of the trace. */
  readonly at: number;
  readonly tier: T;
  /** What the cache key is made of. */
  readonly key: string;
}

export function lowerBound<T extends string>(trace: ReadonlyArray<BoundRequest<T>>, ttl: Readonly<Record<T, number>>, tiers: readonly T[]): Record<T, number> {
  const last = new Map<string, number>();
  const out = Object.fromEntries(tiers.map((t) => [t, 0])) as Record<T, number>;
  for (const r of trace) {
    const t = last.get(r.key);
    if (ttl[r.tier] <= 0 || t === undefined || r.at >= t + ttl[r.tier]) {
      out[r.tier]++;
      last.set(r.key, r.at);
    }
  }
  return out;
}
