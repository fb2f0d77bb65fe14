import type { BehaviorModel, DistributionModel } from '../local/model';
import { matchBehavior } from '../local/policies';
import { PRICES, PRICES_DATE, lambdaInvocationUsd } from '../prices';
import { LifetimeLearner } from './learn';
import { type ReadStats, listLogFiles, readLogs } from './read-logs';
import { CacheReplay, type Counters, type Lifetime, addCounters, countInvocations, countLogged, emptyCounters, originFetchLogged } from './simulate';

export interface ReplayOptions {
  /** Log files and folders. */
  readonly logs: readonly string[];
  /** The proposed distribution. */
  readonly app: DistributionModel;
  /**
   * The distribution the logs were written under, replayed as the current side instead of the
   * logs' own figures; also the one whose cache keys the lifetimes are learned with.
   * @default - the logs' own figures; lifetimes learned with the proposed cache keys
   */
  readonly base?: DistributionModel;
  /** Path pattern (of the proposed app) -> seconds the origin will send as s-maxage, where the logs cannot tell. */
  readonly assume?: Readonly<Record<string, number>>;
  /** Receives progress lines. */
  readonly onProgress?: (line: string) => void;
}

export interface Figures {
  requests: number;
  hitRatio: number;
  originRequests: number;
  originBytes: number;
  /** Monthly cost at list prices of what differs between configurations (see `costNote`). */
  costUsd: number;
  invocations: Record<string, number>;
  /** Invalidation items a deployment sends (entry documents, or one tag). */
  invalidationItems: number;
}

export interface BehaviorReport {
  pathPattern: string;
  lifetime: Lifetime;
  current: Figures;
  proposed: Figures;
}

export interface ReplayReport {
  requests: number;
  files: number;
  lines: number;
  skipped: number;
  formats: Record<string, number>;
  /** Seconds between the first and the last logged request. */
  spanSeconds: number;
  /** Monthly figures are the log's figures times this (30 days over the span). */
  monthlyFactor: number;
  pricesDate: string;
  costNote: string;
  current: Figures & { label: string };
  proposed: Figures & { label: string };
  behaviors: BehaviorReport[];
  /** Lines replayed per second (both passes over the logs). */
  linesPerSecond: number;
}

const MONTH_SECONDS = 30 * 86400;

export const COST_NOTE =
  'HTTPS requests, data transfer to the origin, edge function invocations (Lambda@Edge at 128 MB, 1 ms); ' +
  'not data transfer to viewers, which no cache setting changes';

function invalidationItems(model: DistributionModel): number {
  if (model.cacheTagHeader) return 1;
  return model.plan?.entryDocuments?.length ?? 0;
}

function figures(c: Counters, monthly: number, invalidations: number): Figures {
  let cost = c.requests * PRICES.httpsRequest + (c.originBytes / 1e9) * PRICES.originTransferPerGb;
  for (const [runtime, n] of Object.entries(c.invocations)) {
    cost += n * (runtime.startsWith('cloudfront-js') ? PRICES.cloudFrontFunctionPerInvocation : lambdaInvocationUsd(1));
  }
  return {
    requests: c.requests,
    hitRatio: c.requests ? round(c.hits / c.requests, 4) : 0,
    originRequests: c.originRequests,
    originBytes: c.originBytes,
    costUsd: round(cost * monthly, 2),
    invocations: c.invocations,
    invalidationItems: invalidations,
  };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Replays CloudFront standard logs against a proposed distribution: a first pass learns each
 * behavior's lifetime from the logged hits and misses and counts what the logs say happened; a
 * second pass runs the same requests through the proposed configuration's cache model (and the
 * base configuration's, when given). Both passes stream the files.
 */
export async function replayLogs(options: ReplayOptions): Promise<ReplayReport> {
  const started = process.hrtime.bigint();
  const files = listLogFiles(options.logs);
  const proposed = options.app;
  const learner = new LifetimeLearner(options.base ?? proposed);
  const logged = new Map<string, Counters>(proposed.behaviors.map((b) => [b.pathPattern, emptyCounters()]));
  const stats: ReadStats = { files: 0, lines: 0, skipped: 0, formats: {} };
  let first = Infinity;
  let last = -Infinity;
  let requests = 0;
  for await (const e of readLogs(files, stats)) {
    requests++;
    if (e.timeMs < first) first = e.timeMs;
    if (e.timeMs > last) last = e.timeMs;
    learner.feed(e);
    const b = matchBehavior(proposed.behaviors, e.uri);
    const c = logged.get(b.pathPattern)!;
    countLogged(e, c);
    // The logs do not say which functions ran; the current side is taken to run the proposed ones.
    countInvocations(b, c, 'viewer');
    if (originFetchLogged(e)) countInvocations(b, c, 'origin');
  }
  const learned = learner.lifetimes();
  const assume = options.assume ?? {};
  const lifetimeOf = (learning: BehaviorModel) => learned.get(learning.pathPattern);
  const assumed = new Map<string, Lifetime>(Object.entries(assume).map(([p, s]) => [p, { originMaxAge: s, source: 'assumed', samples: 0 }]));
  const forProposed = (e: { uri: string }, b: BehaviorModel) => assumed.get(b.pathPattern) ?? lifetimeOf(learner.behaviorOf(e.uri));
  const next = new CacheReplay(proposed, forProposed);
  const base = options.base ? new CacheReplay(options.base, (e) => lifetimeOf(learner.behaviorOf(e.uri))) : undefined;
  const baseRows = new Map<string, Counters>(proposed.behaviors.map((b) => [b.pathPattern, emptyCounters()]));
  const stats2: ReadStats = { files: 0, lines: 0, skipped: 0, formats: {} };
  for await (const e of readLogs(files, stats2)) {
    const b = next.feed(e).behavior;
    if (base) base.feed(e, baseRows.get(b.pathPattern)!);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const span = requests ? Math.max(1, (last - first) / 1000 + 1) : 0;
  const monthly = span ? MONTH_SECONDS / span : 0;
  const currentRows = base ? baseRows : logged;
  const currentModel = options.base ?? proposed;
  const behaviors: BehaviorReport[] = proposed.behaviors.map((b) => ({
    pathPattern: b.pathPattern,
    lifetime: assumed.get(b.pathPattern) ?? learned.get(b.pathPattern) ?? { source: 'unknown', samples: 0 },
    current: figures(currentRows.get(b.pathPattern)!, monthly, 0),
    proposed: figures(next.byBehavior.get(b.pathPattern)!, monthly, 0),
  }));
  const total = (rows: Map<string, Counters>) => {
    const t = emptyCounters();
    for (const c of rows.values()) addCounters(t, c);
    return t;
  };
  return {
    requests,
    files: stats.files,
    lines: stats.lines,
    skipped: stats.skipped,
    formats: stats.formats,
    spanSeconds: span,
    monthlyFactor: round(monthly, 3),
    pricesDate: PRICES_DATE,
    costNote: COST_NOTE,
    current: { label: options.base ? `base app (${currentModel.stackName})` : 'logs', ...figures(total(currentRows), monthly, invalidationItems(currentModel)) },
    proposed: { label: `app (${proposed.stackName})`, ...figures(next.totals(), monthly, invalidationItems(proposed)) },
    behaviors,
    linesPerSecond: seconds > 0 ? Math.round((stats.lines + stats2.lines) / seconds) : 0,
  };
}
