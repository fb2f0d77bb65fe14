import type { CachePolicyModel, ErrorResponseModel } from './model';
import { type CfHeaders, getHeader } from './http-types';
import { parseHttpDate } from './http-date';

/** How long a tier keeps a response, in seconds. `store: false` means it is not cached at all. */
export interface TtlDecision {
  readonly store: boolean;
  readonly ttl: number;
  /** Seconds after expiry during which the stale object is served while it is refreshed in the background. */
  readonly staleWhileRevalidate: number;
  /** Seconds after expiry during which the stale object is served when the origin fails. */
  readonly staleIfError: number;
  /** What decided, for the log and for people reading test failures. */
  readonly reason: string;
}

const NOT_STORED = (reason: string): TtlDecision => ({ store: false, ttl: 0, staleWhileRevalidate: 0, staleIfError: 0, reason });

/**
 * "HTTP 4xx and 5xx status codes that CloudFront caches" (How CloudFront processes HTTP 4xx and 5xx
 * status codes from your origin): these always, for ErrorCachingMinTTL or longer.
 */
export const ALWAYS_CACHED_ERROR_CODES: ReadonlySet<number> = new Set([404, 414, 500, 501, 502, 503, 504]);
/** These only when the origin sends `Cache-Control: max-age` or `s-maxage`. */
export const CACHED_WITH_MAX_AGE_ERROR_CODES: ReadonlySet<number> = new Set([400, 403, 405, 412, 415]);
/**
 * "If the origin adds a Cache-Control: no-store, no-cache, or private directive for error codes 404,
 * 410, 414, or 501, CloudFront doesn't cache the error response" (Control how long CloudFront caches
 * errors); every other cached code ignores those directives.
 */
export const ERROR_CODES_HONOURING_NO_STORE: ReadonlySet<number> = new Set([404, 410, 414, 501]);
/** Every error code CloudFront may cache. 416 is never cached, whatever ErrorCachingMinTTL says. */
export const CACHED_ERROR_CODES: ReadonlySet<number> = new Set([...ALWAYS_CACHED_ERROR_CODES, ...CACHED_WITH_MAX_AGE_ERROR_CODES]);
export const DEFAULT_ERROR_CACHING_MIN_TTL = 10;

/** ErrorCachingMinTTL for a status code: its CustomErrorResponse, else 10 s. */
export function errorCachingMinTtl(status: number, errorResponses: readonly ErrorResponseModel[]): number {
  return errorResponses.find((e) => e.errorCode === status)?.errorCachingMinTtl ?? DEFAULT_ERROR_CACHING_MIN_TTL;
}

export function parseCacheControl(value: string | undefined): Map<string, string | true> {
  const out = new Map<string, string | true>();
  if (!value) return out;
  for (const part of value.split(',')) {
    const [k, ...rest] = part.trim().split('=');
    if (!k) continue;
    const v = rest.join('=').trim().replace(/^"(.*)"$/, '$1');
    out.set(k.trim().toLowerCase(), v === '' ? true : v);
  }
  return out;
}

function seconds(v: string | true | undefined): number | undefined {
  if (v === undefined || v === true) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const clamp = (v: number, min: number, max: number) => Math.min(Math.max(v, min), max);

/**
 * CloudFront's rules ("Managing how long content stays in the cache"): `s-maxage`, else `max-age`,
 * else `Expires`, clamped to [MinTTL, MaxTTL]; none of them -> DefaultTTL (MinTTL when MinTTL >
 * DefaultTTL); `no-store` / `no-cache` / `private` honoured only when MinTTL is 0. Stale windows
 * are the directives, limited by MaxTTL.
 */
export function decideTtl(
  policy: CachePolicyModel,
  status: number,
  headers: CfHeaders,
  nowMs: number,
  errorResponses: readonly ErrorResponseModel[] = [],
): TtlDecision {
  if (policy.maxTtl <= 0) return NOT_STORED('caching disabled (MaxTTL 0)');
  if (status >= 400) return decideErrorTtl(policy, status, headers, nowMs, errorResponses);
  if (status === 304) return NOT_STORED('status 304 is not stored');
  // "CloudFront caches 307 and 308 responses only when you include the Cache-Control header in
  // responses from the origin" (How CloudFront processes HTTP 3xx status codes from your origin).
  if ((status === 307 || status === 308) && !headers['cache-control']?.length) return NOT_STORED(`status ${status} without Cache-Control is not cached`);
  // "If your origin returns Vary:* in the response, and if the value of Minimum TTL ... is 0,
  // CloudFront caches the object but still forwards every subsequent request for the object to the
  // origin" (Request and response behavior for custom origins: content negotiation).
  if (policy.minTtl === 0 && varyStar(headers)) return NOT_STORED('Vary: * with MinTTL 0: every request goes to the origin');
  const cc = parseCacheControl(headers['cache-control']?.map((h) => h.value).join(','));
  const swrDirective = seconds(cc.get('stale-while-revalidate')) ?? 0;
  const sieDirective = seconds(cc.get('stale-if-error')) ?? 0;
  const stale = {
    staleWhileRevalidate: Math.min(swrDirective, policy.maxTtl),
    staleIfError: Math.min(sieDirective, policy.maxTtl),
  };
  const refusal = ['no-store', 'no-cache', 'private'].find((d) => cc.has(d));
  if (refusal) {
    if (policy.minTtl === 0) return NOT_STORED(`origin sent ${refusal} and MinTTL is 0`);
    return { store: true, ttl: policy.minTtl, staleWhileRevalidate: 0, staleIfError: 0, reason: `${refusal} overridden by MinTTL ${policy.minTtl}` };
  }
  const sMaxAge = seconds(cc.get('s-maxage'));
  const maxAge = seconds(cc.get('max-age'));
  let ttl: number;
  let reason: string;
  if (sMaxAge !== undefined) {
    ttl = clamp(sMaxAge, policy.minTtl, policy.maxTtl);
    reason = `s-maxage=${sMaxAge}`;
  } else if (maxAge !== undefined) {
    ttl = clamp(maxAge, policy.minTtl, policy.maxTtl);
    reason = `max-age=${maxAge}`;
  } else if (getHeader(headers, 'expires') !== undefined) {
    const remaining = expiresIn(headers, nowMs);
    ttl = clamp(remaining, policy.minTtl, policy.maxTtl);
    reason = `Expires in ${remaining}s`;
  } else {
    ttl = Math.min(Math.max(policy.defaultTtl, policy.minTtl), policy.maxTtl);
    reason = `DefaultTTL ${policy.defaultTtl}`;
  }
  if (ttl <= 0 && stale.staleWhileRevalidate <= 0 && stale.staleIfError <= 0) return NOT_STORED(`${reason} -> TTL 0`);
  return { store: true, ttl, ...stale, reason: `${reason} -> TTL ${ttl}` };
}

/**
 * Seconds from the response's Date (or now) to its Expires; 0 for an Expires that is not an
 * HTTP-date (RFC 9111 section 5.3: an invalid date is in the past).
 */
function expiresIn(headers: CfHeaders, nowMs: number): number {
  const expires = parseHttpDate(getHeader(headers, 'expires'), nowMs);
  const date = parseHttpDate(getHeader(headers, 'date'), nowMs) ?? nowMs;
  return expires === undefined ? 0 : Math.max(0, Math.floor((expires - date) / 1000));
}

/**
 * Error responses ("Control how long CloudFront caches errors"): the codes CloudFront caches, for the
 * greater of ErrorCachingMinTTL and the origin's `s-maxage` / `max-age` / `Expires` (that one limited
 * by MaxTTL). 400, 403, 405, 412 and 415 only with `max-age` or `s-maxage`; 416 never.
 */
function decideErrorTtl(
  policy: CachePolicyModel,
  status: number,
  headers: CfHeaders,
  nowMs: number,
  errorResponses: readonly ErrorResponseModel[],
): TtlDecision {
  if (!CACHED_ERROR_CODES.has(status)) return NOT_STORED(`status ${status} is not cached`);
  const cc = parseCacheControl(headers['cache-control']?.map((h) => h.value).join(','));
  const age = seconds(cc.get('s-maxage')) ?? seconds(cc.get('max-age'));
  if (CACHED_WITH_MAX_AGE_ERROR_CODES.has(status) && age === undefined) {
    return NOT_STORED(`status ${status} is cached only with max-age or s-maxage`);
  }
  const refusal = ['no-store', 'no-cache', 'private'].find((d) => cc.has(d));
  if (refusal && ERROR_CODES_HONOURING_NO_STORE.has(status)) return NOT_STORED(`status ${status} with ${refusal}`);
  const fromHeaders = age ?? (getHeader(headers, 'expires') !== undefined ? expiresIn(headers, nowMs) : undefined);
  const minTtl = errorCachingMinTtl(status, errorResponses);
  const ttl = Math.max(minTtl, fromHeaders === undefined ? 0 : Math.min(fromHeaders, policy.maxTtl));
  const reason = fromHeaders === undefined ? `error caching min TTL ${minTtl}` : `greater of error caching min TTL ${minTtl} and ${fromHeaders}s from the origin`;
  return ttl > 0 ? { store: true, ttl, staleWhileRevalidate: 0, staleIfError: 0, reason } : NOT_STORED(`${reason} -> TTL 0`);
}

function varyStar(headers: CfHeaders): boolean {
  return (headers.vary ?? []).some((h) => h.value.split(',').some((v) => v.trim() === '*'));
}
