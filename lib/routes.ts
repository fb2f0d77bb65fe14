import type { Duration } from 'aws-cdk-lib/core';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { RouteAuthOptions } from './auth';
import type { RouteRoutingProps } from './routing';

/**
 * How a path is cached.
 * - `static`: content-hashed assets, cached a year and sent to browsers as `immutable`.
 * - `html`: HTML entry documents: cached briefly, invalidated by exact path on deploy.
 * - `api`: public or shared API responses; cached only when the origin opts in with `s-maxage`.
 * - `dynamic`: personalized requests and writes; never cached at the edge.
 */
export type Tier = 'static' | 'html' | 'api' | 'dynamic';

/** Every tier, in order from most to least cached. */
export const TIERS: readonly Tier[] = ['static', 'html', 'api', 'dynamic'];

/** The id of the origin the construct creates for the site bucket. */
export const SITE_ORIGIN = 'site';

/** Which HTTP methods a behavior accepts. */
export type RouteMethods = 'GET_HEAD' | 'GET_HEAD_OPTIONS' | 'ALL';

/** Query strings in the cache key of an `api` route: all of them, none, or only the named ones. */
export type QueryStringKey = 'all' | 'none' | readonly string[];

/**
 * One row of the route table: a path pattern, its tier, its origin and options. Experiments,
 * geo/device origin routing and query normalization come from `RouteRoutingProps`.
 */
export interface RouteProps extends RouteRoutingProps {
  /**
   * CloudFront path pattern (`/assets/*`, `*.jpg`). Exactly one route is `*`: the default behavior.
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
   */
  readonly pathPattern: string;

  /** How the path is cached. */
  readonly tier: Tier;

  /** Id of an origin in `TieredCdnProps.origins`, or `'site'` for the site bucket. */
  readonly origin: string;

  /**
   * Request headers the origin varies its response on; they become part of the cache key.
   * Only for `api` routes. `Authorization` and `Cookie` are refused: they would key a shared cache
   * per user.
   * @default - no headers in the cache key
   */
  readonly varyHeaders?: readonly string[];

  /**
   * Viewer request headers sent on to the origin without becoming part of the cache key (an origin
   * request policy): the origin sees them on a miss, but every viewer shares the cached copy whatever
   * their values, so the response must not depend on them. Headers the response depends on belong in
   * `varyHeaders`. Only for `api` and `html` routes. `Authorization` is refused (CloudFront does not
   * accept it in an origin request policy), and so are `Cookie` and credential headers (`X-API-Key`,
   * ...) unless the route has `auth` and `sharedAcrossUsers: true`, the headers the edge asserts
   * (`x-auth-*`, the origin-verify header), and headers that change what an origin does with the
   * request (`X-Forwarded-Host`, `X-HTTP-Method-Override`, `X-Original-URL`, `Forwarded`, `Host`, ...):
   * unkeyed, one viewer's value would decide the copy everyone gets. `'allViewer'` would forward all
   * of those unkeyed, so it is refused on these cached tiers (docs/auth.md, "Options refused at synth").
   * @default - none: the origin sees only the cache key's headers
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
   */
  readonly forwardHeaders?: 'allViewer' | readonly string[];

  /**
   * Says that this authenticated route's responses are the same for every user by design, so that
   * `forwardHeaders` may include `Cookie` although every authenticated viewer shares one cached copy.
   * @default false
   */
  readonly sharedAcrossUsers?: boolean;

  /**
   * Query strings in the cache key of an `api` route.
   * @default 'all'
   */
  readonly queryStrings?: QueryStringKey;

  /**
   * Honour `CDN-Cache-Control` (RFC 9213) and, below it, `Surrogate-Control` from the origin of
   * this `api` or `html` route: their directives set what CloudFront caches (TTL, no-store,
   * stale-while-revalidate, stale-if-error, within MinTTL/MaxTTL) while viewers keep receiving the
   * origin's own Cache-Control, and never the targeted fields. Adds an origin-response function
   * (cache misses only) and a viewer-response function (every request: Lambda@Edge request and
   * duration charges) to the behavior. Responses without a targeted field are unchanged.
   * @default false
   * @see https://www.rfc-editor.org/rfc/rfc9213
   */
  readonly targetedCacheControl?: boolean;

  /**
   * Longest time an origin's `s-maxage` / `max-age` may keep a response in the cache (`api`), or
   * how long an HTML document is cached when the origin says nothing (`html`).
   * @default - api: 1 day; html: 60 seconds
   */
  readonly maxTtl?: Duration;

  /**
   * Methods the behavior accepts. Cached tiers accept no writes: use a `dynamic` route for those.
   * @default - static and html: GET_HEAD; api: GET_HEAD_OPTIONS; dynamic: ALL
   */
  readonly methods?: RouteMethods;

  /**
   * JWT validation at the edge: a request without a valid token is answered 401 (403 for a
   * missing scope) without reaching the origin.
   * On an `api` route the token is not part of the cache key and never reaches the origin, so
   * every authenticated viewer shares one cached copy: only for responses identical for all users.
   * @default - no authentication
   */
  readonly auth?: RouteAuthOptions;

  /**
   * Your own Lambda@Edge functions for this behavior. CloudFront allows one function per event
   * type; an event type the construct already uses for this route (viewer-request when the route
   * has auth, experiments or query normalization) is refused.
   * @default - none
   */
  readonly edgeLambdas?: readonly cloudfront.EdgeLambda[];
}

/** A custom (HTTP) origin, such as an API. */
export interface HttpOriginProps {
  /** Domain name of the origin, without scheme or path. */
  readonly domainName: string;

  /**
   * AWS Region the origin runs in; picks the Origin Shield region.
   * @default - the stack's region
   */
  readonly region?: string;

  /**
   * Origin Shield region, when it should differ from the one recommended for `region`; `false`
   * turns Origin Shield off for this origin.
   * @default - the region recommended for the origin's region
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html
   */
  readonly originShield?: string | false;

  /**
   * Path prepended to every request to the origin (starts with `/`, no trailing `/`).
   * @default - none
   */
  readonly originPath?: string;

  /** @default 443 */
  readonly httpsPort?: number;

  /**
   * A second origin serving the same content; CloudFront retries GET, HEAD and OPTIONS there when
   * this one answers 500, 502, 503 or 504 or cannot be reached. Same settings as this origin.
   * @default - no failover
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html
   */
  readonly failoverDomainName?: string;

  /**
   * Seconds CloudFront waits for a connection to the origin (1-10).
   * @default Duration.seconds(10)
   */
  readonly connectionTimeout?: Duration;

  /**
   * Seconds CloudFront waits for a response from the origin (1-60 without a quota raise).
   * @default Duration.seconds(30)
   */
  readonly readTimeout?: Duration;

  /**
   * Seconds CloudFront keeps an idle connection to the origin (1-60 without a quota raise).
   * @default Duration.seconds(5)
   */
  readonly keepaliveTimeout?: Duration;
}

/**
 * An origin given as any aws-cdk-lib CloudFront origin: `origins.FunctionUrlOrigin.withOriginAccessControl(url)`,
 * `origins.VpcOrigin.withApplicationLoadBalancer(alb)`, `origins.LoadBalancerV2Origin`, `origins.RestApiOrigin`,
 * `origins.HttpOrigin`, `origins.S3BucketOrigin.withOriginAccessControl(bucket)`. The construct binds it under
 * the origin id of the route table and adds what it promises for every origin: Origin Shield (in the
 * region recommended for `region`), and the origin-verify header on origins reached over the
 * internet. Origins that CloudFront signs with origin access control (Function URL and S3 with OAC)
 * and VPC origins (no public address) get no secret header: nothing else can reach them.
 *
 * An origin that sets its own Origin Shield (`originShieldEnabled`/`originShieldRegion`) keeps it;
 * the construct adds Origin Shield only to origins that set none.
 */
export interface CloudFrontOriginProps {
  /** The aws-cdk-lib origin. Not an `OriginGroup`: give the second origin as `failover`. */
  readonly origin: cloudfront.IOrigin;

  /**
   * AWS Region the origin runs in; picks the Origin Shield region.
   * @default - the stack's region
   */
  readonly region?: string;

  /**
   * Origin Shield region, when it should differ from the one recommended for `region`; `false`
   * turns Origin Shield off for this origin.
   * @default - the region recommended for the origin's region
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html
   */
  readonly originShield?: string | false;

  /**
   * A second origin serving the same content; CloudFront retries GET, HEAD and OPTIONS there when
   * this one answers 500, 502, 503 or 504 or cannot be reached. Both must be reached the same way
   * (both with origin access control, or both without).
   * @default - no failover
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html
   */
  readonly failover?: cloudfront.IOrigin;
}

/** An origin of the route table: a domain name with settings, or an aws-cdk-lib origin. */
export type TieredCdnOriginProps = HttpOriginProps | CloudFrontOriginProps;
