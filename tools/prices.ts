/**
 * Public list prices the tools and benchmarks quote, in one place. us-east-1 / "United States,
 * Mexico and Canada" on-demand prices, as of PRICES_DATE; restate the date wherever a figure is used.
 */
export const PRICES_DATE = '2026-12';

export const PRICES = {
  /** CloudFront Functions, per invocation ($0.10 per 1M). */
  cloudFrontFunctionPerInvocation: 0.1 / 1e6,
  /** Lambda@Edge, per request ($0.60 per 1M). */
  lambdaPerRequest: 0.6 / 1e6,
  /** Lambda@Edge duration, per GB-second ($0.00005001), billed in 1 ms steps. */
  lambdaPerGbSecond: 0.00005001,
  /** Viewer triggers run at 128 MB. */
  lambdaMemoryGb: 128 / 1024,
  /** CloudFront HTTPS requests ($0.0100 per 10,000). */
  httpsRequest: 0.01 / 1e4,
  /** Regional data transfer out to origin (CloudFront to the origin), per GB ($0.020). */
  originTransferPerGb: 0.02,
  /** Invalidation paths beyond the first 1,000 of a month ($0.005 each). */
  invalidationPath: 0.005,
  freeInvalidationPathsPerMonth: 1000,
} as const;

/** Cost of one Lambda@Edge invocation that runs `ms` milliseconds (1 ms minimum). */
export function lambdaInvocationUsd(ms = 1): number {
  const billedMs = Math.max(1, Math.ceil(ms));
  return PRICES.lambdaPerRequest + PRICES.lambdaMemoryGb * (billedMs / 1000) * PRICES.lambdaPerGbSecond;
}
