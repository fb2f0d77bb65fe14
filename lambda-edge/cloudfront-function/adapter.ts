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

export function headersToLambda(map: CfMap): CloudFrontHeaders {
  const headers: CloudFrontHeaders = {};
  for (const name of Object.keys(map)) headers[name] = values(map[name]).map((value) => ({ key: name, value }));
  return headers;
}

export function headersFromLambda(headers: CloudFrontHeaders): CfMap {
  const pairs: Array<[string, string]> = [];
  for (const name of Object.keys(headers)) for (const { value } of headers[name]) pairs.push([name, value]);
  return toMap(pairs);
}

export function toLambdaRequest(event: CfEvent): CloudFrontRequest {
  const r = event.request;
  const headers: CloudFrontHeaders = {};
  for (const name of Object.keys(r.headers)) headers[name] = values(r.headers[name]).map((value) => ({ key: name, value }));
  const pairs: string[] = [];
  for (const name of Object.keys(r.cookies)) for (const v of values(r.cookies[name])) pairs.push(name + '=' + v);
  if (pairs.length) headers.cookie = [{ key: 'cookie', value: pairs.join('; ') }];
  const qs: string[] = [];
  for (const name of Object.keys(r.querystring)) for (const v of values(r.querystring[name])) qs.push(v === '' ? name : name + '=' + v);
  return { clientIp: event.viewer.ip, method: r.method, uri: r.uri, querystring: qs.join('&'), headers };
}

function toMap(pairs: Array<[string, string]>): CfMap {
  const out: CfMap = {};
  for (const [k, v] of pairs) {
    const e = out[k];
    if (!e) out[k] = { value: v };
    else {
      if (!e.multiValue) e.multiValue = [{ value: e.value }];
      e.multiValue.push({ value: v });
    }
  }
  return out;
}

/** The Lambda-shaped request back in the function's shape (the cookie header becomes `cookies` again). */
export function fromLambdaRequest(req: CloudFrontRequest, original: CfRequest): CfRequest {
  const headers: Array<[string, string]> = [];
  const cookies: Array<[string, string]> = [];
  for (const name of Object.keys(req.headers)) {
    for (const { value } of req.headers[name]) {
      if (name !== 'cookie') headers.push([name, value]);
      else
        for (const part of value.split(';')) {
          const p = part.trim();
          const eq = p.indexOf('=');
          if (p) cookies.push(eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)]);
        }
    }
  }
  const query: Array<[string, string]> = [];
  if (req.querystring !== '') {
    for (const part of req.querystring.split('&')) {
      const eq = part.indexOf('=');
      query.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
    }
  }
  return { method: original.method, uri: req.uri, querystring: toMap(query), headers: toMap(headers), cookies: toMap(cookies) };
}

/** A response a step generated (Lambda@Edge shape) as a CloudFront Functions response. */
export function fromLambdaResponse(res: CloudFrontResultResponse): CfResponse {
  const headers: Array<[string, string]> = [];
  for (const name of Object.keys(res.headers ?? {})) for (const { value } of res.headers![name]) headers.push([name, value]);
  const out: CfResponse = { statusCode: Number(res.status), statusDescription: res.statusDescription, headers: toMap(headers), cookies: {} };
  if (res.body !== undefined) out.body = res.body;
  return out;
}

/** `name=value; attributes` Set-Cookie values added to a function response's cookies. */
export function addSetCookies(response: CfResponse, setCookies: readonly string[]): CfResponse {
  for (const line of setCookies) {
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
