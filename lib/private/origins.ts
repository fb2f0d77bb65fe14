import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeLogBucketFindings } from '../nag';
import { DEFAULT_METHODS } from '../tier-policies';
import { isCloudFrontOrigin, originAccess } from '../origin-kinds';
import type { CloudFrontOriginProps, HttpOriginProps, RouteProps, TieredCdnOriginProps } from '../routes';
import { SITE_ORIGIN } from '../routes';
import type { SiteProps } from '../tiered-cdn';

/**
 * The CloudFront origins of a TieredCdn: one per origin id, plus, for origins that fail over, an
 * origin group and a twin of the primary for behaviors that allow writes.
 */
export interface RenderedOrigins {
  readonly siteBucket?: s3.IBucket;
  /** By origin id (`'site'` for the site bucket). */
  readonly origins: Record<string, cloudfront.IOrigin>;
  /** Origin groups, by the id of their primary. */
  readonly failover: Record<string, cloudfront.IOrigin>;
  /**
   * An origin inside an origin group cannot also stand alone in a distribution, so behaviors that
   * allow writes (no failover there) reach a twin of the primary under another id.
   */
  readonly write: Record<string, cloudfront.IOrigin>;
}

export interface OriginInputs {
  readonly site?: SiteProps;
  readonly origins: Readonly<Record<string, TieredCdnOriginProps>>;
  readonly logBucket: s3.IBucket;
  readonly shieldRegions: Readonly<Record<string, string | undefined>>;
  /** Headers sent on every request to a custom origin (origin lock-down). */
  readonly verifyHeaders?: Record<string, string>;
}

/** The bucket for CloudFront standard logs and S3 access logs, unless the user brings one. */
export function renderLogBucket(scope: Construct, logBucket: s3.IBucket | undefined, legacyLogging: boolean): s3.IBucket {
  if (logBucket) return logBucket;
  const bucket = new s3.Bucket(scope, 'LogBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    // The legacy standard logging writes with ACLs; standard logging (v2) and S3 server access
    // logs need none (a bucket policy admits them), so ACLs stay off.
    objectOwnership: legacyLogging ? s3.ObjectOwnership.BUCKET_OWNER_PREFERRED : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledgeLogBucketFindings(bucket);
  return bucket;
}

export function renderOrigins(scope: Construct, inputs: OriginInputs): RenderedOrigins {
  const out: RenderedOrigins = { origins: {}, failover: {}, write: {} };
  const siteBucket = inputs.site ? renderSiteOrigins(scope, inputs.site, inputs, out) : undefined;
  for (const [originId, o] of Object.entries(inputs.origins)) {
    if (isCloudFrontOrigin(o)) {
      renderCloudFrontOrigin(originId, o, inputs, out);
      continue;
    }
    out.origins[originId] = httpOrigin(originId, o.domainName, o, inputs);
    if (o.failoverDomainName) {
      out.write[originId] = httpOrigin(`${originId}-direct`, o.domainName, o, inputs);
      out.failover[originId] = new origins.OriginGroup({
        primaryOrigin: out.origins[originId],
        fallbackOrigin: httpOrigin(`${originId}-failover`, o.failoverDomainName, o, inputs),
        fallbackStatusCodes: [500, 502, 503, 504],
      });
    }
  }
  return { ...out, siteBucket };
}

/**
 * The origin a behavior reaches. CloudFront fails over GET, HEAD and OPTIONS only, and refuses
 * origin groups on behaviors that allow writes: those keep the primary origin.
 */
export function behaviorOrigin(rendered: RenderedOrigins, route: RouteProps): cloudfront.IOrigin {
  const methods = route.methods ?? DEFAULT_METHODS[route.tier];
  return methods === 'ALL'
    ? (rendered.write[route.origin] ?? rendered.origins[route.origin])
    : (rendered.failover[route.origin] ?? rendered.origins[route.origin]);
}

function renderSiteOrigins(scope: Construct, site: SiteProps, inputs: OriginInputs, out: RenderedOrigins): s3.IBucket {
  const siteBucket =
    site.bucket ??
    new s3.Bucket(scope, 'SiteBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: inputs.logBucket,
      serverAccessLogsPrefix: 's3/site/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  const shield = inputs.shieldRegions[SITE_ORIGIN];
  out.origins[SITE_ORIGIN] = origins.S3BucketOrigin.withOriginAccessControl(siteBucket, {
    originShieldEnabled: shield !== undefined,
    originShieldRegion: shield,
    originId: SITE_ORIGIN,
  });
  if (site.failoverBucket) {
    out.write[SITE_ORIGIN] = origins.S3BucketOrigin.withOriginAccessControl(siteBucket, {
      originShieldEnabled: shield !== undefined,
      originShieldRegion: shield,
      originId: `${SITE_ORIGIN}-direct`,
    });
    out.failover[SITE_ORIGIN] = new origins.OriginGroup({
      primaryOrigin: out.origins[SITE_ORIGIN],
      fallbackOrigin: origins.S3BucketOrigin.withOriginAccessControl(site.failoverBucket, {
        originId: `${SITE_ORIGIN}-failover`,
      }),
      fallbackStatusCodes: [500, 502, 503, 504, 403, 404],
    });
  }
  return siteBucket;
}

function httpOrigin(originId: string, domainName: string, o: HttpOriginProps, inputs: OriginInputs): cloudfront.IOrigin {
  const shield = inputs.shieldRegions[originId];
  return new origins.HttpOrigin(domainName, {
    protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    httpsPort: o.httpsPort,
    originPath: o.originPath,
    connectionTimeout: o.connectionTimeout,
    readTimeout: o.readTimeout,
    keepaliveTimeout: o.keepaliveTimeout,
    originShieldEnabled: shield !== undefined,
    originShieldRegion: shield,
    customHeaders: inputs.verifyHeaders,
    originId,
  });
}

/** An aws-cdk-lib origin, its write twin and origin group when it fails over. */
function renderCloudFrontOrigin(originId: string, o: CloudFrontOriginProps, inputs: OriginInputs, out: RenderedOrigins): void {
  const wrap = (id: string, origin: cloudfront.IOrigin) =>
    new GuaranteedOrigin(origin, id, inputs.shieldRegions[originId], originAccess(origin) === 'internet' ? inputs.verifyHeaders : undefined);
  out.origins[originId] = wrap(originId, o.origin);
  if (o.failover) {
    out.write[originId] = wrap(`${originId}-direct`, o.origin);
    out.failover[originId] = new origins.OriginGroup({
      primaryOrigin: out.origins[originId],
      fallbackOrigin: wrap(`${originId}-failover`, o.failover),
      fallbackStatusCodes: [500, 502, 503, 504],
    });
  }
}

/**
 * Wraps an aws-cdk-lib origin and adds to what it binds to what the construct promises for every
 * origin: the route table's origin id (the local edge and the tools name origins by it), Origin
 * Shield where the origin sets none, and the origin-verify header for origins reached over the
 * internet. The origin binds itself first (OAC, Lambda permissions, VPC origin, bucket policy).
 */
export class GuaranteedOrigin implements cloudfront.IOrigin {
  constructor(
    /** The origin as the user built it. */
    readonly inner: cloudfront.IOrigin,
    private readonly originId: string,
    private readonly shieldRegion: string | undefined,
    private readonly headers: Record<string, string> | undefined,
  ) {}

  bind(scope: Construct, options: cloudfront.OriginBindOptions): cloudfront.OriginBindConfig {
    const bound = this.inner.bind(scope, { ...options, originId: this.originId });
    const p = bound.originProperty;
    if (!p) return bound;
    const ownShield = p.originShield !== undefined;
    const existing = (p.originCustomHeaders ?? []) as cloudfront.CfnDistribution.OriginCustomHeaderProperty[];
    const added = Object.entries(this.headers ?? {})
      .filter(([name]) => !existing.some((h) => typeof h.headerName === 'string' && h.headerName.toLowerCase() === name.toLowerCase()))
      .map(([headerName, headerValue]) => ({ headerName, headerValue }));
    return {
      ...bound,
      originProperty: {
        ...p,
        id: this.originId,
        ...(!ownShield && this.shieldRegion ? { originShield: { enabled: true, originShieldRegion: this.shieldRegion } } : {}),
        ...(added.length > 0 ? { originCustomHeaders: [...existing, ...added] } : {}),
      },
    };
  }
}
