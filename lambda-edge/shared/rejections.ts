// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { PathProblem } from './path-guard';
import { matchesPathPattern } from './path-pattern';

/**
 * Why an edge function refused a viewer: a closed set of reason codes, and the one structured log
 * line written per refusal, so that a 401 can be explained from CloudWatch Logs
 * (`filter event = "tiered-cdn.rejection" | stats count() by reason, route`).
 *
 * The line carries the reason, the route (behavior path pattern) and the token's kid when it has
 * one; never the token, its claims or any header value.
 */

/**
 * Auth refusals, one per check of lambda-edge/viewer-request/auth.ts. Each is the kebab-case form of
 * the short description the viewer is told (`token expired` -> `token-expired`), so the bundle
 * carries no table; a missing token and a missing scope have their own codes.
 */
export const AUTH_REJECTION_REASONS = [
  'token-missing',
  'more-than-one-authorization-header',
  'authorization-header-is-not-a-bearer-token',
  'token-cookie-sent-more-than-once',
  'token-too-large',
  'malformed-token',
  'algorithm-not-allowed',
  'unsupported-critical-header',
  'unknown-key-id',
  'key-does-not-match-algorithm',
  'invalid-signature',
  'token-has-no-expiry',
  'token-expired',
  'token-not-yet-valid',
  'issuer-not-accepted',
  'audience-not-accepted',
  'scope-insufficient',
  'invalid-token',
] as const;

export type AuthRejectionReason = (typeof AUTH_REJECTION_REASONS)[number];

/** Path guard refusals (400): `path-<problem>` for each problem of lambda-edge/shared/path-guard.ts. */
export type PathRejectionReason = `path-${PathProblem}`;

export type RejectionReason = AuthRejectionReason | PathRejectionReason;

/** The reason code of an auth refusal's description (see AUTH_REJECTION_REASONS). */
export function authRejectionReason(description: string): AuthRejectionReason {
  return description.toLowerCase().replace(/[^a-z0-9]+/g, '-') as AuthRejectionReason;
}

export interface RejectionEntry {
  readonly reason: RejectionReason;
  /** Path pattern of the behavior; absent when the function cannot tell. */
  readonly route?: string;
  /** The kid the token named, when it named one of a safe shape. */
  readonly kid?: string;
  readonly status: number;
}

/** Marks the log line; query CloudWatch Logs on it. */
export const REJECTION_LOG_EVENT = 'tiered-cdn.rejection';

/** The one JSON line logged for a refusal. */
export function rejectionLogLine(entry: RejectionEntry): string {
  // kids are attacker-chosen: JSON escapes them (no forged line), and long ones are left out.
  const kid = entry.kid !== undefined && entry.kid.length <= 128 ? entry.kid : undefined;
  // JSON leaves out members whose value is undefined: no route, no kid, no member.
  return JSON.stringify({ event: REJECTION_LOG_EVENT, reason: entry.reason, status: entry.status, route: entry.route, kid });
}

/**
 * The behavior a request reached, among the path patterns of the behaviors sharing this function
 * (in distribution order): CloudFront ran this function, so the first of them that matches is the
 * behavior it picked.
 */
export function routeOf(uri: string, routes: readonly string[] | undefined): string | undefined {
  if (!routes) return undefined;
  for (let i = 0; i < routes.length; i++) if (matchesPathPattern(routes[i], uri)) return routes[i];
  return undefined;
}
