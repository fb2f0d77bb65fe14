import { Duration } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { QueryStringKey, RouteMethods, RouteProps, Tier } from './routes';

/** `Cache-Control` sent to viewers for static assets when the origin sent none. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** `Cache-Control` sent to viewers for HTML entry documents when the origin sent none. */
export const HTML_CACHE_CONTROL = 'public, max-age=0, must-revalidate';

export const ONE_YEAR = Duration.days(365);
export const DEFAULT_API_MAX_TTL = Duration.days(1);
export const DEFAULT_HTML_TTL = Duration.seconds(60);

/** Default methods per tier; cached tiers never accept writes. */
export const DEFAULT_METHODS: Readonly<Record<Tier, RouteMethods>> = {
  static: 'GET_HEAD',
  html: 'GET_HEAD',
  api: 'GET_HEAD_OPTIONS',
  dynamic: 'ALL',
};

export function allowedMethods(methods: RouteMethods): cloudfront.AllowedMethods {
  switch (methods) {
    case 'GET_HEAD':
      return cloudfront.AllowedMethods.ALLOW_GET_HEAD;
    case 'GET_HEAD_OPTIONS':
      return cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS;
    case 'ALL':
      return cloudfront.AllowedMethods.ALLOW_ALL;
  }
}

export function cachedMethods(methods: RouteMethods): cloudfront.CachedMethods {
  return methods === 'GET_HEAD' ? cloudfront.CachedMethods.CACHE_GET_HEAD : cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS;
}

/** What one cache policy keys on and how long it keeps objects; routes with equal specs share a policy. */
export interface CacheSpec {
  /** The tier the policy is for (it names the policy); the dynamic tier uses managed CachingDisabled. */
  readonly tier: Exclude<Tier, 'dynamic'>;
  /** MinTTL: the least time an object stays cached, whatever the origin says. */
  readonly minTtl: Duration;
  /** DefaultTTL: how long an object stays cached when the origin sends no caching headers. */
  readonly defaultTtl: Duration;
  /** MaxTTL: the longest time an origin can ask for. */
  readonly maxTtl: Duration;
  /** Request headers in the cache key (lower case). */
  readonly headers: readonly string[];
  /** Query strings in the cache key. */
  readonly queryStrings: QueryStringKey;
}

export function cacheSpecKey(spec: CacheSpec): string {
  return JSON.stringify([
    spec.tier,
    spec.minTtl.toSeconds(),
    spec.defaultTtl.toSeconds(),
    spec.maxTtl.toSeconds(),
    [...spec.headers].sort(),
    typeof spec.queryStrings === 'string' ? spec.queryStrings : [...spec.queryStrings].sort(),
  ]);
}

/** Cache policy props for a spec: defaults per tier, as plain props (merged before creation). */
export function cachePolicyProps(spec: CacheSpec): cloudfront.CachePolicyProps {
  const qs = spec.queryStrings;
  return {
    comment: `tiered-cdn ${spec.tier} tier`,
    minTtl: spec.minTtl,
    defaultTtl: spec.defaultTtl,
    maxTtl: spec.maxTtl,
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    headerBehavior:
      spec.headers.length > 0
        ? cloudfront.CacheHeaderBehavior.allowList(...[...spec.headers].sort())
        : cloudfront.CacheHeaderBehavior.none(),
    queryStringBehavior:
      qs === 'all'
        ? cloudfront.CacheQueryStringBehavior.all()
        : qs === 'none' || qs.length === 0
          ? cloudfront.CacheQueryStringBehavior.none()
          : cloudfront.CacheQueryStringBehavior.allowList(...[...qs].sort()),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
  };
}

/** Security headers sent on every response (a response headers policy per tier). */
export interface SecurityHeadersOptions {
  /**
   * `Strict-Transport-Security` max-age.
   * @default Duration.days(730)
   */
  readonly hstsMaxAge?: Duration;
  /**
   * `X-Frame-Options`.
   * @default cloudfront.HeadersFrameOption.DENY
   */
  readonly frameOption?: cloudfront.HeadersFrameOption;
  /**
   * `Referrer-Policy`.
   * @default cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN
   */
  readonly referrerPolicy?: cloudfront.HeadersReferrerPolicy;
  /**
   * `Content-Security-Policy`, when set.
   * @default - none
   */
  readonly contentSecurityPolicy?: string;
}

export function securityHeadersBehavior(options: SecurityHeadersOptions = {}): cloudfront.ResponseSecurityHeadersBehavior {
  return {
    strictTransportSecurity: {
      accessControlMaxAge: options.hstsMaxAge ?? Duration.days(730),
      includeSubdomains: true,
      override: true,
    },
    contentTypeOptions: { override: true },
    frameOptions: { frameOption: options.frameOption ?? cloudfront.HeadersFrameOption.DENY, override: true },
    referrerPolicy: {
      referrerPolicy: options.referrerPolicy ?? cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
      override: true,
    },
    ...(options.contentSecurityPolicy
      ? { contentSecurityPolicy: { contentSecurityPolicy: options.contentSecurityPolicy, override: true } }
      : {}),
  };
}

/** Response headers policy per tier: security headers everywhere, a default Cache-Control for site tiers. */
export function responseHeadersPolicyProps(
  tier: Tier,
  security: SecurityHeadersOptions,
  removeHeaders: readonly string[] = [],
): cloudfront.ResponseHeadersPolicyProps {
  // The static tier adds no Cache-Control: a response headers policy cannot tell an asset from an
  // error (a missing asset's 403 would be kept a year). Site assets carry it in their S3 metadata
  // (lib/site-deployment.ts); a custom origin on the static tier sends its own.
  const cacheControl = tier === 'html' ? HTML_CACHE_CONTROL : undefined;
  return {
    comment: cacheControl ? `tiered-cdn ${tier} tier: security headers and default Cache-Control` : 'tiered-cdn static, api and dynamic tiers: security headers',
    securityHeadersBehavior: securityHeadersBehavior(security),
    // Headers viewers never see (the cache tag header); CloudFront stores them before this applies.
    ...(removeHeaders.length > 0 ? { removeHeaders: [...removeHeaders] } : {}),
    ...(cacheControl
      ? {
          // override: false keeps whatever Cache-Control the origin sent.
          customHeadersBehavior: { customHeaders: [{ header: 'Cache-Control', value: cacheControl, override: false }] },
        }
      : {}),
  };
}

/**
 * Origin request policy props for a route's `forwardHeaders`, together with the CloudFront viewer
 * headers its origin routing needs: the origin sees them, the cache key does not. `Cookie` in the
 * list forwards the cookies (an origin request policy keeps cookies apart from headers).
 */
export function forwardOriginRequestPolicyProps(
  forward: 'allViewer' | readonly string[],
  routingHeaders: readonly string[],
): cloudfront.OriginRequestPolicyProps {
  const names = forward === 'allViewer' ? [] : forward.map((h) => h.toLowerCase());
  const cookies = names.includes('cookie');
  const headers = [...new Set([...names.filter((h) => h !== 'cookie'), ...routingHeaders.map((h) => h.toLowerCase())])].sort();
  return {
    comment: `tiered-cdn: viewer headers forwarded to the origin outside the cache key (${forward === 'allViewer' ? 'all viewer headers' : names.join(', ')})`,
    headerBehavior:
      forward === 'allViewer'
        ? cloudfront.OriginRequestHeaderBehavior.all(...[...routingHeaders].sort())
        : headers.length > 0
          ? cloudfront.OriginRequestHeaderBehavior.allowList(...headers)
          : cloudfront.OriginRequestHeaderBehavior.none(),
    cookieBehavior: cookies ? cloudfront.OriginRequestCookieBehavior.all() : cloudfront.OriginRequestCookieBehavior.none(),
    queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
  };
}

/** Routes whose origin request policy props are equal share one policy. */
export function forwardSpecKey(forward: 'allViewer' | readonly string[], routingHeaders: readonly string[]): string {
  return JSON.stringify([forward === 'allViewer' ? forward : [...forward].map((h) => h.toLowerCase()).sort(), [...routingHeaders].sort()]);
}

/** The cache policy settings of a route's tier; none for the dynamic tier (CachingDisabled). */
export function cacheSpecFor(route: RouteProps, extraHeaders: readonly string[]): CacheSpec | undefined {
  switch (route.tier) {
    case 'static':
      return { tier: 'static', minTtl: ONE_YEAR, defaultTtl: ONE_YEAR, maxTtl: ONE_YEAR, headers: [...extraHeaders], queryStrings: 'none' };
    case 'html': {
      const ttl = route.maxTtl ?? DEFAULT_HTML_TTL;
      return { tier: 'html', minTtl: Duration.seconds(0), defaultTtl: ttl, maxTtl: ttl, headers: [...extraHeaders], queryStrings: 'none' };
    }
    case 'api':
      return {
        tier: 'api',
        minTtl: Duration.seconds(0),
        defaultTtl: Duration.seconds(0),
        maxTtl: route.maxTtl ?? DEFAULT_API_MAX_TTL,
        headers: [...new Set([...(route.varyHeaders ?? []).map((h) => h.toLowerCase()), ...extraHeaders])],
        queryStrings: route.queryStrings ?? 'all',
      };
    case 'dynamic':
      return undefined;
  }
}
