import type { LogEntry } from '../../tools/replay/log-entry';
import { LifetimeLearner } from '../../tools/replay/learn';
import { CacheReplay } from '../../tools/replay/simulate';
import { CONFIG_A, POLICIES, distribution } from '../../bench/replay-scenario';

const T0 = Date.UTC(2026, 11, 1);

function entry(p: Partial<LogEntry> & { at: number }): LogEntry {
  return {
    timeMs: T0 + p.at * 1000, pop: 'IAD89-C1', method: 'GET', uri: '/products/1', query: '', status: 200, bytes: 1300, objectBytes: 1000,
    resultType: 'Miss', detailedResultType: '', host: 'www.example.com', userAgent: 'curl/8', referer: '', cookie: '', protocol: 'https', ...p,
  };
}

/** What a cache with this lifetime logs for requests at these seconds (one edge location, one object). */
function logged(lifetime: number, times: number[], p: Partial<LogEntry> = {}): LogEntry[] {
  let born = -Infinity;
  return times.map((at) => {
    const hit = at - born < lifetime;
    if (!hit) born = at;
    return entry({ at, resultType: hit ? 'Hit' : 'Miss', ...p });
  });
}

test('a lifetime is learned from the hits and misses of one object, with its bounds', () => {
  const learner = new LifetimeLearner(CONFIG_A);
  const times = Array.from({ length: 400 }, (_, i) => i * 7);
  for (const e of logged(120, times)) learner.feed(e);
  const l = learner.lifetimes().get('/products/*')!;
  expect(l.source).toBe('learned');
  expect(l.lowerBound).toBe(119);
  expect(l.upperBound).toBe(126);
  expect(Math.abs(l.originMaxAge! - 120)).toBeLessThanOrEqual(4);
  expect(l.samples).toBeGreaterThan(300);
});

test('edge locations are separate caches: a miss at one does not end an object at another', () => {
  const learner = new LifetimeLearner(CONFIG_A);
  const a = logged(60, [0, 10, 50, 61, 100], { pop: 'IAD89-C1' });
  const b = logged(60, [5, 30, 66, 70], { pop: 'FRA56-P3' });
  for (const e of [...a, ...b].sort((x, y) => x.timeMs - y.timeMs)) learner.feed(e);
  const l = learner.lifetimes().get('/products/*')!;
  expect(l.lowerBound).toBe(50);
  expect(l.upperBound).toBe(61);
});

test('a behavior that logged misses and no hit caches nothing; one with no requests is unknown', () => {
  const learner = new LifetimeLearner(CONFIG_A);
  for (let i = 0; i < 50; i++) learner.feed(entry({ at: i, uri: '/account/1', resultType: 'Miss' }));
  const lifetimes = learner.lifetimes();
  expect(lifetimes.get('/account/*')).toMatchObject({ originMaxAge: 0, source: 'not cached', samples: 49 });
  expect(lifetimes.get('/feed/*')).toMatchObject({ source: 'unknown', samples: 0 });
});

test('a miss the shield answered starts no interval: its copy was already aged', () => {
  const learner = new LifetimeLearner(CONFIG_A);
  learner.feed(entry({ at: 0, resultType: 'Miss' }));
  learner.feed(entry({ at: 20, resultType: 'Hit' }));
  learner.feed(entry({ at: 30, resultType: 'Hit', detailedResultType: 'OriginShieldHit' }));
  learner.feed(entry({ at: 200, resultType: 'Hit' }));
  const l = learner.lifetimes().get('/products/*')!;
  expect(l.lowerBound).toBe(20);
});

test('the learned lifetime, clamped by the proposed TTL bounds, decides hits in the replay', () => {
  const times = Array.from({ length: 100 }, (_, i) => i * 10);
  const lines = logged(300, times);
  const learner = new LifetimeLearner(CONFIG_A);
  for (const e of lines) learner.feed(e);
  const learned = learner.lifetimes();
  const replay = (maxTtl: number) => {
    const config = distribution('B', { products: { ...POLICIES.productsAllQuery, maxTtl }, feed: POLICIES.dynamic });
    const sim = new CacheReplay(config, (_e, b) => learned.get(b.pathPattern));
    for (const e of lines) sim.feed(e);
    return sim.totals().originRequests;
  };
  // 1,000 s of requests every 10 s: 300 s objects are fetched 4 times, 60 s ones 17 times.
  expect(replay(86400)).toBe(4);
  expect(replay(60)).toBe(17);
  expect(replay(0)).toBe(100);
});
