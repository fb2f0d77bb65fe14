import { GENERATED_BODY_LIMIT, READ_ONLY_HEADERS, isDisallowedHeader } from './edge-functions';
import { FunctionFailure } from './cf-function';
import type { CfHeaders, EdgeRequest, EdgeResponse } from './http-types';
import type { CloudFrontFunctionModel } from './model';
import { parseCookies } from '../../lambda-edge/shared/cookies';

/**
 * The event object CloudFront Functions receive ("CloudFront Functions event structure", version
 * 1.0) and the request or response they return, translated to and from the local edge's own
 * request and response. What a function returns is checked as CloudFront checks it; a result it
 * cannot use is a FunctionValidationError (502).
 */

export interface FnValue {
  value: string;
  multiValue?: Array<{ value: string }>;
}
export interface FnCookie {
  value: string;
  attributes?: string;
  multiValue?: Array<{ value: string; attributes?: string }>;
}
export interface FnRequest {
  method: string;
  uri: string;
  querystring: Record<string, FnValue>;
  headers: Record<string, FnValue>;
  cookies: Record<string, FnValue>;
}
export interface FnResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, FnValue>;
  cookies: Record<string, FnCookie>;
}

export interface FnEventContext {
  readonly distributionDomainName: string;
  readonly distributionId: string;
  readonly requestId: string;
}

function multi<T extends { value: string }>(list: T[]): FnValue & { multiValue?: T[] } {
  return list.length > 1 ? { ...list[0], multiValue: list } : { ...list[0] };
}

function group<T extends { value: string }>(pairs: Array<[string, T]>): Record<string, FnValue & { multiValue?: T[] }> {
  const by = new Map<string, T[]>();
  for (const [k, v] of pairs) {
    const list = by.get(k);
    if (list) list.push(v);
    else by.set(k, [v]);
  }
  const out: Record<string, FnValue & { multiValue?: T[] }> = {};
  for (const [k, list] of by) out[k] = multi(list);
  return out;
}

/** `a=1&b=2&a=3` as the event carries it: values as the viewer sent them, repeats in multiValue. */
export function querystringToFunction(raw: string): Record<string, FnValue> {
  if (!raw) return {};
  return group(
    raw
      .split('&')
      .filter(Boolean)
      .map((part): [string, { value: string }] => {
        const i = part.indexOf('=');
        return i < 0 ? [part, { value: '' }] : [part.slice(0, i), { value: part.slice(i + 1) }];
      }),
  );
}

export function querystringFromFunction(qs: unknown, fn: CloudFrontFunctionModel): string {
  if (qs === undefined || qs === null) return '';
  if (typeof qs === 'string') return qs.replace(/^\?/, '');
  const entries = valueMap(qs, 'querystring', fn);
  const parts: string[] = [];
  for (const [k, list] of entries) for (const v of list) parts.push(v === '' ? k : `${k}=${v}`);
  return parts.join('&');
}

function parseCookieHeader(values: string[]): Array<[string, { value: string }]> {
  return parseCookies(values).map((c): [string, { value: string }] => [c.name, { value: c.value }]);
}

function headersToFunction(headers: CfHeaders, skip: string): Record<string, FnValue> {
  const out: Record<string, FnValue> = {};
  for (const [name, list] of Object.entries(headers)) {
    if (name === skip || list.length === 0) continue;
    out[name] = multi(list.map((e) => ({ value: e.value })));
  }
  return out;
}

export function requestToFunction(req: EdgeRequest): FnRequest {
  return {
    method: req.method,
    uri: req.uri,
    querystring: querystringToFunction(req.querystring),
    headers: headersToFunction(req.headers, 'cookie'),
    cookies: group(parseCookieHeader((req.headers.cookie ?? []).map((e) => e.value))),
  };
}

export function responseToFunction(res: EdgeResponse): FnResponse {
  const cookies: Array<[string, { value: string; attributes: string }]> = [];
  for (const e of res.headers['set-cookie'] ?? []) {
    const [pair, ...attrs] = e.value.split(';');
    const i = pair.indexOf('=');
    const name = (i < 0 ? pair : pair.slice(0, i)).trim();
    cookies.push([name, { value: i < 0 ? '' : pair.slice(i + 1).trim(), attributes: attrs.map((a) => a.trim()).join('; ') }]);
  }
  return {
    statusCode: res.status,
    statusDescription: res.statusDescription,
    headers: headersToFunction(res.headers, 'set-cookie'),
    cookies: group(cookies) as Record<string, FnCookie>,
  };
}

export function functionEvent(eventType: string, ctx: FnEventContext, viewerIp: string, request: FnRequest, response?: FnResponse) {
  return {
    version: '1.0',
    context: { distributionDomainName: ctx.distributionDomainName, distributionId: ctx.distributionId, eventType, requestId: ctx.requestId },
    viewer: { ip: viewerIp },
    request,
    ...(response ? { response } : {}),
  };
}

function invalid(fn: CloudFrontFunctionModel, message: string): FunctionFailure {
  return new FunctionFailure('FunctionValidationError', `${fn.name} (${fn.eventType}): ${message}`);
}

/** A `{ name: { value, multiValue } }` map as name -> every value, checked. */
function valueMap(map: unknown, what: string, fn: CloudFrontFunctionModel): Array<[string, string[]]> {
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw invalid(fn, `${what} must be an object, got: ${JSON.stringify(map)}`);
  const out: Array<[string, string[]]> = [];
  for (const [name, entry] of Object.entries(map as Record<string, unknown>)) {
    const e = entry as { value?: unknown; multiValue?: unknown } | null;
    if (!e || typeof e !== 'object') throw invalid(fn, `${what} '${name}' must be { value }, got: ${JSON.stringify(entry)}`);
    if (Array.isArray(e.multiValue) && e.multiValue.length > 0) {
      const values = e.multiValue.map((m: { value?: unknown }) => m?.value);
      if (values.some((v) => typeof v !== 'string')) throw invalid(fn, `${what} '${name}' has a multiValue entry without a string value`);
      out.push([name, values as string[]]);
    } else {
      if (typeof e.value !== 'string') throw invalid(fn, `${what} '${name}' needs a string value, got: ${JSON.stringify(e.value)}`);
      out.push([name, [e.value]]);
    }
  }
  return out;
}

function headersFromFunction(fn: CloudFrontFunctionModel, map: unknown, before: CfHeaders, originals: CfHeaders, skip: string): CfHeaders {
  const out: CfHeaders = {};
  for (const [name, values] of valueMap(map ?? {}, 'headers', fn)) {
    if (name !== name.toLowerCase()) throw invalid(fn, `header name '${name}' must be lower case`);
    if (name === skip) continue;
    const spelled = originals[name]?.[0]?.key ?? name;
    out[name] = values.map((value) => ({ key: spelled, value }));
  }
  const same = (a?: CfHeaders[string], b?: CfHeaders[string]) => JSON.stringify(a?.map((e) => e.value) ?? null) === JSON.stringify(b?.map((e) => e.value) ?? null);
  for (const name of new Set([...Object.keys(before), ...Object.keys(out)])) {
    if (name === skip || same(before[name], out[name])) continue;
    if (isDisallowedHeader(name)) throw invalid(fn, `header '${name}' may not be added or changed by a function`);
    if (READ_ONLY_HEADERS[fn.eventType].includes(name)) throw invalid(fn, `header '${name}' is read-only in ${fn.eventType} functions`);
  }
  return out;
}

export function isResponseResult(result: unknown): boolean {
  return !!result && typeof result === 'object' && 'statusCode' in (result as object);
}

/** The request a viewer-request function returned, as the local edge carries it on. */
export function requestFromFunction(fn: CloudFrontFunctionModel, result: unknown, original: EdgeRequest): EdgeRequest {
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw invalid(fn, `must return the request or a response object, got: ${JSON.stringify(result)}`);
  const r = result as Partial<Record<keyof FnRequest, unknown>>;
  if (r.method !== undefined && r.method !== original.method) throw invalid(fn, `request.method cannot be changed (got ${JSON.stringify(r.method)}, the viewer sent ${original.method})`);
  const uri = r.uri === undefined ? original.uri : r.uri;
  if (typeof uri !== 'string' || !uri.startsWith('/')) throw invalid(fn, `request.uri must be a string starting with '/', got: ${JSON.stringify(r.uri)}`);
  const before: CfHeaders = { ...original.headers };
  delete before.cookie;
  const headers = headersFromFunction(fn, r.headers, before, original.headers, 'cookie');
  const cookies = valueMap(r.cookies ?? {}, 'cookies', fn);
  const pairs = cookies.flatMap(([name, values]) => values.map((v) => `${name}=${v}`));
  if (pairs.length) headers.cookie = [{ key: original.headers.cookie?.[0]?.key ?? 'Cookie', value: pairs.join('; ') }];
  return { ...original, uri, querystring: querystringFromFunction(r.querystring, fn), headers };
}

function bodyFromFunction(fn: CloudFrontFunctionModel, body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  let data: Buffer;
  if (typeof body === 'string') data = Buffer.from(body, 'utf8');
  else if (typeof body === 'object' && typeof (body as { data?: unknown }).data === 'string') {
    const b = body as { data: string; encoding?: unknown };
    if (b.encoding !== undefined && b.encoding !== 'text' && b.encoding !== 'base64') throw invalid(fn, `body.encoding must be 'text' or 'base64', got: ${JSON.stringify(b.encoding)}`);
    data = Buffer.from(b.data, b.encoding === 'base64' ? 'base64' : 'utf8');
  } else throw invalid(fn, `body must be a string or { data, encoding }, got: ${JSON.stringify(body)}`);
  const limit = GENERATED_BODY_LIMIT[fn.eventType];
  if (data.length > limit) throw invalid(fn, `response body is ${data.length} bytes; the limit is ${limit}`);
  return data;
}

/**
 * A response a function generated (viewer request) or changed (viewer response, where `base` is
 * the response CloudFront was about to send).
 */
export function responseFromFunction(fn: CloudFrontFunctionModel, result: unknown, base?: EdgeResponse): EdgeResponse {
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw invalid(fn, `must return a response object, got: ${JSON.stringify(result)}`);
  const r = result as Partial<Record<keyof FnResponse | 'body', unknown>>;
  const status = r.statusCode === undefined && base ? base.status : Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw invalid(fn, `statusCode must be an HTTP status code, got: ${JSON.stringify(r.statusCode)}`);
  const before: CfHeaders = base ? { ...base.headers } : {};
  delete before['set-cookie'];
  const headers = headersFromFunction(fn, r.headers, before, base?.headers ?? {}, 'set-cookie');
  const cookieValues: string[] = [];
  for (const [name, entry] of Object.entries((r.cookies ?? {}) as Record<string, FnCookie>)) {
    if (!entry || typeof entry !== 'object') throw invalid(fn, `cookies '${name}' must be { value, attributes }, got: ${JSON.stringify(entry)}`);
    const list = Array.isArray(entry.multiValue) && entry.multiValue.length ? entry.multiValue : [entry];
    for (const c of list) {
      if (typeof c.value !== 'string') throw invalid(fn, `cookies '${name}' needs a string value, got: ${JSON.stringify(c.value)}`);
      if (c.attributes !== undefined && typeof c.attributes !== 'string') throw invalid(fn, `cookies '${name}' attributes must be a string`);
      cookieValues.push(`${name}=${c.value}${c.attributes ? `; ${c.attributes}` : ''}`);
    }
  }
  if (cookieValues.length) headers['set-cookie'] = cookieValues.map((value) => ({ key: 'Set-Cookie', value }));
  const body = bodyFromFunction(fn, r.body);
  const statusDescription = typeof r.statusDescription === 'string' ? r.statusDescription : base && status === base.status ? base.statusDescription : '';
  return { status, statusDescription, headers, body: body ?? base?.body ?? Buffer.alloc(0) };
}
