import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { literalPrefix } from './path-pattern';
import { HttpOriginProps, RouteProps, SITE_ORIGIN, Tier } from './routes';
import {
  allowedMethods,
  CacheSpec,
  cacheSpecKey,
  cachedMethods,
  cachePolicyProps,
  DEFAULT_API_MAX_TTL,
  DEFAULT_HTML_TTL,
  DEFAULT_METHODS,
  ONE_YEAR,
  responseHeadersPolicyProps,
  SecurityHeadersOptions,
} from './tier-policies';
import type {
  EdgeFunctionKind,
  OriginRequestConfig,
  ViewerRequestConfig,
  ViewerResponseConfig,
} from '../lambda-edge/shared/config';
import { AUTH_CLAIM_HEADER_PREFIX, AUTH_SCOPE_HEADER, AUTH_SUB_HEADER } from '../lambda-edge/shared/names';
import { bundleEdgeFunction } from './edge/bundle';
import { MonitoringOptions, monitoringProblems, TieredCdnMonitoring } from './monitoring';
import { OriginVerify, OriginVerifyOptions, originVerifyProblems } from './origin-verify';
import { StagingOptions, stagingPolicyConfig, stagingProblems } from './staging';
import { PathGroups } from './path-groups';
import { TieredCdnWebAcl, WafOptions, wafProblems } from './web-acl';
import {
  acknowledgeEdgeFunctionFindings,
  acknowledgeLogBucketFindings,
  acknowledgeMonitoringFindings,
  acknowledgeOriginVerifyFindings,
  acknowledgeSiteDeploymentFindings,
} from './nag';
import { orderRoutes, resolveEdgeConfigs, resolveEntryDocuments, resolveShieldRegions, validateRoutes } from './route-table';
import { Problems, show } from './validation';



/** The site bucket and what fills it. */
export interface SiteProps {
  /** Folder deployed to the site bucket (content-hashed assets plus HTML entry documents). */
  readonly source: string;

  /**
   * Paths invalidated, each by its exact path, after every deployment of the site. Wildcards are
   * refused: content-hashed assets never need invalidating.
   * @default - every `.html` file in `source`, plus `/` for a root `index.html`
   */
  readonly entryDocuments?: readonly string[];

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

export interface TieredCdnProps {
  /** The route table. Order does not matter: behaviors are ordered most specific first. */
  readonly routes: readonly RouteProps[];

  /**
   * Custom origins by id; routes name them in `origin`.
   * @default - none: only the site bucket (`'site'`)
   */
  readonly origins?: Readonly<Record<string, HttpOriginProps>>;

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
   * Bucket for CloudFront standard logs and the site bucket's access logs.
   * @default - a bucket the construct creates (ACLs enabled, as CloudFront standard logging needs)
   */
  readonly logBucket?: s3.IBucket;

  /**
   * How long CloudFront caches a 5xx from an origin, so an outage is retried soon.
   * @default Duration.seconds(5)
   */
  readonly serverErrorCachingTtl?: Duration;

  /** Security headers sent on every behavior. @default - HSTS two years, nosniff, DENY, strict-origin-when-cross-origin */
  readonly securityHeaders?: SecurityHeadersOptions;

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
  readonly viewerRequest?: ViewerRequestConfig;
  readonly viewerResponse?: ViewerResponseConfig;
  readonly originRequest?: OriginRequestConfig;
  /** Headers the route's cache policy adds (experiment variants, routing decisions). */
  readonly cacheKeyHeaders: readonly string[];
  /** Headers the route's origin request policy adds (CloudFront viewer headers for routing). */
  readonly originRequestHeaders: readonly string[];
}

/** A route after validation, in the order its behavior has in the distribution. */
export interface ResolvedRoute extends RouteProps {
  readonly edge: RouteEdgeConfig;
  readonly cachePolicy: cloudfront.ICachePolicy;
  readonly originRequestPolicy?: cloudfront.IOriginRequestPolicy;
  readonly responseHeadersPolicy: cloudfront.IResponseHeadersPolicy;
}

/**
 * One CloudFront distribution built from a route table, with a cache policy per tier, Origin
 * Shield on every origin, security headers on every behavior and standard logging.
 */
export class TieredCdn extends Construct {
  public readonly distribution: cloudfront.Distribution;
  public readonly logBucket: s3.IBucket;
  public readonly siteBucket?: s3.IBucket;
  public readonly siteDeployment?: s3deploy.BucketDeployment;
  /** CloudFront origins by id (`'site'` for the site bucket). */
  public readonly origins: Readonly<Record<string, cloudfront.IOrigin>>;
  /** Behaviors in distribution order, most specific first; the default behavior (`*`) last. */
  public readonly routes: readonly ResolvedRoute[];
  public readonly responseHeadersPolicies: Readonly<Partial<Record<Tier, cloudfront.ResponseHeadersPolicy>>>;
  /** The cache policies the construct created (routes with equal settings share one). */
  public readonly cachePolicies: readonly cloudfront.ICachePolicy[];
  /** The origin request policies the construct created. */
  public readonly originRequestPolicies: readonly cloudfront.IOriginRequestPolicy[];
  /** Paths invalidated after each site deployment. */
  public readonly entryDocuments: readonly string[];
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

  constructor(scope: Construct, id: string, props: TieredCdnProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = new Problems();
    const originProps = props.origins ?? {};
    const shieldOn = props.originShield ?? true;

    validateRoutes(props, problems);
    const edgeConfigs = resolveEdgeConfigs(props, problems);
    const shieldRegions = resolveShieldRegions(originProps, props, stack.region, shieldOn, problems);
    const entryDocuments = props.site ? resolveEntryDocuments(props.site, problems) : [];
    if (props.domainNames && props.domainNames.length > 0 && !props.certificate) {
      problems.add(`'domainNames' ${show(props.domainNames)} needs 'certificate' (an ACM certificate in us-east-1).`);
    }
    // On by default where it can be: a CLOUDFRONT-scope web ACL exists only in us-east-1. Asked
    // for explicitly elsewhere, it is an error; left to the default, a warning says what to do.
    const wafHere = Token.isUnresolved(stack.region) || stack.region === 'us-east-1';
    const waf: WafOptions | false = props.waf ?? (wafHere ? {} : false);
    if (props.waf === undefined && !wafHere) {
      Annotations.of(this).addWarningV2(
        'tiered-cdn:no-waf',
        `No AWS WAF web ACL: a CLOUDFRONT-scope web ACL can only be created in us-east-1 and this stack is in ${stack.region}. Create one in a us-east-1 stack and pass 'waf: { webAclArn }', or set 'waf: false' to silence this.`,
      );
    }
    if (waf !== false) problems.addAll(wafProblems(waf, stack.region));
    if (props.originVerify) problems.addAll(originVerifyProblems(props.originVerify));
    if (props.monitoring) problems.addAll(monitoringProblems(props.monitoring));
    let stagingEdgeConfigs: Map<RouteProps, RouteEdgeConfig> | undefined;
    if (props.staging) {
      problems.addAll(stagingProblems(props.staging));
      if (props.distributionOverrides?.httpVersion === cloudfront.HttpVersion.HTTP2_AND_3 || props.distributionOverrides?.httpVersion === cloudfront.HttpVersion.HTTP3) {
        problems.add(`'staging' needs a distribution without HTTP/3 (CloudFront continuous deployment does not support it), but 'distributionOverrides.httpVersion' asks for it.`);
      }
      if (props.staging.routes) {
        // The staged table is checked like the primary one; its messages say where they come from.
        const staged = new Problems();
        const stagedProps = { ...props, routes: props.staging.routes };
        validateRoutes(stagedProps, staged);
        stagingEdgeConfigs = resolveEdgeConfigs(stagedProps, staged);
        const primary = new Set(problems.messages);
        problems.addAll(
          staged.messages
            .filter((m) => !primary.has(m))
            .map((m) => (m.startsWith('routes[') ? `staging.${m}` : m.startsWith("'routes'") ? `'staging.routes'${m.slice(8)}` : `staging: ${m}`)),
        );
      }
    }
    problems.throwIfAny(this.node.path);
    for (const w of problems.warnings) Annotations.of(this).addWarningV2(w.id, w.message);
    this.entryDocuments = entryDocuments;
    // `tiered-cdn invalidate --stack ... --group html` finds the entry documents here.
    if (entryDocuments.length > 0) PathGroups.of(this).add('html', entryDocuments);

    this.logBucket =
      props.logBucket ??
      new s3.Bucket(this, 'LogBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        // CloudFront standard logs are delivered with ACLs.
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        lifecycleRules: [{ expiration: Duration.days(90) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
    if (!props.logBucket) acknowledgeLogBucketFindings(this.logBucket);

    const customOrigins = Object.keys(originProps).length > 0;
    if (props.originVerify !== false && customOrigins) {
      this.originVerify = new OriginVerify(this, 'OriginVerify', props.originVerify ?? {});
      if (!props.originVerify?.secret) acknowledgeOriginVerifyFindings(this.originVerify);
    }
    const verifyHeaders = this.originVerify ? { [this.originVerify.headerName]: this.originVerify.headerValue } : undefined;

    const cfOrigins: Record<string, cloudfront.IOrigin> = {};
    const failoverOrigins: Record<string, cloudfront.IOrigin> = {};
    // An origin inside an origin group cannot also stand alone in a distribution, so behaviors
    // that allow writes (no failover there) reach a twin of the primary under another id.
    const writeOrigins: Record<string, cloudfront.IOrigin> = {};
    if (props.site) {
      this.siteBucket =
        props.site.bucket ??
        new s3.Bucket(this, 'SiteBucket', {
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          encryption: s3.BucketEncryption.S3_MANAGED,
          enforceSSL: true,
          serverAccessLogsBucket: this.logBucket,
          serverAccessLogsPrefix: 's3/site/',
          removalPolicy: RemovalPolicy.RETAIN,
        });
      cfOrigins[SITE_ORIGIN] = origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket, {
        originShieldEnabled: shieldRegions[SITE_ORIGIN] !== undefined,
        originShieldRegion: shieldRegions[SITE_ORIGIN],
        originId: SITE_ORIGIN,
      });
      if (props.site.failoverBucket) {
        writeOrigins[SITE_ORIGIN] = origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket, {
          originShieldEnabled: shieldRegions[SITE_ORIGIN] !== undefined,
          originShieldRegion: shieldRegions[SITE_ORIGIN],
          originId: `${SITE_ORIGIN}-direct`,
        });
        failoverOrigins[SITE_ORIGIN] = new origins.OriginGroup({
          primaryOrigin: cfOrigins[SITE_ORIGIN],
          fallbackOrigin: origins.S3BucketOrigin.withOriginAccessControl(props.site.failoverBucket, {
            originId: `${SITE_ORIGIN}-failover`,
          }),
          fallbackStatusCodes: [500, 502, 503, 504, 403, 404],
        });
      }
    }
    const httpOrigin = (originId: string, domainName: string, o: HttpOriginProps) =>
      new origins.HttpOrigin(domainName, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        httpsPort: o.httpsPort,
        originPath: o.originPath,
        connectionTimeout: o.connectionTimeout,
        readTimeout: o.readTimeout,
        keepaliveTimeout: o.keepaliveTimeout,
        originShieldEnabled: shieldRegions[originId] !== undefined,
        originShieldRegion: shieldRegions[originId],
        customHeaders: verifyHeaders,
        originId,
      });
    for (const [originId, o] of Object.entries(originProps)) {
      cfOrigins[originId] = httpOrigin(originId, o.domainName, o);
      if (o.failoverDomainName) {
        writeOrigins[originId] = httpOrigin(`${originId}-direct`, o.domainName, o);
        failoverOrigins[originId] = new origins.OriginGroup({
          primaryOrigin: cfOrigins[originId],
          fallbackOrigin: httpOrigin(`${originId}-failover`, o.failoverDomainName, o),
          fallbackStatusCodes: [500, 502, 503, 504],
        });
      }
    }
    this.origins = cfOrigins;

    const rhp: Partial<Record<Tier, cloudfront.ResponseHeadersPolicy>> = {};
    const responseHeadersPolicy = (tier: Tier) =>
      (rhp[tier] ??= new cloudfront.ResponseHeadersPolicy(
        this,
        `${capitalize(tier)}ResponseHeaders`,
        responseHeadersPolicyProps(tier, props.securityHeaders ?? {}),
      ));
    this.responseHeadersPolicies = rhp;

    const cachePolicies = new Map<string, cloudfront.ICachePolicy>();
    const cachePolicy = (spec: CacheSpec) => {
      const key = cacheSpecKey(spec);
      let policy = cachePolicies.get(key);
      if (!policy) {
        const sameTier = [...cachePolicies.keys()].filter((k) => JSON.parse(k)[0] === spec.tier).length;
        policy = new cloudfront.CachePolicy(
          this,
          `${capitalize(spec.tier)}CachePolicy${sameTier === 0 ? '' : sameTier + 1}`,
          cachePolicyProps(spec),
        );
        cachePolicies.set(key, policy);
      }
      return policy;
    };

    // A viewer must never reach an origin with identity headers the edge did not assert: routes
    // without auth drop every one the distribution uses.
    const assertedHeaders = [
      AUTH_SUB_HEADER,
      AUTH_SCOPE_HEADER,
      ...new Set(props.routes.flatMap((r) => (r.auth?.forwardClaims ?? []).map((c) => `${AUTH_CLAIM_HEADER_PREFIX}${c.toLowerCase()}`))),
    ];
    let dynamicOrp: cloudfront.IOriginRequestPolicy | undefined;
    const dynamicOriginRequestPolicy = (route: RouteProps) =>
      route.auth
        ? cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
        : (dynamicOrp ??= new cloudfront.OriginRequestPolicy(this, 'DynamicOriginRequestPolicy', {
            comment: 'tiered-cdn dynamic tier: every viewer header but Host and the identity headers the edge asserts',
            headerBehavior: cloudfront.OriginRequestHeaderBehavior.denyList('host', ...assertedHeaders),
            queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
            cookieBehavior: cloudfront.OriginRequestCookieBehavior.all(),
          }));
    const routingOrps = new Map<string, cloudfront.IOriginRequestPolicy>();
    const routingOriginRequestPolicy = (headers: readonly string[]) => {
      const key = [...headers].sort().join(',');
      let policy = routingOrps.get(key);
      if (!policy) {
        policy = new cloudfront.OriginRequestPolicy(this, `RoutingOriginRequestPolicy${routingOrps.size === 0 ? '' : routingOrps.size + 1}`, {
          comment: 'tiered-cdn: CloudFront viewer headers for geo/device origin routing',
          headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...[...headers].sort()),
        });
        routingOrps.set(key, policy);
      }
      return policy;
    };

    const resolveRoutes = (routes: readonly RouteProps[], configs: Map<RouteProps, RouteEdgeConfig>): ResolvedRoute[] =>
      orderRoutes(routes).map((route) => {
      const edge = configs.get(route)!;
      const spec = cacheSpecFor(route, edge.cacheKeyHeaders);
      return {
        ...route,
        edge,
        cachePolicy: spec ? cachePolicy(spec) : cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy:
          route.tier === 'dynamic'
            ? dynamicOriginRequestPolicy(route)
            : edge.originRequestHeaders.length > 0
              ? routingOriginRequestPolicy(edge.originRequestHeaders)
              : undefined,
        responseHeadersPolicy: responseHeadersPolicy(route.tier),
      };
    });
    const resolved = resolveRoutes(props.routes, edgeConfigs);
    this.routes = resolved;

    const edgeFunctions: Record<string, cloudfront.experimental.EdgeFunction> = {};
    const byBundle = new Map<string, cloudfront.experimental.EdgeFunction>();
    const edgeFunction = (kind: EdgeFunctionKind, config: unknown, route: RouteProps, idPrefix: string) => {
      const bundle = bundleEdgeFunction(kind, config);
      let fn = byBundle.get(bundle.dir);
      if (!fn) {
        const viewer = kind.startsWith('viewer');
        fn = new cloudfront.experimental.EdgeFunction(this, `${idPrefix}${pascal(kind)}${routeSlug(route.pathPattern)}`, {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromAsset(bundle.dir),
          memorySize: 128,
          // CloudFront's limits: 5 s for viewer triggers, 30 s for origin triggers.
          timeout: Duration.seconds(viewer ? 5 : 30),
          description: `tiered-cdn ${kind} for ${route.pathPattern}`,
        });
        if (props.retainEdgeFunctionsOnDelete ?? true) retainOnDelete(fn);
        acknowledgeEdgeFunctionFindings(fn);
        byBundle.set(bundle.dir, fn);
        edgeFunctions[`${idPrefix ? `${idPrefix.toLowerCase()} ` : ''}${kind} ${route.pathPattern}`] = fn;
      }
      return fn.currentVersion;
    };
    const edgeLambdasFor = (route: ResolvedRoute, idPrefix: string): cloudfront.EdgeLambda[] => {
      const out: cloudfront.EdgeLambda[] = [];
      if (route.edge.viewerRequest) {
        out.push({
          eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST,
          functionVersion: edgeFunction('viewer-request', route.edge.viewerRequest, route, idPrefix),
        });
      }
      if (route.edge.viewerResponse) {
        out.push({
          eventType: cloudfront.LambdaEdgeEventType.VIEWER_RESPONSE,
          functionVersion: edgeFunction('viewer-response', route.edge.viewerResponse, route, idPrefix),
        });
      }
      if (route.edge.originRequest) {
        out.push({
          eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
          functionVersion: edgeFunction('origin-request', route.edge.originRequest, route, idPrefix),
        });
      }
      return [...out, ...(route.edgeLambdas ?? [])];
    };
    this.edgeFunctions = edgeFunctions;

    const behavior = (route: ResolvedRoute, idPrefix: string): cloudfront.BehaviorOptions => {
      const methods = route.methods ?? DEFAULT_METHODS[route.tier];
      // CloudFront fails over GET, HEAD and OPTIONS only, and refuses origin groups on behaviors
      // that allow writes: those keep the primary origin.
      const origin =
        methods === 'ALL'
          ? (writeOrigins[route.origin] ?? cfOrigins[route.origin])
          : (failoverOrigins[route.origin] ?? cfOrigins[route.origin]);
      return {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: allowedMethods(methods),
        cachedMethods: route.tier === 'dynamic' ? cloudfront.CachedMethods.CACHE_GET_HEAD : cachedMethods(methods),
        cachePolicy: route.cachePolicy,
        originRequestPolicy: route.originRequestPolicy,
        responseHeadersPolicy: route.responseHeadersPolicy,
        compress: true,
        edgeLambdas: edgeLambdasFor(route, idPrefix),
      };
    };
    const behaviorsOf = (routes: readonly ResolvedRoute[], idPrefix: string) => {
      const defaultRoute = routes.find((r) => r.pathPattern === '*')!;
      const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
      for (const route of routes) {
        if (route !== defaultRoute) additionalBehaviors[route.pathPattern] = behavior(route, idPrefix);
      }
      return { defaultBehavior: behavior(defaultRoute, idPrefix), additionalBehaviors };
    };

    if (waf !== false && !waf.webAclArn) {
      this.webAcl = new TieredCdnWebAcl(this, 'WebAcl', {
        ...waf,
        apiPathPrefixes: resolved.filter((r) => r.tier === 'api' || r.tier === 'dynamic').map((r) => literalPrefix(r.pathPattern)),
      });
    }
    const webAclId = waf === false ? undefined : (waf.webAclArn ?? this.webAcl?.webAcl.attrArn);

    const serverErrorTtl = props.serverErrorCachingTtl ?? Duration.seconds(5);
    const distributionProps = (routes: readonly ResolvedRoute[], idPrefix: string): cloudfront.DistributionProps => ({
      // Defaults, then the user's overrides, then what the construct must own.
      comment: `tiered-cdn ${this.node.path}${idPrefix ? ` (${idPrefix.toLowerCase()})` : ''}`.slice(0, 128),
      // CloudFront continuous deployment does not support HTTP/3.
      httpVersion: props.staging ? cloudfront.HttpVersion.HTTP2 : cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      defaultRootObject: props.site ? 'index.html' : undefined,
      errorResponses: [500, 502, 503, 504].map((httpStatus) => ({ httpStatus, ttl: serverErrorTtl })),
      domainNames: props.domainNames ? [...props.domainNames] : undefined,
      certificate: props.certificate,
      minimumProtocolVersion: props.certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      webAclId,
      publishAdditionalMetrics: props.monitoring !== false,
      ...props.distributionOverrides,
      ...behaviorsOf(routes, idPrefix),
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: idPrefix ? `cloudfront-${idPrefix.toLowerCase()}/` : 'cloudfront/',
    });
    this.distribution = new cloudfront.Distribution(this, 'Resource', distributionProps(resolved, ''));

    if (props.staging) {
      const staged = props.staging.routes ? resolveRoutes(props.staging.routes, stagingEdgeConfigs!) : resolved;
      this.stagingRoutes = staged;
      const stagingProps = distributionProps(staged, 'Staging');
      // A staging distribution has no alternate domain names: viewers reach it through the primary.
      this.stagingDistribution = new cloudfront.Distribution(this, 'Staging', {
        ...stagingProps,
        domainNames: undefined,
        certificate: undefined,
        minimumProtocolVersion: undefined,
      });
      (this.stagingDistribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride('DistributionConfig.Staging', true);
      this.continuousDeploymentPolicy = new cloudfront.CfnContinuousDeploymentPolicy(this, 'StagingPolicy', {
        continuousDeploymentPolicyConfig: stagingPolicyConfig(props.staging, this.stagingDistribution.distributionDomainName),
      });
      (this.distribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride(
        'DistributionConfig.ContinuousDeploymentPolicyId',
        this.continuousDeploymentPolicy.attrId,
      );
    }

    this.cachePolicies = [...cachePolicies.values()];
    this.originRequestPolicies = [...(dynamicOrp ? [dynamicOrp] : []), ...routingOrps.values()];

    if (props.site && this.siteBucket) {
      this.siteDeployment = new s3deploy.BucketDeployment(this, 'SiteDeployment', {
        sources: [s3deploy.Source.asset(props.site.source)],
        destinationBucket: this.siteBucket,
        distribution: entryDocuments.length > 0 ? this.distribution : undefined,
        distributionPaths: entryDocuments.length > 0 ? [...entryDocuments] : undefined,
        memoryLimit: 512,
      });
      acknowledgeSiteDeploymentFindings(stack, this.siteBucket);
    }

    if (props.monitoring !== false && Object.values(edgeFunctions).some((fn) => Stack.of(fn.lambda) !== stack)) {
      // Outside us-east-1 the functions live in CDK's companion stack in us-east-1, which this
      // stack cannot name without explicit function names.
      Annotations.of(this).addWarningV2(
        'tiered-cdn:edge-monitoring-region',
        'Per-function edge metrics and log retention are left out: the edge functions live in a companion stack in us-east-1. CloudFront-level edge errors are still on the dashboard.',
      );
    }
    if (props.monitoring !== false) {
      this.monitoring = new TieredCdnMonitoring(this, 'Monitoring', {
        ...props.monitoring,
        distribution: this.distribution,
        edgeFunctions: Object.fromEntries(
          Object.entries(edgeFunctions)
            .filter(([, fn]) => Stack.of(fn.lambda) === stack)
            .map(([name, fn]) => [name, fn.lambda]),
        ),
      });
      acknowledgeMonitoringFindings(stack);
    }
  }
}

/** Keeps a Lambda@Edge function and its versions when the stack is deleted (see `retainEdgeFunctionsOnDelete`). */
function retainOnDelete(fn: cloudfront.experimental.EdgeFunction): void {
  for (const child of fn.node.findAll()) {
    if (child instanceof lambda.CfnFunction || child instanceof lambda.CfnVersion) child.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}


function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function pascal(s: string): string {
  return s.split(/[^A-Za-z0-9]+/).filter(Boolean).map(capitalize).join('');
}

/** A construct-id fragment from a path pattern: `/api/me/*` -> `ApiMe`, `*` -> `Default`. */
function routeSlug(pattern: string): string {
  return pattern === '*' ? 'Default' : pascal(pattern.replace(/\*/g, ' ').replace(/\?/g, ' ')) || 'Root';
}

function cacheSpecFor(route: RouteProps, extraHeaders: readonly string[]): CacheSpec | undefined {
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
