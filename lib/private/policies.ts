import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import type { PlannedBehavior, PlannedOriginRequestPolicy } from '../plan';
import type { Tier } from '../routes';
import {
  CacheSpec,
  cacheSpecKey,
  cachePolicyProps,
  forwardOriginRequestPolicyProps,
  forwardSpecKey,
  responseHeadersPolicyProps,
  SecurityHeadersOptions,
} from '../tier-policies';
import type { ResolvedRoute } from '../tiered-cdn';
import { capitalize } from './names';

/**
 * Creates the cache, origin request and response headers policies a plan asks for, on first use:
 * behaviors with equal settings share one policy, and construct ids follow the order of first use.
 */
export class PolicyRenderer {
  readonly responseHeadersPolicies: Partial<Record<Tier, cloudfront.ResponseHeadersPolicy>> = {};
  /** Response headers policies by their settings: the api and dynamic tiers send the same headers and share one. */
  private readonly rhps = new Map<string, cloudfront.ResponseHeadersPolicy>();
  private readonly cache = new Map<string, cloudfront.ICachePolicy>();
  private dynamicOrp?: cloudfront.IOriginRequestPolicy;
  private readonly routingOrps = new Map<string, cloudfront.IOriginRequestPolicy>();
  private readonly forwardOrps = new Map<string, cloudfront.IOriginRequestPolicy>();

  constructor(
    private readonly scope: Construct,
    private readonly securityHeaders: SecurityHeadersOptions,
    /** Headers every response headers policy removes from viewer responses (the cache tag header). */
    private readonly removeHeaders: readonly string[] = [],
  ) {}

  /** The planned behaviors, each with its route, edge configuration and policies. */
  resolveRoutes(behaviors: readonly PlannedBehavior[]): ResolvedRoute[] {
    return behaviors.map((b) => ({
      ...b.route,
      edge: b.edgeConfig,
      cachePolicy: b.cache ? this.cachePolicy(b.cache) : cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: b.originRequestPolicy ? this.originRequestPolicy(b.originRequestPolicy) : undefined,
      responseHeadersPolicy: this.responseHeadersPolicy(b.responseHeadersPolicy),
    }));
  }

  get cachePolicies(): cloudfront.ICachePolicy[] {
    return [...this.cache.values()];
  }

  get originRequestPolicies(): cloudfront.IOriginRequestPolicy[] {
    return [...(this.dynamicOrp ? [this.dynamicOrp] : []), ...this.routingOrps.values(), ...this.forwardOrps.values()];
  }

  /** Every response headers policy created, once each. */
  get responseHeadersPolicyList(): cloudfront.ResponseHeadersPolicy[] {
    return [...this.rhps.values()];
  }

  private responseHeadersPolicy(tier: Tier): cloudfront.ResponseHeadersPolicy {
    const existing = this.responseHeadersPolicies[tier];
    if (existing) return existing;
    // Only the html tier adds a default Cache-Control; the others send security headers only, so
    // they share one policy (the static tier's assets carry their own Cache-Control: tier-policies.ts).
    const shared = tier !== 'html';
    const key = shared ? 'security' : tier;
    let policy = this.rhps.get(key);
    if (!policy) {
      policy = new cloudfront.ResponseHeadersPolicy(
        this.scope,
        shared ? 'SecurityResponseHeaders' : `${capitalize(tier)}ResponseHeaders`,
        responseHeadersPolicyProps(tier, this.securityHeaders, this.removeHeaders),
      );
      this.rhps.set(key, policy);
    }
    return (this.responseHeadersPolicies[tier] = policy);
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

  private originRequestPolicy(spec: PlannedOriginRequestPolicy): cloudfront.IOriginRequestPolicy {
    switch (spec.kind) {
      case 'all-viewer-except-host':
        return cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER;
      case 'dynamic':
        return (this.dynamicOrp ??= new cloudfront.OriginRequestPolicy(this.scope, 'DynamicOriginRequestPolicy', {
          comment: 'tiered-cdn dynamic tier: every viewer header but Host and the identity headers the edge asserts',
          headerBehavior: cloudfront.OriginRequestHeaderBehavior.denyList(...spec.deniedHeaders),
          queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
          cookieBehavior: cloudfront.OriginRequestCookieBehavior.all(),
        }));
      case 'routing':
        return this.routingOriginRequestPolicy(spec.headers);
      case 'forward':
        return this.forwardOriginRequestPolicy(spec.forward, spec.routingHeaders);
    }
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
    const key = headers.join(',');
    let policy = this.routingOrps.get(key);
    if (!policy) {
      const n = this.routingOrps.size;
      policy = new cloudfront.OriginRequestPolicy(this.scope, `RoutingOriginRequestPolicy${n === 0 ? '' : n + 1}`, {
        comment: 'tiered-cdn: CloudFront viewer headers for geo/device origin routing',
        headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...headers),
      });
      this.routingOrps.set(key, policy);
    }
    return policy;
  }
}
