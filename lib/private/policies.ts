import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { AUTH_CLAIM_HEADER_PREFIX, AUTH_SCOPE_HEADER, AUTH_SUB_HEADER } from '../../lambda-edge/shared/names';
import { orderRoutes } from '../route-table';
import type { RouteProps, Tier } from '../routes';
import {
  CacheSpec,
  cacheSpecKey,
  cachePolicyProps,
  DEFAULT_API_MAX_TTL,
  DEFAULT_HTML_TTL,
  forwardOriginRequestPolicyProps,
  forwardSpecKey,
  ONE_YEAR,
  responseHeadersPolicyProps,
  SecurityHeadersOptions,
} from '../tier-policies';
import type { ResolvedRoute, RouteEdgeConfig } from '../tiered-cdn';
import { capitalize } from './names';

/**
 * Creates the cache, origin request and response headers policies of a TieredCdn on first use:
 * routes with equal settings share one policy, and construct ids follow the order of first use.
 */
export class PolicyRenderer {
  readonly responseHeadersPolicies: Partial<Record<Tier, cloudfront.ResponseHeadersPolicy>> = {};
  private readonly cache = new Map<string, cloudfront.ICachePolicy>();
  private dynamicOrp?: cloudfront.IOriginRequestPolicy;
  private readonly routingOrps = new Map<string, cloudfront.IOriginRequestPolicy>();
  private readonly forwardOrps = new Map<string, cloudfront.IOriginRequestPolicy>();
  /** Identity headers a route without auth must drop: a viewer must never assert them itself. */
  private readonly assertedHeaders: readonly string[];

  constructor(
    private readonly scope: Construct,
    allRoutes: readonly RouteProps[],
    private readonly securityHeaders: SecurityHeadersOptions,
    /** Headers every response headers policy removes from viewer responses (the cache tag header). */
    private readonly removeHeaders: readonly string[] = [],
  ) {
    this.assertedHeaders = [
      AUTH_SUB_HEADER,
      AUTH_SCOPE_HEADER,
      ...new Set(allRoutes.flatMap((r) => (r.auth?.forwardClaims ?? []).map((c) => `${AUTH_CLAIM_HEADER_PREFIX}${c.toLowerCase()}`))),
    ];
  }

  /** The routes in distribution order, each with its edge configuration and policies. */
  resolveRoutes(routes: readonly RouteProps[], configs: Map<RouteProps, RouteEdgeConfig>): ResolvedRoute[] {
    return orderRoutes(routes).map((route) => {
      const edge = configs.get(route)!;
      const spec = cacheSpecFor(route, edge.cacheKeyHeaders);
      return {
        ...route,
        edge,
        cachePolicy: spec ? this.cachePolicy(spec) : cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy:
          route.tier === 'dynamic'
            ? this.dynamicOriginRequestPolicy(route)
            : route.forwardHeaders !== undefined
              ? this.forwardOriginRequestPolicy(route.forwardHeaders, edge.originRequestHeaders)
              : edge.originRequestHeaders.length > 0
              ? this.routingOriginRequestPolicy(edge.originRequestHeaders)
              : undefined,
        responseHeadersPolicy: this.responseHeadersPolicy(route.tier),
      };
    });
  }

  get cachePolicies(): cloudfront.ICachePolicy[] {
    return [...this.cache.values()];
  }

  get originRequestPolicies(): cloudfront.IOriginRequestPolicy[] {
    return [...(this.dynamicOrp ? [this.dynamicOrp] : []), ...this.routingOrps.values(), ...this.forwardOrps.values()];
  }

  private responseHeadersPolicy(tier: Tier): cloudfront.ResponseHeadersPolicy {
    return (this.responseHeadersPolicies[tier] ??= new cloudfront.ResponseHeadersPolicy(
      this.scope,
      `${capitalize(tier)}ResponseHeaders`,
      responseHeadersPolicyProps(tier, this.securityHeaders, this.removeHeaders),
    ));
  }

  private cachePolicy(spec: CacheSpec): cloudfront.ICachePolicy {
    const key = cacheSpecKey(spec);
    let policy = this.cache.get(key);
    if (!policy) {
      const sameTier = [...this.cache.keys()].filter((k) => JSON.parse(k)[0] === spec.tier).length;
      policy = new cloudfront.CachePolicy(this.scope, `${capitalize(spec.tier)}CachePolicy${sameTier === 0 ? '' : sameTier + 1}`, cachePolicyProps(spec));
      this.cache.set(key, policy);
    }
    return policy;
  }

  private dynamicOriginRequestPolicy(route: RouteProps): cloudfront.IOriginRequestPolicy {
    if (route.auth) return cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER;
    return (this.dynamicOrp ??= new cloudfront.OriginRequestPolicy(this.scope, 'DynamicOriginRequestPolicy', {
      comment: 'tiered-cdn dynamic tier: every viewer header but Host and the identity headers the edge asserts',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.denyList('host', ...this.assertedHeaders),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.all(),
    }));
  }

  /** A route's forwardHeaders (with the headers its origin routing needs): forwarded, not keyed. */
  private forwardOriginRequestPolicy(forward: 'allViewer' | readonly string[], routingHeaders: readonly string[]): cloudfront.IOriginRequestPolicy {
    const key = forwardSpecKey(forward, routingHeaders);
    let policy = this.forwardOrps.get(key);
    if (!policy) {
      const n = this.forwardOrps.size;
      policy = new cloudfront.OriginRequestPolicy(this.scope, `ForwardOriginRequestPolicy${n === 0 ? '' : n + 1}`, forwardOriginRequestPolicyProps(forward, routingHeaders));
      this.forwardOrps.set(key, policy);
    }
    return policy;
  }

  private routingOriginRequestPolicy(headers: readonly string[]): cloudfront.IOriginRequestPolicy {
    const key = [...headers].sort().join(',');
    let policy = this.routingOrps.get(key);
    if (!policy) {
      const n = this.routingOrps.size;
      policy = new cloudfront.OriginRequestPolicy(this.scope, `RoutingOriginRequestPolicy${n === 0 ? '' : n + 1}`, {
        comment: 'tiered-cdn: CloudFront viewer headers for geo/device origin routing',
        headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...[...headers].sort()),
      });
      this.routingOrps.set(key, policy);
    }
    return policy;
  }
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
