import { DEVICE_HEADERS } from '../../lambda-edge/shared/names';
import { matchesPathPattern } from '../../lambda-edge/shared/path-pattern';
import type { BehaviorModel, ItemSelection, ResponseHeadersPolicyModel } from './model';
import { type CfHeaders, type EdgeRequest, canonicalName, getHeader, parseCookies, parseQuery, setHeader } from './http-types';

/**
 * A CloudFront path pattern as a matcher with RegExp's `test` (`*` any run including `/`, `?` one
 * character, a leading `/` optional). The rule itself is `matchesPathPattern` in
 * lambda-edge/shared/path-pattern.ts, shared with the construct and the edge code.
 */
export function pathPatternToRegExp(pattern: string): Pick<RegExp, 'test'> {
  return { test: (uri: string) => matchesPathPattern(pattern, uri) };
}

/** Per list of behaviors, the behavior of recently requested paths (cleared past 1,024 paths). */
const matched = new WeakMap<readonly object[], Map<string, object>>();

/** The first behavior, in template order, whose pattern matches the path; the default behavior is last. */
export function matchBehavior<B extends Pick<BehaviorModel, 'pathPattern'>>(behaviors: readonly B[], uri: string): B {
  let recent = matched.get(behaviors);
  if (!recent) matched.set(behaviors, (recent = new Map()));
  const known = recent.get(uri) as B | undefined;
  if (known) return known;
  let found = behaviors[behaviors.length - 1];
  for (const b of behaviors) {
    if (matchesPathPattern(b.pathPattern, uri)) {
      found = b;
      break;
    }
  }
  if (recent.size >= 1024) recent.clear();
  recent.set(uri, found);
  return found;
}

function selects(sel: ItemSelection<string> | undefined, name: string): boolean {
  if (!sel) return false;
  switch (sel.behavior) {
    case 'all':
    case 'allViewer':
    case 'allViewerAndWhitelistCloudFront':
      return true;
    case 'whitelist':
      return sel.items.includes(name);
    case 'allExcept':
      return !sel.items.includes(name);
    default:
      return false;
  }
}

const isCloudFrontHeader = (name: string) => name.startsWith('cloudfront-');

/** Whether a viewer header is in the cache key (cache policy) or forwarded (origin request policy). */
function headerSelected(sel: ItemSelection<string> | undefined, name: string): boolean {
  if (!sel) return false;
  if (isCloudFrontHeader(name)) {
    // CloudFront-* headers exist only when named explicitly.
    return (sel.behavior === 'whitelist' || sel.behavior === 'allViewerAndWhitelistCloudFront') && sel.items.includes(name);
  }
  if (sel.behavior === 'allViewerAndWhitelistCloudFront') return true;
  return selects(sel, name);
}

/** The parts of a cache key that depend on the behavior alone, worked out once per behavior. */
interface KeyPlan {
  /** `["GET",<path pattern>,` and `["OPTIONS",<path pattern>,`: the key's JSON up to the uri. */
  readonly getPrefix: string;
  readonly optionsPrefix: string;
  readonly query: boolean;
  readonly headers: boolean;
  readonly cookies: boolean;
  /** For a key of method and path alone: the GET keys of recent paths (cleared past 1,024 paths). */
  readonly byPath?: Map<string, string>;
}

const keyPlans = new WeakMap<BehaviorModel, KeyPlan>();

function keyPlan(behavior: BehaviorModel): KeyPlan {
  let plan = keyPlans.get(behavior);
  if (!plan) {
    const p = behavior.cachePolicy;
    const pattern = JSON.stringify(behavior.pathPattern);
    plan = {
      getPrefix: `["GET",${pattern},`,
      optionsPrefix: `["OPTIONS",${pattern},`,
      query: p.queryStrings.behavior !== 'none',
      headers: p.headers.behavior !== 'none',
      cookies: p.cookies.behavior !== 'none',
      byPath: p.queryStrings.behavior === 'none' && p.headers.behavior === 'none' && p.cookies.behavior === 'none' ? new Map() : undefined,
    };
    keyPlans.set(behavior, plan);
  }
  return plan;
}

/** Whether the behavior's cache key reads any request header (CloudFront's viewer headers included). */
export function cacheKeyReadsHeaders(behavior: BehaviorModel): boolean {
  return keyPlan(behavior).headers;
}

const jsonList = (xs: string[]): string => (xs.length ? JSON.stringify(xs) : '[]');

/**
 * The cache key: only what the cache policy names, in a stable form. The distribution's domain is
 * implicit (one distribution per local edge). It is the JSON of `[method, path pattern, uri, query,
 * headers, cookies]` (invalidation reads the uri back from it); what depends on the behavior alone
 * is prepared once, and a policy that names no query string, header or cookie reads none of them
 * (its keys are kept per recent path, as the behavior match is).
 */
export function cacheKey(behavior: BehaviorModel, req: EdgeRequest): string {
  const p = behavior.cachePolicy;
  const plan = keyPlan(behavior);
  const byPath = req.method === 'OPTIONS' ? undefined : plan.byPath;
  if (byPath) {
    let key = byPath.get(req.uri);
    if (key === undefined) {
      if (byPath.size >= 1024) byPath.clear();
      byPath.set(req.uri, (key = `${plan.getPrefix}${JSON.stringify(req.uri)},[],[],[]]`));
    }
    return key;
  }
  const query = plan.query
    ? parseQuery(req.querystring)
        .filter((q) => selects(p.queryStrings, q.name))
        .map((q) => q.raw)
    : [];
  const headers = plan.headers
    ? Object.keys(req.headers)
        .filter((h) => headerSelected(p.headers, h))
        .sort()
        .map((h) => `${h}:${req.headers[h].map((e) => e.value).join(',')}`)
    : [];
  const cookies = plan.cookies
    ? parseCookies(req.headers)
        .filter((c) => selects(p.cookies, c.name))
        .map((c) => c.raw)
        .sort()
    : [];
  return `${req.method === 'OPTIONS' ? plan.optionsPrefix : plan.getPrefix}${JSON.stringify(req.uri)},${jsonList(query)},${jsonList(headers)},${jsonList(cookies)}]`;
}

/** Headers CloudFront always handles itself; never copied from the viewer to the origin as-is. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'content-length', 'via', 'x-amz-cf-id', 'x-forwarded-for']);

export interface OriginBound {
  /** The request as the origin-request function and then the origin see it. */
  readonly request: EdgeRequest;
  /** Whether the viewer's Host header is forwarded (otherwise Host is the origin's domain). */
  readonly forwardHost: boolean;
  /** Whether any cookie reaches the origin; when none does, CloudFront drops Set-Cookie from responses. */
  readonly forwardsCookies: boolean;
}

/**
 * What the origin receives: the items of the cache key plus those of the origin request policy,
 * and the headers CloudFront itself adds.
 */
export function originBoundRequest(behavior: BehaviorModel, req: EdgeRequest, via: string, requestId: string): OriginBound {
  const cp = behavior.cachePolicy;
  const orp = behavior.originRequestPolicy;
  const headers: CfHeaders = {};
  for (const [name, list] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(name) || name === 'cookie') continue;
    // A range CloudFront does not hold is asked of the origin ("How CloudFront processes range GETs").
    const forwarded = name === 'range' && req.method === 'GET';
    // Authorization reaches the origin through an origin request policy only where nothing is cached:
    // "You can't use an origin request policy to forward the Authorization header. The header must be a
    // part of the cache key"; "if caching is disabled, you can use the AllViewer and
    // AllViewerExceptHostHeader origin request policies" (AWS knowledge center, cloudfront-authorization-header).
    const byPolicy = headerSelected(orp?.headers, name) && (name !== 'authorization' || cp.maxTtl <= 0);
    if (forwarded || headerSelected(cp.headers, name) || byPolicy) headers[name] = list.map((e) => ({ ...e }));
  }
  const forwardHost = 'host' in headers;
  const cookies = parseCookies(req.headers).filter((c) => selects(cp.cookies, c.name) || selects(orp?.cookies, c.name));
  if (cookies.length) setHeader(headers, 'Cookie', cookies.map((c) => c.raw).join('; '));
  const query = parseQuery(req.querystring)
    .filter((q) => selects(cp.queryStrings, q.name) || selects(orp?.queryStrings, q.name))
    .map((q) => q.raw)
    .join('&');
  if (!headers['user-agent']) setHeader(headers, 'User-Agent', 'Amazon CloudFront');
  const xff = getHeader(req.headers, 'x-forwarded-for');
  setHeader(headers, 'X-Forwarded-For', xff ? `${xff}, ${req.clientIp}` : req.clientIp);
  setHeader(headers, 'Via', via);
  setHeader(headers, 'X-Amz-Cf-Id', requestId);
  if (req.body.length) setHeader(headers, 'Content-Length', String(req.body.length));
  const forwardsCookies = cp.cookies.behavior !== 'none' || (orp !== undefined && orp.cookies.behavior !== 'none');
  return { request: { ...req, headers, querystring: query }, forwardHost, forwardsCookies };
}

/** A policy's headers to set, with the spelling CloudFront writes them in, worked out once per policy. */
const policySets = new WeakMap<ResponseHeadersPolicyModel, ReadonlyArray<readonly [string, string, string, boolean]>>();

function setsOf(policy: ResponseHeadersPolicyModel): ReadonlyArray<readonly [string, string, string, boolean]> {
  let sets = policySets.get(policy);
  if (!sets) {
    sets = Object.entries(policy.set).map(([name, s]) => [name.toLowerCase(), canonicalName(name), s.value, s.override] as const);
    policySets.set(policy, sets);
  }
  return sets;
}

/**
 * Applies a response headers policy: headers with `override` replace the origin's, the others are
 * added only when the origin sent none; removals last. CORS headers only when the request has Origin.
 */
export function applyResponseHeadersPolicy(policy: ResponseHeadersPolicyModel | undefined, headers: CfHeaders, req: EdgeRequest): void {
  if (!policy) return;
  for (const [name, canonical, value, override] of setsOf(policy)) {
    if (override || !headers[name]) headers[name] = [{ key: canonical, value }];
  }
  const origin = getHeader(req.headers, 'origin');
  if (policy.cors && origin) {
    const c = policy.cors;
    const put = (name: string, value: string) => {
      if (c.override || !headers[name.toLowerCase()]) setHeader(headers, name, value);
    };
    const allowed = c.allowOrigins.includes('*') || c.allowOrigins.includes(origin);
    if (allowed) {
      put('Access-Control-Allow-Origin', c.allowOrigins.includes('*') && !c.allowCredentials ? '*' : origin);
      if (c.allowCredentials) put('Access-Control-Allow-Credentials', 'true');
      if (c.exposeHeaders.length) put('Access-Control-Expose-Headers', c.exposeHeaders.join(','));
      if (req.method === 'OPTIONS') {
        if (c.allowMethods.length) put('Access-Control-Allow-Methods', c.allowMethods.includes('ALL') ? 'GET,HEAD,OPTIONS,PUT,POST,PATCH,DELETE' : c.allowMethods.join(','));
        if (c.allowHeaders.length) put('Access-Control-Allow-Headers', c.allowHeaders.join(','));
        if (c.maxAgeSec !== undefined) put('Access-Control-Max-Age', String(c.maxAgeSec));
      }
    }
  }
  for (const name of policy.remove) delete headers[name];
}

/** The cache key of one byte range of an object: a stored 206 answers only that range again. */
export function rangeCacheKey(key: string, range: string): string {
  // Still a JSON array whose third element is the uri, so that invalidation finds it.
  return JSON.stringify([...(JSON.parse(key) as unknown[]), `range=${range.replace(/\s+/g, '')}`]);
}

/** Whether a viewer header reaches the origin under this behavior (cache key or origin request policy). */
export function forwardsHeader(behavior: BehaviorModel, name: string): boolean {
  return headerSelected(behavior.cachePolicy.headers, name) || headerSelected(behavior.originRequestPolicy?.headers, name);
}

const DEVICE_HEADER_NAMES = Object.values(DEVICE_HEADERS).sort();

/**
 * The Vary header CloudFront sends viewers ("HTTP response headers that CloudFront removes or
 * replaces"): Accept-Encoding and Cookie stay, so do headers the behavior forwards to the origin,
 * and User-Agent when a device-type header is forwarded; every other value is removed, and `*`
 * when MinTTL is above 0 (under MinTTL 0 a `Vary: *` object is never served from the cache, see
 * decideTtl). Undefined when nothing is left.
 */
export function viewerVary(behavior: BehaviorModel, vary: string | undefined): string | undefined {
  if (vary === undefined) return undefined;
  const keep = vary
    .split(',')
    .map((v) => v.trim())
    .filter((v) => {
      const name = v.toLowerCase();
      if (!name) return false;
      // Under MinTTL 0 a `*` stays (such a response is never served from the cache); above it, it goes.
      if (name === '*') return behavior.cachePolicy.minTtl === 0;
      if (name === 'accept-encoding' || name === 'cookie') return true;
      if (name === 'user-agent') return DEVICE_HEADER_NAMES.some((h) => forwardsHeader(behavior, h)) || forwardsHeader(behavior, 'user-agent');
      return forwardsHeader(behavior, name);
    });
  return keep.length ? keep.join(', ') : undefined;
}

/** Replaces the response's Vary with what CloudFront sends viewers (see viewerVary). */
export function applyViewerVary(behavior: BehaviorModel, headers: CfHeaders): void {
  const vary = viewerVary(behavior, getHeader(headers, 'vary'));
  if (vary) setHeader(headers, 'Vary', vary);
  else delete headers.vary;
}
