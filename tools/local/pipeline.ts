import { FORWARDED_PROTO_HEADER, VIEWER_ADDRESS_HEADER, VIEWER_COUNTRY_HEADER } from '../../lambda-edge/shared/names';
import { CLOUDFRONT_VIEWER_HEADER_KEYS } from '../../lambda-edge/shared/viewer-header-keys';
import { CacheTier, type Served, type Upstream, type Validators } from './cache';
import { FunctionFailure, type OriginChange } from './cf-function';
import { type FunctionRunner, originsAfterChange } from './cf-function-runner';
import type { Clock } from './clock';
import {
  type CfOrigin,
  EdgeFunctionFailure,
  type EventContext,
  type HandlerCache,
  originForEvent,
  runRequestFunction,
  runResponseFunction,
} from './edge-functions';
import { cloudFrontErrorPage, reason } from './errors';
import { type EdgeRequest, type EdgeResponse, cloneHeaders, getHeader, headerValue, setHeader } from './http-types';
import type { BehaviorModel, DistributionModel, ErrorResponseModel, OriginModel } from './model';
import { OriginUnavailable, createOriginAgents, fetchHttp, fetchS3 } from './origin';
import { applyResponseHeadersPolicy, cacheKey, cacheKeyReadsHeaders, matchBehavior, originBoundRequest, applyViewerVary, rangeCacheKey } from './policies';
import { fromStoredPartial } from './ranges';
import { decideTtl } from './ttl';
import { invalidationMatcher } from './invalidation';
import { InvalidPathsError } from '../../lambda-edge/shared/invalidation';
import { type LocalEdgeStats, type Pop, type Processed, count, deviceHeaders, emptyStats, hex, LocalEdgeError } from './types';

const COUNTRY_KEY = CLOUDFRONT_VIEWER_HEADER_KEYS[VIEWER_COUNTRY_HEADER];
const PROTO_KEY = CLOUDFRONT_VIEWER_HEADER_KEYS[FORWARDED_PROTO_HEADER];
const ADDRESS_KEY = CLOUDFRONT_VIEWER_HEADER_KEYS[VIEWER_ADDRESS_HEADER];

/** The device headers of recent User-Agent values: a viewer sends the same one on every request. */
const deviceHeadersByAgent = new Map<string, Record<string, string>>();

function deviceHeadersOf(userAgent: string | undefined): Record<string, string> {
  const ua = userAgent ?? '';
  let found = deviceHeadersByAgent.get(ua);
  if (!found) {
    if (deviceHeadersByAgent.size >= 256) deviceHeadersByAgent.clear();
    deviceHeadersByAgent.set(ua, (found = deviceHeaders(ua)));
  }
  return found;
}

/** CloudFront's viewer headers for one viewer: by name as functions see them, and as request header entries. */
interface ViewerHeaders {
  readonly byName: Readonly<Record<string, string>>;
  /** `[lower-case name, entry]`; an entry is shared, never changed in place (see cloneHeaders). */
  readonly entries: ReadonlyArray<readonly [string, { readonly key: string; readonly value: string }]>;
}

/** The last viewer's CloudFront-* headers: a connection's requests come from one viewer. Read only. */
let lastViewer: { country: string; protocol: string; ip: string; device: Record<string, string>; headers: ViewerHeaders } | undefined;

/** The CloudFront-* headers CloudFront adds for a viewer; who sees them depends on the behavior's policies. */
function cloudFrontViewerHeaders(req: EdgeRequest, viewerProtocol: string, country: string): ViewerHeaders {
  const device = deviceHeadersOf(headerValue(req.headers, 'user-agent'));
  const l = lastViewer;
  if (l && l.country === country && l.protocol === viewerProtocol && l.ip === req.clientIp && l.device === device) return l.headers;
  const byName: Record<string, string> = { [COUNTRY_KEY]: country, [PROTO_KEY]: viewerProtocol, [ADDRESS_KEY]: `${req.clientIp}:0` };
  for (const k in device) byName[k] = device[k];
  const entries = Object.keys(byName).map((key) => [key.toLowerCase(), { key, value: byName[key] }] as const);
  const headers = { byName, entries };
  lastViewer = { country, protocol: viewerProtocol, ip: req.clientIp, device, headers };
  return headers;
}

/**
 * The request with CloudFront's viewer headers added, in a copy of its headers: the request the
 * pipeline is given is the viewer's own, never changed in place.
 */
function withViewerHeaders(a: Admitted): Admitted {
  const headers = cloneHeaders(a.req.headers);
  const entries = a.viewerHeaders.entries;
  for (let i = 0; i < entries.length; i++) headers[entries[i][0]] = [entries[i][1]];
  return { ...a, req: { ...a.req, headers } };
}

/** A request past its behavior's checks and viewer-request CloudFront Function, on its way to the cache. */
interface Admitted {
  readonly behavior: BehaviorModel;
  /** The request as it reached the edge: failures are answered for it. */
  readonly request: EdgeRequest;
  /** The request as the functions so far have left it. */
  readonly req: EdgeRequest;
  readonly originChange: OriginChange | undefined;
  readonly ctx: EventContext;
  readonly viewerHeaders: ViewerHeaders;
}

interface Target {
  readonly kind: 'http' | 's3';
  readonly url?: URL;
  readonly origin?: OriginModel;
}

/**
 * The path of a viewer request through CloudFront as the local edge emulates it: behavior match,
 * viewer-request function, edge cache, Origin Shield, origin-request function, origin (with origin
 * group failover), origin-response and viewer-response functions, custom error responses. It
 * holds every cache tier and the statistics; writing the response out is the server's job.
 */
export class EdgePipeline {
  stats: LocalEdgeStats = emptyStats();
  readonly handlers: HandlerCache = new Map();
  readonly agents = createOriginAgents();
  readonly ctxBase: { readonly distributionDomainName: string; readonly distributionId: string };
  private readonly shields = new Map<string, CacheTier>();
  /** Per stored object, its response as the last hits on it were answered (see renderedHit). */
  private readonly rendered = new WeakMap<EdgeResponse, { behavior: BehaviorModel; cors: string; response: EdgeResponse }>();
  /** Per edge location and object, the cache keys of the byte ranges stored for it. */
  private readonly storedRanges = new Map<string, Set<string>>();

  constructor(
    /** Swapped by a reload (`--watch`), with the origin map and the functions. */
    public model: DistributionModel,
    readonly clock: Clock,
    readonly pops: readonly Pop[],
    public originMap: Map<string, URL>,
    private readonly warn: (message: string) => void,
    /** The distribution's CloudFront Functions, loaded once. */
    public functions: FunctionRunner,
  ) {
    this.stats.functions = functions.stats;
    this.ctxBase = {
      distributionDomainName: `d${hex(`${model.stackName}/${model.logicalId}`, 13)}.cloudfront.net`,
      distributionId: `E${hex(`id-${model.stackName}/${model.logicalId}`, 13).toUpperCase()}`,
    };
  }

  resetStats(): void {
    for (const k of Object.keys(this.functions.stats)) delete this.functions.stats[k];
    this.stats = emptyStats();
    this.stats.functions = this.functions.stats;
  }

  /** Every cache: the edge locations', then the shields'. */
  allTiers(): CacheTier[] {
    return [...this.pops.map((p) => p.cache), ...this.shields.values()];
  }

  /**
   * Removes the objects of these paths and `#tag` items from every edge location and shield, as a
   * CloudFront invalidation does: every variant; a path may end in `*` to match a prefix, a tag
   * matches the objects whose tag header named it. Returns the number removed.
   */
  invalidate(items: readonly string[]): number {
    let match: ReturnType<typeof invalidationMatcher>;
    try {
      match = invalidationMatcher(items, this.model.cacheTagHeader);
    } catch (e) {
      if (e instanceof InvalidPathsError) throw new LocalEdgeError(e.message);
      throw e;
    }
    return this.allTiers().reduce((n, t) => n + t.invalidate(match), 0);
  }

  shieldFor(o: OriginModel): CacheTier {
    const region = o.originShield!.region;
    let s = this.shields.get(region);
    if (!s) this.shields.set(region, (s = new CacheTier(`shield-${region}`, this.clock)));
    return s;
  }

  targetFor(o: CfOrigin): Target | EdgeResponse {
    const domainName = o.custom?.domainName ?? o.s3?.domainName ?? '';
    const url = this.originMap.get(domainName);
    if (url) return { kind: 'http', url };
    const known = Object.values(this.model.origins).find((m) => m.domainName === domainName);
    if (known && known.kind === 's3' && o.s3) return { kind: 's3', origin: known };
    return cloudFrontErrorPage(502, `CloudFront wasn't able to connect to the origin: no --origin mapping for '${domainName}'.`, '');
  }

  /** The origin a behavior targets; for an origin group, its primary. */
  primaryOrigin(id: string): OriginModel {
    return this.model.origins[id] ?? this.model.origins[this.model.originGroups![id].members[0]];
  }

  /**
   * A cache miss: the origin-request function, the origin itself, the origin-response function.
   * For an origin group, a failed primary (unreachable, or a failover status code) is followed by
   * the same steps against the secondary.
   */
  async fetchOrigin(behavior: BehaviorModel, viewerReq: EdgeRequest, ctx: EventContext, viaId: string, validators?: Validators, change?: OriginChange): Promise<Upstream> {
    // A viewer-request CloudFront Function may have picked another origin, or a group of its own.
    const { members, failoverStatusCodes } = originsAfterChange(this.model, behavior.targetOriginId, change);
    let up: Upstream | undefined;
    for (const [i, origin] of members.entries()) {
      up = await this.fetchFromOneOrigin(behavior, origin, viewerReq, ctx, viaId, validators);
      const last = i === members.length - 1;
      const failover = members.length > 1 && (up.kind === 'Error' || failoverStatusCodes.includes(up.response.status));
      if (last || !failover) break;
    }
    return up!;
  }

  async fetchFromOneOrigin(
    behavior: BehaviorModel,
    originModel: OriginModel,
    viewerReq: EdgeRequest,
    ctx: EventContext,
    viaId: string,
    validators?: Validators,
  ): Promise<Upstream> {
    const via = `1.1 ${viaId}.cloudfront.net (CloudFront)`;
    const bound = originBoundRequest(behavior, viewerReq, via, ctx.requestId);
    let req = bound.request;
    if (validators?.etag) setHeader(req.headers, 'If-None-Match', validators.etag);
    if (validators?.lastModified) setHeader(req.headers, 'If-Modified-Since', validators.lastModified);
    let cfOrigin = originForEvent(originModel, this.model.region);
    // Without a forwarded Host, the origin (and the origin-request function) sees the origin's domain.
    if (!bound.forwardHost) setHeader(req.headers, 'Host', originModel.domainName);
    const orq = behavior.edgeFunctions['origin-request'];
    if (orq) {
      count(this.stats.edgeFunctionInvocations, 'origin-request');
      const out = await runRequestFunction(orq, req, ctx, this.handlers, cfOrigin);
      if (out.kind === 'response') return { response: out.response, age: 0, failed: false, fromOrigin: true, kind: 'LambdaGeneratedResponse' };
      req = out.request;
      if (out.origin) cfOrigin = out.origin;
    }
    const target = this.targetFor(cfOrigin);
    let response: EdgeResponse;
    let failed = false;
    let kind: string | undefined;
    if ('status' in target) {
      response = target;
      failed = true;
      kind = 'Error';
    } else {
      if (!req.headers.host) setHeader(req.headers, 'Host', cfOrigin.custom?.domainName ?? cfOrigin.s3?.domainName ?? '');
      for (const [k, v] of Object.entries(cfOrigin.custom?.customHeaders ?? cfOrigin.s3?.customHeaders ?? {})) req.headers[k] = v;
      const originPath = cfOrigin.custom?.path ?? cfOrigin.s3?.path ?? '';
      this.stats.originFetches++;
      const bs = this.stats.byBehavior[behavior.pathPattern];
      if (bs) bs.originFetches++;
      try {
        response =
          target.kind === 's3'
            ? fetchS3(target.origin!.s3Content, originPath, req)
            : await fetchHttp(target.url!, originPath, req, cfOrigin.custom?.readTimeout ?? originModel.readTimeoutSeconds, this.agents);
        if (response.status >= 500) failed = true;
      } catch (err) {
        if (!(err instanceof OriginUnavailable)) throw err;
        response = cloudFrontErrorPage(err.status, `CloudFront wasn't able to connect to the origin. ${err.message}`, ctx.requestId);
        failed = true;
        kind = 'Error';
      }
    }
    if (!bound.forwardsCookies) delete response.headers['set-cookie'];
    const ors = behavior.edgeFunctions['origin-response'];
    if (ors && kind !== 'Error') {
      count(this.stats.edgeFunctionInvocations, 'origin-response');
      response = await runResponseFunction(ors, req, response, ctx, this.handlers);
    }
    if (response.status === 304 && validators) return { response, age: 0, notModified: true, failed: false, fromOrigin: true, kind };
    return { response, age: 0, failed, fromOrigin: true, kind };
  }

  decideFor(behavior: BehaviorModel) {
    return (res: EdgeResponse) => decideTtl(behavior.cachePolicy, res.status, res.headers, this.clock.now(), this.model.errorResponses);
  }

  /**
   * The whole path of one viewer request through one edge location, without writing it out.
   * `body` reads the viewer's request body; it is called only once the viewer-request functions
   * let the request go on (before them only for a Lambda@Edge function that asks for the body).
   */
  async processRequest(request: EdgeRequest, pop: Pop, requestId: string, viewerProtocol: string, country: string, body?: () => Promise<Buffer>): Promise<Processed> {
    return this.process(request, pop, requestId, viewerProtocol, country, body);
  }

  /**
   * processRequest, answered without a promise where nothing on the way waits: no body to read, no
   * Lambda@Edge viewer function, and a fresh object in the cache (most requests). One path either
   * way: each step below returns its result, or a promise of it once something has to wait.
   */
  process(request: EdgeRequest, pop: Pop, requestId: string, viewerProtocol: string, country: string, body?: () => Promise<Buffer>): Processed | Promise<Processed> {
    const a = this.admit(request, requestId, viewerProtocol, country);
    if ('resultType' in a) return a;
    if (a.behavior.edgeFunctions['viewer-request'] || body) return this.viewerRequestLambda(a, pop, body);
    return this.fromCache(a, pop);
  }

  /** Behavior match, viewer protocol policy, allowed methods and the viewer-request CloudFront Function. */
  private admit(request: EdgeRequest, requestId: string, viewerProtocol: string, country: string): Admitted | Processed {
    const behavior = matchBehavior(this.model.behaviors, request.uri);
    const bs = (this.stats.byBehavior[behavior.pathPattern] ??= { requests: 0, originFetches: 0, results: {} });
    bs.requests++;
    const ctx: EventContext = { ...this.ctxBase, requestId };
    if (viewerProtocol === 'http' && behavior.viewerProtocolPolicy !== 'allow-all') {
      if (behavior.viewerProtocolPolicy === 'https-only') return errorResult(behavior, request, requestId, 403, 'This distribution only accepts HTTPS requests.');
      return httpsRedirect(behavior, request);
    }
    if (!behavior.allowedMethods.includes(request.method)) {
      return errorResult(
        behavior,
        request,
        requestId,
        403,
        'This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.',
      );
    }
    const viewerHeaders = cloudFrontViewerHeaders(request, viewerProtocol, country);
    let req = request;
    let originChange: OriginChange | undefined;
    try {
      const out = this.functions.viewerRequest(behavior, req, ctx, viewerHeaders.byName);
      if (out?.kind === 'response') {
        applyResponseHeadersPolicy(behavior.responseHeadersPolicy, out.response.headers, req);
        return { response: out.response, resultType: 'FunctionGeneratedResponse', behavior, request: req };
      }
      if (out) ({ request: req, originChange } = out);
    } catch (e) {
      return this.functionFailure(e, behavior, request, requestId);
    }
    return { behavior, request, req, originChange, ctx, viewerHeaders };
  }

  /** The viewer-request Lambda@Edge function, and the viewer's body once it lets the request go on. */
  private async viewerRequestLambda(a: Admitted, pop: Pop, body: (() => Promise<Buffer>) | undefined): Promise<Processed> {
    const { behavior, request, ctx } = a;
    let req = a.req;
    const vrq = behavior.edgeFunctions['viewer-request'];
    if (vrq?.includeBody && body) req = { ...req, body: await body() };
    if (vrq) {
      count(this.stats.edgeFunctionInvocations, 'viewer-request');
      try {
        const out = await runRequestFunction(vrq, req, ctx, this.handlers);
        if (out.kind === 'response') {
          const response = out.response;
          applyResponseHeadersPolicy(behavior.responseHeadersPolicy, response.headers, req);
          return { response, resultType: 'LambdaGeneratedResponse', behavior, request: req };
        }
        req = out.request;
      } catch (e) {
        return this.lambdaFailure(e, behavior, request, ctx.requestId);
      }
    }
    if (body && !vrq?.includeBody) req = { ...req, body: await body() };
    return this.fromCache({ ...a, req }, pop);
  }

  /** The edge cache: a fresh hit is answered at once; anything else goes on to lookup. */
  private fromCache(a: Admitted, pop: Pop): Processed | Promise<Processed> {
    const { behavior } = a;
    // CloudFront adds its viewer headers after the viewer-request function; they reach the cache key
    // and the origin only where a policy names them, so a key that reads no header is made without them.
    const keyed = cacheKeyReadsHeaders(behavior) ? withViewerHeaders(a) : a;
    const req = keyed.req;
    const plainKey = cacheKey(behavior, req);
    const cacheable = behavior.cachedMethods.includes(req.method) && req.method !== 'HEAD' && req.body.length === 0;
    const range = req.method === 'GET' ? headerValue(req.headers, 'range') : undefined;
    const key = range ? this.rangeKey(pop, plainKey, range, cacheable) : plainKey;
    // A fresh hit (most requests) needs none of what follows: no origin, no shield, no closures.
    const hit = cacheable && key === plainKey ? pop.cache.hit(key) : undefined;
    const rendered = hit && this.renderedHit(behavior, req, hit.response);
    // As resultTypes has it for a fresh hit.
    if (hit && rendered) return { response: rendered, resultType: hit.response.status >= 400 ? 'Error' : 'Hit', behavior, age: hit.age, request: req, detailed: 'Hit', shared: true };
    const full = keyed === a ? withViewerHeaders(a) : keyed;
    if (hit) return this.afterCache(full, hit, true);
    return this.lookup(full, pop, plainKey, key, range, cacheable);
  }

  /** Everything but a fresh hit: stale or missing objects, byte ranges, uncached methods. */
  private async lookup(a: Admitted, pop: Pop, plainKey: string, key: string, range: string | undefined, cacheable: boolean): Promise<Processed> {
    const { behavior, req, ctx, originChange } = a;
    let served: Served;
    try {
      if (cacheable) {
        const routedPrimary = originsAfterChange(this.model, behavior.targetOriginId, originChange).members[0];
        const originShield = routedPrimary.originShield;
        const toOrigin = (v?: Validators) => this.fetchOrigin(behavior, req, ctx, pop.viaId, v, originChange);
        const decide = this.decideFor(behavior);
        const upstream = originShield
          ? async (v?: Validators): Promise<Upstream> => {
              const shield = this.shieldFor(routedPrimary);
              const s = await shield.lookup(key, toOrigin, decide);
              const fromOrigin = s.result === 'Miss' && !!s.upstream?.fromOrigin;
              if (!fromOrigin) this.stats.shieldHits++;
              const etag = getHeader(s.response.headers, 'etag');
              const notModified = !!v?.etag && etag === v.etag && s.response.status === 200;
              return {
                response: s.response,
                age: s.age ?? 0,
                notModified,
                failed: s.result === 'Miss' ? !!s.upstream?.failed : false,
                fromOrigin,
                kind: s.upstream?.kind,
              };
            }
          : toOrigin;
        const partial = key !== plainKey ? this.fromStoredRanges(pop, plainKey, key, range ?? '') : undefined;
        served = partial ?? (await pop.cache.lookup(key, upstream, decide));
        if (key !== plainKey && served.response.status === 206) this.rangesOf(pop, plainKey).add(key);
        // An origin that ignored the Range sent the whole object: it answers every range from now on.
        if (key !== plainKey && served.result === 'Miss' && served.response.status === 200 && served.upstream) {
          const whole = served.upstream;
          await pop.cache.lookup(plainKey, async () => whole, decide);
        }
      } else if (req.method === 'HEAD' && behavior.cachedMethods.includes('HEAD')) {
        const stored = pop.cache.stored(plainKey);
        if (stored && stored.age < stored.decision.ttl) served = { response: stored.response, result: 'Hit', age: stored.age };
        else served = { response: (await this.fetchOrigin(behavior, req, ctx, pop.viaId, undefined, originChange)).response, result: 'Miss' };
      } else {
        const up = await this.fetchOrigin(behavior, req, ctx, pop.viaId, undefined, originChange);
        served = { response: up.response, result: 'Miss', upstream: up };
      }
    } catch (e) {
      return this.lambdaFailure(e, behavior, a.request, ctx.requestId);
    }
    return this.afterCache(a, served, false);
  }

  /** The steps after the cache: viewer Vary, viewer-response functions, the response headers policy. */
  private afterCache(a: Admitted, served: Served, hit: boolean): Processed | Promise<Processed> {
    const { behavior, req, request, ctx } = a;
    const { viaOrigin, resultType, detailed } = resultTypes(served, served.response.status);
    const age = served.result === 'Miss' && viaOrigin ? undefined : served.age;
    let response: EdgeResponse = { ...served.response, headers: cloneHeaders(served.response.headers) };
    applyViewerVary(behavior, response.headers);
    if (response.status < 400) {
      try {
        response = this.functions.viewerResponse(behavior, req, response, ctx);
      } catch (e) {
        return this.functionFailure(e, behavior, request, ctx.requestId);
      }
    }
    const finish = (r: EdgeResponse): Processed => {
      applyResponseHeadersPolicy(behavior.responseHeadersPolicy, r.headers, req);
      if (hit) this.keepRenderedHit(behavior, req, served.response, r);
      return { response: r, resultType, behavior, age, request: req, detailed };
    };
    const vrs = behavior.edgeFunctions['viewer-response'];
    if (!vrs || response.status >= 400) return finish(response);
    count(this.stats.edgeFunctionInvocations, 'viewer-response');
    return runResponseFunction(vrs, req, response, ctx, this.handlers).then(finish, (e) => this.lambdaFailure(e, behavior, request, ctx.requestId));
  }

  /**
   * What the steps after the cache made of a stored object for a behavior without viewer-response
   * functions: the viewer Vary and the response headers policy, which depend only on the object,
   * the behavior and, for CORS, the request's method and Origin. Kept with the stored object (a new
   * object once it is refreshed, revalidated or invalidated) and shared by the hits that follow;
   * nothing after this point changes a response in place.
   */
  private renderedHit(behavior: BehaviorModel, req: EdgeRequest, stored: EdgeResponse): EdgeResponse | undefined {
    const kept = this.rendered.get(stored);
    return kept && kept.behavior === behavior && kept.cors === corsInputs(behavior, req) ? kept.response : undefined;
  }

  private keepRenderedHit(behavior: BehaviorModel, req: EdgeRequest, stored: EdgeResponse, response: EdgeResponse): void {
    if (behavior.functions?.['viewer-response'] || behavior.edgeFunctions['viewer-response']) return;
    this.rendered.set(stored, { behavior, cors: corsInputs(behavior, req), response });
  }

  private lambdaFailure(e: unknown, behavior: BehaviorModel, request: EdgeRequest, requestId: string): Processed {
    if (!(e instanceof EdgeFunctionFailure)) throw e;
    this.warn(`${e.kind}: ${e.message}`);
    const what = e.kind === 'LambdaValidationError' ? 'returned an invalid response' : 'failed to execute';
    return errorResult(behavior, request, requestId, e.status, `The Lambda function associated with the CloudFront distribution ${what}.`, e.kind);
  }

  private functionFailure(e: unknown, behavior: BehaviorModel, request: EdgeRequest, requestId: string): Processed {
    if (!(e instanceof FunctionFailure)) throw e;
    this.warn(`${e.kind}: ${e.message}`);
    const what = e.kind === 'FunctionValidationError' ? 'returned an invalid value' : 'failed to run';
    return errorResult(behavior, request, requestId, e.status, `The CloudFront function associated with the CloudFront distribution ${what}.`, e.kind);
  }

  /**
   * A range GET is served from the whole object when the edge holds it fresh, else from a stored copy
   * of that range (or one holding it), else asked of the origin with the Range header.
   */
  private rangeKey(pop: Pop, plainKey: string, range: string, cacheable: boolean): string {
    const whole = cacheable ? pop.cache.stored(plainKey) : undefined;
    const fresh = whole && whole.age < whole.decision.ttl && whole.response.status === 200;
    return fresh ? plainKey : rangeCacheKey(plainKey, range);
  }

  private rangesOf(pop: Pop, plainKey: string): Set<string> {
    const id = `${pop.name} ${plainKey}`;
    let set = this.storedRanges.get(id);
    if (!set) this.storedRanges.set(id, (set = new Set()));
    return set;
  }

  /** A range inside a fresh stored 206 of the same object (another range than the one asked for). */
  private fromStoredRanges(pop: Pop, plainKey: string, key: string, range: string): Served | undefined {
    for (const k of this.rangesOf(pop, plainKey)) {
      if (k === key) continue;
      const stored = pop.cache.stored(k);
      if (!stored || stored.age >= stored.decision.ttl) continue;
      const response = fromStoredPartial(stored.response, range);
      if (response) return { response, result: 'Hit', age: stored.age };
    }
    return undefined;
  }

  /** Whether customErrorPage changes a response of this status. */
  hasCustomErrorPage(status: number): boolean {
    return status >= 400 && this.customErrorFor(status) !== undefined;
  }

  private customErrorFor(status: number): ErrorResponseModel | undefined {
    const custom = this.model.errorResponses.find((e) => e.errorCode === status);
    return custom && (custom.responsePagePath || custom.responseCode) ? custom : undefined;
  }

  /** CustomErrorResponses: the page named for an error code, fetched through the distribution. */
  async customErrorPage(p: Processed, pop: Pop, requestId: string, viewerProtocol: string, country: string): Promise<Processed> {
    const custom = this.customErrorFor(p.response.status);
    if (!custom) return p;
    let page = p.response;
    if (custom.responsePagePath) {
      const [uri, querystring = ''] = custom.responsePagePath.split('?');
      const sub = await this.processRequest(
        { method: 'GET', uri, querystring, headers: { host: p.request.headers.host ?? [] }, clientIp: p.request.clientIp, body: Buffer.alloc(0) },
        pop,
        requestId,
        viewerProtocol,
        country,
      );
      if (sub.response.status < 400) page = sub.response;
    }
    const status = custom.responseCode ?? p.response.status;
    return { ...p, response: { ...page, status, statusDescription: reason(status) || page.statusDescription, headers: cloneHeaders(page.headers) } };
  }
}

/** What of a request a response headers policy reads: method and Origin, when it has CORS settings. */
function corsInputs(behavior: BehaviorModel, req: EdgeRequest): string {
  return behavior.responseHeadersPolicy?.cors ? `${req.method} ${getHeader(req.headers, 'origin') ?? ''}` : '';
}

/**
 * CloudFront's error page for a request matched to a behavior. x-cache and x-edge-result-type say
 * Error; the log's x-edge-detailed-result-type names the failure (FunctionExecutionError...).
 */
function errorResult(behavior: BehaviorModel, request: EdgeRequest, requestId: string, status: number, detail: string, detailed?: string): Processed {
  return { response: cloudFrontErrorPage(status, detail, requestId), resultType: 'Error', ...(detailed ? { detailed } : {}), behavior, request };
}

/** x-edge-result-type and x-edge-detailed-result-type of what the cache served. */
function resultTypes(served: Served, status: number): { viaOrigin: boolean; resultType: string; detailed: string } {
  const viaOrigin = served.result === 'Miss' && served.upstream?.fromOrigin !== false;
  let resultType: string;
  if (served.upstream?.kind === 'LambdaGeneratedResponse' && served.result === 'Miss') resultType = 'LambdaGeneratedResponse';
  else if (status >= 400) resultType = 'Error';
  else if (served.result === 'RefreshHit') resultType = 'RefreshHit';
  else if (served.result === 'Miss' && viaOrigin) resultType = 'Miss';
  else resultType = 'Hit';
  return { viaOrigin, resultType, detailed: served.result === 'Miss' && !viaOrigin ? 'OriginShieldHit' : served.result };
}

/** ViewerProtocolPolicy redirect-to-https: 301 to the same URL over HTTPS. */
function httpsRedirect(behavior: BehaviorModel, request: EdgeRequest): Processed {
  const host = getHeader(request.headers, 'host') ?? 'localhost';
  return {
    response: {
      status: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: [{ key: 'Location', value: `https://${host}${request.uri}${request.querystring ? `?${request.querystring}` : ''}` }], server: [{ key: 'Server', value: 'CloudFront' }] },
      body: Buffer.alloc(0),
    },
    resultType: 'Redirect',
    behavior,
    request,
  };
}
