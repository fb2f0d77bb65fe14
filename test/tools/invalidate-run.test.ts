import { CreateInvalidationCommand, GetInvalidationCommand, TooManyInvalidationsInProgress } from '@aws-sdk/client-cloudfront';
import { InvalidationFailedError, InvalidationRefusedError, Runtime, Timing, backoffDelay, planInvalidation, runInvalidation } from '../../tools/invalidate/run';

const timing: Timing = { pollIntervalMs: 1000, timeoutMs: 60_000, retryBaseMs: 100, retryMaxMs: 800 };

/** A scripted CloudFront: invalidations complete after `pollsToComplete` GetInvalidation calls. */
function fakeCloudFront(opts: { tooMany?: number; pollsToComplete?: number } = {}) {
  let clock = 0;
  let tooMany = opts.tooMany ?? 0;
  const log: string[] = [];
  const polls = new Map<string, number>();
  let n = 0;
  const rt: Runtime = {
    now: () => clock,
    sleep: async (ms) => {
      log.push(`sleep ${ms}`);
      clock += ms;
    },
    random: () => 0.5,
    progress: (line) => log.push(`progress ${line}`),
    send: (async (cmd: unknown) => {
      if (cmd instanceof CreateInvalidationCommand) {
        if (tooMany > 0) {
          tooMany--;
          log.push('create refused');
          throw new TooManyInvalidationsInProgress({ message: 'busy', $metadata: {} });
        }
        const id = `I${++n}`;
        polls.set(id, 0);
        log.push(`create ${id} ${cmd.input.InvalidationBatch!.Paths!.Items!.join(',')}`);
        return { Invalidation: { Id: id, Status: 'InProgress' } };
      }
      if (cmd instanceof GetInvalidationCommand) {
        const id = cmd.input.Id!;
        const count = polls.get(id)! + 1;
        polls.set(id, count);
        log.push(`get ${id}`);
        return { Invalidation: { Id: id, Status: count >= (opts.pollsToComplete ?? 1) ? 'Completed' : 'InProgress' } };
      }
      throw new Error('unexpected command');
    }) as Runtime['send'],
  };
  return { rt, log };
}

const base = { distributionId: 'E1', all: false, confirmAll: false, dryRun: false, wait: false };

test('a later batch is submitted only after the earlier one completed', async () => {
  const { rt, log } = fakeCloudFront({ pollsToComplete: 2 });
  const r = await runInvalidation({ ...base, paths: ['/a', '/b', '/c'], limits: { maxPaths: 2, maxWildcards: 15 } }, rt, timing);
  const calls = log.filter((l) => /^(create|get|sleep)/.test(l));
  expect(calls).toEqual(['create I1 /a,/b', 'get I1', 'sleep 500', 'get I1', 'create I2 /c']);
  expect(r.invalidations.map((i) => i.id)).toEqual(['I1', 'I2']);
  expect(r.completed).toBe(false);
});

test('--wait polls until every invalidation completed', async () => {
  const { rt, log } = fakeCloudFront({ pollsToComplete: 3 });
  const r = await runInvalidation({ ...base, paths: ['/a'], wait: true }, rt, timing);
  expect(log.filter((l) => l.startsWith('get')).length).toBe(3);
  expect(r.completed).toBe(true);
  expect(log).toContain('progress 1/1 invalidation completed after 2 s');
});

test('TooManyInvalidationsInProgress is retried with growing, jittered delays', async () => {
  const { rt, log } = fakeCloudFront({ tooMany: 4 });
  const r = await runInvalidation({ ...base, paths: ['/a'] }, rt, timing);
  // random() = 0.5: half of min(800, 100 * 2^attempt)
  expect(log.filter((l) => l.startsWith('sleep'))).toEqual(['sleep 50', 'sleep 100', 'sleep 200', 'sleep 400']);
  expect(r.invalidations[0].retries).toBe(4);
});

test('backoff is capped and uses full jitter', () => {
  expect(backoffDelay(10, timing, () => 1)).toBe(800);
  expect(backoffDelay(10, timing, () => 0)).toBe(0);
  expect(backoffDelay(0, timing, () => 1)).toBe(100);
});

test('fails when the timeout passes while CloudFront is still busy, naming created invalidations', async () => {
  const { rt } = fakeCloudFront({ tooMany: 1000 });
  const err = await runInvalidation({ ...base, paths: ['/a', '/b'], limits: { maxPaths: 1, maxWildcards: 1 } }, rt, { ...timing, timeoutMs: 2000 }).catch((e) => e);
  expect(err).toBeInstanceOf(InvalidationFailedError);
  expect(err.message).toContain('CloudFront still reports too many invalidations in progress on E1');
});

test('fails when waiting exceeds the timeout, listing what was already created', async () => {
  const { rt } = fakeCloudFront({ pollsToComplete: 1000 });
  const err = await runInvalidation({ ...base, paths: ['/a'], wait: true }, rt, { ...timing, timeoutMs: 5000 }).catch((e) => e);
  expect(err).toBeInstanceOf(InvalidationFailedError);
  expect(err.message).toContain('timed out waiting for I1 on E1');
  expect(err.message).toContain('Already created (they still run): I1 (1 paths)');
});

test('dry run makes no calls', async () => {
  const { rt, log } = fakeCloudFront();
  const r = await runInvalidation({ ...base, paths: ['/a', '/a'], dryRun: true }, rt, timing);
  expect(log).toEqual([]);
  expect(r.paths).toEqual(['/a']);
});

test('fails when nothing is asked for, or /* without both flags', () => {
  expect(() => planInvalidation({ ...base, paths: [] })).toThrow(InvalidationRefusedError);
  expect(() => planInvalidation({ ...base, paths: ['/*'] })).toThrow(/refusing to invalidate '\/\*'/);
  expect(() => planInvalidation({ ...base, paths: [], all: true })).toThrow(/add --yes-invalidate-everything/);
  expect(planInvalidation({ ...base, paths: ['/x'], all: true, confirmAll: true }).paths).toEqual(['/*']);
});

test('--wait polls soon, then less often: an invalidation done in about a second is seen within two, not after the longest interval', async () => {
  const { rt, log } = fakeCloudFront({ pollsToComplete: 3 });
  await runInvalidation({ ...base, paths: ['/a'], wait: true }, rt, { ...timing, pollIntervalMs: 10_000 });
  expect(log.filter((l) => /^(get|sleep)/.test(l))).toEqual(['get I1', 'sleep 500', 'get I1', 'sleep 1000', 'get I1']);
  const slow = fakeCloudFront({ pollsToComplete: 8 });
  await runInvalidation({ ...base, paths: ['/a'], wait: true }, slow.rt, { ...timing, pollIntervalMs: 10_000 });
  expect(slow.log.filter((l) => l.startsWith('sleep'))).toEqual(['sleep 500', 'sleep 1000', 'sleep 2000', 'sleep 4000', 'sleep 8000', 'sleep 10000', 'sleep 10000']);
});
