import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import * as path from 'path';
import { type AccessLog, openAccessLog } from './access-log';
import { readDistribution } from './assembly';
import { CacheTier, type Served, type Upstream, type Validators } from './cache';
import { type Clock, RealClock, VirtualClock } from './clock';
import { chooseEncoding, compress } from './compress';
import {
  type CfOrigin,
  EdgeFunctionFailure,
  type EventContext,
  type HandlerCache,
  originForEvent,
  runRequestFunction,
  runResponseFunction,
  runtimeMismatch,
} from './edge-functions';
import { cloudFrontErrorPage, reason } from './errors';
import {
  type EdgeRequest,
  type EdgeResponse,
  cloneHeaders,
  deleteHeader,
  getHeader,
  headersFromRaw,
  headersToNode,
  setHeader,
} from './http-types';
import type { BehaviorModel, DistributionModel, OriginModel } from './model';
import { OriginUnavailable, createOriginAgents, fetchHttp, fetchS3 } from './origin';
import { applyResponseHeadersPolicy, cacheKey, matchBehavior, originBoundRequest } from './policies';
import { decideTtl } from './ttl';
import { CliError } from '../errors';

/** A problem starting the local edge that the user can fix; the message says how. */
export class LocalEdgeError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'LocalEdgeError';
  }
}

/** CloudFront's request limits ("Quotas": general quotas). Both answered with 413. */
export const MAX_URL_BYTES = 8192;
export const MAX_REQUEST_HEADER_BYTES = 20480;

/** Request headers that steer the local edge in tests; removed before anything else sees the request. */
export const POP_HEADER = 'x-tiered-cdn-pop';
export const VIEWER_COUNTRY_HOOK = 'x-tiered-cdn-viewer-country';
export const VIEWER_PROTOCOL_HOOK = 'x-tiered-cdn-viewer-protocol';
export const CONTROL_PREFIX = '/__tiered-cdn/';

const POP_CODES = ['IAD89-C1', 'FRA56-P3', 'NRT57-P2', 'GRU3-C1', 'SYD62-P1', 'BOM78-P4', 'CDG52-P1', 'LHR61-P5', 'SIN2-P1', 'SFO53-P2'];

export interface LocalEdgeOptions {
  /** Cloud assembly folder. @default 'cdk.out' */
  readonly app?: string;
  /** A distribution model to run instead of reading `app` (for tests of the engine itself). */
  readonly distribution?: DistributionModel;
  /** Stack name (or `Stack/LogicalId`) when the assembly has several distributions. */
  readonly stack?: string;
  /** @default 8080; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Origin id, domain name or bucket logical id -> URL the local edge sends that origin's requests to. */
  readonly origins?: Readonly<Record<string, string>>;
  /** Number of edge locations, each with its own cache. @default 1 */
  readonly pops?: number;
  /** Access log: a file (appended), '-' for stdout, or a function receiving each line. @default - no log */
  readonly log?: string | ((line: string) => void);
  /** @default 'real' */
  readonly clock?: 'real' | 'virtual';
  /** CloudFront-Viewer-Country for viewers that do not say (`x-tiered-cdn-viewer-country`). @default 'US' */
  readonly viewerCountry?: string;
  /** The protocol viewers are taken to use; the local edge itself speaks HTTP. @default 'https' */
  readonly viewerProtocol?: 'http' | 'https';
  /** Receives warnings (e.g. an origin with no --origin mapping). @default - printed to stderr */
  readonly onWarning?: (message: string) => void;
}

export interface BehaviorStats {
  requests: number;
  originFetches: number;
  results: Record<string, number>;
}

export interface LocalEdgeStats {
  viewerRequests: number;
  /** Requests that reached an origin (custom or S3), after every cache tier. */
  originFetches: number;
  /** x-cache result types (`Hit`, `Miss`, ...) counted. */
  results: Record<string, number>;
  byBehavior: Record<string, BehaviorStats>;
  byPop: Record<string, { requests: number; hits: number }>;
  shieldHits: number;
  edgeFunctionInvocations: Record<string, number>;
}

export interface LocalEdge {
  readonly url: string;
  readonly port: number;
  readonly distribution: DistributionModel;
  /** Edge location names, as sent in `x-amz-cf-pop`; pick one with the `x-tiered-cdn-pop` header. */
  readonly pops: readonly string[];
  readonly clock: Clock & { advance?(seconds: number): number };
  readonly stats: LocalEdgeStats;
  /**
   * Removes the objects of these paths from every edge location and shield, as a CloudFront
   * invalidation does: every cached variant of the path (query strings, headers, cookies); a path may
   * end in `*` to match a prefix. Returns the number of objects removed.
   */
  invalidate(paths: readonly string[]): number;
  /** Waits for background refreshes (stale-while-revalidate) to finish. */
  settle(): Promise<void>;
  resetStats(): void;
  close(): Promise<void>;
}

function emptyStats(): LocalEdgeStats {
  return { viewerRequests: 0, originFetches: 0, results: {}, byBehavior: {}, byPop: {}, shieldHits: 0, edgeFunctionInvocations: {} };
}

/** 56 characters like CloudFront's request ids; random bytes are drawn in batches, one syscall per 256 ids. */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function newRequestId(): string {
  if (idOffset + 42 > idPool.length) {
    idPool = crypto.randomBytes(42 * 256);
    idOffset = 0;
  }
  const id = idPool.subarray(idOffset, idOffset + 42).toString('base64url');
  idOffset += 42;
  return id;
}

function hex(seed: string, n: number): string {
  return crypto.createHash('sha256').update(seed).digest('hex').slice(0, n);
}

interface Pop {
  readonly name: string;
  readonly cache: CacheTier;
  readonly viaId: string;
}

interface Target {
  readonly kind: 'http' | 's3';
  readonly url?: URL;
  readonly origin?: OriginModel;
}

interface Processed {
  response: EdgeResponse;
  /** Byte range served (206), for the access log. */
  range?: [number, number];
  resultType: string;
  behavior?: BehaviorModel;
  age?: number;
  request: EdgeRequest;
  detailed?: string;
}

/** Which local URL each origin key answers on, checked against what the distribution knows. */
function resolveOriginMap(model: DistributionModel, overrides: Readonly<Record<string, string>>, extraKeys: Set<string>): Map<string, URL> {
  const valid = new Map<string, string>();
  for (const o of Object.values(model.origins)) {
    valid.set(o.id, o.id);
    valid.set(o.domainName, o.id);
  }
  const out = new Map<string, URL>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    let url: URL;
    try {
      url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(`--origin ${key}=${value}: '${value}' is not an http:// or https:// URL (e.g. http://127.0.0.1:9000)`);
      continue;
    }
    if (!valid.has(key) && !extraKeys.has(key)) {
      const keys = [...new Set([...valid.keys(), ...extraKeys])].join(', ');
      problems.push(`--origin ${key}=${value}: unknown origin key '${key}'; valid keys are the origin ids and domain names of the distribution: ${keys}`);
      continue;
    }
    out.set(key, url);
    const id = valid.get(key);
    if (id) {
      out.set(id, url);
      out.set(model.origins[id].domainName, url);
    }
  }
  if (problems.length) throw new LocalEdgeError(problems.join('\n'));
  return out;
}

/** Domain names an edge function may route to: its baked configuration is part of its code. */
export function domainsInEdgeCode(model: DistributionModel): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const b of model.behaviors) {
    for (const fn of Object.values(b.edgeFunctions)) {
      if (!fn || seen.has(fn.codeDir)) continue;
      seen.add(fn.codeDir);
      for (const file of fs.readdirSync(fn.codeDir)) {
        if (!file.endsWith('.js')) continue;
        const code = fs.readFileSync(path.join(fn.codeDir, file), 'utf8');
        for (const m of code.matchAll(/domainName["']?\s*:\s*["']([A-Za-z0-9.-]+\.[A-Za-z]{2,})["']/g)) out.add(m[1]);
      }
    }
  }
  return out;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new LocalEdgeError(`port ${port} on ${host} is already in use: stop what listens there, or pass --port N (0 picks a free port)`));
      else if (err.code === 'EACCES') reject(new LocalEdgeError(`no permission to listen on port ${port}: use a port above 1023, or --port 0`));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function deviceHeaders(userAgent: string | undefined): Record<string, string> {
  const ua = userAgent ?? '';
  const tablet = /iPad|Tablet|Nexus 7|Nexus 10|SM-T/i.test(ua);
  const mobile = !tablet && /Mobi|iPhone|Android.*Mobile|Windows Phone/i.test(ua);
  const smarttv = /SmartTV|SMART-TV|HbbTV|AppleTV|GoogleTV|Web0S/i.test(ua);
  const desktop = !tablet && !mobile && !smarttv;
  const b = (v: boolean) => (v ? 'true' : 'false');
  return {
    'CloudFront-Is-Mobile-Viewer': b(mobile),
    'CloudFront-Is-Tablet-Viewer': b(tablet),
    'CloudFront-Is-SmartTV-Viewer': b(smarttv),
    'CloudFront-Is-Desktop-Viewer': b(desktop),
  };
}

export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const model = options.distribution ?? readDistribution(options.app ?? 'cdk.out', options.stack);
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`tiered-cdn local: ${m}\n`));
  const originMap = resolveOriginMap(model, options.origins ?? {}, domainsInEdgeCode(model));
  for (const o of Object.values(model.origins)) {
    if (o.kind === 'custom' && !originMap.has(o.id)) {
      warn(`origin '${o.id}' (${o.domainName}) has no --origin mapping: requests to it answer 502; pass --origin ${o.domainName}=http://127.0.0.1:PORT`);
    }
    if (o.kind === 's3' && !originMap.has(o.id) && o.s3Content.every((c) => c.folders.length === 0)) {
      warn(`S3 origin '${o.id}' has no BucketDeployment content in the assembly: every object answers 403; pass --origin ${o.id}=URL to serve it from elsewhere`);
    }
  }
  const mismatches = new Set(model.behaviors.flatMap((b) => Object.values(b.edgeFunctions).map((fn) => runtimeMismatch(fn!))));
  for (const m of mismatches) if (m) warn(m);
  const popCount = options.pops ?? 1;
  if (!Number.isInteger(popCount) || popCount < 1 || popCount > 64) throw new LocalEdgeError(`--pops must be an integer from 1 to 64, got: ${options.pops}`);
  const clock: Clock & { advance?(s: number): number } = options.clock === 'virtual' ? new VirtualClock() : new RealClock();
  const pops: Pop[] = Array.from({ length: popCount }, (_, i) => {
    const name = i < POP_CODES.length ? POP_CODES[i] : `LCL${i + 1}-P1`;
    return { name, cache: new CacheTier(name, clock), viaId: hex(`via-${name}`, 16) };
  });
  const shields = new Map<string, CacheTier>();
  const shieldFor = (o: OriginModel) => {
    const region = o.originShield!.region;
    let s = shields.get(region);
    if (!s) shields.set(region, (s = new CacheTier(`shield-${region}`, clock)));
    return s;
  };
  const ctxBase = {
    distributionDomainName: `d${hex(`${model.stackName}/${model.logicalId}`, 13)}.cloudfront.net`,
    distributionId: `E${hex(`id-${model.stackName}/${model.logicalId}`, 13).toUpperCase()}`,
  };
  const handlers: HandlerCache = new Map();
  const agents = createOriginAgents();
  const log: AccessLog = openAccessLog(options.log);
  let stats = emptyStats();
  let rr = 0;
  const viewerCountry = options.viewerCountry ?? 'US';

  const count = (rec: Record<string, number>, k: string) => (rec[k] = (rec[k] ?? 0) + 1);

  const targetFor = (o: CfOrigin): Target | EdgeResponse => {
    const domainName = o.custom?.domainName ?? o.s3?.domainName ?? '';
    const url = originMap.get(domainName);
    if (url) return { kind: 'http', url };
    const known = Object.values(model.origins).find((m) => m.domainName === domainName);
    if (known && known.kind === 's3' && o.s3) return { kind: 's3', origin: known };
    return cloudFrontErrorPage(502, `CloudFront wasn't able to connect to the origin: no --origin mapping for '${domainName}'.`, '');
  };

  /** Origin-request function, the origin itself, origin-response function: a cache miss. */
  /** The origin a behavior targets; for an origin group, its primary. */
  const primaryOrigin = (id: string): OriginModel => model.origins[id] ?? model.origins[model.originGroups![id].members[0]];

  /**
   * A cache miss: the origin-request function, the origin itself, the origin-response function.
   * For an origin group, a failed primary (unreachable, or a failover status code) is followed by
   * the same steps against the secondary.
   */
  const fetchOrigin = async (behavior: BehaviorModel, viewerReq: EdgeRequest, ctx: EventContext, viaId: string, validators?: Validators): Promise<Upstream> => {
    const group = model.originGroups?.[behavior.targetOriginId];
    const members = group ? group.members : [behavior.targetOriginId];
    let up: Upstream | undefined;
    for (const [i, id] of members.entries()) {
      up = await fetchFromOneOrigin(behavior, model.origins[id], viewerReq, ctx, viaId, validators);
      const last = i === members.length - 1;
      const failover = group && (up.kind === 'Error' || group.failoverStatusCodes.includes(up.response.status));
      if (last || !failover) break;
    }
    return up!;
  };

  const fetchFromOneOrigin = async (
    behavior: BehaviorModel,
    originModel: OriginModel,
    viewerReq: EdgeRequest,
    ctx: EventContext,
    viaId: string,
    validators?: Validators,
  ): Promise<Upstream> => {
    const via = `1.1 ${viaId}.cloudfront.net (CloudFront)`;
    const bound = originBoundRequest(behavior, viewerReq, via, ctx.requestId);
    let req = bound.request;
    if (validators?.etag) setHeader(req.headers, 'If-None-Match', validators.etag);
    if (validators?.lastModified) setHeader(req.headers, 'If-Modified-Since', validators.lastModified);
    let cfOrigin = originForEvent(originModel, model.region);
    // Without a forwarded Host, the origin (and the origin-request function) sees the origin's domain.
    if (!bound.forwardHost) setHeader(req.headers, 'Host', originModel.domainName);
    const orq = behavior.edgeFunctions['origin-request'];
    if (orq) {
      count(stats.edgeFunctionInvocations, 'origin-request');
      const out = await runRequestFunction(orq, req, ctx, handlers, cfOrigin);
      if (out.kind === 'response') return { response: out.response, age: 0, failed: false, fromOrigin: true, kind: 'LambdaGeneratedResponse' };
      req = out.request;
      if (out.origin) cfOrigin = out.origin;
    }
    const target = targetFor(cfOrigin);
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
      stats.originFetches++;
      const bs = stats.byBehavior[behavior.pathPattern];
      if (bs) bs.originFetches++;
      try {
        response =
          target.kind === 's3'
            ? fetchS3(target.origin!.s3Content, originPath, req)
            : await fetchHttp(target.url!, originPath, req, cfOrigin.custom?.readTimeout ?? originModel.readTimeoutSeconds, agents);
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
      count(stats.edgeFunctionInvocations, 'origin-response');
      response = await runResponseFunction(ors, req, response, ctx, handlers);
    }
    if (response.status === 304 && validators) return { response, age: 0, notModified: true, failed: false, fromOrigin: true, kind };
    return { response, age: 0, failed, fromOrigin: true, kind };
  };

  const decideFor = (behavior: BehaviorModel) => (res: EdgeResponse) => decideTtl(behavior.cachePolicy, res.status, res.headers, clock.now(), model.errorResponses);

  /** The whole path of one viewer request through one edge location, without writing it out. */
  const processRequest = async (request: EdgeRequest, pop: Pop, requestId: string, viewerProtocol: string, country: string): Promise<Processed> => {
    const behavior = matchBehavior(model.behaviors, request.uri);
    const bs = (stats.byBehavior[behavior.pathPattern] ??= { requests: 0, originFetches: 0, results: {} });
    bs.requests++;
    const ctx: EventContext = { ...ctxBase, requestId };
    const err = (status: number, detail: string, resultType = 'Error'): Processed => ({
      response: cloudFrontErrorPage(status, detail, requestId),
      resultType,
      behavior,
      request,
    });
    if (viewerProtocol === 'http' && behavior.viewerProtocolPolicy !== 'allow-all') {
      if (behavior.viewerProtocolPolicy === 'https-only') return err(403, 'This distribution only accepts HTTPS requests.');
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
    if (!behavior.allowedMethods.includes(request.method)) {
      return err(403, 'This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.');
    }
    const lambdaFailure = (e: unknown): Processed => {
      if (!(e instanceof EdgeFunctionFailure)) throw e;
      warn(`${e.kind}: ${e.message}`);
      return err(e.status, `The Lambda function associated with the CloudFront distribution ${e.kind === 'LambdaValidationError' ? 'returned an invalid response' : 'failed to execute'}.`, e.kind);
    };
    let req = request;
    const vrq = behavior.edgeFunctions['viewer-request'];
    if (vrq) {
      count(stats.edgeFunctionInvocations, 'viewer-request');
      try {
        const out = await runRequestFunction(vrq, req, ctx, handlers);
        if (out.kind === 'response') {
          const response = out.response;
          applyResponseHeadersPolicy(behavior.responseHeadersPolicy, response.headers, req);
          return { response, resultType: 'LambdaGeneratedResponse', behavior, request: req };
        }
        req = out.request;
      } catch (e) {
        return lambdaFailure(e);
      }
    }
    // CloudFront adds its viewer headers after the viewer-request function; they reach the cache key
    // and the origin only where a policy names them.
    setHeader(req.headers, 'CloudFront-Viewer-Country', country);
    setHeader(req.headers, 'CloudFront-Forwarded-Proto', viewerProtocol);
    setHeader(req.headers, 'CloudFront-Viewer-Address', `${req.clientIp}:0`);
    for (const [k, v] of Object.entries(deviceHeaders(getHeader(req.headers, 'user-agent')))) setHeader(req.headers, k, v);

    const key = cacheKey(behavior, req);
    const cacheable = behavior.cachedMethods.includes(req.method) && req.method !== 'HEAD' && req.body.length === 0;
    const originShield = primaryOrigin(behavior.targetOriginId).originShield;
    const toOrigin = (v?: Validators) => fetchOrigin(behavior, req, ctx, pop.viaId, v);
    let served: Served;
    try {
      if (cacheable) {
        const decide = decideFor(behavior);
        const upstream = originShield
          ? async (v?: Validators): Promise<Upstream> => {
              const shield = shieldFor(primaryOrigin(behavior.targetOriginId));
              const s = await shield.lookup(key, toOrigin, decide);
              const fromOrigin = s.result === 'Miss' && !!s.upstream?.fromOrigin;
              if (!fromOrigin) stats.shieldHits++;
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
        served = await pop.cache.lookup(key, upstream, decide);
      } else if (req.method === 'HEAD' && behavior.cachedMethods.includes('HEAD')) {
        const stored = pop.cache.stored(cacheKey(behavior, { ...req, method: 'GET' }));
        if (stored && stored.age < stored.decision.ttl) served = { response: stored.response, result: 'Hit', age: stored.age };
        else served = { response: (await toOrigin()).response, result: 'Miss' };
      } else {
        const up = await toOrigin();
        served = { response: up.response, result: 'Miss', upstream: up };
      }
    } catch (e) {
      return lambdaFailure(e);
    }
    let response: EdgeResponse = { ...served.response, headers: cloneHeaders(served.response.headers) };
    const viaOrigin = served.result === 'Miss' && served.upstream?.fromOrigin !== false;
    let resultType: string;
    if (served.upstream?.kind === 'LambdaGeneratedResponse' && served.result === 'Miss') resultType = 'LambdaGeneratedResponse';
    else if (response.status >= 400) resultType = 'Error';
    else if (served.result === 'RefreshHit') resultType = 'RefreshHit';
    else if (served.result === 'Miss' && viaOrigin) resultType = 'Miss';
    else resultType = 'Hit';
    const detailed = served.result === 'Miss' && !viaOrigin ? 'OriginShieldHit' : served.result;
    const vrs = behavior.edgeFunctions['viewer-response'];
    if (vrs && response.status < 400) {
      count(stats.edgeFunctionInvocations, 'viewer-response');
      try {
        response = await runResponseFunction(vrs, req, response, ctx, handlers);
      } catch (e) {
        return lambdaFailure(e);
      }
    }
    applyResponseHeadersPolicy(behavior.responseHeadersPolicy, response.headers, req);
    return { response, resultType, behavior, age: served.result === 'Miss' && viaOrigin ? undefined : served.age, request: req, detailed };
  };

  /** CustomErrorResponses: the page named for an error code, fetched through the distribution. */
  const customErrorPage = async (p: Processed, pop: Pop, requestId: string, viewerProtocol: string, country: string): Promise<Processed> => {
    const custom = model.errorResponses.find((e) => e.errorCode === p.response.status);
    if (!custom || (!custom.responsePagePath && !custom.responseCode)) return p;
    let page = p.response;
    if (custom.responsePagePath) {
      const [uri, querystring = ''] = custom.responsePagePath.split('?');
      const sub = await processRequest(
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
  };

  /**
   * A viewer's conditional GET answered from what CloudFront holds: 304 when its If-None-Match names
   * the object's ETag (weak comparison) or, without one, when the object is not newer than
   * If-Modified-Since.
   */
  const notModifiedForViewer = (p: Processed, viewerReq: EdgeRequest): Processed => {
    if (p.response.status !== 200 || (viewerReq.method !== 'GET' && viewerReq.method !== 'HEAD')) return p;
    const inm = getHeader(viewerReq.headers, 'if-none-match');
    const ims = getHeader(viewerReq.headers, 'if-modified-since');
    const etag = getHeader(p.response.headers, 'etag');
    const lastModified = getHeader(p.response.headers, 'last-modified');
    const opaque = (t: string) => t.trim().replace(/^W\//, '');
    const matches = inm
      ? !!etag && (inm.trim() === '*' || inm.split(',').some((t) => opaque(t) === opaque(etag)))
      : !!ims && !!lastModified && Date.parse(lastModified) <= Date.parse(ims);
    if (!matches) return p;
    const headers = cloneHeaders(p.response.headers);
    for (const h of ['content-length', 'content-encoding', 'transfer-encoding']) delete headers[h];
    return { ...p, response: { status: 304, statusDescription: 'Not Modified', headers, body: Buffer.alloc(0) } };
  };

  /**
   * A single byte range of a whole object the edge holds: 206 with Content-Range, or 416 when the
   * range lies outside the object. Several ranges, or a malformed one, get the whole object.
   */
  const rangeForViewer = (p: Processed, viewerReq: EdgeRequest): Processed => {
    const range = getHeader(viewerReq.headers, 'range');
    if (!range || p.response.status !== 200 || viewerReq.method !== 'GET') return p;
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (!m || (m[1] === '' && m[2] === '')) return p;
    const size = p.response.body.length;
    let start: number;
    let end: number;
    if (m[1] === '') {
      start = Math.max(0, size - Number(m[2]));
      end = size - 1;
    } else {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    }
    const headers = cloneHeaders(p.response.headers);
    if (start >= size || start > end) {
      setHeader(headers, 'Content-Range', `bytes */${size}`);
      return { ...p, response: { status: 416, statusDescription: 'Requested Range Not Satisfiable', headers, body: Buffer.alloc(0) }, range: undefined };
    }
    setHeader(headers, 'Content-Range', `bytes ${start}-${end}/${size}`);
    return { ...p, response: { status: 206, statusDescription: 'Partial Content', headers, body: p.response.body.subarray(start, end + 1) }, range: [start, end] };
  };

  const writeResponse = (res: http.ServerResponse, method: string, viewerReq: EdgeRequest, p: Processed, pop: Pop, requestId: string): number => {
    const response = p.response;
    const headers = response.headers;
    let body = response.body;
    const encoding = p.behavior
      ? chooseEncoding({
          enabled: p.behavior.compress,
          gzip: p.behavior.cachePolicy.gzip,
          brotli: p.behavior.cachePolicy.brotli,
          acceptEncoding: getHeader(viewerReq.headers, 'accept-encoding'),
          contentType: getHeader(headers, 'content-type'),
          contentEncoding: getHeader(headers, 'content-encoding'),
          size: body.length,
        })
      : undefined;
    if (encoding && response.status === 200) {
      body = compress(body, encoding);
      setHeader(headers, 'Content-Encoding', encoding);
      const vary = getHeader(headers, 'vary');
      if (!vary || !/accept-encoding/i.test(vary)) setHeader(headers, 'Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
      // "ETag header conversion": a strong ETag becomes weak once CloudFront has compressed the body.
      const etag = getHeader(headers, 'etag');
      if (etag && !etag.startsWith('W/')) setHeader(headers, 'ETag', `W/${etag}`);
    }
    for (const h of ['connection', 'keep-alive', 'transfer-encoding']) deleteHeader(headers, h);
    if (response.status !== 304) setHeader(headers, 'Content-Length', String(body.length));
    setHeader(headers, 'X-Cache', `${p.resultType} from cloudfront`);
    const via = `1.1 ${pop.viaId}.cloudfront.net (CloudFront)`;
    const prevVia = getHeader(headers, 'via');
    setHeader(headers, 'Via', prevVia ? `${prevVia}, ${via}` : via);
    setHeader(headers, 'X-Amz-Cf-Pop', pop.name);
    setHeader(headers, 'X-Amz-Cf-Id', requestId);
    if (p.age !== undefined) setHeader(headers, 'Age', String(Math.floor(p.age)));
    if (!headers.date) setHeader(headers, 'Date', new Date(clock.now()).toUTCString());
    res.writeHead(response.status, response.statusDescription || reason(response.status) || undefined, headersToNode(headers));
    if (method === 'HEAD' || response.status === 304 || response.status === 204) res.end();
    else res.end(body);
    return body.length;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = process.hrtime.bigint();
    const requestId = newRequestId();
    const rawUrl = req.url ?? '/';
    if (rawUrl.startsWith(CONTROL_PREFIX)) return control(req, res, rawUrl);
    const hookPop = req.headers[POP_HEADER];
    let pop: Pop;
    if (typeof hookPop === 'string') {
      const byIndex = /^\d+$/.test(hookPop) ? pops[Number(hookPop) % pops.length] : undefined;
      pop = byIndex ?? pops.find((p) => p.name === hookPop) ?? pops[0];
    } else {
      pop = pops[rr++ % pops.length];
    }
    const country = (typeof req.headers[VIEWER_COUNTRY_HOOK] === 'string' ? (req.headers[VIEWER_COUNTRY_HOOK] as string) : viewerCountry).toUpperCase();
    const hookProto = req.headers[VIEWER_PROTOCOL_HOOK];
    const viewerProtocol = hookProto === 'http' || hookProto === 'https' ? hookProto : (options.viewerProtocol ?? 'https');
    const headers = headersFromRaw(req.rawHeaders);
    for (const h of [POP_HEADER, VIEWER_COUNTRY_HOOK, VIEWER_PROTOCOL_HOOK]) delete headers[h];
    const q = rawUrl.indexOf('?');
    let uri = q < 0 ? rawUrl : rawUrl.slice(0, q);
    // DefaultRootObject applies to the root URL only, never to subfolders (as in CloudFront).
    if (uri === '/' && model.defaultRootObject) uri = `/${model.defaultRootObject.replace(/^\/+/, '')}`;
    const querystring = q < 0 ? '' : rawUrl.slice(q + 1);
    const clientIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const method = req.method ?? 'GET';
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    const viewerReq: EdgeRequest = { method, uri, querystring, headers, clientIp, body };
    stats.viewerRequests++;
    const ps = (stats.byPop[pop.name] ??= { requests: 0, hits: 0 });
    ps.requests++;
    let p: Processed;
    if (Buffer.byteLength(rawUrl) > MAX_URL_BYTES) {
      p = { response: cloudFrontErrorPage(413, `Bad request: the URL is longer than ${MAX_URL_BYTES} bytes.`, requestId), resultType: 'Error', request: viewerReq };
    } else if (!uri.startsWith('/')) {
      p = { response: cloudFrontErrorPage(400, 'Bad request.', requestId), resultType: 'Error', request: viewerReq };
    } else {
      try {
        p = await processRequest({ ...viewerReq, headers: cloneHeaders(headers) }, pop, requestId, viewerProtocol, country);
        if (p.response.status >= 400) p = await customErrorPage(p, pop, requestId, viewerProtocol, country);
      } catch (e) {
        warn(`internal error on ${method} ${rawUrl}: ${e instanceof Error ? e.stack : String(e)}`);
        p = { response: cloudFrontErrorPage(502, 'Internal error in the local edge.', requestId), resultType: 'Error', request: viewerReq };
      }
    }
    count(stats.results, p.resultType);
    if (p.behavior) count(stats.byBehavior[p.behavior.pathPattern].results, p.resultType);
    if (p.resultType === 'Hit' || p.resultType === 'RefreshHit') ps.hits++;
    let bytes = 0;
    let served: Processed | undefined;
    try {
      served = rangeForViewer(notModifiedForViewer(p, viewerReq), viewerReq);
      bytes = writeResponse(res, method, viewerReq, served, pop, requestId);
    } catch (e) {
      warn(`could not write the response to ${method} ${rawUrl}: ${e instanceof Error ? e.message : String(e)}`);
      res.destroy();
    }
    if (!log.enabled) return;
    const now = new Date(clock.now()).toISOString();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    log.write({
      date: now.slice(0, 10),
      time: now.slice(11, 19),
      'x-edge-location': pop.name,
      'sc-bytes': bytes,
      'c-ip': clientIp,
      'cs-method': method,
      'cs(Host)': ctxBase.distributionDomainName,
      'cs-uri-stem': uri,
      'sc-status': p.response.status,
      'cs(Referer)': getHeader(headers, 'referer'),
      'cs(User-Agent)': getHeader(headers, 'user-agent'),
      'cs-uri-query': querystring,
      'cs(Cookie)': getHeader(headers, 'cookie'),
      'x-edge-result-type': p.resultType,
      'x-edge-request-id': requestId,
      'x-host-header': getHeader(headers, 'host'),
      'cs-protocol': viewerProtocol,
      'cs-bytes': body.length + rawUrl.length,
      'time-taken': seconds.toFixed(3),
      'x-forwarded-for': getHeader(headers, 'x-forwarded-for'),
      'ssl-protocol': viewerProtocol === 'https' ? 'TLSv1.3' : undefined,
      'ssl-cipher': viewerProtocol === 'https' ? 'TLS_AES_128_GCM_SHA256' : undefined,
      'x-edge-response-result-type': p.resultType,
      'cs-protocol-version': `HTTP/${req.httpVersion}`,
      'c-port': req.socket.remotePort,
      'time-to-first-byte': seconds.toFixed(3),
      'x-edge-detailed-result-type': p.detailed ?? p.resultType,
      'sc-content-type': getHeader(p.response.headers, 'content-type'),
      'sc-content-len': bytes,
      'sc-range-start': served?.range?.[0],
      'sc-range-end': served?.range?.[1],
    });
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const control = (req: http.IncomingMessage, res: http.ServerResponse, rawUrl: string) => {
    const url = new URL(rawUrl, 'http://local');
    const route = url.pathname.slice(CONTROL_PREFIX.length);
    req.resume();
    if (route === 'clock' && req.method === 'GET') return json(res, 200, { kind: clock.kind, now: new Date(clock.now()).toISOString() });
    if (route === 'clock/advance' && req.method === 'POST') {
      if (!(clock instanceof VirtualClock)) return json(res, 409, { error: 'the clock is real; start the local edge with --clock virtual to move time' });
      const seconds = Number(url.searchParams.get('seconds'));
      if (!url.searchParams.has('seconds') || !Number.isFinite(seconds) || seconds < 0) {
        return json(res, 400, { error: `seconds must be a number >= 0, got: ${JSON.stringify(url.searchParams.get('seconds'))}` });
      }
      clock.advance(seconds);
      return json(res, 200, { kind: clock.kind, now: new Date(clock.now()).toISOString() });
    }
    if (route === 'stats' && req.method === 'GET') return json(res, 200, stats);
    if (route === 'invalidate' && req.method === 'POST') {
      const paths = url.searchParams.getAll('path');
      try {
        return json(res, 200, { paths, invalidated: invalidate(paths) });
      } catch (e) {
        return json(res, 400, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (route === 'stats/reset' && req.method === 'POST') {
      stats = emptyStats();
      return json(res, 200, stats);
    }
    return json(res, 404, { error: `unknown control endpoint ${req.method} ${url.pathname}; known: GET clock, POST clock/advance?seconds=N, GET stats, POST stats/reset, POST invalidate?path=/p&path=/q*` });
  };

  const server = http.createServer({ maxHeaderSize: MAX_REQUEST_HEADER_BYTES, keepAliveTimeout: 5000 }, (req, res) => {
    handle(req, res).catch((e) => {
      warn(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW' || err.code === 'HPE_URI_TOO_LONG';
    const status = tooLarge ? 413 : 400;
    const page = cloudFrontErrorPage(status, tooLarge ? `Bad request: the request line and headers exceed ${MAX_REQUEST_HEADER_BYTES} bytes.` : 'Bad request.', newRequestId());
    socket.write(
      `HTTP/1.1 ${status} ${reason(status)}\r\nServer: CloudFront\r\nContent-Type: text/html\r\nContent-Length: ${page.body.length}\r\nX-Cache: Error from cloudfront\r\nConnection: close\r\n\r\n`,
    );
    socket.end(page.body);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 8080, host);
  const port = (server.address() as AddressInfo).port;
  const allTiers = () => [...pops.map((p) => p.cache), ...shields.values()];
  const invalidate = (paths: readonly string[]): number => {
    const problems = paths.filter((p) => !p.startsWith('/') || p.slice(0, -1).includes('*'));
    if (problems.length || paths.length === 0) {
      throw new LocalEdgeError(`invalidation paths must start with '/' and may have '*' only at the end, got: ${JSON.stringify(paths)}`);
    }
    const matchers = paths.map((p) => (p.endsWith('*') ? (uri: string) => uri.startsWith(p.slice(0, -1)) : (uri: string) => uri === p));
    // The uri is the third element of every cache key (see cacheKey).
    const match = (key: string) => {
      const uri = (JSON.parse(key) as unknown[])[2] as string;
      return matchers.some((m) => m(uri));
    };
    return pops.reduce((n, p) => n + p.cache.invalidate(match), 0) + [...shields.values()].reduce((n, t) => n + t.invalidate(match), 0);
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    distribution: model,
    pops: pops.map((p) => p.name),
    clock,
    get stats() {
      return stats;
    },
    resetStats() {
      stats = emptyStats();
    },
    invalidate,
    async settle() {
      await Promise.all(allTiers().map((t) => t.settle()));
    },
    async close() {
      await Promise.all(allTiers().map((t) => t.settle()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      agents.http.destroy();
      agents.https.destroy();
      await log.close();
    },
  };
}
