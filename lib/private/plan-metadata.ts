import { Lazy, Stack } from 'aws-cdk-lib/core';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import type { AuthConfig, OriginRequestConfig, ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { DistributionPlan, PLAN_METADATA_KEY, PlanDocument, PlanDocumentBehavior, PlannedBehavior } from '../plan';
import type { CacheSpec } from '../tier-policies';

/**
 * The plan as JSON for the template: durations in seconds, the input routes left out, and of the
 * baked auth configuration only what names keys (never key material; JWKS carry only public keys,
 * but the template has no use for them).
 */
export function serializePlan(plan: DistributionPlan, distributionLogicalId: string, stagingLogicalId?: string): PlanDocument {
  return {
    version: plan.version,
    distribution: distributionLogicalId,
    behaviors: plan.behaviors.map(serializeBehavior),
    origins: plan.origins,
    routedDomains: plan.routedDomains,
    entryDocuments: plan.entryDocuments,
    experiments: plan.experiments,
    ...(plan.viewerIdCookie ? { viewerIdCookie: plan.viewerIdCookie } : {}),
    ...(plan.logging ? { logging: plan.logging } : {}),
    ...(plan.staging ? { staging: { distribution: stagingLogicalId, behaviors: plan.staging.behaviors.map(serializeBehavior) } } : {}),
  };
}

function serializeBehavior(b: PlannedBehavior): PlanDocumentBehavior {
  const vrq = b.edge['viewer-request'];
  const orq = b.edge['origin-request'];
  return {
    pathPattern: b.pathPattern,
    tier: b.tier,
    origin: b.origin,
    methods: b.methods,
    ...(b.cache ? { cache: serializeCache(b.cache) } : {}),
    ...(b.originRequestPolicy ? { originRequestPolicy: b.originRequestPolicy } : {}),
    responseHeadersPolicy: b.responseHeadersPolicy,
    edge: {
      ...(vrq ? { 'viewer-request': { steps: vrq.steps, runtime: vrq.runtime, config: serializeViewerRequest(vrq.config) } } : {}),
      ...(b.edge['viewer-response'] ? { 'viewer-response': b.edge['viewer-response'] } : {}),
      ...(orq ? { 'origin-request': { steps: orq.steps, runtime: orq.runtime, config: serializeOriginRequest(orq.config) } } : {}),
      ...(b.edge['origin-response'] ? { 'origin-response': b.edge['origin-response'] } : {}),
    },
    ...(b.customEdgeLambdas.length > 0 ? { customEdgeLambdas: b.customEdgeLambdas } : {}),
  };
}

function serializeCache(c: CacheSpec): Record<string, unknown> {
  return {
    minTtl: c.minTtl.toSeconds(),
    defaultTtl: c.defaultTtl.toSeconds(),
    maxTtl: c.maxTtl.toSeconds(),
    headers: c.headers,
    queryStrings: c.queryStrings,
  };
}

function serializeViewerRequest(c: ViewerRequestConfig): Record<string, unknown> {
  return { ...c, ...(c.auth ? { auth: serializeAuth(c.auth) } : {}), ...(c.routing ? { routing: serializeOriginRequest({ rules: c.routing.rules, origins: c.routing.origins }) } : {}) };
}

/** Key ids are left out too: the development key's differs per checkout, and logs name the kid anyway. */
function serializeAuth(a: AuthConfig): Record<string, unknown> {
  const { jwks, ...rest } = a;
  return { ...rest, keyCount: jwks.keys.length };
}

/** Custom header values may carry an origin's shared secret: only their names go into the template. */
function serializeOriginRequest(c: OriginRequestConfig): Record<string, unknown> {
  const origins = Object.fromEntries(
    Object.entries(c.origins).map(([id, { customHeaders, ...target }]) => [id, { ...target, ...(customHeaders ? { customHeaderNames: Object.keys(customHeaders) } : {}) }]),
  );
  return { ...c, origins };
}

/**
 * Writes the plan into the template's top-level Metadata: the first TieredCdn of a stack under
 * `TieredCdn::Plan`, any further one under `TieredCdn::Plan/<construct path>`. Each names the
 * logical id of its distribution, which is how tools pair plans with distributions.
 */
export function addPlanMetadata(scope: Construct, plan: DistributionPlan, distribution: cloudfront.Distribution, staging?: cloudfront.Distribution): void {
  const stack = Stack.of(scope);
  const taken = stack.templateOptions.metadata?.[PLAN_METADATA_KEY] !== undefined;
  const key = taken ? `${PLAN_METADATA_KEY}/${scope.node.path}` : PLAN_METADATA_KEY;
  const logicalId = (d: cloudfront.Distribution) => stack.getLogicalId(d.node.defaultChild as cloudfront.CfnDistribution);
  stack.templateOptions.metadata = {
    ...stack.templateOptions.metadata,
    [key]: Lazy.any({ produce: () => serializePlan(plan, logicalId(distribution), staging ? logicalId(staging) : undefined) }),
  };
}
