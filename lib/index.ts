/*
 * The public API of tiered-cdn: the construct, its props and the value types they use, the plan it
 * renders, and its validation error. Everything else under lib/ (renderers, validators, policy
 * helpers) is internal and may change without notice; lib/private/ holds the renderers.
 */

export { TieredCdn, type TieredCdnProps, type SiteProps, type ResolvedRoute, type RouteEdgeConfig } from './tiered-cdn';
export { type RouteProps, type Tier, type RouteMethods, type QueryStringKey, type HttpOriginProps, type CloudFrontOriginProps, type TieredCdnOriginProps, TIERS, SITE_ORIGIN } from './routes';
export type { OriginKind, OriginAccess } from './origin-kinds';
export type { RouteAuthOptions } from './auth';
export type {
  RouteRoutingProps,
  ExperimentProps,
  ExperimentVariantProps,
  OriginRoutingProps,
  OriginRoutingRuleProps,
  RoutingCacheKey,
  ViewerDevice,
  QueryNormalizationProps,
} from './routing';
export type { SecurityHeadersOptions, CacheSpec } from './tier-policies';
export { TieredCdnWebAcl, type WafOptions, type TieredCdnWebAclProps } from './web-acl';
export { TieredCdnMonitoring, type MonitoringOptions, type TieredCdnMonitoringProps } from './monitoring';
export { OriginVerify, type OriginVerifyOptions } from './origin-verify';
export { TieredCdnPolicies, type TieredCdnPoliciesProps } from './shared-policies';
export type { LoggingOptions, S3LogDeliveryOptions, S3LogFormat, PlannedLogging } from './logging';
export type { StagingOptions } from './staging';
export type { CacheTagsOptions, ResolvedCacheTags, SiteObjectGroup } from './cache-tags';
export type { StepRuntime } from './edge/runtime-plan';
export { PathGroups, PATH_GROUPS_METADATA_KEY, type PathGroupsDocument } from './path-groups';
export { TieredCdnValidationError, type Problem } from './validation';
export {
  planDistribution,
  PLAN_VERSION,
  PLAN_METADATA_KEY,
  type DistributionPlan,
  type PlanEnvironment,
  type PlannedBehavior,
  type PlannedEdge,
  type PlannedEdgeStep,
  type PlannedEventType,
  type PlannedOrigin,
  type PlannedOriginRequestPolicy,
  type PlannedExperiment,
  type PlanProblem,
  type PlanWarning,
  type PlanDocument,
  type PlanDocumentBehavior,
} from './plan';
// Value types the props and the plan use, defined with the edge code that reads them.
export type {
  Jwk,
  Jwks,
  JwtAlgorithm,
  AuthConfig,
  NormalizeConfig,
  ExperimentConfig,
  ExperimentVariant,
  ViewerRequestConfig,
  ViewerResponseConfig,
  OriginRequestConfig,
  OriginResponseConfig,
  OriginTarget,
  RoutingRule,
  VariantPathConfig,
  GuardConfig,
} from '../lambda-edge/shared/config';
