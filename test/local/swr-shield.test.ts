import { readDistribution } from '../../tools/local/assembly';
import type { DistributionModel } from '../../tools/local/model';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { referenceAssembly } from './reference-assembly';
import { type TestOrigin, request, send, startOrigin } from './helpers';

/**
 * stale-while-revalidate with and without Origin Shield, on the reference app's api tier
 * (`public, s-maxage=60, stale-while-revalidate=30`), virtual clock. With the shield, an object
 * keeps its age from tier to tier, so the edge copy and the shield copy expire together: the edge's
 * background refresh is answered stale by the shield, which refreshes from the origin at that
 * moment. The origin is asked once per expiry either way; with the shield each edge location hands
 * out one more stale copy (docs/local-edge.md, "stale-while-revalidate with Origin Shield").
 */
let origin: TestOrigin;
let model: DistributionModel;
let version = 0;

beforeAll(async () => {
  model = readDistribution(referenceAssembly().dir);
  origin = await startOrigin((_req, res) => {
    version++;
    send(res, 200, { 'content-type': 'application/json', 'cache-control': 'public, s-maxage=60, stale-while-revalidate=30' }, JSON.stringify({ version }));
  });
}, 120_000);

afterAll(async () => {
  await origin?.close();
});

const withoutShield = (m: DistributionModel): DistributionModel => ({
  ...m,
  origins: Object.fromEntries(Object.entries(m.origins).map(([k, o]) => [k, { ...o, originShield: undefined }])),
});

async function sequence(distribution: DistributionModel, path: string): Promise<string[]> {
  const edge: LocalEdge = await startLocalEdge({ distribution, port: 0, clock: 'virtual', origins: { 'api.example.com': origin.url }, onWarning: () => {} });
  try {
    const seen: string[] = [];
    const ask = async () => {
      const r = await request(`${edge.url}${path}`);
      await edge.settle(); // background refreshes end before the clock moves on
      seen.push(`${String(r.headers['x-cache']).replace(' from cloudfront', '')} v${JSON.parse(r.text).version} age ${r.headers.age ?? '-'}`);
    };
    const before = origin.requests.length;
    await ask(); // t = 0
    edge.clock.advance!(61);
    await ask(); // t = 61: expired, inside the 30 s stale window
    edge.clock.advance!(1);
    await ask(); // t = 62
    edge.clock.advance!(1);
    await ask(); // t = 63
    seen.push(`origin fetches ${origin.requests.length - before}`);
    return seen;
  } finally {
    await edge.close();
  }
}

test('one tier: the stale hit refreshes the edge copy, the next viewer gets the fresh copy', async () => {
  const start = version;
  expect(await sequence(withoutShield(model), '/api/products/swr-one')).toEqual([
    `Miss v${start + 1} age -`,
    `Hit v${start + 1} age 61`,
    `Hit v${start + 2} age 1`,
    `Hit v${start + 2} age 2`,
    'origin fetches 2',
  ]);
});

test('two tiers (Origin Shield): the shield answers the edge refresh stale, so one more viewer gets the stale copy; the origin is still asked once per expiry', async () => {
  const start = version;
  expect(await sequence(model, '/api/products/swr-two')).toEqual([
    `Miss v${start + 1} age -`,
    `Hit v${start + 1} age 61`,
    `Hit v${start + 1} age 62`,
    // Born at t = 61, when the shield refreshed: fresh, aged from then on.
    `Hit v${start + 2} age 2`,
    'origin fetches 2',
  ]);
});

describe('the offload benchmark lower bound (bench/offload-bound.ts)', () => {
  /** A seeded trace: three api keys, requests every 0-12 virtual seconds for 6 minutes, three edge locations. */
  function trace(seed: number): Array<{ at: number; tier: 'api'; key: string; pop: number }> {
    let s = seed;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const out: Array<{ at: number; tier: 'api'; key: string; pop: number }> = [];
    for (let at = 0; at < 360; at += Math.round(rnd() * 12 * 10) / 10) out.push({ at, tier: 'api', key: `/api/products/bound-${seed}-${Math.floor(rnd() * 3)}`, pop: Math.floor(rnd() * 3) });
    return out;
  }

  test.each([
    ['with Origin Shield', true],
    ['without it, one edge location', false],
  ])('%s: the origin is asked exactly as often as the bound says, never less', async (_name, shield) => {
    const { lowerBound } = await import('../../bench/offload-bound');
    const requests = trace(shield ? 7 : 11);
    const edge = await startLocalEdge({
      distribution: shield ? model : withoutShield(model),
      port: 0,
      pops: shield ? 3 : 1,
      clock: 'virtual',
      origins: { 'api.example.com': origin.url },
      onWarning: () => {},
    });
    try {
      const before = origin.requests.length;
      let now = 0;
      for (const r of requests) {
        edge.clock.advance!(r.at - now);
        now = r.at;
        await request(`${edge.url}${r.key}`, { headers: { 'x-tiered-cdn-pop': String(r.pop) } });
        await edge.settle();
      }
      const fetched = origin.requests.length - before;
      const bound = lowerBound(requests, { api: 60 }, ['api']).api;
      expect(bound).toBeGreaterThan(6);
      expect(fetched).toBe(bound);
    } finally {
      await edge.close();
    }
  });
});
