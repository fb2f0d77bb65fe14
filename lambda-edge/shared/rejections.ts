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

/** Auth refusals, one per check of lambda-edge/viewer-request/auth.ts. */
export const AUTH_REJECTION_REASONS = [
  'token-missing',
  'authorization-repeated',
  'authorization-not-bearer',
  'token-cookie-repeated',
  'token-too-large',
  'token-malformed',
  'algorithm-not-allowed',
  'critical-header',
  'kid-unknown',
  'key-algorithm-mismatch',
  'signature-invalid',
  'token-no-expiry',
  'token-expired',
  'token-not-yet-valid',
  'issuer-not-accepted',
  'audience-not-accepted',
  'scope-insufficient',
  'token-invalid',
] as const;

/** Path guard refusals (400): `path-<problem>` for each problem of lambda-edge/shared/path-guard.ts. */
export type PathRejectionReason = `path-${PathProblem}`;

export type RejectionReason = (typeof AUTH_REJECTION_REASONS)[number] | PathRejectionReason;

/** What the viewer was told, in words, mapped to its reason code. */
const AUTH_REASON_BY_DESCRIPTION: Readonly<Record<string, (typeof AUTH_REJECTION_REASONS)[number]>> = {
  'a Bearer token is required': 'token-missing',
  'more than one Authorization header': 'authorization-repeated',
  'Authorization header is not a Bearer token': 'authorization-not-bearer',
  'token cookie sent more than once': 'token-cookie-repeated',
  'token too large': 'token-too-large',
  'malformed token': 'token-malformed',
  'algorithm not allowed': 'algorithm-not-allowed',
  'unsupported critical header': 'critical-header',
  'unknown key id': 'kid-unknown',
  'key does not match algorithm': 'key-algorithm-mismatch',
  'invalid signature': 'signature-invalid',
  'token has no expiry': 'token-no-expiry',
  'token expired': 'token-expired',
  'token not yet valid': 'token-not-yet-valid',
  'issuer not accepted': 'issuer-not-accepted',
  'audience not accepted': 'audience-not-accepted',
  'token lacks a required scope': 'scope-insufficient',
  'invalid token': 'token-invalid',
};

/** The reason code of an auth refusal's description; `token-invalid` for one this table does not know. */
export function authRejectionReason(description: string): (typeof AUTH_REJECTION_REASONS)[number] {
  return AUTH_REASON_BY_DESCRIPTION[description] ?? 'token-invalid';
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

/** kids are attacker-chosen: only short printable ones are logged. */
const LOGGABLE_KID = /^[\x21-\x7e]{1,128}$/;

/** The one JSON line logged for a refusal. */
export function rejectionLogLine(entry: RejectionEntry): string {
  const kid = entry.kid !== undefined && LOGGABLE_KID.test(entry.kid) ? entry.kid : undefined;
  return JSON.stringify({
    event: REJECTION_LOG_EVENT,
    reason: entry.reason,
    status: entry.status,
    ...(entry.route !== undefined ? { route: entry.route } : {}),
    ...(kid !== undefined ? { kid } : {}),
  });
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
