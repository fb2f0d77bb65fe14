import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import { confinementProblem } from './assembly-paths';
import type { EdgeEventType, EdgeFunctionModel, OriginModel } from './model';
import { type CfHeaders, type EdgeRequest, type EdgeResponse, canonicalName } from './http-types';

/**
 * Lambda@Edge as CloudFront runs it: the bundle from cdk.out, invoked with CloudFront's event shapes,
 * and its answer checked against CloudFront's restrictions ("Restrictions on edge functions",
 * "Quotas on Lambda@Edge"). A breach is a `LambdaValidationError` (502); a thrown error or a timeout
 * is a `LambdaExecutionError` (503), as CloudFront answers them.
 */

export class EdgeFunctionFailure extends Error {
  constructor(
    readonly kind: 'LambdaValidationError' | 'LambdaExecutionError',
    readonly status: 502 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeFunctionFailure';
  }
}

const DISALLOWED_EXACT = new Set([
  'connection', 'expect', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'trailer', 'upgrade', 'x-cache', 'x-forwarded-proto', 'x-real-ip',
]);
const DISALLOWED_PREFIXES = ['x-accel-', 'x-amz-cf-', 'x-amzn-', 'x-edge-'];

export function isDisallowedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return DISALLOWED_EXACT.has(n) || DISALLOWED_PREFIXES.some((p) => n.startsWith(p));
}

/** Headers a function of each event type may read but not change. */
export const READ_ONLY_HEADERS: Readonly<Record<EdgeEventType, readonly string[]>> = {
  'viewer-request': ['content-length', 'host', 'transfer-encoding', 'via'],
  'origin-request': ['accept-encoding', 'content-length', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'transfer-encoding', 'via'],
  'origin-response': ['transfer-encoding', 'via'],
  'viewer-response': ['content-encoding', 'content-length', 'transfer-encoding', 'warning', 'via'],
};

/** Generated response body limits: 40 KB for viewer events, 1 MB for origin events. */
export const GENERATED_BODY_LIMIT: Readonly<Record<EdgeEventType, number>> = {
  'viewer-request': 40 * 1024,
  'viewer-response': 40 * 1024,
  'origin-request': 1024 * 1024,
  'origin-response': 1024 * 1024,
};

export const TIMEOUT_MS: Readonly<Record<EdgeEventType, number>> = {
  'viewer-request': 5000,
  'viewer-response': 5000,
  'origin-request': 30000,
  'origin-response': 30000,
};

/**
 * The local edge runs bundles in this process, so on the node major that runs it. Lambda@Edge runs
 * them on the function's `Runtime`: a different major can behave differently (globals, crypto
 * defaults), so it is said once at start. Undefined when they match or the runtime is not node.
 */
export function runtimeMismatch(fn: EdgeFunctionModel, nodeVersion: string = process.versions.node): string | undefined {
  const want = /^nodejs(\d+)\.x$/.exec(fn.runtime ?? '')?.[1];
  const have = nodeVersion.replace(/^v/, '').split('.')[0];
  if (!want || want === have) return undefined;
  return `edge function ${fn.name} runs on ${fn.runtime} at the edge but on node ${nodeVersion.replace(/^v/, '')} here: run the local edge on node ${want} so a local pass predicts a deploy`;
}

type Handler = (event: unknown, context: unknown, callback: (err: unknown, result?: unknown) => void) => unknown;

/** Loaded handlers of one local edge, as the warm execution environments of its functions. */
export type HandlerCache = Map<string, Handler>;

/** Where the console output of the functions loaded into a cache goes: `(line, function name)`. */
const consoles = new WeakMap<HandlerCache, (line: string, fn: string) => void>();

/**
 * Sends what the functions of this cache write with `console` (in Lambda@Edge: CloudWatch Logs,
 * among them one JSON line per rejection) to `sink`, instead of the local edge's own stdout.
 */
export function captureEdgeConsole(handlers: HandlerCache, sink: (line: string, fn: string) => void): void {
  consoles.set(handlers, sink);
}

function edgeConsole(sink: (line: string, fn: string) => void, fn: string): Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'> {
  const write = (...args: unknown[]) => sink(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '), fn);
  return { log: write, info: write, warn: write, error: write, debug: write };
}

/**
 * Loads a function's code in a module scope of its own (not node's shared module cache), so module
 * state of one function or one local edge never leaks into another.
 */
export function loadEdgeFunction(fn: EdgeFunctionModel, loaded: HandlerCache = new Map()): Handler {
  const [file, exportName] = splitHandler(fn.handler);
  const outside = confinementProblem(fn.codeDir, file);
  if (outside) throw new Error(`edge function ${fn.name}: handler ${JSON.stringify(fn.handler)} names a file outside its code folder (${outside})`);
  const filename = ['.js', '.cjs', '.mjs', ''].map((ext) => path.join(fn.codeDir, file + ext)).find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  if (!filename) throw new Error(`edge function ${fn.name}: handler file '${file}' not found in ${fn.codeDir}`);
  const cacheKey = `${filename}#${exportName}`;
  const cached = loaded.get(cacheKey);
  if (cached) return cached;
  const m = new Module(filename) as Module & { _compile(code: string, filename: string): void; paths: string[] };
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
  const sink = consoles.get(loaded);
  let code = fs.readFileSync(filename, 'utf8');
  if (sink) {
    // The bundle's `console` is the local edge's: a binding in the module scope, after any directive
    // prologue so strict mode stays, on the first line so stack traces keep their line numbers.
    (m as unknown as { edgeConsole: unknown }).edgeConsole = edgeConsole(sink, fn.name);
    const prologue = /^(\s*(?:(?:"use strict"|'use strict');?\s*))?/.exec(code)![0];
    code = `${prologue}var console = module.edgeConsole;${code.slice(prologue.length)}`;
  }
  m._compile(code, filename);
  const handler = (m.exports as Record<string, unknown>)[exportName];
  if (typeof handler !== 'function') throw new Error(`edge function ${fn.name}: '${fn.handler}' does not export a function '${exportName}'`);
  loaded.set(cacheKey, handler as Handler);
  return handler as Handler;
}

function splitHandler(h: string): [string, string] {
  const i = h.lastIndexOf('.');
  return i < 0 ? ['index', h] : [h.slice(0, i), h.slice(i + 1)];
}

export interface EventContext {
  readonly distributionDomainName: string;
  readonly distributionId: string;
  readonly requestId: string;
}

export interface CfOrigin {
  custom?: {
    customHeaders: CfHeaders;
    domainName: string;
    keepaliveTimeout: number;
    path: string;
    port: number;
    protocol: 'http' | 'https';
    readTimeout: number;
    sslProtocols: string[];
  };
  s3?: { authMethod: string; customHeaders: CfHeaders; domainName: string; path: string; region: string };
}

export function originForEvent(o: OriginModel, region: string): CfOrigin {
  const customHeaders: CfHeaders = {};
  for (const [k, v] of Object.entries(o.customHeaders)) customHeaders[k] = [{ key: canonicalName(k), value: v }];
  if (o.kind === 's3') {
    return { s3: { authMethod: 'origin-access-identity', customHeaders, domainName: o.domainName, path: o.originPath, region } };
  }
  const https = o.protocolPolicy !== 'http-only';
  return {
    custom: {
      customHeaders,
      domainName: o.domainName,
      keepaliveTimeout: 5,
      path: o.originPath,
      port: https ? o.httpsPort : o.httpPort,
      protocol: https ? 'https' : 'http',
      readTimeout: o.readTimeoutSeconds,
      sslProtocols: ['TLSv1.2'],
    },
  };
}

interface CfRequestShape {
  clientIp: string;
  headers: CfHeaders;
  method: string;
  querystring: string;
  uri: string;
  body?: { inputTruncated: boolean; action: string; encoding: string; data: string };
  origin?: CfOrigin;
}

function requestForEvent(req: EdgeRequest, includeBody: boolean, origin?: CfOrigin): CfRequestShape {
  const out: CfRequestShape = {
    clientIp: req.clientIp,
    headers: structuredClone(req.headers),
    method: req.method,
    querystring: req.querystring,
    uri: req.uri,
  };
  if (includeBody) out.body = { inputTruncated: false, action: 'read-only', encoding: 'base64', data: req.body.toString('base64') };
  if (origin) out.origin = structuredClone(origin);
  return out;
}

function responseForEvent(res: EdgeResponse): { status: string; statusDescription: string; headers: CfHeaders } {
  return { status: String(res.status), statusDescription: res.statusDescription, headers: structuredClone(res.headers) };
}

async function invoke(fn: EdgeFunctionModel, event: unknown, requestId: string, handlers: HandlerCache): Promise<unknown> {
  let handler: Handler;
  try {
    handler = loadEdgeFunction(fn, handlers);
  } catch (err) {
    // A bundle that fails to load fails every invocation, as an init error does in Lambda.
    throw new EdgeFunctionFailure('LambdaExecutionError', 503, `${fn.name} (${fn.eventType}) failed to load: ${err instanceof Error ? err.message : String(err)}`);
  }
  const limit = TIMEOUT_MS[fn.eventType];
  let timer: NodeJS.Timeout | undefined;
  const context = {
    functionName: `us-east-1.${fn.name}`,
    functionVersion: '1',
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => limit,
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    return await Promise.race([
      new Promise((resolve, reject) => {
        const done = (err: unknown, result?: unknown) => (err ? reject(err) : resolve(result));
        try {
          const r = handler(event, context, done);
          if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new EdgeFunctionFailure('LambdaExecutionError', 503, `${fn.name} (${fn.eventType}) timed out after ${limit} ms`)), limit);
        timer.unref();
      }),
    ]);
  } catch (err) {
    if (err instanceof EdgeFunctionFailure) throw err;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new EdgeFunctionFailure('LambdaExecutionError', 503, `${fn.name} (${fn.eventType}) threw ${message}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function invalid(fn: EdgeFunctionModel, message: string): EdgeFunctionFailure {
  return new EdgeFunctionFailure('LambdaValidationError', 502, `${fn.name} (${fn.eventType}): ${message}`);
}

function checkHeaders(fn: EdgeFunctionModel, before: CfHeaders, after: unknown, what: string): CfHeaders {
  if (after === undefined) return {};
  if (!after || typeof after !== 'object' || Array.isArray(after)) throw invalid(fn, `${what} headers must be an object, got: ${JSON.stringify(after)}`);
  const out: CfHeaders = {};
  for (const [name, list] of Object.entries(after as Record<string, unknown>)) {
    if (name !== name.toLowerCase()) throw invalid(fn, `${what} header map key '${name}' must be lower case`);
    if (!Array.isArray(list)) throw invalid(fn, `${what} header '${name}' must be a list of {key, value}, got: ${JSON.stringify(list)}`);
    for (const e of list) {
      if (!e || typeof e !== 'object' || typeof (e as { value?: unknown }).value !== 'string') {
        throw invalid(fn, `${what} header '${name}' has an entry without a string value: ${JSON.stringify(e)}`);
      }
      const key = (e as { key?: unknown }).key;
      if (key !== undefined && String(key).toLowerCase() !== name) throw invalid(fn, `${what} header '${name}' has key '${String(key)}'`);
    }
    out[name] = (list as Array<{ key?: string; value: string }>).map((e) => ({ key: e.key, value: e.value }));
  }
  const same = (a?: CfHeaders[string], b?: CfHeaders[string]) => JSON.stringify(a?.map((e) => e.value) ?? null) === JSON.stringify(b?.map((e) => e.value) ?? null);
  for (const name of new Set([...Object.keys(before), ...Object.keys(out)])) {
    if (same(before[name], out[name])) continue;
    if (isDisallowedHeader(name)) throw invalid(fn, `${what} header '${name}' may not be added or changed by an edge function`);
    if (READ_ONLY_HEADERS[fn.eventType].includes(name)) throw invalid(fn, `${what} header '${name}' is read-only in ${fn.eventType} events`);
  }
  return out;
}

function generatedResponse(fn: EdgeFunctionModel, r: Record<string, unknown>): EdgeResponse {
  const status = Number(r.status);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw invalid(fn, `generated response status must be an HTTP status code, got: ${JSON.stringify(r.status)}`);
  const headers = checkHeaders(fn, {}, r.headers, 'generated response');
  let body = Buffer.alloc(0);
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') throw invalid(fn, `generated response body must be a string, got: ${typeof r.body}`);
    body = r.bodyEncoding === 'base64' ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  }
  const limit = GENERATED_BODY_LIMIT[fn.eventType];
  if (body.length > limit) throw invalid(fn, `generated response body is ${body.length} bytes; the limit for ${fn.eventType} is ${limit}`);
  return { status, statusDescription: typeof r.statusDescription === 'string' ? r.statusDescription : '', headers, body };
}

function event(eventType: EdgeEventType, ctx: EventContext, payload: Record<string, unknown>) {
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: ctx.distributionDomainName, distributionId: ctx.distributionId, eventType, requestId: ctx.requestId },
          ...payload,
        },
      },
    ],
  };
}

export type RequestOutcome = { kind: 'request'; request: EdgeRequest; origin?: CfOrigin } | { kind: 'response'; response: EdgeResponse };

/** viewer-request or origin-request: the (possibly changed) request, or a response the function generated. */
export async function runRequestFunction(
  fn: EdgeFunctionModel,
  req: EdgeRequest,
  ctx: EventContext,
  handlers: HandlerCache,
  origin?: CfOrigin,
): Promise<RequestOutcome> {
  const shaped = requestForEvent(req, fn.includeBody, origin);
  const result = await invoke(fn, event(fn.eventType, ctx, { request: shaped }), ctx.requestId, handlers);
  if (!result || typeof result !== 'object') throw invalid(fn, `must return a request or a response, got: ${JSON.stringify(result)}`);
  const r = result as Record<string, unknown>;
  if ('status' in r) return { kind: 'response', response: generatedResponse(fn, r) };
  const headers = checkHeaders(fn, req.headers, r.headers, 'request');
  const uri = typeof r.uri === 'string' ? r.uri : req.uri;
  if (!uri.startsWith('/')) throw invalid(fn, `request uri must start with '/', got: ${JSON.stringify(r.uri)}`);
  let body = req.body;
  const b = r.body as { action?: string; data?: string; encoding?: string } | undefined;
  if (b && b.action === 'replace' && typeof b.data === 'string') body = b.encoding === 'base64' ? Buffer.from(b.data, 'base64') : Buffer.from(b.data, 'utf8');
  return {
    kind: 'request',
    request: {
      method: req.method,
      uri,
      querystring: typeof r.querystring === 'string' ? r.querystring : req.querystring,
      headers,
      clientIp: req.clientIp,
      body,
    },
    origin: (r.origin as CfOrigin | undefined) ?? origin,
  };
}

/** origin-response or viewer-response: the (possibly changed) response. Bodies cannot be changed here. */
export async function runResponseFunction(
  fn: EdgeFunctionModel,
  req: EdgeRequest,
  res: EdgeResponse,
  ctx: EventContext,
  handlers: HandlerCache,
): Promise<EdgeResponse> {
  const shaped = requestForEvent(req, false);
  const result = await invoke(fn, event(fn.eventType, ctx, { request: shaped, response: responseForEvent(res) }), ctx.requestId, handlers);
  if (!result || typeof result !== 'object') throw invalid(fn, `must return a response, got: ${JSON.stringify(result)}`);
  const r = result as Record<string, unknown>;
  // "Viewer response functions cannot modify the HTTP status code" (Restrictions on Lambda@Edge).
  const status = r.status === undefined || fn.eventType === 'viewer-response' ? res.status : Number(r.status);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw invalid(fn, `response status must be an HTTP status code, got: ${JSON.stringify(r.status)}`);
  const headers = checkHeaders(fn, res.headers, r.headers, 'response');
  let body = res.body;
  if (typeof r.body === 'string') {
    body = r.bodyEncoding === 'base64' ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
    const limit = GENERATED_BODY_LIMIT[fn.eventType];
    if (body.length > limit) throw invalid(fn, `replaced response body is ${body.length} bytes; the limit for ${fn.eventType} is ${limit}`);
  }
  return { status, statusDescription: typeof r.statusDescription === 'string' ? r.statusDescription : res.statusDescription, headers, body };
}
