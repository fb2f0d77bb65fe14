import * as crypto from 'crypto';
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  TooManyInvalidationsInProgress,
} from '@aws-sdk/client-cloudfront';
import {
  ALL_PATHS,
  BatchLimits,
  CLOUDFRONT_LIMITS,
  batchPaths,
  foldPaths,
  isTagItem,
  tagItem,
  validateItems,
  validateTags,
} from '../../lambda-edge/shared/invalidation';
import { CliError, UsageError } from '../errors';
import { DEFAULT_TIMING, FIRST_POLL_MS, type Timing } from './defaults';

/** What the command was asked to do, after option parsing. */
export interface InvalidationRequest {
  readonly distributionId: string;
  readonly paths: readonly string[];
  /** Cache tags, sent as `#tag` items in the same batches as the paths. @default - none */
  readonly tags?: readonly string[];
  /** `--all`: invalidate `/*`. */
  readonly all: boolean;
  /** `--yes-invalidate-everything`: the second key needed for `/*`. */
  readonly confirmAll: boolean;
  readonly dryRun: boolean;
  readonly wait: boolean;
  readonly limits?: BatchLimits;
}

export { DEFAULT_TIMING, FIRST_POLL_MS, type Timing } from './defaults';

/** Side effects, injected so the retry and wait loops are testable without a clock. */
export interface Runtime {
  readonly send: CloudFrontClient['send'];
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly random: () => number;
  /** Progress lines (stderr in the CLI). `transient` lines may be overwritten by the next one. */
  readonly progress: (line: string, transient: boolean) => void;
}

export interface SubmittedInvalidation {
  readonly id: string;
  status: string;
  readonly paths: readonly string[];
  /** How many times CloudFront answered TooManyInvalidationsInProgress before accepting. */
  readonly retries: number;
}

export interface InvalidationResult {
  readonly distributionId: string;
  readonly dryRun: boolean;
  readonly requested: number;
  /** The items sent: paths and `#tag` items (CloudFront counts each as one path). */
  readonly paths: readonly string[];
  /** How many of `paths` are `#tag` items. */
  readonly tagItems: number;
  readonly duplicates: readonly string[];
  readonly folded: readonly { readonly path: string; readonly by: string }[];
  readonly batches: readonly (readonly string[])[];
  readonly invalidations: readonly SubmittedInvalidation[];
  /** True when every invalidation was seen as Completed. */
  readonly completed: boolean;
}

/** The request is refused before anything is sent (a wrong path, `/*` unconfirmed): exit 2. */
export class InvalidationRefusedError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidationRefusedError';
  }
}

/** A failure after some invalidations may already have been created; they are listed. */
export class InvalidationFailedError extends CliError {
  constructor(message: string, readonly submitted: readonly SubmittedInvalidation[], override readonly cause?: unknown) {
    super(
      submitted.length === 0
        ? message
        : `${message}\nAlready created (they still run): ${submitted.map((s) => `${s.id} (${s.paths.length} paths)`).join(', ')}`,
    );
    this.name = 'InvalidationFailedError';
  }
}

/** Checks and shapes the request: validation, the `/*` guard, folding and batching. No AWS calls. */
export function planInvalidation(
  request: InvalidationRequest,
): Pick<InvalidationResult, 'paths' | 'tagItems' | 'duplicates' | 'folded' | 'batches' | 'requested'> {
  const tags = request.tags ?? [];
  // Tags are checked on their own first, so each message names the tag and the rule it breaks.
  validateTags(tags);
  const requested = [...(request.all ? [ALL_PATHS] : []), ...request.paths, ...tags.map(tagItem)];
  if (requested.length === 0) {
    throw new InvalidationRefusedError('nothing to invalidate: pass --paths, --tags, --group (with a manifest) or --all');
  }
  validateItems(requested);
  if (requested.includes(ALL_PATHS)) {
    if (!request.all) {
      throw new InvalidationRefusedError(
        `refusing to invalidate '${ALL_PATHS}' (every object, the whole cache goes cold): pass --all --yes-invalidate-everything if that is what you mean, or list the paths or prefixes that changed`,
      );
    }
    if (!request.confirmAll) {
      throw new InvalidationRefusedError(
        `--all invalidates every object of distribution ${request.distributionId} and sends all traffic to the origins until the caches refill; add --yes-invalidate-everything to confirm`,
      );
    }
  }
  const folded = foldPaths(requested);
  return {
    requested: requested.length,
    paths: folded.paths,
    tagItems: folded.paths.filter(isTagItem).length,
    duplicates: folded.duplicates,
    folded: folded.folded,
    batches: batchPaths(folded.paths, request.limits ?? CLOUDFRONT_LIMITS),
  };
}

/**
 * Creates the invalidations. Batches beyond the first each fill CloudFront's in-progress quota, so
 * each waits for the one before it to complete. TooManyInvalidationsInProgress (someone else's
 * invalidations hold the quota) is retried with capped exponential backoff and full jitter until
 * the timeout; throttling is retried by the SDK client's own retry strategy.
 */
export async function runInvalidation(request: InvalidationRequest, rt: Runtime, timing: Timing = DEFAULT_TIMING): Promise<InvalidationResult> {
  const plan = planInvalidation(request);
  const base = { distributionId: request.distributionId, dryRun: request.dryRun, ...plan };
  if (request.dryRun) return { ...base, invalidations: [], completed: false };

  const deadline = rt.now() + timing.timeoutMs;
  const submitted: SubmittedInvalidation[] = [];
  const runId = crypto.randomBytes(4).toString('hex');
  for (const [i, batch] of plan.batches.entries()) {
    if (i > 0) {
      rt.progress(`batch ${i + 1}/${plan.batches.length} waits for batch ${i} to complete (in-progress quota)`, false);
      await waitForCompletion(request.distributionId, submitted.slice(-1), rt, timing, deadline, submitted);
    }
    const created = await createWithRetry(request.distributionId, batch, `tiered-cdn-${runId}-${i + 1}`, rt, timing, deadline, submitted);
    submitted.push(created);
    rt.progress(`created invalidation ${created.id} (${describeItems(batch)}, ${created.status})`, false);
  }
  if (request.wait) await waitForCompletion(request.distributionId, submitted, rt, timing, deadline, submitted);
  return { ...base, invalidations: submitted, completed: submitted.every((s) => isComplete(s.status)) };
}

async function createWithRetry(
  distributionId: string,
  paths: readonly string[],
  callerReference: string,
  rt: Runtime,
  timing: Timing,
  deadline: number,
  submitted: readonly SubmittedInvalidation[],
): Promise<SubmittedInvalidation> {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await rt.send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          // The same CallerReference on every attempt: CloudFront then never creates a batch twice.
          InvalidationBatch: { CallerReference: callerReference, Paths: { Quantity: paths.length, Items: [...paths] } },
        }),
      );
      const inv = out.Invalidation;
      if (!inv?.Id) throw new InvalidationFailedError(`CreateInvalidation for ${distributionId} returned no invalidation id`, submitted);
      return { id: inv.Id, status: inv.Status ?? 'InProgress', paths, retries: attempt };
    } catch (err) {
      if (!(err instanceof TooManyInvalidationsInProgress)) {
        if (err instanceof InvalidationFailedError) throw err;
        throw new InvalidationFailedError(`CreateInvalidation for distribution ${distributionId} failed: ${describeError(err)}`, submitted, err);
      }
      const delay = backoffDelay(attempt, timing, rt.random);
      if (rt.now() + delay > deadline) {
        throw new InvalidationFailedError(
          `CloudFront still reports too many invalidations in progress on ${distributionId} after ${attempt + 1} attempts; wait for them to finish (aws cloudfront list-invalidations --distribution-id ${distributionId}) or raise --timeout`,
          submitted,
          err,
        );
      }
      rt.progress(`too many invalidations in progress on ${distributionId}; retry ${attempt + 1} in ${(delay / 1000).toFixed(1)} s`, false);
      await rt.sleep(delay);
    }
  }
}

/** Capped exponential backoff with full jitter: uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt: number, timing: Pick<Timing, 'retryBaseMs' | 'retryMaxMs'>, random: () => number): number {
  const ceiling = Math.min(timing.retryMaxMs, timing.retryBaseMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

async function waitForCompletion(
  distributionId: string,
  items: SubmittedInvalidation[],
  rt: Runtime,
  timing: Timing,
  deadline: number,
  submitted: readonly SubmittedInvalidation[],
): Promise<void> {
  const started = rt.now();
  for (let poll = 0; ; poll++) {
    for (const item of items) {
      if (isComplete(item.status)) continue;
      try {
        const out = await rt.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: item.id }));
        item.status = out.Invalidation?.Status ?? item.status;
      } catch (err) {
        throw new InvalidationFailedError(`GetInvalidation ${item.id} on ${distributionId} failed: ${describeError(err)}`, submitted, err);
      }
    }
    const done = items.filter((i) => isComplete(i.status)).length;
    const elapsed = Math.round((rt.now() - started) / 1000);
    const pending = items.filter((i) => !isComplete(i.status)).map((i) => i.id);
    rt.progress(`${done}/${items.length} invalidation${items.length === 1 ? '' : 's'} completed after ${elapsed} s${pending.length > 0 ? `; waiting for ${pending.join(', ')}` : ''}`, pending.length > 0);
    if (pending.length === 0) return;
    const delay = Math.min(timing.pollIntervalMs, FIRST_POLL_MS * 2 ** Math.min(poll, 20));
    if (rt.now() + delay > deadline) {
      throw new InvalidationFailedError(`timed out waiting for ${pending.join(', ')} on ${distributionId} to complete; raise --timeout or check later with GetInvalidation`, submitted);
    }
    await rt.sleep(delay);
  }
}

/** `3 paths`, `2 tags`, `1 path + 2 tags`: what a batch holds, in the words the user typed. */
export function describeItems(items: readonly string[]): string {
  const tags = items.filter(isTagItem).length;
  const paths = items.length - tags;
  const parts = [];
  if (paths > 0 || tags === 0) parts.push(`${paths} path${paths === 1 ? '' : 's'}`);
  if (tags > 0) parts.push(`${tags} tag${tags === 1 ? '' : 's'}`);
  return parts.join(' + ');
}

function isComplete(status: string): boolean {
  return status.toLowerCase() === 'completed';
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${err.name}${status ? ` (HTTP ${status})` : ''}: ${err.message}`;
  }
  return String(err);
}
