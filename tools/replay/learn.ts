import type { BehaviorModel, DistributionModel } from '../local/model';
import type { LogEntry } from './log-entry';
import { CacheKeys, type Lifetime, originFetchLogged } from './simulate';

interface Episode {
  /** When the origin last filled this object at this edge location (ms); undefined when unknown. */
  fill?: number;
}

interface Evidence {
  hits: number;
  /** Largest age (s) at which a hit was logged after a known fill. */
  lower: number;
  /** Intervals (s) between two origin fetches of one object at one edge location. */
  gaps: number[];
  cachedKeys: number;
}

/**
 * Learns, per behavior of the configuration the logs were written under, how long the edge kept
 * objects: each hit after an origin fetch of the same object at the same edge location says the
 * lifetime is longer than that age; each next origin fetch says it ended before. Log times have
 * one-second resolution, so a figure is good to about a second. A behavior that logged no hit
 * caches nothing (its policy or its origin forbids it).
 */
export class LifetimeLearner {
  private readonly episodes = new Map<string, Episode>();
  private readonly evidence = new Map<BehaviorModel, Evidence>();

  private readonly keys: CacheKeys;

  constructor(readonly model: DistributionModel) {
    this.keys = new CacheKeys(model);
  }

  behaviorOf(uri: string): BehaviorModel {
    return this.keys.behaviorOf(uri);
  }

  feed(e: LogEntry): void {
    if (e.method !== 'GET') return;
    const b = this.behaviorOf(e.uri);
    let ev = this.evidence.get(b);
    if (!ev) this.evidence.set(b, (ev = { hits: 0, lower: 0, gaps: [], cachedKeys: 0 }));
    const isHit = e.resultType === 'Hit' && e.detailedResultType !== 'OriginShieldHit';
    const isFill = originFetchLogged(e) && e.resultType !== 'Error';
    if (!isHit && !isFill && e.detailedResultType !== 'OriginShieldHit') return;
    const objectKey = this.keys.keyOf(e, b);
    if (objectKey === null) return;
    const key = `${e.pop}\n${objectKey}`;
    let ep = this.episodes.get(key);
    if (!ep) {
      this.episodes.set(key, (ep = {}));
      ev.cachedKeys++;
    }
    const t = e.timeMs;
    if (isHit) {
      ev.hits++;
      if (ep.fill !== undefined) ev.lower = Math.max(ev.lower, (t - ep.fill) / 1000);
    } else if (isFill) {
      if (ep.fill !== undefined && ev.gaps.length < 100_000) ev.gaps.push((t - ep.fill) / 1000);
      ep.fill = t;
    } else {
      // Filled from the shield: the copy's age is not logged, so this object's next interval says nothing.
      ep.fill = undefined;
    }
  }

  /** The lifetime of each behavior (by path pattern), with the evidence behind it. */
  lifetimes(): Map<string, Lifetime> {
    const out = new Map<string, Lifetime>();
    for (const b of this.model.behaviors) {
      const ev = this.evidence.get(b);
      if (!ev || (ev.hits === 0 && ev.gaps.length === 0)) {
        out.set(b.pathPattern, { source: 'unknown', samples: 0 });
        continue;
      }
      if (ev.hits === 0) {
        out.set(b.pathPattern, { originMaxAge: 0, source: 'not cached', samples: ev.gaps.length });
        continue;
      }
      // The shortest interval between two fetches of one object bounds the lifetime from above
      // (an eviction or an invalidation can only shorten it, so intervals below the largest hit age are set aside).
      const above = ev.gaps.filter((g) => g >= ev.lower);
      const upper = above.length ? Math.min(...above) : undefined;
      // Log times are whole seconds, so a logged age is within a second of the real one either way:
      // the lifetime lies within (lower - 1, upper + 1); the middle of that is the estimate.
      const estimate = upper === undefined ? ev.lower : (ev.lower + upper) / 2;
      out.set(b.pathPattern, { originMaxAge: Math.round(estimate), source: 'learned', samples: ev.hits + ev.gaps.length, lowerBound: ev.lower, upperBound: upper });
    }
    return out;
  }
}
