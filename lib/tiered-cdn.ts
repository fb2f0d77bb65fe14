import { Annotations, Duration, Stack } from 'aws-cdk-lib/core';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { OriginRequestConfig, OriginResponseConfig, ViewerRequestConfig, ViewerResponseConfig } from '../lambda-edge/shared/config';
import type { MonitoringOptions, TieredCdnMonitoring } from './monitoring';
import { acknowledgeLegacyLoggingFinding, acknowledgeSiteDeploymentFindings } from './nag';
import type { OriginVerify, OriginVerifyOptions } from './origin-verify';
import { DistributionInputs, distributionProps } from './private/distribution';
import { EdgeFunctionRenderer } from './private/edge-functions';
import { renderMonitoring } from './private/monitoring';
import { renderLogBucket, renderOrigins } from './private/origins';
import { PolicyRenderer } from './private/policies';
import { renderOriginVerify, renderStaging, renderWebAcl } from './private/protection';
import { checkFunctionLanguage } from './private/function-language';
import { addPlanMetadata } from './private/plan-metadata';
import type { RouteProps, Tier, TieredCdnOriginProps } from './routes';
import { SITE_ORIGIN } from './routes';
import type { StagingOptions } from './staging';
import { edgeSetCookies, recordEdgeSetCookies } from './edge-metadata';
import { PathGroups } from './path-groups';
import { DistributionPlan, planDistribution } from './plan';
import type { CacheTagsOptions, ResolvedCacheTags } from './cache-tags';
import { deploySite } from './site-deployment';
import type { SecurityHeadersOptions } from './tier-policies';
import type { LoggingOptions } from './logging';
import { RenderedLogging, renderLoggingV2 } from './private/logging';
import { policyRendererOf, type TieredCdnPolicies } from './shared-policies';
import { TieredCdnValidationError } from './validation';
import { reportUncaughtUnderCdkCli } from './private/cli-report';
import type { TieredCdnWebAcl, WafOptions } from './web-acl';

/** The site bucket and what fills it. */
export interface SiteProps {
  /** Folder deployed to the site bucket (content-hashed assets plus HTML entry documents). */
  readonly source: string;

  /**
   * The site's entry documents, invalidated after every deployment of the site: with cache tags
   * on, by the one tag item `#site:html` their objects carry; otherwise each by its exact path.
   * Wildcards are refused: content-hashed assets never need invalidating.
   * @default - every `.html` file in `source`, plus `/` for a root `index.html`
   */
  readonly entryDocuments?: readonly string[];

  /**
   * Cache tags for site objects, by glob relative to `source` (`'products/**': ['catalog']`), in
   * addition to the tags every object carries: `site`, and `site:html` (entry documents) or
   * `site:assets` (everything else). Written as the objects' S3 metadata under the tag header's
   * key; `tiered-cdn invalidate --tags catalog` then invalidates them. Needs `cacheTags`.
   * @default - only the tags every object carries
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
   */
  readonly tags?: Readonly<Record<string, readonly string[]>>;

  /**
   * Bring your own bucket instead of the one the construct creates.
   * @default - a private, encrypted bucket with SSL enforced and access logs
   */
  readonly bucket?: s3.IBucket;

  /**
   * A second bucket with the same content (e.g. a replica in another Region); CloudFront retries
   * GET, HEAD and OPTIONS there when the site bucket answers 500, 502, 503, 504, 403 or 404.
   * @default - no failover
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html
   */
  readonly failoverBucket?: s3.IBucket;
}

/** Props of a TieredCdn: the route table, its origins and the protection and monitoring around them. */
export interface TieredCdnProps {
  /** The route table. Order does not matter: behaviors are ordered most specific first. */
  readonly routes: readonly RouteProps[];

  /**
   * Origins by id; routes name them in `origin`. Each is a domain name with settings
   * (`HttpOriginProps`), or any aws-cdk-lib origin (`CloudFrontOriginProps`: a Lambda Function URL
   * with OAC, a VPC origin, a load balancer, an API Gateway REST API, an S3 bucket with OAC, ...),
   * bound under this id with Origin Shield and, where it is reached over the internet, the
   * origin-verify header.
   * @default - none: only the site bucket (`'site'`)
   */
  readonly origins?: Readonly<Record<string, TieredCdnOriginProps>>;

  /**
   * The static site behind the `'site'` origin.
   * @default - no site bucket; routes may not use the `'site'` origin
   */
  readonly site?: SiteProps;

  /**
   * Origin Shield on every origin, in the region recommended for the origin's region.
   * @default true
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html
   */
  readonly originShield?: boolean;

  /**
   * @default cloudfront.PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: cloudfront.PriceClass;

  /**
   * Alternate domain names; requires `certificate` (in us-east-1).
   * @default - the distribution's cloudfront.net domain only
   */
  readonly domainNames?: readonly string[];

  /**
   * Certificate for `domainNames`; the minimum viewer protocol is then TLSv1.2_2021.
   * @default - none
   */
  readonly certificate?: acm.ICertificate;

  /**
   * Bucket for CloudFront access logs and the site bucket's access logs. A bucket of your own
   * receives standard logging (v2) through a statement the construct adds to its policy.
   * @default - a bucket the construct creates (ACLs off: ObjectOwnership BucketOwnerEnforced;
   * BucketOwnerPreferred with the legacy logging, which writes with ACLs)
   */
  readonly logBucket?: s3.IBucket;

  /**
   * CloudFront access logs: standard logging (v2) to the log bucket as Parquet under
   * Hive-compatible partitions by default, optionally also to CloudWatch Logs or Firehose, or the
   * legacy logging (`{ legacy: true }`); `false` for none. The v2 delivery source of a
   * distribution must be created in us-east-1: in another Region the default falls back to the
   * legacy logging, with a synth warning.
   * @default - standard logging (v2) to the log bucket (in us-east-1 stacks)
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
   */
  readonly logging?: LoggingOptions | false;

  /**
   * How long CloudFront caches a 5xx from an origin, so an outage is retried soon.
   * @default Duration.seconds(5)
   */
  readonly serverErrorCachingTtl?: Duration;

  /** Security headers sent on every behavior. @default - HSTS two years, nosniff, DENY, strict-origin-when-cross-origin */
  readonly securityHeaders?: SecurityHeadersOptions;

  /**
   * Policies shared with other TieredCdns of the app (see docs/operations.md, "Policy quotas"):
   * equal cache, origin request and response headers policies are then created once for all of
   * them. Its security headers and hidden cache tag header must be this TieredCdn's (give
   * `securityHeaders` there, not here).
   * @default - this TieredCdn's own policies (at most 3 cache, 3 response headers and a few origin
   * request policies; synth reports the count)
   */
  readonly policies?: TieredCdnPolicies;

  /**
   * AWS WAF: a CLOUDFRONT-scope web ACL with per-IP rate rules and AWS managed rule groups, or an
   * existing one (`webAclArn`); `false` for none.
   * @default - in a us-east-1 stack, a web ACL with the defaults of WafOptions; elsewhere none, with a synth warning
   */
  readonly waf?: WafOptions | false;

  /**
   * A secret header on every request to a custom origin, so origins can refuse requests that did
   * not come through CloudFront; `false` for none. The S3 site is reached through OAC only.
   * @default - header `x-origin-verify` from a secret the construct creates
   */
  readonly originVerify?: OriginVerifyOptions | false;

  /**
   * CloudFront additional metrics, a dashboard, alarms and Lambda@Edge log retention; `false` for none.
   * @default - on, with the defaults of MonitoringOptions
   */
  readonly monitoring?: MonitoringOptions | false;

  /**
   * CloudFront continuous deployment: a staging distribution, built from `staging.routes` (or a
   * copy of `routes`), receives the viewers that send a header or a share of traffic; promote by
   * moving the staged table into `routes` (docs/protection.md). Turns HTTP/3 off, which
   * continuous deployment does not support.
   * @default - no staging distribution
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/continuous-deployment.html
   */
  readonly staging?: StagingOptions;

  /**
   * CloudFront cache tags (`CacheTagConfig`): the distribution stores the tags each origin
   * response names in one header, and `tiered-cdn invalidate --tags` invalidates by tag. The
   * header is removed from viewer responses unless `sendToViewers`; `false` for no cache tags.
   * @default - on, header `x-amz-meta-cache-tag` (S3 metadata `cache-tag`; custom origins send the header)
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
   */
  readonly cacheTags?: CacheTagsOptions | false;

  /**
   * Keep the generated Lambda@Edge functions when the stack is deleted. CloudFront deletes a
   * function's replicas hours after the distribution stops using it, and until then Lambda refuses
   * to delete the function, which fails the stack deletion. Retained functions are deleted by hand
   * later (README, "Tearing down").
   * @default true
   */
  readonly retainEdgeFunctionsOnDelete?: boolean;

  /**
   * Distribution settings merged over the construct's defaults (behaviors, origins and logging stay
   * the construct's).
   * @default - none
   */
  readonly distributionOverrides?: Partial<
    Omit<cloudfront.DistributionProps, 'defaultBehavior' | 'additionalBehaviors' | 'logBucket'>
  >;
}

/** The edge functions one route needs, with the configuration baked into each. */
export interface RouteEdgeConfig {
  /** Viewer-request steps (guard, normalize, auth, experiments); absent when the route needs none. */
  readonly viewerRequest?: ViewerRequestConfig;
  /** Viewer-response steps (experiment cookies); absent when the route needs none. */
  readonly viewerResponse?: ViewerResponseConfig;
  /** Origin-request steps (geo/device routing, variant paths); absent when the route needs none. */
  readonly originRequest?: OriginRequestConfig;
  /** With `targetedCacheControl`: CDN-Cache-Control / Surrogate-Control become the edge's Cache-Control. */
  readonly originResponse?: OriginResponseConfig;
  /** Headers the route's cache policy adds (experiment variants, routing decisions). */
  readonly cacheKeyHeaders: readonly string[];
  /** Headers the route's origin request policy adds (CloudFront viewer headers for routing). */
  readonly originRequestHeaders: readonly string[];
}

/** A route after validation, in the order its behavior has in the distribution. */
export interface ResolvedRoute extends RouteProps {
  /** The generated edge functions of the route and their baked configuration. */
  readonly edge: RouteEdgeConfig;
  /** The tier's cache policy (managed CachingDisabled on the dynamic tier). */
  readonly cachePolicy: cloudfront.ICachePolicy;
  /** What reaches the origin beyond the cache key (none: only the cache key). */
  readonly originRequestPolicy?: cloudfront.IOriginRequestPolicy;
  /** Security headers and default Cache-Control of the tier. */
  readonly responseHeadersPolicy: cloudfront.IResponseHeadersPolicy;
}

/**
 * One CloudFront distribution built from a route table, with a cache policy per tier, Origin
 * Shield on every origin, security headers on every behavior and standard logging.
 */
export class TieredCdn extends Construct {
  /** The CloudFront distribution (construct id `Resource`). */
  public readonly distribution: cloudfront.Distribution;
  /** Bucket of CloudFront access logs and the site bucket's access logs (`logBucket`, or the one the construct created). */
  public readonly logBucket: s3.IBucket;
  /** The site bucket behind the `site` origin (with `site`). */
  public readonly siteBucket?: s3.IBucket;
  /** The deployment that fills the site bucket (the first of `siteDeployments`). */
  public readonly siteDeployment?: s3deploy.BucketDeployment;
  /** CloudFront origins by id (`'site'` for the site bucket). */
  public readonly origins: Readonly<Record<string, cloudfront.IOrigin>>;
  /** Behaviors in distribution order, most specific first; the default behavior (`*`) last. */
  public readonly routes: readonly ResolvedRoute[];
  /** The response headers policy of each tier in use. */
  public readonly responseHeadersPolicies: Readonly<Partial<Record<Tier, cloudfront.ResponseHeadersPolicy>>>;
  /** The cache policies the construct created (routes with equal settings share one). */
  public readonly cachePolicies: readonly cloudfront.ICachePolicy[];
  /** The origin request policies the construct created. */
  public readonly originRequestPolicies: readonly cloudfront.IOriginRequestPolicy[];
  /** Paths invalidated after each site deployment (by the tag `site:html` when cache tags are on). */
  public readonly entryDocuments: readonly string[];
  /** The cache tag settings (undefined with `cacheTags: false`). */
  public readonly cacheTags?: ResolvedCacheTags;
  /** Every deployment filling the site bucket, `siteDeployment` first (one per set of tags with cache tags on). */
  public readonly siteDeployments: readonly s3deploy.BucketDeployment[] = [];
  /** The web ACL the construct created (undefined with `waf: false` or `waf.webAclArn`). */
  public readonly webAcl?: TieredCdnWebAcl;
  /** The origin lock-down header and its secret (undefined with `originVerify: false`). */
  public readonly originVerify?: OriginVerify;
  /** Dashboard and alarms (undefined with `monitoring: false`). */
  public readonly monitoring?: TieredCdnMonitoring;
  /** The staging distribution (with `staging`), which receives the traffic its policy selects. */
  public readonly stagingDistribution?: cloudfront.Distribution;
  /** The continuous deployment policy attached to the primary distribution (with `staging`). */
  public readonly continuousDeploymentPolicy?: cloudfront.CfnContinuousDeploymentPolicy;
  /** The staging distribution's behaviors (with `staging`). */
  public readonly stagingRoutes?: readonly ResolvedRoute[];
  /** Lambda@Edge functions the construct generated, by `<event type> <path pattern>` of the first route using each. */
  public readonly edgeFunctions: Readonly<Record<string, cloudfront.experimental.EdgeFunction>>;
  /** The design this construct rendered (see `planDistribution`); also in the template's Metadata under `TieredCdn::Plan`. */
  public readonly plan: DistributionPlan;
  /** CloudFront Functions the construct generated for viewer steps of routes without auth, by `<event type> <path pattern>`. */
  public readonly cloudFrontFunctions: Readonly<Record<string, cloudfront.Function>>;
  /** The KeyValueStore holding experiment weights (when a CloudFront Function runs an experiment). */
  public readonly keyValueStore?: cloudfront.KeyValueStore;
  /** Standard logging (v2) of the distribution: delivery source, destinations, deliveries (undefined with the legacy logging or none). */
  public readonly accessLogs?: RenderedLogging;
  /** Standard logging (v2) of the staging distribution (with `staging`). */
  public readonly stagingAccessLogs?: RenderedLogging;

  constructor(scope: Construct, id: string, props: TieredCdnProps) {
    super(scope, id);
    // S3 server access logs reach the log bucket through its bucket policy, not ACLs: the bucket
    // has ACLs off for standard logging (v2), whatever the app's feature flags say.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    // CloudFront Functions of the app outside the runtime's language: an error for ours, a warning for others.
    checkFunctionLanguage(this);
    const plan = planDistribution(props, { region: Stack.of(this).region });
    if (plan.problems.length > 0) {
      reportUncaughtUnderCdkCli();
      throw new TieredCdnValidationError(this.node.path, plan.problems);
    }
    for (const w of plan.warnings) Annotations.of(this).addWarningV2(w.id, w.message);
    this.plan = plan;
    this.entryDocuments = plan.entryDocuments;
    this.cacheTags = plan.cacheTags;
    // `tiered-cdn invalidate --stack ... --group html` finds the entry documents here.
    if (plan.entryDocuments.length > 0) PathGroups.of(this).add('html', plan.entryDocuments);

    this.logBucket = renderLogBucket(this, props.logBucket, plan.logging?.mechanism === 'legacy');
    this.originVerify = renderOriginVerify(this, props.originVerify, props.origins ?? {});
    const rendered = renderOrigins(this, {
      site: props.site,
      origins: props.origins ?? {},
      logBucket: this.logBucket,
      shieldRegions: plan.shieldRegions,
      verifyHeaders: this.originVerify ? { [this.originVerify.headerName]: this.originVerify.headerValue } : undefined,
    });
    this.siteBucket = rendered.siteBucket;
    this.origins = rendered.origins;

    const hiddenHeaders = plan.cacheTags && !plan.cacheTags.sendToViewers ? [plan.cacheTags.headerName] : [];
    const policies = (props.policies ? policyRendererOf(props.policies) : undefined) ?? new PolicyRenderer(this, props.securityHeaders ?? {}, hiddenHeaders);
    this.responseHeadersPolicies = policies.responseHeadersPolicies;
    this.routes = policies.resolveRoutes(plan.behaviors);
    const routingTargets = Object.fromEntries(
      [...plan.behaviors, ...(plan.staging?.behaviors ?? [])].flatMap((b) => Object.entries(b.edge['viewer-request']?.config.routing?.origins ?? {}).map(([id, t]) => [id, t.domainName])),
    );
    const edgeFunctions = new EdgeFunctionRenderer(this, props.retainEdgeFunctionsOnDelete ?? true, plan.experiments, routingTargets);
    this.edgeFunctions = edgeFunctions.functions;
    this.cloudFrontFunctions = edgeFunctions.cloudFrontFunctions;

    const { webAcl, webAclId } = renderWebAcl(this, plan.waf, this.routes);
    this.webAcl = webAcl;
    const inputs: DistributionInputs = { props, constructPath: this.node.path, origins: rendered, edgeFunctions, logBucket: this.logBucket, legacyLogging: plan.logging?.mechanism === 'legacy', webAclId };
    this.distribution = new cloudfront.Distribution(this, 'Resource', distributionProps(inputs, this.routes, ''));
    applyCacheTagConfig(this.distribution, plan.cacheTags);
    recordEdgeSetCookies(this.distribution, edgeSetCookies(this.routes));

    if (props.staging) {
      this.stagingRoutes = props.staging.routes ? policies.resolveRoutes(plan.staging!.behaviors) : this.routes;
      const staging = renderStaging(this, props.staging, this.distribution, distributionProps(inputs, this.stagingRoutes, 'Staging'));
      this.stagingDistribution = staging.distribution;
      applyCacheTagConfig(this.stagingDistribution, plan.cacheTags);
      this.continuousDeploymentPolicy = staging.policy;
    }
    if (plan.logging?.mechanism === 'v2') {
      const loggingOptions = props.logging || {};
      this.accessLogs = renderLoggingV2(this, 'AccessLogs', plan.logging, loggingOptions, this.distribution, this.logBucket);
      if (this.stagingDistribution) this.stagingAccessLogs = renderLoggingV2(this, 'StagingAccessLogs', plan.logging, loggingOptions, this.stagingDistribution, this.logBucket);
      acknowledgeLegacyLoggingFinding(this.distribution, this.stagingDistribution);
    }
    addPlanMetadata(this, plan, this.distribution, this.stagingDistribution);
    this.cachePolicies = policies.cachePolicies;
    this.originRequestPolicies = policies.originRequestPolicies;
    reportPolicyFootprint(this, this.routes, this.stagingRoutes, props.policies);

    if (props.site && this.siteBucket) {
      this.siteDeployments = deploySite(this, {
        source: props.site.source,
        bucket: this.siteBucket,
        distribution: this.distribution,
        entryDocuments: plan.entryDocuments,
        cacheTags: plan.cacheTags,
        groups: plan.siteGroups,
        immutablePatterns: plan.behaviors.filter((b) => b.tier === 'static' && b.origin === SITE_ORIGIN).map((b) => b.pathPattern),
      });
      this.siteDeployment = this.siteDeployments[0];
      acknowledgeSiteDeploymentFindings(Stack.of(this), this.siteBucket);
    }
    this.keyValueStore = edgeFunctions.keyValueStore;
    if (props.monitoring !== false) this.monitoring = renderMonitoring(this, props.monitoring, this.distribution, this.edgeFunctions);
  }
}

/** `CacheTagConfig` has no L2 property yet (aws-cdk-lib 2.276 has `CfnDistribution.CacheTagConfigProperty` only). */
function applyCacheTagConfig(distribution: cloudfront.Distribution, cacheTags: ResolvedCacheTags | undefined): void {
  if (!cacheTags) return;
  (distribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride('DistributionConfig.CacheTagConfig', { HeaderName: cacheTags.headerName });
}

/**
 * One info line with the policies this TieredCdn uses: custom ones count toward CloudFront's
 * per-account quotas (20 of each kind by default), managed ones do not.
 */
function reportPolicyFootprint(scope: Construct, routes: readonly ResolvedRoute[], staging: readonly ResolvedRoute[] | undefined, shared: TieredCdnPolicies | undefined): void {
  const all = [...routes, ...(staging ?? [])];
  const custom = (policies: (object | undefined)[], ctor: abstract new (...args: never[]) => object) => new Set(policies.filter((p) => p instanceof ctor)).size;
  const managed = new Set<string>();
  for (const r of all) {
    if (r.cachePolicy === cloudfront.CachePolicy.CACHING_DISABLED) managed.add('CachingDisabled');
    if (r.originRequestPolicy === cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER) managed.add('AllViewerExceptHostHeader');
  }
  const cache = custom(all.map((r) => r.cachePolicy), cloudfront.CachePolicy);
  const rhp = custom(all.map((r) => r.responseHeadersPolicy), cloudfront.ResponseHeadersPolicy);
  const orp = custom(all.map((r) => r.originRequestPolicy), cloudfront.OriginRequestPolicy);
  Annotations.of(scope).addInfo(
    `tiered-cdn policies: ${cache} cache, ${rhp} response headers, ${orp} origin request (custom, ${shared ? `shared through ${shared.node.path}` : 'this TieredCdn\'s own'}; CloudFront allows 20 of each per account by default)` +
      (managed.size > 0 ? `; managed: ${[...managed].sort().join(', ')}` : ''),
  );
}
