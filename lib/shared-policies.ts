import { Construct } from 'constructs';
import { DEFAULT_CACHE_TAG_HEADER } from '../lambda-edge/shared/invalidation';
import { PolicyRenderer } from './private/policies';
import type { SecurityHeadersOptions } from './tier-policies';

/** Settings every TieredCdn sharing these policies must have alike. */
export interface TieredCdnPoliciesProps {
  /**
   * Security headers of the response headers policies.
   * @default - HSTS two years, nosniff, DENY, strict-origin-when-cross-origin
   */
  readonly securityHeaders?: SecurityHeadersOptions;

  /**
   * The cache tag header the response headers policies remove from viewer responses; `false` when
   * the TieredCdns sharing them have `cacheTags: false` or `cacheTags.sendToViewers`.
   * @default 'x-amz-meta-cache-tag'
   */
  readonly hiddenCacheTagHeader?: string | false;
}

/**
 * Cache, origin request and response headers policies shared by several TieredCdns (`policies`
 * prop), so that an account holding many of them stays within CloudFront's per-account quotas
 * (20 custom policies of each kind by default). Each policy is created here on first use, by
 * the first TieredCdn that needs it; a TieredCdn in another stack of the same app refers to it
 * across stacks (CloudFormation exports), which ties the stacks' deploy order.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-policies
 */
export class TieredCdnPolicies extends Construct {
  /** The security headers every TieredCdn sharing these policies sends. */
  public readonly securityHeaders: SecurityHeadersOptions;
  /** The header the response headers policies remove (undefined: none). */
  public readonly hiddenCacheTagHeader?: string;

  constructor(scope: Construct, id: string, props: TieredCdnPoliciesProps = {}) {
    super(scope, id);
    this.securityHeaders = props.securityHeaders ?? {};
    this.hiddenCacheTagHeader = props.hiddenCacheTagHeader === false ? undefined : (props.hiddenCacheTagHeader ?? DEFAULT_CACHE_TAG_HEADER).toLowerCase();
    RENDERERS.set(this, new PolicyRenderer(this, this.securityHeaders, this.hiddenCacheTagHeader ? [this.hiddenCacheTagHeader] : []));
  }
}

/** The renderer behind shared policies; kept off the public type. */
const RENDERERS = new WeakMap<TieredCdnPolicies, PolicyRenderer>();

/** The policy renderer TieredCdns sharing these policies create their policies with. */
export function policyRendererOf(policies: TieredCdnPolicies): PolicyRenderer {
  return RENDERERS.get(policies)!;
}
