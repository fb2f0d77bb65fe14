import { Duration } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { allowedMethods, cachedMethods, DEFAULT_METHODS } from '../tier-policies';
import type { ResolvedRoute, TieredCdnProps } from '../tiered-cdn';
import type { EdgeFunctionRenderer } from './edge-functions';
import { behaviorOrigin, RenderedOrigins } from './origins';

/** What every distribution of one TieredCdn (primary and staging) is rendered from. */
export interface DistributionInputs {
  readonly props: TieredCdnProps;
  /** The TieredCdn's construct path, named in the distribution comment. */
  readonly constructPath: string;
  readonly origins: RenderedOrigins;
  readonly edgeFunctions: EdgeFunctionRenderer;
  readonly logBucket: s3.IBucket;
  /** The legacy standard logging (S3 ACLs) rather than v2. */
  readonly legacyLogging: boolean;
  readonly webAclId?: string;
}

/**
 * The props of one distribution: defaults, then the user's overrides, then what the construct must
 * own (behaviors, logging). `idPrefix` is '' for the primary distribution, 'Staging' for staging.
 */
export function distributionProps(inputs: DistributionInputs, routes: readonly ResolvedRoute[], idPrefix: string): cloudfront.DistributionProps {
  const { props } = inputs;
  const serverErrorTtl = props.serverErrorCachingTtl ?? Duration.seconds(5);
  return {
    comment: `tiered-cdn ${inputs.constructPath}${idPrefix ? ` (${idPrefix.toLowerCase()})` : ''}`.slice(0, 128),
    // CloudFront continuous deployment does not support HTTP/3.
    httpVersion: props.staging ? cloudfront.HttpVersion.HTTP2 : cloudfront.HttpVersion.HTTP2_AND_3,
    enableIpv6: true,
    priceClass: props.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
    defaultRootObject: props.site ? 'index.html' : undefined,
    errorResponses: [500, 502, 503, 504].map((httpStatus) => ({ httpStatus, ttl: serverErrorTtl })),
    domainNames: props.domainNames ? [...props.domainNames] : undefined,
    certificate: props.certificate,
    minimumProtocolVersion: props.certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
    webAclId: inputs.webAclId,
    publishAdditionalMetrics: props.monitoring !== false,
    ...props.distributionOverrides,
    ...behaviorsOf(inputs, routes, idPrefix),
    // Legacy standard logging only when the plan says so; v2 is rendered next to the distribution.
    ...(inputs.legacyLogging
      ? { enableLogging: true, logBucket: inputs.logBucket, logFilePrefix: idPrefix ? `cloudfront-${idPrefix.toLowerCase()}/` : 'cloudfront/' }
      : { enableLogging: false }),
  };
}

function behaviorsOf(inputs: DistributionInputs, routes: readonly ResolvedRoute[], idPrefix: string) {
  const defaultRoute = routes.find((r) => r.pathPattern === '*')!;
  const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
  for (const route of routes) {
    if (route !== defaultRoute) additionalBehaviors[route.pathPattern] = behavior(inputs, route, idPrefix);
  }
  return { defaultBehavior: behavior(inputs, defaultRoute, idPrefix), additionalBehaviors };
}

function behavior(inputs: DistributionInputs, route: ResolvedRoute, idPrefix: string): cloudfront.BehaviorOptions {
  const methods = route.methods ?? DEFAULT_METHODS[route.tier];
  return {
    origin: behaviorOrigin(inputs.origins, route),
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    allowedMethods: allowedMethods(methods),
    cachedMethods: route.tier === 'dynamic' ? cloudfront.CachedMethods.CACHE_GET_HEAD : cachedMethods(methods),
    cachePolicy: route.cachePolicy,
    originRequestPolicy: route.originRequestPolicy,
    responseHeadersPolicy: route.responseHeadersPolicy,
    compress: true,
    edgeLambdas: inputs.edgeFunctions.edgeLambdasFor(route, idPrefix),
    functionAssociations: nonEmpty(inputs.edgeFunctions.functionAssociationsFor(route, idPrefix)),
  };
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}
