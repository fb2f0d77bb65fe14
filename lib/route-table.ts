import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack, Token } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { GuardConfig, OriginResponseConfig, OriginTarget, ViewerRequestConfig, ViewerResponseConfig } from '../lambda-edge/shared/config';
import { resolveAuthConfig } from './auth';
import { isOriginShieldRegion, originShieldRegionFor, ORIGIN_SHIELD_REGIONS } from './origin-shield';
import { canonicalPattern, compareSpecificity, patternProblem, shadows } from '../lambda-edge/shared/path-pattern';
import { RouteProps, SITE_ORIGIN, TIERS, TieredCdnOriginProps } from './routes';
import { isCloudFrontOrigin, routingTargetOf, unroutableReason } from './origin-kinds';
import { type ResolvedRouteRouting, resolveRouteRouting } from './routing';
import type { RouteEdgeConfig, SiteProps, TieredCdnProps } from './tiered-cdn';
import { Problems, show } from './validation';
import { DEFAULT_ORIGIN_VERIFY_HEADER } from './origin-verify';
import { ASSERTED_HEADER_PREFIXES, DEV_JWKS_MEMBER } from '../lambda-edge/shared/names';
import { describeMissing, listSiteFiles, planVariantDocuments } from './variant-documents';
import { foldHeaderName, isPerUserHeader, isRequestRewritingHeader } from './unkeyed-headers';

/*
 * Validation and resolution of a TieredCdn's route table and props: every function collects its
 * problems into one Problems list, so one synth reports all of them.
 */

/** CloudFront's quota of cache behaviors per distribution (the default behavior included). */
export const MAX_BEHAVIORS = 75;

/** Headers that must never be part of a shared cache key. */
const PER_USER_HEADERS = ['authorization', 'cookie'];

/** Default route last; the rest most specific first, whatever the order of the table. */
export function orderRoutes(routes: readonly RouteProps[]): RouteProps[] {
  const rest = routes.filter((r) => r.pathPattern !== '*').sort((a, b) => compareSpecificity(a.pathPattern, b.pathPattern));
  return [...rest, ...routes.filter((r) => r.pathPattern === '*')];
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const ORIGIN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const LOOKS_LIKE_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `base` names the table in paths and messages: `'routes'`, or `'staging.routes'` for the staged table. */
export function validateRoutes(props: TieredCdnProps, problems: Problems, base = 'routes'): void {
  const routes = props.routes;
  const originIds = new Set([...Object.keys(props.origins ?? {}), ...(props.site ? [SITE_ORIGIN] : [])]);
  const configuredVerify = props.originVerify ? props.originVerify.headerName : undefined;
  const verifyHeader = (typeof configuredVerify === 'string' ? configuredVerify : DEFAULT_ORIGIN_VERIFY_HEADER).toLowerCase();

  if (!Array.isArray(routes) || routes.length === 0) {
    problems.add('routes-empty', `'${base}' must list at least the default route { pathPattern: '*' }, got: ${show(routes)}.`);
    return;
  }
  if (routes.length > MAX_BEHAVIORS) {
    problems.add('routes-too-many', `'${base}' has ${routes.length} routes; CloudFront allows ${MAX_BEHAVIORS} cache behaviors per distribution. Merge routes that share a tier and origin under one pattern.`,
    );
  }
  const defaults = routes.filter((r) => r.pathPattern === '*');
  if (defaults.length !== 1) {
    problems.add('routes-default-count', `'${base}' must have exactly one default route with pathPattern '*', got ${defaults.length}. It becomes the distribution's default behavior.`,
    );
  }
  for (const id of Object.keys(props.origins ?? {})) {
    if (id === SITE_ORIGIN) problems.add('origin-id-reserved', `'origins.${id}': the id '${SITE_ORIGIN}' is reserved for the site bucket; rename the origin.`, `origins.${id}`);
    else if (!ORIGIN_ID.test(id)) problems.add('origin-id-invalid', `'origins.${id}': origin ids use letters, digits, '-' and '_' (1-64), got: ${show(id)}.`, `origins.${id}`);
  }
  for (const [id, o] of Object.entries(props.origins ?? {})) {
    if (isCloudFrontOrigin(o)) continue; // checked by cloudFrontOriginProblems
    if (!Token.isUnresolved(o.domainName) && !DOMAIN.test(o.domainName)) {
      problems.add('origin-domain-invalid', `'origins.${id}.domainName' must be a bare domain name (no scheme, port or path; HTTPS is always used), got: ${show(o.domainName)}.`,
      );
    }
    if (o.originPath !== undefined && (!o.originPath.startsWith('/') || o.originPath.endsWith('/'))) {
      problems.add('origin-path-invalid', `'origins.${id}.originPath' must start with '/' and not end with '/', got: ${show(o.originPath)}.`);
    }
    checkSeconds(problems, `origins.${id}.connectionTimeout`, o.connectionTimeout, 1, 10);
    checkSeconds(problems, `origins.${id}.readTimeout`, o.readTimeout, 1, 180);
    checkSeconds(problems, `origins.${id}.keepaliveTimeout`, o.keepaliveTimeout, 1, 180);
  }

  const seen = new Map<string, number>();
  routes.forEach((route, i) => {
    const where = `${base}[${i}] (${show(route.pathPattern)})`;
    const pattern = route.pathPattern;
    if (typeof pattern !== 'string') {
      problems.add('route-pattern-not-string', `${where}.pathPattern must be a string, got: ${show(pattern)}.`);
      return;
    }
    const why = patternProblem(pattern);
    if (why) problems.add('route-pattern-invalid', `${where}.pathPattern ${why}.`);
    const norm = canonicalPattern(pattern);
    if (pattern !== '*' && seen.has(norm)) {
      problems.add('route-pattern-duplicate', `${where}.pathPattern duplicates ${base}[${seen.get(norm)}]; CloudFront would only ever use the first.`);
    }
    seen.set(norm, i);

    if (!TIERS.includes(route.tier)) {
      problems.add('route-tier-invalid', `${where}.tier must be one of ${TIERS.map((t) => `'${t}'`).join(', ')}, got: ${show(route.tier)}.`);
    }
    if (!originIds.has(route.origin)) {
      const known = [...originIds].map((o) => `'${o}'`).join(', ') || 'none';
      problems.add('route-origin-unknown', `${where}.origin ${show(route.origin)} is not a known origin (known: ${known}).` +
          (route.origin === SITE_ORIGIN ? " Set 'site' to use the site bucket." : " Add it to 'origins'."),
      );
    }
    if (route.tier === 'static' && route.origin !== SITE_ORIGIN && originIds.has(route.origin)) {
      problems.warn('tiered-cdn:static-origin-cache-control', `${where} serves the static tier from origin '${route.origin}': the edge adds no Cache-Control there (a response headers policy cannot tell an asset from an error, and a missing asset would be kept a year), so the origin sends 'Cache-Control: public, max-age=31536000, immutable' with its assets itself, and a short lifetime or none with its errors.`);
    }
    if (route.methods === 'ALL' && route.tier !== 'dynamic') {
      problems.add('route-methods-write-on-cached', `${where}.methods 'ALL' allows writes (POST, PUT, PATCH, DELETE) on the cached '${route.tier}' tier; route writes to a 'dynamic' route.`,
      );
    }
    if (route.varyHeaders && route.varyHeaders.length > 0) {
      if (route.tier !== 'api') {
        problems.add('vary-headers-wrong-tier', `${where}.varyHeaders is only for 'api' routes (a '${route.tier}' route keys on no headers), got: ${show(route.varyHeaders)}.`);
      }
      for (const h of route.varyHeaders) {
        if (typeof h === 'string' && isAssertedHeader(h, verifyHeader) && (!route.auth || foldHeaderName(h) === verifyHeader)) {
          problems.add('vary-headers-asserted', `${where}.varyHeaders contains ${show(h)}: a cache key header always reaches the origin, and ${foldHeaderName(h) === verifyHeader ? `${verifyHeader} is the edge's secret` : `on a route without 'auth' nothing verified it, so the viewer would choose the identity the origin is told`}. Remove it${foldHeaderName(h) === verifyHeader ? '' : "; to cache per user, key an authenticated route ('auth') on x-auth-sub"}.`,
          );
        } else if (PER_USER_HEADERS.includes(h.toLowerCase())) {
          problems.add('vary-headers-per-user', `${where}.varyHeaders contains ${show(h)}: a shared cache keyed on it stores one copy per user. Use a 'dynamic' route for per-user responses.`,
          );
        } else if (!HEADER_NAME.test(h)) {
          problems.add('vary-headers-invalid-name', `${where}.varyHeaders contains ${show(h)}, which is not a valid header name.`);
        }
      }
      if (route.varyHeaders.length > 10) {
        problems.add('vary-headers-too-many', `${where}.varyHeaders names ${route.varyHeaders.length} headers; a cache policy allows 10.`);
      }
    }
    if (route.queryStrings !== undefined && route.tier !== 'api') {
      problems.add('query-strings-wrong-tier', `${where}.queryStrings is only for 'api' routes, got: ${show(route.queryStrings)}.`);
    }
    if (Array.isArray(route.queryStrings) && route.queryStrings.length > 10) {
      problems.add('query-strings-too-many', `${where}.queryStrings names ${route.queryStrings.length} query strings; a cache policy allows 10.`);
    }
    if (route.maxTtl !== undefined) {
      if (route.tier === 'static' || route.tier === 'dynamic') {
        problems.add('max-ttl-wrong-tier', `${where}.maxTtl is only for 'api' and 'html' routes ('${route.tier}' TTLs are fixed).`);
      } else if (!Token.isUnresolved(route.maxTtl.toSeconds()) && route.maxTtl.toSeconds() <= 0) {
        problems.add('max-ttl-not-positive', `${where}.maxTtl must be above MinTTL (0 s), got: ${route.maxTtl.toSeconds()} s. Use a 'dynamic' route for content that must never be cached.`,
        );
      } else if (route.tier === 'html' && route.maxTtl.toSeconds() > 300) {
        problems.add('max-ttl-too-long', `${where}.maxTtl ${route.maxTtl.toSeconds()} s is long for HTML entry documents, which reference new asset names after each deploy; use at most 300 s.`,
        );
      }
    }
    checkForwardHeaders(problems, where, route, verifyHeader);
    for (const fn of route.edgeLambdas ?? []) checkEdgeLambda(problems, `${where}.edgeLambdas`, fn);
  });

  // Ordering makes shadowing impossible for trailing-wildcard patterns; refuse the rest.
  const ordered = orderRoutes(routes.filter((r) => typeof r.pathPattern === 'string' && r.pathPattern !== '*'));
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) {
      const [a, b] = [ordered[i].pathPattern, ordered[j].pathPattern];
      if (canonicalPattern(a) !== canonicalPattern(b) && shadows(a, b)) {
        problems.add(
          'route-shadowed',
          `${base === 'routes' ? '' : `'${base}': `}route ${show(b)} can never match: ${show(a)} comes first and covers every path it matches.`,
          `${base}[${routes.indexOf(ordered[j])}].pathPattern`,
        );
      }
    }
  }
}

/**
 * A site route with variant path prefixes learns which variant documents the site folder holds (a
 * missing one is served as the control document); the missing ones are a warning, or a problem
 * with `missingVariantDocuments: 'error'`.
 */
function withVariantDocuments(
  r: ResolvedRouteRouting,
  route: RouteProps,
  props: TieredCdnProps,
  where: string,
  problems: Problems,
  siteFiles: () => string[] | undefined,
): ResolvedRouteRouting {
  const variantPaths = r.originRequest?.variantPaths;
  if (route.origin !== SITE_ORIGIN || !props.site || !variantPaths || variantPaths.length === 0) return r;
  const files = siteFiles();
  if (!files) return r;
  const plan = planVariantDocuments(files, variantPaths, route.experiments ?? []);
  for (const m of plan.missing) {
    const message = describeMissing(m, where, props.site.source);
    if (m.mode === 'error') problems.add('variant-document-missing', message);
    else problems.warn('tiered-cdn:missing-variant-documents', message);
  }
  return { ...r, originRequest: { ...r.originRequest!, variantDocuments: plan.variantDocuments } };
}

/** CloudFront's quota of headers in one origin request policy. */
const MAX_ORIGIN_REQUEST_HEADERS = 10;

/** `forwardHeaders` and `sharedAcrossUsers`: headers an origin sees without them keying the cache. */
function checkForwardHeaders(problems: Problems, where: string, route: RouteProps, verifyHeader: string): void {
  if (route.sharedAcrossUsers !== undefined && !route.auth) {
    problems.add('shared-across-users-without-auth', `${where}.sharedAcrossUsers is only for routes with 'auth' (it says their responses are the same for every authenticated user).`);
  }
  const fwd = route.forwardHeaders;
  if (fwd === undefined) return;
  if (route.tier !== 'api' && route.tier !== 'html') {
    problems.add('forward-headers-wrong-tier', `${where}.forwardHeaders is only for 'api' and 'html' routes (a '${route.tier}' route ${route.tier === 'dynamic' ? 'forwards every viewer header already' : 'asks the origin nothing per viewer'}), got: ${show(fwd)}.`,
    );
    return;
  }
  if (fwd === 'allViewer') {
    if (route.auth) {
      problems.add('forward-headers-all-viewer-auth', `${where}.forwardHeaders 'allViewer' on a cached '${route.tier}' route with 'auth' forwards every viewer header to the origin, the identity headers the edge asserts (x-auth-*) among them, while one cached copy, keyed without the user, answers every authenticated viewer: the next user receives the first user's response. Name the headers the origin needs (no identity headers), or use a 'dynamic' route for per-user responses.`,
      );
    } else {
      problems.add('forward-headers-all-viewer-unkeyed', `${where}.forwardHeaders 'allViewer' on the cached '${route.tier}' tier forwards every viewer header to the origin without keying on it, among them headers that change what the origin does (X-Forwarded-Host, X-HTTP-Method-Override, X-Original-URL, ...) and credentials: one viewer's request decides the copy every viewer gets (web cache poisoning). Name the headers the origin needs (at most ${MAX_ORIGIN_REQUEST_HEADERS}), put those the response depends on in varyHeaders${route.tier === 'api' ? '' : " (an 'api' route)"}, or use a 'dynamic' route.`,
      );
    }
    return;
  }
  if (!Array.isArray(fwd)) {
    problems.add('forward-headers-invalid', `${where}.forwardHeaders must be 'allViewer' or a list of header names, got: ${show(fwd)}.`);
    return;
  }
  const vary = (route.varyHeaders ?? []).map((h) => h.toLowerCase());
  for (const h of fwd) {
    const name = typeof h === 'string' ? h.toLowerCase() : '';
    if (!HEADER_NAME.test(name)) {
      problems.add('forward-headers-invalid-name', `${where}.forwardHeaders contains ${show(h)}, which is not a valid header name.`);
    } else if (isAssertedHeader(name, verifyHeader)) {
      problems.add('forward-headers-asserted', `${where}.forwardHeaders contains ${show(h)}: the edge itself sets x-auth-* (after verifying a token) and ${verifyHeader} (its secret); forwarded from the viewer, a request without a token would reach the origin with identity headers of its own choosing. Remove it: routes with 'auth' send the verified identity.`,
      );
    } else if (name === 'authorization') {
      problems.add('forward-headers-authorization', `${where}.forwardHeaders contains ${show(h)}: CloudFront refuses an origin request policy that forwards Authorization, so that no cached copy answers another user's credentials. Authorization reaches the origin only on a 'dynamic' route.`,
      );
    } else if (name === 'cookie' && !(route.auth && route.sharedAcrossUsers === true)) {
      problems.add('forward-headers-cookie', `${where}.forwardHeaders contains ${show(h)}: on a shared '${route.tier}' tier the origin would see each user's cookies while one cached copy answers everyone. Use a 'dynamic' route, or, for an authenticated route whose responses are the same for every user by design, set 'auth' and 'sharedAcrossUsers: true'.`,
      );
    } else if (name === 'cookie' && route.auth?.cookieName !== undefined) {
      problems.add('forward-headers-token-cookie', `${where}.forwardHeaders contains ${show(h)} and auth.cookieName reads the token from the cookie ${show(route.auth.cookieName)}: the token itself would reach the origin of a cached '${route.tier}' route, which may then answer for that user while one copy answers everyone. Remove Cookie from forwardHeaders, or send the token in the Authorization header (drop auth.cookieName).`,
      );
    } else if (vary.includes(name)) {
      problems.add('forward-headers-in-vary', `${where}.forwardHeaders contains ${show(h)}, which is already in varyHeaders: cache key headers always reach the origin.`);
    } else if (isRequestRewritingHeader(name)) {
      problems.add('forward-headers-request-rewriting', `${where}.forwardHeaders contains ${show(h)}, which changes what many origins do with a request (its method, host or path); forwarded without being in the cache key on the cached '${route.tier}' tier, one viewer's value decides the copy every viewer gets (web cache poisoning). Remove it${route.tier === 'api' ? ', or key on it with varyHeaders (one cached copy per value)' : ''}, or use a 'dynamic' route.`,
      );
    } else if (foldHeaderName(name) === 'origin') {
      // Developer Guide, "Cache content based on request headers" > "Configure CloudFront to respect
      // CORS settings": a custom origin that answers CORS needs Origin forwarded and cached on.
      problems.add('forward-headers-origin-unkeyed', `${where}.forwardHeaders contains ${show(h)}: an origin that answers CORS per requesting site (Access-Control-Allow-Origin naming it) would see the first site's Origin, while one cached copy, keyed without it, answers every site: the other sites' browsers are refused, or allowed what only the first site was. ${route.tier === 'api' ? 'Key on it with varyHeaders instead (one cached copy per site)' : "Use an 'api' route keyed on it with varyHeaders, or a 'dynamic' route"}.`,
      );
    } else if (isPerUserHeader(name) && !(route.auth && route.sharedAcrossUsers === true)) {
      problems.add('forward-headers-per-user', `${where}.forwardHeaders contains ${show(h)}, which carries a viewer's credentials or identity: the origin would see the first viewer's value while one cached copy answers everyone. Remove it${route.tier === 'api' ? ', key on it with varyHeaders (one cached copy per value)' : ''}, use a 'dynamic' route, or, for an authenticated route whose responses are the same for every user by design, set 'auth' and 'sharedAcrossUsers: true'.`,
      );
    }
  }
  const headers = fwd.filter((h) => typeof h === 'string' && h.toLowerCase() !== 'cookie');
  if (headers.length > MAX_ORIGIN_REQUEST_HEADERS) {
    problems.add('forward-headers-too-many', `${where}.forwardHeaders names ${headers.length} headers; an origin request policy allows ${MAX_ORIGIN_REQUEST_HEADERS}. Forward only the headers the origin needs, or use a 'dynamic' route (it forwards every viewer header and caches nothing).`);
  }
}

/** Headers the edge asserts: `x-auth-*` (after verifying a token) and the origin-verify secret; `_` read as `-`. */
function isAssertedHeader(name: string, verifyHeader: string): boolean {
  const folded = foldHeaderName(name);
  return ASSERTED_HEADER_PREFIXES.some((p) => folded.startsWith(p)) || folded === verifyHeader;
}

/** Viewer-request, viewer-response and origin-request configuration of every route; problems collected. */
export function resolveEdgeConfigs(props: TieredCdnProps, problems: Problems, base = 'routes'): Map<RouteProps, RouteEdgeConfig> {
  let files: string[] | undefined | null = null;
  const siteFiles = (): string[] | undefined => {
    if (files === null) {
      const source = props.site?.source;
      files = source && fs.existsSync(source) && fs.statSync(source).isDirectory() ? listSiteFiles(source) : undefined;
    }
    return files;
  };
  const targets: Record<string, OriginTarget> = {};
  const unroutable: Record<string, string> = {};
  for (const [id, o] of Object.entries(props.origins ?? {})) {
    if (isCloudFrontOrigin(o)) {
      const target = routingTargetOf(o.origin);
      if (target) targets[id] = target;
      else unroutable[id] = unroutableReason(o.origin)!;
      continue;
    }
    if (Token.isUnresolved(o.domainName)) continue;
    targets[id] = {
      kind: 'custom',
      domainName: o.domainName,
      protocol: 'https',
      port: o.httpsPort ?? 443,
      path: o.originPath ?? '',
      ...(o.readTimeout ? { readTimeout: o.readTimeout.toSeconds() } : {}),
      ...(o.keepaliveTimeout ? { keepaliveTimeout: o.keepaliveTimeout.toSeconds() } : {}),
    };
  }
  const out = new Map<RouteProps, RouteEdgeConfig>();
  const guard = guardPlan(props.routes);
  props.routes.forEach((route, i) => {
    const where = `${base}[${i}] (${show(route.pathPattern)})`;
    const cached = route.tier !== 'dynamic';
    const auth = route.auth !== undefined ? resolveAuthConfig(route.auth, `${where}.auth`) : undefined;
    if (auth) problems.addAll(auth.errors);
    if (auth?.developmentKeys) {
      problems.warn('tiered-cdn:development-keys', `${where}.auth accepts tokens signed with a tiered-cdn development key (its JWKS carries '${DEV_JWKS_MEMBER}': 'tiered-cdn token --print-jwks' wrote it): anyone with the project's .tiered-cdn/ folder can mint them. Use your identity provider's JWKS before the stack protects anything real.`);
    }
    if (route.originRouting && !cached) {
      problems.add('origin-routing-on-dynamic', `${where}.originRouting is not supported on a 'dynamic' route: its origin request policy forwards viewer headers, not the CloudFront viewer headers routing decides by. Route the path with an 'api' route, or deploy one dynamic route per origin.`,
      );
    }
    const routeOrigin = props.origins?.[route.origin];
    const hasFailover = route.origin === SITE_ORIGIN ? !!props.site?.failoverBucket : !!routeOrigin && (isCloudFrontOrigin(routeOrigin) ? !!routeOrigin.failover : !!routeOrigin.failoverDomainName);
    if (route.originRouting && hasFailover) {
      problems.add('origin-routing-with-failover', `${where}.originRouting cannot be combined with failover of origin '${route.origin}': CloudFront runs the origin-request function again for the failover request, which would route it back to the same origin. Drop one of them.`,
      );
    }
    if ((route.originRouting?.rules ?? []).some((r) => r.origin === SITE_ORIGIN)) {
      problems.add('origin-routing-to-site', `${where}.originRouting cannot route to the site bucket ('${SITE_ORIGIN}'); route to custom origins.`);
    }
    const routing = resolveRouteRouting(route, targets, { where, cached, unroutable });
    problems.addAll(routing.errors);
    const r = routing.config && withVariantDocuments(routing.config, route, props, where, problems, siteFiles);
    const experiments = r?.experiments ?? [];
    const guarded = guard.guards(route);
    const viewerRequest: ViewerRequestConfig | undefined =
      guarded || auth?.config || r?.normalize || experiments.length > 0
        ? {
            ...(guarded ? { guard: guard.config } : {}),
            ...(r?.normalize ? { normalize: r.normalize } : {}),
            ...(auth?.config ? { auth: auth.config } : {}),
            experiments,
          }
        : undefined;
    const targeted = targetedCacheControlOf(route, where, problems);
    const viewerResponse: ViewerResponseConfig | undefined =
      r?.viewerResponse || targeted ? { experiments: r?.viewerResponse?.experiments ?? [], ...(targeted ? { targetedCacheControl: true } : {}) } : undefined;
    const originResponse: OriginResponseConfig | undefined = targeted ? { targetedCacheControl: true } : undefined;
    const generated = [
      viewerRequest && cloudfront.LambdaEdgeEventType.VIEWER_REQUEST,
      viewerResponse && cloudfront.LambdaEdgeEventType.VIEWER_RESPONSE,
      r?.originRequest && cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
      originResponse && cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE,
    ].filter(Boolean);
    for (const own of route.edgeLambdas ?? []) {
      const onlyGuard = guarded && !auth?.config && !r?.normalize && experiments.length === 0;
      if (onlyGuard && own.eventType === cloudfront.LambdaEdgeEventType.VIEWER_REQUEST) {
        problems.add('edge-lambdas-guard-conflict', `${where}.edgeLambdas has a viewer-request function, but the route reaches an origin that serves routes with auth, so its viewer-request must run the path guard (otherwise '/api//me' spellings of a protected path pass unauthenticated). Move the function to another event type or route, or drop it.`,
        );
        continue;
      }
      if (generated.includes(own.eventType)) {
        problems.add('edge-lambdas-event-conflict', `${where}.edgeLambdas has a ${own.eventType} function, but the route's auth, experiments, routing or query normalization already use that event type (CloudFront allows one function per event type per behavior). Drop one of them.`,
        );
      }
    }
    out.set(route, {
      viewerRequest,
      viewerResponse,
      originRequest: r?.originRequest,
      originResponse,
      cacheKeyHeaders: r?.cacheKeyHeaders ?? [],
      originRequestHeaders: r?.originRequestHeaders ?? [],
    });
  });
  // `prefix/*` with auth protects `prefix` too: CloudFront's pattern does not match it, so the bare
  // path gets a behavior of its own with the same settings.
  for (const [route, bare] of guard.bareRoutes) out.set(bare, out.get(route)!);
  if (out.size > MAX_BEHAVIORS && props.routes.length <= MAX_BEHAVIORS) {
    problems.add('routes-too-many-behaviors', `'${base}' needs ${out.size} cache behaviors (${guard.bareRoutes.size} added so that each protected 'prefix/*' also protects 'prefix'); CloudFront allows ${MAX_BEHAVIORS}. Merge routes.`,
    );
  }
  return out;
}

/** Origins a route can send a request to: its own, and those its origin routing picks. */
function originsOf(route: RouteProps): string[] {
  return [route.origin, ...(route.originRouting?.rules ?? []).map((r) => r.origin)];
}

/**
 * Which behaviors run the path guard, and with which protected patterns: every behavior that can
 * reach an origin serving a route with auth (a spelling of a protected path may land on any of
 * them), and none that reaches only other origins, so static traffic pays nothing.
 */
export function guardPlan(routes: readonly RouteProps[]): {
  readonly config: GuardConfig;
  readonly guards: (route: RouteProps) => boolean;
  /** Auth routes `prefix/*` -> the added route for `prefix` itself. */
  readonly bareRoutes: ReadonlyMap<RouteProps, RouteProps>;
} {
  const valid = (routes ?? []).filter((r) => typeof r?.pathPattern === 'string');
  const withAuth = valid.filter((r) => r.auth !== undefined);
  const patterns = new Set(valid.map((r) => canonicalPattern(r.pathPattern)));
  const bareRoutes = new Map<RouteProps, RouteProps>();
  for (const route of withAuth) {
    const p = canonicalPattern(route.pathPattern);
    if (!p.endsWith('/*') || p.length < 3) continue;
    const bare = p.slice(0, -2);
    if (patterns.has(bare)) continue;
    patterns.add(bare);
    bareRoutes.set(route, { ...route, pathPattern: bare });
  }
  const protectedPatterns = [...withAuth.map((r) => canonicalPattern(r.pathPattern)), ...[...bareRoutes.values()].map((r) => r.pathPattern)];
  const protectedOrigins = new Set(withAuth.flatMap(originsOf));
  return {
    config: { protectedPatterns: [...new Set(protectedPatterns)] },
    guards: (route) => originsOf(route).some((o) => protectedOrigins.has(o)),
    bareRoutes,
  };
}

function checkSeconds(problems: Problems, prop: string, d: Duration | undefined, min: number, max: number): void {
  if (d === undefined || Token.isUnresolved(d.toSeconds())) return;
  const s = d.toSeconds();
  if (s < min || s > max) problems.add('origin-timeout-range', `'${prop}' must be ${min}-${max} seconds, got: ${s}.`);
}

function checkEdgeLambda(problems: Problems, where: string, fn: cloudfront.EdgeLambda): void {
  const lambdaFn = fn.functionVersion.lambda;
  const cfn = lambdaFn.node.defaultChild as { environment?: unknown } | undefined;
  if (!cfn || !('environment' in cfn) || cfn.environment === undefined) return;
  // The L1 property resolves in its TypeScript shape ({ variables }), not the template's.
  const env = Stack.of(lambdaFn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const keys = Object.keys(env?.variables ?? {});
  if (keys.length > 0) {
    problems.add('edge-lambda-environment', `${where}: function '${lambdaFn.node.path}' has environment variables ${show(keys)}, which Lambda@Edge does not support. Bake configuration into the code at synth time, or mark them with addEnvironment(key, value, { removeInEdge: true }).`,
    );
  }
}

export function resolveShieldRegions(
  originProps: Readonly<Record<string, TieredCdnOriginProps>>,
  props: TieredCdnProps,
  stackRegion: string,
  shieldOn: boolean,
  problems: Problems,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!shieldOn) return out;
  const pick = (id: string, explicit: string | false | undefined, region: string | undefined): void => {
    if (explicit === false) return;
    const prop = explicit !== undefined ? `origins.${id}.originShield` : id === SITE_ORIGIN ? 'the stack region' : `origins.${id}.region`;
    if (explicit !== undefined) {
      if (!isOriginShieldRegion(explicit)) {
        problems.add('origin-shield-region-invalid', `'${prop}' ${show(explicit)} is not a region with Origin Shield; choose one of ${ORIGIN_SHIELD_REGIONS.join(', ')}.`, id === SITE_ORIGIN ? 'originShield' : prop);
      }
      out[id] = explicit;
      return;
    }
    if (region === undefined || Token.isUnresolved(region)) {
      problems.add('origin-shield-region-missing', `Origin Shield for origin '${id}' needs a region: set the stack's env.region, '${id === SITE_ORIGIN ? 'originShield: false' : `origins.${id}.region`}', or 'originShield: false'.`, id === SITE_ORIGIN ? 'env.region' : `origins.${id}.region`);
      return;
    }
    if (!LOOKS_LIKE_REGION.test(region)) {
      problems.add('origin-region-invalid', `'${prop}' must be an AWS Region code such as 'us-east-1', got: ${show(region)}.`, id === SITE_ORIGIN ? 'env.region' : prop);
      return;
    }
    const shield = originShieldRegionFor(region);
    if (!shield) {
      problems.add('origin-shield-region-unknown', `'${prop}' ${show(region)} has no known Origin Shield region; set 'origins.${id}.originShield' to one of ${ORIGIN_SHIELD_REGIONS.join(', ')}.`, id === SITE_ORIGIN ? 'env.region' : prop);
      return;
    }
    out[id] = shield;
  };
  if (props.site) pick(SITE_ORIGIN, undefined, stackRegion);
  for (const [id, o] of Object.entries(originProps)) pick(id, o.originShield, o.region ?? stackRegion);
  return out;
}

export function resolveEntryDocuments(site: SiteProps, problems: Problems): string[] {
  if (!fs.existsSync(site.source) || !fs.statSync(site.source).isDirectory()) {
    problems.add('site-source-not-folder', `'site.source' must be a folder, got: ${show(site.source)} (resolved to ${path.resolve(site.source)}).`);
    return [];
  }
  if (site.entryDocuments) {
    for (const p of site.entryDocuments) {
      if (!p.startsWith('/') || /[*?]/.test(p)) {
        problems.add('site-entry-document-invalid', `'site.entryDocuments' entries are exact paths starting with '/' (no wildcards: assets are content-hashed), got: ${show(p)}.`,
        );
      }
    }
    return [...site.entryDocuments];
  }
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.name.endsWith('.html')) {
        found.push(`/${prefix}${entry.name}`);
        if (entry.name === 'index.html') found.push(`/${prefix}`);
      }
    }
  };
  walk(site.source, '');
  return found;
}

/** Whether the route honours CDN-Cache-Control / Surrogate-Control; problems when it cannot. */
function targetedCacheControlOf(route: RouteProps, where: string, problems: Problems): boolean {
  if (!route.targetedCacheControl) return false;
  if (route.tier !== 'api' && route.tier !== 'html') {
    problems.add('targeted-cache-control-wrong-tier', `${where}.targetedCacheControl is for 'api' and 'html' routes (CDN-Cache-Control sets what the edge caches); a '${route.tier}' route ${route.tier === 'static' ? 'is cached a year whatever the origin says' : 'is never cached'}. Remove it.`);
    return false;
  }
  if (route.origin === SITE_ORIGIN) {
    problems.add('targeted-cache-control-on-site', `${where}.targetedCacheControl needs a custom origin: S3 objects cannot send CDN-Cache-Control or Surrogate-Control. Remove it, or route to an origin in 'origins'.`);
    return false;
  }
  return true;
}
