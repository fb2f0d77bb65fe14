// What the `invalidate` command shows in its help (defaults, the output it reads), apart from the
// code that sends requests: `tiered-cdn --help` and the other commands load this, not the AWS SDK.

export interface Timing {
  /** Longest delay between status polls while waiting, ms (polls start at FIRST_POLL_MS and double up to it). */
  readonly pollIntervalMs: number;
  /** Give up waiting (and retrying) after this long, ms. */
  readonly timeoutMs: number;
  /** First backoff delay after TooManyInvalidationsInProgress, ms; doubles per attempt. */
  readonly retryBaseMs: number;
  /** Largest single backoff delay, ms. */
  readonly retryMaxMs: number;
}

/**
 * The first status poll comes this soon, and the delay doubles up to `pollIntervalMs`: the local
 * edge and moto complete an invalidation within a second or two, where a fixed 10 s sleep made
 * `--wait` take ten times longer than the work; CloudFront itself takes minutes, so the early polls
 * cost a handful of GetInvalidation calls.
 */
export const FIRST_POLL_MS = 500;

export const DEFAULT_TIMING: Timing = { pollIntervalMs: 10_000, timeoutMs: 30 * 60_000, retryBaseMs: 5_000, retryMaxMs: 60_000 };

/**
 * The stack output holding the distribution id. The construct's output may sit below a construct
 * path, where CDK appends an 8-hex-digit hash to the logical id; both forms are recognised.
 */
export const DISTRIBUTION_ID_OUTPUT = 'DistributionId';
