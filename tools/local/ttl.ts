import type { CachePolicyModel, ErrorResponseModel } from './model';
import { type CfHeaders, getHeader } from './http-types';

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

/** Status codes whose responses CloudFront caches for ErrorCachingMinTTL ("Error caching minimum TTL"). */
export const CACHED_ERROR_CODES: ReadonlySet<number> = new Set([400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504]);
export const DEFAULT_ERROR_CACHING_MIN_TTL = 10;

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
  if (status >= 400) {
    if (!CACHED_ERROR_CODES.has(status)) return NOT_STORED(`status ${status} is not cached`);
    const custom = errorResponses.find((e) => e.errorCode === status);
    const ttl = custom?.errorCachingMinTtl ?? DEFAULT_ERROR_CACHING_MIN_TTL;
    return ttl > 0 ? { store: true, ttl, staleWhileRevalidate: 0, staleIfError: 0, reason: `error caching min TTL ${ttl}` } : NOT_STORED('error caching min TTL 0');
  }
  if (status === 304 || status === 206) return NOT_STORED(`status ${status} is not stored`);
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
    const expires = Date.parse(getHeader(headers, 'expires')!);
    const date = Date.parse(getHeader(headers, 'date') ?? '') || nowMs;
    const remaining = Number.isFinite(expires) ? Math.max(0, Math.floor((expires - date) / 1000)) : 0;
    ttl = clamp(remaining, policy.minTtl, policy.maxTtl);
    reason = `Expires in ${remaining}s`;
  } else {
    ttl = Math.min(Math.max(policy.defaultTtl, policy.minTtl), policy.maxTtl);
    reason = `DefaultTTL ${policy.defaultTtl}`;
  }
  if (ttl <= 0 && stale.staleWhileRevalidate <= 0 && stale.staleIfError <= 0) return NOT_STORED(`${reason} -> TTL 0`);
  return { store: true, ttl, ...stale, reason: `${reason} -> TTL ${ttl}` };
}
