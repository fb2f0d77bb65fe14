import { Token } from 'aws-cdk-lib/core';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type { OriginTarget } from '../lambda-edge/shared/config';
import type { CloudFrontOriginProps, HttpOriginProps, RouteProps } from './routes';
import { DEFAULT_METHODS } from './tier-policies';
import type { TieredCdnProps } from './tiered-cdn';
import { Problem, problem, show } from './validation';

/*
 * What the construct needs to know about an aws-cdk-lib origin before binding it: its kind (for the
 * plan, the diagram and the rules below), how CloudFront reaches it, and whether the edge can route
 * requests to it by domain name.
 */

/** The kinds of origin a TieredCdn names in its plan. */
export type OriginKind =
  /** The construct's site bucket. */
  | 'site'
  /** An origin given by `domainName` (`HttpOriginProps`). */
  | 'http'
  /** `origins.FunctionUrlOrigin.withOriginAccessControl` (signed by CloudFront with OAC). */
  | 'function-url-oac'
  /** `origins.FunctionUrlOrigin` (a public Function URL). */
  | 'function-url'
  /** `origins.VpcOrigin` (ALB, NLB or EC2 instance in private subnets). */
  | 'vpc'
  /** `origins.LoadBalancerV2Origin` (a public ALB or NLB). */
  | 'load-balancer'
  /** `origins.RestApiOrigin` (API Gateway REST API with its stage as origin path). */
  | 'rest-api'
  /** `origins.S3BucketOrigin.withOriginAccessControl`. */
  | 's3-oac'
  /** `origins.S3BucketOrigin` with an origin access identity or bucket defaults. */
  | 's3'
  /** `origins.S3StaticWebsiteOrigin` (an S3 website endpoint, reached over HTTP). */
  | 's3-website'
  /** `origins.HttpOrigin` or another custom origin. */
  | 'custom';

/** How CloudFront reaches an origin, which decides what protects it. */
export type OriginAccess =
  /** CloudFront signs every request with origin access control (SigV4): no secret header needed. */
  | 'oac'
  /** An S3 origin access identity: the bucket policy admits only the identity. */
  | 'oai'
  /** A CloudFront VPC origin: the origin has no public address at all. */
  | 'vpc'
  /** Over the internet: the origin-verify header is how it tells CloudFront from anyone else. */
  | 'internet';

/** A TieredCdn origin given as an aws-cdk-lib origin (rather than a domain name). */
export function isCloudFrontOrigin(o: HttpOriginProps | CloudFrontOriginProps): o is CloudFrontOriginProps {
  return typeof o === 'object' && o !== null && 'origin' in o;
}

function className(o: unknown): string {
  return typeof o === 'object' && o !== null ? ((o as { constructor?: { name?: string } }).constructor?.name ?? '') : '';
}

/** The kind of an aws-cdk-lib origin, from its class (the OAC variants are private classes of aws-cdk-lib). */
export function originKind(origin: cloudfront.IOrigin): OriginKind {
  const name = className(origin);
  if (origin instanceof origins.FunctionUrlOrigin) return 'function-url';
  if (name === 'FunctionUrlOriginWithOAC') return 'function-url-oac';
  if (origin instanceof origins.VpcOrigin) return 'vpc';
  if (origin instanceof origins.LoadBalancerV2Origin) return 'load-balancer';
  if (origin instanceof origins.RestApiOrigin) return 'rest-api';
  if (origin instanceof origins.S3StaticWebsiteOrigin) return 's3-website';
  if (name === 'S3BucketOriginWithOAC') return 's3-oac';
  if (origin instanceof origins.S3BucketOrigin || origin instanceof origins.S3Origin) return 's3';
  return 'custom';
}

/** How CloudFront reaches an origin of this kind (an HttpOrigin given `originAccessControlId` is signed too). */
export function originAccess(origin: cloudfront.IOrigin): OriginAccess {
  const kind = originKind(origin);
  if (kind === 'function-url-oac' || kind === 's3-oac') return 'oac';
  if ((origin as { originAccessControlId?: string }).originAccessControlId !== undefined) return 'oac';
  if (kind === 'vpc') return 'vpc';
  if (kind === 's3') return className(origin) === 'S3BucketOriginWithOAI' ? 'oai' : 'internet';
  return 'internet';
}

/** Whether an aws-cdk-lib origin is an origin group (which a TieredCdn builds itself from `failover`). */
export function isOriginGroup(origin: cloudfront.IOrigin): boolean {
  return origin instanceof origins.OriginGroup;
}

/** The domain name an origin was constructed with, when it is known at synth (not a token). */
export function literalDomainName(origin: cloudfront.IOrigin): string | undefined {
  const d = (origin as { domainName?: unknown }).domainName;
  return typeof d === 'string' && !Token.isUnresolved(d) ? d : undefined;
}

/**
 * Why the edge cannot route requests to this origin by rewriting the request's origin, or
 * undefined when it can. A function that rewrites the origin names a custom origin by domain name:
 * CloudFront does not sign such a request with the origin's OAC, cannot reach a VPC origin by name,
 * and a domain known only at deploy time cannot be baked into the function.
 */
export function unroutableReason(origin: cloudfront.IOrigin): string | undefined {
  const access = originAccess(origin);
  if (access === 'oac') return 'it is reached with origin access control, which CloudFront applies only to requests it sends to the origin itself, not to a request an edge function redirects by domain name';
  if (access === 'vpc') return 'it is a VPC origin, which has no public domain name an edge function could send a request to';
  if (access === 'oai' || originKind(origin) === 's3') return 'it is an S3 bucket origin; route to custom origins';
  if (literalDomainName(origin) === undefined) return 'its domain name is known only at deploy time, and routed origins are baked into the edge function at synth';
  return undefined;
}

/** The routing target of a custom origin with a literal domain name (see `unroutableReason`). */
export function routingTargetOf(origin: cloudfront.IOrigin): OriginTarget | undefined {
  if (unroutableReason(origin) !== undefined) return undefined;
  const o = origin as { domainName?: string; originPath?: string; props?: { httpsPort?: number; httpPort?: number; protocolPolicy?: string } };
  const http = o.props?.protocolPolicy === 'http-only';
  const path = typeof o.originPath === 'string' && !Token.isUnresolved(o.originPath) ? o.originPath : '';
  return {
    kind: 'custom',
    domainName: o.domainName!,
    protocol: http ? 'http' : 'https',
    port: (http ? o.props?.httpPort : o.props?.httpsPort) ?? (http ? 80 : 443),
    path,
  };
}

/** Problems of the origins given as aws-cdk-lib origins, and warnings about how they are used. */
export function cloudFrontOriginProblems(props: TieredCdnProps): { problems: Problem[]; warnings: { id: string; message: string }[] } {
  const problems: Problem[] = [];
  const warnings: { id: string; message: string }[] = [];
  for (const [id, o] of Object.entries(props.origins ?? {})) {
    if (!isCloudFrontOrigin(o)) continue;
    if ('domainName' in o) {
      problems.push(problem('origin-props-mixed', `'origins.${id}' gives both 'origin' and 'domainName'; give one: an aws-cdk-lib origin, or a domain name with its settings.`, `origins.${id}`));
    }
    for (const [field, origin] of [['origin', o.origin], ['failover', o.failover]] as const) {
      if (field === 'failover' && origin === undefined) continue;
      if (typeof (origin as { bind?: unknown } | undefined)?.bind !== 'function') {
        problems.push(problem('origin-not-an-origin', `'origins.${id}.${field}' must be an aws-cdk-lib CloudFront origin (an IOrigin such as origins.HttpOrigin), got: ${show(origin)}.`, `origins.${id}.${field}`));
      } else if (isOriginGroup(origin!)) {
        problems.push(problem('origin-group-given', `'origins.${id}.${field}' is an OriginGroup; the construct builds the origin group itself (the write twin, Origin Shield and headers on each member): give the primary as 'origin' and the second as 'failover'.`, `origins.${id}.${field}`));
      }
    }
  }
  const writes = (r: RouteProps) => (r.methods ?? DEFAULT_METHODS[r.tier]) === 'ALL';
  for (const [i, r] of props.routes.entries()) {
    const o = props.origins?.[r.origin];
    if (o && isCloudFrontOrigin(o) && typeof o.origin?.bind === 'function' && originKind(o.origin) === 'function-url-oac' && writes(r)) {
      warnings.push({
        id: 'tiered-cdn:function-url-oac-payload',
        message: `routes[${i}] (${show(r.pathPattern)}) sends POST and PUT to the Function URL origin '${r.origin}', which CloudFront signs with origin access control: Lambda does not accept unsigned payloads, so viewers must send the SHA-256 of the body in 'x-amz-content-sha256' (CloudFront Developer Guide, "Restrict access to an AWS Lambda function URL origin"). Acknowledge this warning when your clients do.`,
      });
    }
  }
  return { problems, warnings };
}
