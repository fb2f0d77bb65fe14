// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';

/**
 * CloudFront Functions' event shapes (`{ name: { value, multiValue } }` maps, the query string as an
 * object, cookies apart) translated to the Lambda@Edge shapes the pure steps are written for, and
 * back. Bundled into every generated CloudFront Function, so it stays small and uses no Node API.
 */

export interface CfValue {
  value: string;
  multiValue?: Array<{ value: string }>;
}
export type CfMap = Record<string, CfValue>;
export interface CfRequest {
  method: string;
  uri: string;
  querystring: CfMap;
  headers: CfMap;
  cookies: CfMap;
}
export interface CfCookie {
  value: string;
  attributes?: string;
  multiValue?: Array<{ value: string; attributes?: string }>;
}
export interface CfResponse {
  statusCode: number;
  statusDescription?: string;
  headers: CfMap;
  cookies: Record<string, CfCookie>;
  body?: string;
}
export interface CfEvent {
  context: { requestId?: string };
  viewer: { ip: string };
  request: CfRequest;
  response?: CfResponse;
}

function values(v: CfValue): string[] {
  return v.multiValue && v.multiValue.length ? v.multiValue.map((m) => m.value) : [v.value];
}

function lambdaHeaders(map: CfMap): CloudFrontHeaders {
  const headers: CloudFrontHeaders = {};
  const names = Object.keys(map);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    headers[name] = values(map[name]).map((value) => ({ key: name, value }));
  }
  return headers;
}

export function headersToLambda(map: CfMap): CloudFrontHeaders {
  return lambdaHeaders(map);
}

/** `name=value` (or `name` alone when `bare` and the value is empty) for each value of each entry. */
function pairsOf(map: CfMap, bare: boolean): string[] {
  const out: string[] = [];
  const names = Object.keys(map);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    values(map[name]).forEach((v) => out.push(bare && v === '' ? name : name + '=' + v));
  }
  return out;
}

export function headersFromLambda(headers: CloudFrontHeaders): CfMap {
  const out: CfMap = {};
  const names = Object.keys(headers);
  for (let n = 0; n < names.length; n++) {
    const list = headers[names[n]];
    for (let i = 0; i < list.length; i++) add(out, names[n], list[i].value);
  }
  return out;
}

// Inlined by lib/edge/cloudfront-function.ts: false when no step of the function reads the query string.
declare const __TCDN_QUERY__: boolean | undefined;

export function toLambdaRequest(event: CfEvent): CloudFrontRequest {
  const r = event.request;
  const headers = lambdaHeaders(r.headers);
  const cookies = pairsOf(r.cookies, false);
  if (cookies.length) headers.cookie = [{ key: 'cookie', value: cookies.join('; ') }];
  return { clientIp: event.viewer.ip, method: r.method, uri: r.uri, querystring: typeof __TCDN_QUERY__ === 'undefined' || __TCDN_QUERY__ ? pairsOf(r.querystring, true).join('&') : '', headers };
}

/** One more value for `name`: the first is `value`, a repeat turns the entry multi-valued. */
function add(out: CfMap, name: string, value: string): void {
  const e = out[name];
  if (!e) out[name] = { value };
  else {
    if (!e.multiValue) e.multiValue = [{ value: e.value }];
    e.multiValue.push({ value });
  }
}

/** `a=1`, `b` pairs (split at the first `=`) added to `out`. */
function addPairs(out: CfMap, parts: readonly string[], trim: boolean): void {
  for (let i = 0; i < parts.length; i++) {
    const p = trim ? parts[i].trim() : parts[i];
    if (trim && !p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) add(out, p, '');
    else add(out, p.slice(0, eq), p.slice(eq + 1));
  }
}

/** The Lambda-shaped request back in the function's shape (the cookie header becomes `cookies` again). */
export function fromLambdaRequest(req: CloudFrontRequest, original: CfRequest): CfRequest {
  const headers: CfMap = {};
  const cookies: CfMap = {};
  const names = Object.keys(req.headers);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    req.headers[name].forEach((h) => (name !== 'cookie' ? add(headers, name, h.value) : addPairs(cookies, h.value.split(';'), true)));
  }
  const query: CfMap = {};
  if (req.querystring !== '') addPairs(query, req.querystring.split('&'), false);
  return { method: original.method, uri: req.uri, querystring: query, headers, cookies };
}

/**
 * The Lambda-shaped request's headers back in the function's shape, with the query string and cookies
 * the viewer sent: for a function whose steps change neither (no normalize step: the guard, strip and
 * experiments read them and write headers only), which spares the bundle their parsing back.
 */
export function withLambdaHeaders(req: CloudFrontRequest, original: CfRequest): CfRequest {
  const headers: CfMap = {};
  const names = Object.keys(req.headers);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    if (name !== 'cookie') req.headers[name].forEach((h) => add(headers, name, h.value));
  }
  return { method: original.method, uri: req.uri, querystring: original.querystring, headers, cookies: original.cookies };
}

/** A response a step generated (Lambda@Edge shape) as a CloudFront Functions response. */
export function fromLambdaResponse(res: CloudFrontResultResponse): CfResponse {
  const out: CfResponse = { statusCode: Number(res.status), statusDescription: res.statusDescription, headers: headersFromLambda(res.headers || {}), cookies: {} };
  if (res.body !== undefined) out.body = res.body;
  return out;
}

/** `name=value; attributes` Set-Cookie values added to a function response's cookies. */
export function addSetCookies(response: CfResponse, setCookies: readonly string[]): CfResponse {
  for (let i = 0; i < setCookies.length; i++) {
    const line = setCookies[i];
    const semi = line.indexOf(';');
    const pair = semi < 0 ? line : line.slice(0, semi);
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const cookie: CfCookie = { value: pair.slice(eq + 1), attributes: semi < 0 ? '' : line.slice(semi + 1).trim() };
    const existing = response.cookies[name];
    if (!existing) response.cookies[name] = cookie;
    else {
      const list = existing.multiValue && existing.multiValue.length ? existing.multiValue : [{ value: existing.value, attributes: existing.attributes }];
      list.push(cookie);
      response.cookies[name] = { value: list[0].value, attributes: list[0].attributes, multiValue: list };
    }
  }
  return response;
}
