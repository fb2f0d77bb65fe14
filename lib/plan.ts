import { Token } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { ExperimentConfig, OriginRequestConfig, OriginResponseConfig, ViewerRequestConfig, ViewerResponseConfig } from '../lambda-edge/shared/config';
import {
  AUTH_CLAIM_HEADER_PREFIX,
  AUTH_SCOPE_HEADER,
  AUTH_SUB_HEADER,
  experimentCookie,
  experimentHeader,
  VIEWER_ID_COOKIE,
} from '../lambda-edge/shared/names';
import { ResolvedCacheTags, SiteObjectGroup, planSiteObjectTags, resolveCacheTags } from './cache-tags';
import { cloudFrontFunctionProblems, experimentStoreData, type StepRuntime, viewerStepPlan } from './edge/runtime-plan';
import { monitoringProblems } from './monitoring';
import { planLogging, type PlannedLogging } from './logging';
import { cloudFrontOriginProblems, isCloudFrontOrigin, literalDomainName, OriginAccess, originAccess, OriginKind, originKind } from './origin-kinds';
import { originVerifyProblems } from './origin-verify';
import { propTypeProblems } from './prop-types';
import { orderRoutes, resolveEdgeConfigs, resolveEntryDocuments, resolveShieldRegions, validateRoutes } from './route-table';
import { RouteMethods, RouteProps, SITE_ORIGIN, Tier } from './routes';
import { stagingProblems } from './staging';
import { CacheSpec, cacheSpecFor, DEFAULT_METHODS } from './tier-policies';
import type { RouteEdgeConfig, TieredCdnProps } from './tiered-cdn';
import { Problems, show, Problem, problem } from './validation';
import { PLAN_METADATA_KEY, PLAN_VERSION } from './metadata-keys';
import { WafOptions, wafProblems } from './web-acl';

/**
 * The design of a TieredCdn, computed from its props alone: what `TieredCdn` renders into
 * CloudFormation, and (serialized by `planMetadata`) what the tools read back from the template.
 *
 * New facts go in as new optional fields of these interfaces; `PLAN_VERSION` changes only when a
 * field changes meaning or goes away.
 */

export { PLAN_METADATA_KEY, PLAN_VERSION };

/** The environment a plan depends on. */
export interface PlanEnvironment {
  /** The stack's region (may be a token in an environment-agnostic stack). */
  readonly region: string;
}

/** Edge function event types a plan generates functions for. */
export type PlannedEventType = 'viewer-request' | 'viewer-response' | 'origin-request' | 'origin-response';

/** One generated edge function of a behavior: the steps it runs and the configuration baked into it. */
export interface PlannedEdgeStep<C> {
  /** The steps, in the order the function runs them (`normalize`, `auth`, `experiments`, `routing`, ...). */
  readonly steps: readonly string[];
  /**
   * Where the steps run: a CloudFront Function for viewer steps that need no network and no
   * RSA/ECDSA, else Lambda@Edge (see lib/edge/runtime-plan.ts).
   */
  readonly runtime?: StepRuntime;
  /** The configuration baked into the function at synth time. */
  readonly config: C;
}

/** The generated edge functions of one behavior, by event type. */
export interface PlannedEdge {
  /** Guard, query normalization, auth and experiment assignment. */
  readonly 'viewer-request'?: PlannedEdgeStep<ViewerRequestConfig>;
  /** Experiment cookies (and targeted cache control). */
  readonly 'viewer-response'?: PlannedEdgeStep<ViewerResponseConfig>;
  /** Geo/device origin routing and variant paths (cache misses only). */
  readonly 'origin-request'?: PlannedEdgeStep<OriginRequestConfig>;
  /** Targeted cache control: CDN-Cache-Control / Surrogate-Control become what is cached (misses only). */
  readonly 'origin-response'?: PlannedEdgeStep<OriginResponseConfig>;
}

/** How a behavior's origin request policy is chosen. */
export type PlannedOriginRequestPolicy =
  /** Managed AllViewerExceptHostHeader (dynamic routes with auth: the edge asserted the identity headers). */
  | {
      /** Managed AllViewerExceptHostHeader. */
      readonly kind: 'all-viewer-except-host';
    }
  /** Every viewer header but Host and the identity headers the edge asserts (dynamic routes without auth). */
  | {
      /** Every viewer header but the denied ones, all query strings and cookies. */
      readonly kind: 'dynamic';
      /** Host, and the identity headers the edge asserts. */
      readonly deniedHeaders: readonly string[];
    }
  /** The CloudFront viewer headers origin routing decides by. */
  | {
      /** Only the CloudFront viewer headers routing decides by. */
      readonly kind: 'routing';
      /** Lower-case header names, sorted. */
      readonly headers: readonly string[];
    }
  /** The route's `forwardHeaders`, with the headers its origin routing needs: forwarded, not keyed. */
  | {
      /** The route's `forwardHeaders`. */
      readonly kind: 'forward';
      /** `allViewer`, or the header names. */
      readonly forward: 'allViewer' | readonly string[];
      /** CloudFront viewer headers origin routing adds. */
      readonly routingHeaders: readonly string[];
    };

/** One cache behavior, in distribution order. */
export interface PlannedBehavior {
  /** The behavior's CloudFront path pattern (`*` for the default behavior). */
  readonly pathPattern: string;
  /** How the path is cached. */
  readonly tier: Tier;
  /** Origin id (`'site'` for the site bucket). */
  readonly origin: string;
  /** The HTTP methods the behavior accepts. */
  readonly methods: RouteMethods;
  /** Cache policy settings; absent for the dynamic tier (managed CachingDisabled). */
  readonly cache?: CacheSpec;
  /** What reaches the origin beyond the cache key; absent: only the cache key. */
  readonly originRequestPolicy?: PlannedOriginRequestPolicy;
  /** The response headers policy is the tier's. */
  readonly responseHeadersPolicy: Tier;
  /** The generated edge functions by event type. */
  readonly edge: PlannedEdge;
  /** Event types of the route's own `edgeLambdas`. */
  readonly customEdgeLambdas: readonly string[];
  /** The route this behavior comes from (not serialized). */
  readonly route: RouteProps;
  /** The edge configuration as the renderers take it (not serialized). */
  readonly edgeConfig: RouteEdgeConfig;
}

/** One origin and what the edge may route its requests to. */
export interface PlannedOrigin {
  /** Origin id (`site` for the site bucket). */
  readonly id: string;
  /**
   * `site` (the site bucket), `http` (a domain name), or the kind of the aws-cdk-lib origin
   * (`function-url-oac`, `vpc`, `load-balancer`, `rest-api`, `s3-oac`, ...; see `OriginKind`).
   */
  readonly kind: OriginKind;
  /** How CloudFront reaches an aws-cdk-lib origin (`oac`, `oai`, `vpc`, `internet`); absent for `site` and `http`. */
  readonly access?: OriginAccess;
  /** The custom origin's domain name (absent for the site bucket, or when it is a token). */
  readonly domainName?: string;
  /** Origin Shield region; absent without Origin Shield. */
  readonly originShieldRegion?: string;
  /** An origin group: CloudFront retries on these statuses at the secondary. */
  readonly failover?: {
    /** The secondary's domain name (absent for the site's failover bucket, or a token). */
    readonly domainName?: string;
    /** Origin statuses CloudFront retries at the secondary. */
    readonly statusCodes: readonly number[];
  };
  /** Path patterns of the behaviors whose origin-request function may route requests here. */
  readonly routedBy?: readonly string[];
}

/** An A/B experiment and the names the edge uses for it. */
export interface PlannedExperiment {
  /** The experiment name (lower case). */
  readonly name: string;
  /** The variants and their relative weights. */
  readonly variants: readonly {
    /** Variant name (sent in the header, stored in the cookie). */
    readonly name: string;
    /** Relative share of viewers. */
    readonly weight: number;
  }[];
  /** Path patterns of the behaviors that run it. */
  readonly pathPatterns: readonly string[];
  /** Cookie that pins a viewer to a variant. */
  readonly cookie: string;
  /** Request header carrying the variant (part of the cache key). */
  readonly header: string;
  /** QA override cookie that forces a variant; absent: forcing by cookie is off. */
  readonly forceCookie?: string;
  /** QA override query parameter that forces a variant; absent: forcing by query is off. */
  readonly forceQuery?: string;
}

/** A problem that stops synthesis: `{ code, path, message }`. */
export type PlanProblem = Problem;

/** A synth warning: its id (for acknowledging it) and message. */
export interface PlanWarning {
  /** Warning id, for acknowledging it. */
  readonly id: string;
  /** What to do about it. */
  readonly message: string;
}

/** The whole design of one TieredCdn, as `planDistribution` returns it. */
export interface DistributionPlan {
  /** Version of the plan's shape (`PLAN_VERSION`). */
  readonly version: number;
  /** In CloudFront's evaluation order: ordered behaviors most specific first, the default (`*`) last. */
  readonly behaviors: readonly PlannedBehavior[];
  /** Every origin: the site bucket and the custom origins. */
  readonly origins: readonly PlannedOrigin[];
  /** Domain names edge functions route requests to (origin routing targets), sorted. */
  readonly routedDomains: readonly string[];
  /** Paths invalidated after each site deployment. */
  readonly entryDocuments: readonly string[];
  /** Every experiment, with the names the edge uses for it. */
  readonly experiments: readonly PlannedExperiment[];
  /** Cookie holding the viewer id experiments bucket by (present when there are experiments). */
  readonly viewerIdCookie?: string;
  /** The staging distribution's behaviors (with `staging`). */
  readonly staging?: {
    /** In the staging distribution's order. */
    readonly behaviors: readonly PlannedBehavior[];
  };
  /** `waf` with its region-dependent default applied. */
  readonly waf: WafOptions | false;
  /** Origin Shield region by origin id (absent: no Origin Shield). */
  readonly shieldRegions: Readonly<Record<string, string | undefined>>;
  /** Cache tag settings; undefined with `cacheTags: false`. */
  readonly cacheTags?: ResolvedCacheTags;
  /** The site's objects grouped by their tags (with a site and cache tags on). */
  readonly siteGroups?: SiteObjectGroup[];
  /** Access logging: standard logging (v2) with its format and layout, or the legacy logs; absent with `logging: false`. */
  readonly logging?: PlannedLogging;
  /** Every problem found; a plan with problems has no behaviors. */
  readonly problems: readonly PlanProblem[];
  /** Synth warnings (the construct adds them as annotations). */
  readonly warnings: readonly PlanWarning[];
}

/**
 * Plans a TieredCdn: validates every prop (all problems at once, in `problems`) and works out the
 * behaviors, origins, edge functions and experiments. Reads nothing but the props, the environment
 * and the site folder; creates no construct.
 */
export function planDistribution(props: TieredCdnProps, env: PlanEnvironment): DistributionPlan {
  // The rules below read each prop as its type says; a prop of another type (plain JavaScript) is
  // reported on its own first, instead of failing inside a rule.
  const typeProblems = propTypeProblems(props);
  if (typeProblems.length > 0) return unreadablePlan(typeProblems);
  const problems = new Problems();
  validateRoutes(props, problems);
  const edgeConfigs = resolveEdgeConfigs(props, problems);
  const shieldRegions = resolveShieldRegions(props.origins ?? {}, props, env.region, props.originShield ?? true, problems);
  const entryDocuments = props.site ? resolveEntryDocuments(props.site, problems) : [];
  const { cacheTags, siteGroups } = planCacheTags(props, entryDocuments, problems);
  if (props.policies) sharedPolicyProblems(props, cacheTags, problems);
  if (props.domainNames && props.domainNames.length > 0 && !props.certificate) {
    problems.add('domain-names-without-certificate', `'domainNames' ${show(props.domainNames)} needs 'certificate' (an ACM certificate in us-east-1).`);
  }
  const waf = wafDefault(props, env.region, problems);
  if (waf !== false) problems.addAll(wafProblems(waf, env.region));
  if (props.originVerify) problems.addAll(originVerifyProblems(props.originVerify));
  if (props.monitoring) problems.addAll(monitoringProblems(props.monitoring));
  const loggingChecks = { problems: [] as Problem[], warnings: [] as PlanWarning[] };
  const logging = planLogging(props.logging, env.region, loggingChecks.problems, loggingChecks.warnings);
  problems.addAll(loggingChecks.problems);
  for (const w of loggingChecks.warnings) problems.warn(w.id, w.message);
  const originChecks = cloudFrontOriginProblems(props);
  problems.addAll(originChecks.problems);
  for (const w of originChecks.warnings) problems.warn(w.id, w.message);
  const stagingEdgeConfigs = props.staging ? validateStaging(props, problems) : undefined;
  const failed = problems.count > 0;
  const primary = failed ? [] : planBehaviors(props, edgeConfigs);
  const staged = props.staging && !failed ? (props.staging.routes ? planBehaviors(props, stagingEdgeConfigs!) : primary) : undefined;
  const named = withRejectionRoutes([...primary, ...(staged ?? [])]);
  const behaviors = primary.map((b) => named.get(b)!);
  const stagingBehaviors = staged?.map((b) => named.get(b)!);
  const experiments = planExperiments([...behaviors, ...(props.staging?.routes ? (stagingBehaviors ?? []) : [])]);
  if (!failed) problems.addAll(runtimeProblems(props, [...behaviors, ...(stagingBehaviors ?? [])], experiments));
  return {
    version: PLAN_VERSION,
    behaviors,
    origins: planOrigins(props, shieldRegions, [...behaviors, ...(stagingBehaviors ?? [])]),
    routedDomains: routedDomains([...behaviors, ...(stagingBehaviors ?? [])]),
    entryDocuments,
    experiments,
    viewerIdCookie: experiments.length > 0 ? VIEWER_ID_COOKIE : undefined,
    staging: stagingBehaviors ? { behaviors: stagingBehaviors } : undefined,
    waf,
    shieldRegions,
    cacheTags,
    siteGroups,
    logging,
    problems: problems.problems,
    warnings: problems.warnings,
  };
}

/** The plan of props that cannot be read: nothing planned, only the problems. */
function unreadablePlan(problems: readonly Problem[]): DistributionPlan {
  return {
    version: PLAN_VERSION,
    behaviors: [],
    origins: [],
    routedDomains: [],
    entryDocuments: [],
    experiments: [],
    viewerIdCookie: undefined,
    staging: undefined,
    waf: false,
    shieldRegions: {},
    cacheTags: undefined,
    siteGroups: undefined,
    problems,
    warnings: [],
  };
}

/** `configs` has a key per behavior: the route table's routes, plus the bare paths the path guard adds. */
function planBehaviors(props: TieredCdnProps, configs: Map<RouteProps, RouteEdgeConfig>): PlannedBehavior[] {
  const asserted = assertedHeaders(props.routes);
  const domains = declaredDomains(props);
  return orderRoutes([...configs.keys()]).map((route) => {
    const edgeConfig = foldRouting(configs.get(route)!, route, domains);
    const originRequestPolicy: PlannedOriginRequestPolicy | undefined =
      route.tier === 'dynamic'
        ? route.auth
          ? { kind: 'all-viewer-except-host' }
          : { kind: 'dynamic', deniedHeaders: ['host', ...asserted] }
        : route.forwardHeaders !== undefined
          ? { kind: 'forward', forward: route.forwardHeaders, routingHeaders: edgeConfig.originRequestHeaders }
          : edgeConfig.originRequestHeaders.length > 0
            ? { kind: 'routing', headers: [...edgeConfig.originRequestHeaders].sort() }
            : undefined;
    return {
      pathPattern: route.pathPattern,
      tier: route.tier,
      origin: route.origin,
      methods: route.methods ?? DEFAULT_METHODS[route.tier],
      cache: cacheSpecFor(route, edgeConfig.cacheKeyHeaders),
      originRequestPolicy,
      responseHeadersPolicy: route.tier,
      edge: planEdge(edgeConfig, route),
      customEdgeLambdas: (route.edgeLambdas ?? []).map((l) => l.eventType),
      route,
      edgeConfig,
    };
  });
}

/** Identity headers a route without auth must drop: a viewer must never assert them itself. */
function assertedHeaders(routes: readonly RouteProps[]): string[] {
  return [
    AUTH_SUB_HEADER,
    AUTH_SCOPE_HEADER,
    ...new Set(routes.flatMap((r) => (r.auth?.forwardClaims ?? []).map((c) => `${AUTH_CLAIM_HEADER_PREFIX}${c.toLowerCase()}`))),
  ];
}

/**
 * Origin routing moves into the behavior's viewer-request CloudFront Function when it has one: the
 * function runs on every request anyway, so deciding there adds no invocation, while the
 * origin-request Lambda@Edge it replaces costs $0.60 per million misses. Without such a function
 * the origin-request Lambda@Edge stays: it runs on cache misses only. Variant path prefixes keep
 * it too (they rewrite the URI the origin is asked for, after the cache lookup).
 */
function foldRouting(edge: RouteEdgeConfig, route: RouteProps, domains: readonly string[]): RouteEdgeConfig {
  const orq = edge.originRequest;
  if (!orq || orq.rules.length === 0 || (orq.variantPaths ?? []).length > 0 || !edge.viewerRequest) return edge;
  if (viewerStepPlan(route, edge.viewerRequest, edge.viewerResponse)?.runtime !== 'cloudfront-function') return edge;
  return { ...edge, viewerRequest: { ...edge.viewerRequest, routing: { rules: orq.rules, origins: orq.origins, domains } }, originRequest: undefined };
}

/**
 * Every custom origin domain the props declare (own and failover), sorted: the only domains a
 * routing target's live value in the KeyValueStore may name (lambda-edge/shared/kvs-values.ts).
 */
function declaredDomains(props: TieredCdnProps): string[] {
  const out = new Set<string>();
  for (const o of Object.values(props.origins ?? {})) {
    if (isCloudFrontOrigin(o)) {
      // An aws-cdk-lib origin is a routing target only by a literal domain (routing-rule-origin-unroutable).
      const d = literalDomainName(o.origin);
      if (d !== undefined) out.add(d.toLowerCase());
      continue;
    }
    for (const d of [o.domainName, o.failoverDomainName]) if (d !== undefined && !Token.isUnresolved(d)) out.add(d.toLowerCase());
  }
  return [...out].sort();
}

/** What CloudFront refuses in the generated CloudFront Functions and their store (sizes). */
function runtimeProblems(props: TieredCdnProps, behaviors: readonly PlannedBehavior[], experiments: readonly PlannedExperiment[]): Problem[] {
  const out = new Map<string, Problem>();
  const pathOf = (route: RouteProps) => {
    const i = props.routes.indexOf(route);
    const j = props.staging?.routes?.indexOf(route) ?? -1;
    return i >= 0 ? `routes[${i}]` : j >= 0 ? `staging.routes[${j}]` : 'routes';
  };
  for (const b of behaviors) {
    if (b.edge['viewer-request']?.runtime !== 'cloudfront-function' && b.edge['viewer-response']?.runtime !== 'cloudfront-function') continue;
    for (const message of cloudFrontFunctionProblems(`route ${show(b.pathPattern)}`, b.edgeConfig.viewerRequest, b.edgeConfig.viewerResponse)) {
      out.set(message, problem('cloudfront-function-too-large', message, pathOf(b.route)));
    }
  }
  for (const message of experimentStoreData(experiments).problems) {
    const name = experiments.find((e) => message.startsWith(`experiment '${e.name}'`));
    const route = name ? behaviors.find((b) => name.pathPatterns.includes(b.pathPattern))?.route : undefined;
    out.set(message, problem('experiment-store-value-too-large', message, route ? `${pathOf(route)}.experiments` : 'routes'));
  }
  return [...out.values()];
}

/**
 * Viewer-request functions that can refuse a viewer log the route of each refusal: each config
 * lists the path patterns of the behaviors sharing it (equal configs share one function), in
 * distribution order. That is every Lambda@Edge viewer-request (guard, auth), and the CloudFront
 * Functions that run the path guard; the other CloudFront Functions refuse nobody and keep their
 * config (and code) as it is.
 */
function withRejectionRoutes(behaviors: readonly PlannedBehavior[]): Map<PlannedBehavior, PlannedBehavior> {
  const groups = new Map<string, string[]>();
  const keyOf = (b: PlannedBehavior) => {
    const vrq = b.edge['viewer-request'];
    const refuses = vrq?.runtime === 'lambda@edge' || (vrq?.runtime === 'cloudfront-function' && vrq.config.guard !== undefined);
    return refuses ? `${vrq!.runtime} ${JSON.stringify(b.edgeConfig.viewerRequest)}` : undefined;
  };
  for (const b of behaviors) {
    const key = keyOf(b);
    if (key === undefined) continue;
    const list = groups.get(key) ?? [];
    if (!list.includes(b.pathPattern)) list.push(b.pathPattern);
    groups.set(key, list);
  }
  const out = new Map<PlannedBehavior, PlannedBehavior>();
  for (const b of behaviors) {
    const key = keyOf(b);
    const vrq = b.edge['viewer-request'];
    if (key === undefined || !vrq || out.has(b)) {
      out.set(b, out.get(b) ?? b);
      continue;
    }
    const config = { ...vrq.config, routes: groups.get(key)! };
    out.set(b, { ...b, edge: { ...b.edge, 'viewer-request': { ...vrq, config } }, edgeConfig: { ...b.edgeConfig, viewerRequest: config } });
  }
  return out;
}

function planEdge(edge: RouteEdgeConfig, route: RouteProps): PlannedEdge {
  const vrq = edge.viewerRequest;
  const orq = edge.originRequest;
  const viewer = viewerStepPlan(route, vrq, edge.viewerResponse)?.runtime;
  return {
    ...(vrq
      ? {
          'viewer-request': {
            steps: [
              ...(vrq.guard ? ['guard'] : []),
              ...(vrq.normalize ? ['normalize'] : []),
              ...(vrq.auth ? ['auth'] : []),
              ...(vrq.experiments.length > 0 ? ['experiments'] : []),
              ...(vrq.routing ? ['routing'] : []),
            ],
            runtime: viewer,
            config: vrq,
          },
        }
      : {}),
    ...(edge.viewerResponse
      ? {
          'viewer-response': {
            steps: [
              ...(edge.viewerResponse.experiments.length > 0 ? ['experiment-cookies'] : []),
              ...(edge.viewerResponse.targetedCacheControl ? ['restore-cache-control'] : []),
            ],
            runtime: viewer,
            config: edge.viewerResponse,
          },
        }
      : {}),
    ...(orq
      ? {
          'origin-request': {
            steps: [...(orq.rules.length > 0 ? ['routing'] : []), ...((orq.variantPaths ?? []).length > 0 ? ['variant-paths'] : [])],
            // Origin events exist only for Lambda@Edge; it runs on cache misses only.
            runtime: 'lambda@edge' as const,
            config: orq,
          },
        }
      : {}),
    ...(edge.originResponse
      ? { 'origin-response': { steps: ['targeted-cache-control'], runtime: 'lambda@edge' as const, config: edge.originResponse } }
      : {}),
  };
}

function planOrigins(props: TieredCdnProps, shieldRegions: Readonly<Record<string, string | undefined>>, behaviors: readonly PlannedBehavior[]): PlannedOrigin[] {
  const out: PlannedOrigin[] = [];
  const routedBy = (id: string) => {
    const patterns = [...new Set(behaviors.filter((b) => routingOrigins(b)[id]).map((b) => b.pathPattern))];
    return patterns.length > 0 ? { routedBy: patterns } : {};
  };
  if (props.site) {
    out.push({
      id: SITE_ORIGIN,
      kind: 'site',
      originShieldRegion: shieldRegions[SITE_ORIGIN],
      ...(props.site.failoverBucket ? { failover: { statusCodes: [500, 502, 503, 504, 403, 404] } } : {}),
    });
  }
  for (const [id, o] of Object.entries(props.origins ?? {})) {
    const literal = (d: string | undefined) => (d !== undefined && !Token.isUnresolved(d) ? d : undefined);
    if (isCloudFrontOrigin(o)) {
      out.push({
        id,
        kind: originKind(o.origin),
        access: originAccess(o.origin),
        domainName: literalDomainName(o.origin),
        originShieldRegion: shieldRegions[id],
        ...(o.failover ? { failover: { domainName: literalDomainName(o.failover), statusCodes: [500, 502, 503, 504] } } : {}),
        ...routedBy(id),
      });
      continue;
    }
    out.push({
      id,
      kind: 'http',
      domainName: literal(o.domainName),
      originShieldRegion: shieldRegions[id],
      ...(o.failoverDomainName ? { failover: { domainName: literal(o.failoverDomainName), statusCodes: [500, 502, 503, 504] } } : {}),
      ...routedBy(id),
    });
  }
  return out;
}

/** The origins a behavior's edge may route to, from its origin-request step or its viewer-request CloudFront Function. */
function routingOrigins(b: PlannedBehavior): Readonly<Record<string, { readonly domainName: string }>> {
  return { ...(b.edge['origin-request']?.config.origins ?? {}), ...(b.edge['viewer-request']?.config.routing?.origins ?? {}) };
}

function routedDomains(behaviors: readonly PlannedBehavior[]): string[] {
  const out = new Set<string>();
  for (const b of behaviors) {
    for (const target of Object.values(routingOrigins(b))) out.add(target.domainName);
  }
  return [...out].sort();
}

function planExperiments(behaviors: readonly PlannedBehavior[]): PlannedExperiment[] {
  const byName = new Map<string, { config: ExperimentConfig; pathPatterns: string[] }>();
  for (const b of behaviors) {
    for (const e of b.edge['viewer-request']?.config.experiments ?? []) {
      const seen = byName.get(e.name);
      if (seen) {
        if (!seen.pathPatterns.includes(b.pathPattern)) seen.pathPatterns.push(b.pathPattern);
      } else byName.set(e.name, { config: e, pathPatterns: [b.pathPattern] });
    }
  }
  return [...byName.values()].map(({ config, pathPatterns }) => ({
    name: config.name,
    variants: config.variants.map((v) => ({ name: v.name, weight: v.weight })),
    pathPatterns,
    cookie: experimentCookie(config.name),
    header: experimentHeader(config.name),
    ...(config.forceCookie ? { forceCookie: config.forceCookie } : {}),
    ...(config.forceQuery ? { forceQuery: config.forceQuery } : {}),
  }));
}

function planCacheTags(props: TieredCdnProps, entryDocuments: readonly string[], problems: Problems): { cacheTags?: ResolvedCacheTags; siteGroups?: SiteObjectGroup[] } {
  const found: Problem[] = [];
  const cacheTags = resolveCacheTags(props.cacheTags, props.site !== undefined, found);
  let siteGroups: SiteObjectGroup[] | undefined;
  if (props.site?.tags && !cacheTags) found.push(problem('site-tags-without-cache-tags', `'site.tags' needs cache tags, but 'cacheTags' is false.`));
  else if (props.site && cacheTags && found.length === 0) {
    siteGroups = planSiteObjectTags(props.site.source, entryDocuments, props.site.tags ?? {}, cacheTags.headerName, found);
  }
  problems.addAll(found);
  return { cacheTags, siteGroups };
}

/**
 * On by default where it can be: a CLOUDFRONT-scope web ACL exists only in us-east-1. Asked for
 * explicitly elsewhere, it is an error; left to the default, a warning says what to do.
 */
function wafDefault(props: TieredCdnProps, region: string, problems: Problems): WafOptions | false {
  const wafHere = Token.isUnresolved(region) || region === 'us-east-1';
  if (props.waf === undefined && !wafHere) {
    problems.warn(
      'tiered-cdn:no-waf',
      `No AWS WAF web ACL: a CLOUDFRONT-scope web ACL can only be created in us-east-1 and this stack is in ${region}. Create one in a us-east-1 stack and pass 'waf: { webAclArn }', or set 'waf: false' to silence this.`,
    );
  }
  return props.waf ?? (wafHere ? {} : false);
}

function validateStaging(props: TieredCdnProps, problems: Problems): Map<RouteProps, RouteEdgeConfig> | undefined {
  const staging = props.staging!;
  problems.addAll(stagingProblems(staging));
  const httpVersion = props.distributionOverrides?.httpVersion;
  if (httpVersion === cloudfront.HttpVersion.HTTP2_AND_3 || httpVersion === cloudfront.HttpVersion.HTTP3) {
    problems.add('staging-http3', `'staging' needs a distribution without HTTP/3 (CloudFront continuous deployment does not support it), but 'distributionOverrides.httpVersion' asks for it.`);
  }
  if (!staging.routes) return undefined;
  // The staged table is checked like the primary one, under its own path (`staging.routes[i]`);
  // what it shares with the primary props (origins, site) is reported once.
  const staged = new Problems();
  const stagedProps = { ...props, routes: staging.routes };
  validateRoutes(stagedProps, staged, 'staging.routes');
  const configs = resolveEdgeConfigs(stagedProps, staged, 'staging.routes');
  const seen = new Set(problems.problems.map((p) => `${p.code} ${p.path}`));
  problems.addAll(staged.problems.filter((p) => !seen.has(`${p.code} ${p.path}`)));
  return configs;
}

/**
 * The plan as the template carries it (`TieredCdn::Plan` in the top-level Metadata), as tools read
 * it. Fields beyond these may be present; readers ignore what they do not know.
 */
export interface PlanDocument {
  /** `PLAN_VERSION` of the construct that wrote it. */
  readonly version: number;
  /** Logical id of the distribution this plan describes. */
  readonly distribution: string;
  /** One entry per behavior, in distribution order. */
  readonly behaviors: readonly PlanDocumentBehavior[];
  /** The origins, with failover and routing targets. */
  readonly origins?: readonly PlannedOrigin[];
  /** Domains the edge functions may route requests to. */
  readonly routedDomains?: readonly string[];
  /** Paths invalidated after each site deployment. */
  readonly entryDocuments?: readonly string[];
  /** Experiments, with their cookie and header names. */
  readonly experiments?: readonly PlannedExperiment[];
  /** Cookie of the viewer id experiments bucket by. */
  readonly viewerIdCookie?: string;
  /** How access logs are delivered (format and key layout), for tools that read them. */
  readonly logging?: PlannedLogging;
  /** The staging distribution's behaviors (with `staging`). */
  readonly staging?: {
    /** Logical id of the staging distribution. */
    readonly distribution?: string;
    /** One entry per staging behavior. */
    readonly behaviors: readonly PlanDocumentBehavior[];
  };
}

/** One behavior as the template carries it: at least its path pattern and tier. */
export interface PlanDocumentBehavior {
  /** The behavior's path pattern. */
  readonly pathPattern: string;
  /** Its tier. */
  readonly tier: Tier;
  /** Its origin id. */
  readonly origin?: string;
  /** The methods it accepts. */
  readonly methods?: RouteMethods;
  readonly [field: string]: unknown;
}

/** Shared policies carry their own security headers and hidden header: this TieredCdn's must match. */
function sharedPolicyProblems(props: TieredCdnProps, cacheTags: ResolvedCacheTags | undefined, problems: Problems): void {
  const shared = props.policies!;
  if (props.securityHeaders !== undefined) {
    problems.add('policies-with-security-headers', `'securityHeaders' cannot be set with 'policies': the shared response headers policies send the security headers of ${show(shared.node.path)}. Give 'securityHeaders' to its TieredCdnPolicies instead.`, 'securityHeaders');
  }
  const hidden = cacheTags && !cacheTags.sendToViewers ? cacheTags.headerName : undefined;
  if (hidden !== shared.hiddenCacheTagHeader) {
    problems.add('policies-cache-tag-header-mismatch', `'policies' ${show(shared.node.path)} removes ${shared.hiddenCacheTagHeader ? show(shared.hiddenCacheTagHeader) : 'no header'} from viewer responses, but this TieredCdn's cache tags need ${hidden ? show(hidden) : 'none'} removed. Set 'hiddenCacheTagHeader' of the TieredCdnPolicies to match.`, 'policies');
  }
}
