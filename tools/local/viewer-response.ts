import type * as http from 'http';
import { chooseEncoding, compress } from './compress';
import type { Clock } from './clock';
import { reason } from './errors';
import { byteRange } from './ranges';
import { type CfHeaders, type EdgeRequest, type EdgeResponse, cloneHeaders, getHeader, headerValue, setHeader } from './http-types';
import type { Pop, Processed } from './types';

/* What CloudFront does between its answer and the viewer: conditional GETs, byte ranges, compression and its own headers. */

/**
 * A viewer's conditional GET answered from what CloudFront holds: 304 when its If-None-Match names
 * the object's ETag (weak comparison) or, without one, when the object is not newer than
 * If-Modified-Since.
 */
export function notModifiedForViewer(p: Processed, viewerReq: EdgeRequest): Processed {
  if (p.response.status !== 200 || (viewerReq.method !== 'GET' && viewerReq.method !== 'HEAD')) return p;
  const inm = headerValue(viewerReq.headers, 'if-none-match');
  const ims = headerValue(viewerReq.headers, 'if-modified-since');
  if (!inm && !ims) return p;
  const etag = getHeader(p.response.headers, 'etag');
  const lastModified = getHeader(p.response.headers, 'last-modified');
  const matches = inm
    ? !!etag && (inm.trim() === '*' || inm.split(',').some((t) => opaque(t) === opaque(etag)))
    : !!ims && !!lastModified && Date.parse(lastModified) <= Date.parse(ims);
  if (!matches) return p;
  const headers = cloneHeaders(p.response.headers);
  for (const h of ['content-length', 'content-encoding', 'transfer-encoding']) delete headers[h];
  return { ...p, response: { status: 304, statusDescription: 'Not Modified', headers, body: Buffer.alloc(0) }, shared: false };
}

/** An entity tag without its weakness marker, for the weak comparison. */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/**
 * A single byte range of a whole object the edge holds: 206 with Content-Range, or 416 when the
 * range lies outside the object. Several ranges, or a malformed one, get the whole object.
 */
export function rangeForViewer(p: Processed, viewerReq: EdgeRequest): Processed {
  const range = headerValue(viewerReq.headers, 'range');
  if (!range || p.response.status !== 200 || viewerReq.method !== 'GET') return p;
  const size = p.response.body.length;
  const wanted = byteRange(range, size);
  if (!wanted) return p;
  const headers = cloneHeaders(p.response.headers);
  if (wanted === 'unsatisfiable') {
    setHeader(headers, 'Content-Range', `bytes */${size}`);
    return { ...p, response: { status: 416, statusDescription: 'Requested Range Not Satisfiable', headers, body: Buffer.alloc(0) }, range: undefined, shared: false };
  }
  const [start, end] = wanted;
  setHeader(headers, 'Content-Range', `bytes ${start}-${end}/${size}`);
  return { ...p, response: { status: 206, statusDescription: 'Partial Content', headers, body: p.response.body.subarray(start, end + 1) }, range: [start, end], shared: false };
}

/** Framing headers of the stored response that node writes for this connection itself. */
const CONNECTION_HEADERS = ['connection', 'keep-alive', 'transfer-encoding'];

/**
 * What the edge writes over a response's own headers, by lower-case name: a `[name, value]` to set,
 * or null to leave the header out. The response itself is left as it is (a cache hit may share it).
 */
type Overrides = Map<string, readonly [string, string] | null>;

/** Where in a raw header list the values that change with every request sit (-1: not written). */
interface Slots {
  'x-amz-cf-id': number;
  age: number;
  date: number;
}

/**
 * The response's headers with the overrides applied, as `res.writeHead` takes them: a header that is
 * overridden keeps its place, new ones follow in the order they were set. `slots` receives the
 * positions of the per-request values.
 */
function rawHeaderList(headers: CfHeaders, overrides: Overrides, slots: Slots): string[] {
  const out: string[] = [];
  const put = (name: string, o: readonly [string, string]) => {
    if (name in slots) slots[name as keyof Slots] = out.length + 1;
    out.push(o[0], o[1]);
  };
  for (const name in headers) {
    if (overrides.has(name)) {
      const o = overrides.get(name);
      if (o) put(name, o);
      continue;
    }
    const list = headers[name];
    if (!list.length) continue;
    const key = list[0].key ?? name;
    for (let i = 0; i < list.length; i++) out.push(key, list[i].value);
  }
  for (const [name, o] of overrides) if (o && !(name in headers)) put(name, o);
  return out;
}

function override(overrides: Overrides, name: string, value: string): void {
  overrides.set(name.toLowerCase(), [name, value]);
}

let dateSecond = -1;
let dateText = '';

/** The Date header's value for a clock time, worked out once a second. */
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** A response as written for one edge location, Accept-Encoding and result type: the status line, headers and body. */
interface Written {
  readonly pop: Pop;
  readonly acceptEncoding: string | undefined;
  readonly resultType: string;
  readonly aged: boolean;
  readonly status: number;
  readonly statusText: string | undefined;
  /** Filled in place with each request's values just before `res.writeHead`, which reads it at once. */
  readonly headers: string[];
  readonly slots: Slots;
  readonly body: Buffer;
}

/** Per shared response (Processed.shared), the ways it was last written; a few viewers' Accept-Encoding values each. */
const written = new WeakMap<EdgeResponse, Written[]>();
const WRITTEN_VARIANTS = 8;

function writtenFor(p: Processed, pop: Pop, acceptEncoding: string | undefined): Written | undefined {
  const list = written.get(p.response);
  if (!list) return undefined;
  const aged = p.age !== undefined;
  for (const w of list) if (w.pop === pop && w.acceptEncoding === acceptEncoding && w.resultType === p.resultType && w.aged === aged) return w;
  return undefined;
}

function keepWritten(response: EdgeResponse, w: Written): void {
  let list = written.get(response);
  if (!list) written.set(response, (list = []));
  if (list.length >= WRITTEN_VARIANTS) list.shift();
  list.push(w);
}

/**
 * The status, headers and body CloudFront writes for an answer (X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id,
 * Age, Date when missing; compression as the behavior and the viewer's Accept-Encoding allow).
 */
function render(p: Processed, pop: Pop, acceptEncoding: string | undefined, requestId: string, now: number): Written {
  const response = p.response;
  const headers = response.headers;
  const overrides: Overrides = new Map();
  let body = response.body;
  const encoding = p.behavior
    ? chooseEncoding({
        enabled: p.behavior.compress,
        gzip: p.behavior.cachePolicy.gzip,
        brotli: p.behavior.cachePolicy.brotli,
        acceptEncoding,
        contentType: getHeader(headers, 'content-type'),
        contentEncoding: getHeader(headers, 'content-encoding'),
        size: body.length,
      })
    : undefined;
  if (encoding && response.status === 200) {
    body = compress(body, encoding);
    override(overrides, 'Content-Encoding', encoding);
    const vary = getHeader(headers, 'vary');
    if (!vary || !/accept-encoding/i.test(vary)) override(overrides, 'Vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    // "ETag header conversion": a strong ETag becomes weak once CloudFront has compressed the body.
    const etag = getHeader(headers, 'etag');
    if (etag && !etag.startsWith('W/')) override(overrides, 'ETag', `W/${etag}`);
  }
  for (const h of CONNECTION_HEADERS) if (h in headers) overrides.set(h, null);
  if (response.status !== 304) override(overrides, 'Content-Length', String(body.length));
  override(overrides, 'X-Cache', `${p.resultType} from cloudfront`);
  const via = `1.1 ${pop.viaId}.cloudfront.net (CloudFront)`;
  const prevVia = getHeader(headers, 'via');
  override(overrides, 'Via', prevVia ? `${prevVia}, ${via}` : via);
  override(overrides, 'X-Amz-Cf-Pop', pop.name);
  override(overrides, 'X-Amz-Cf-Id', requestId);
  if (p.age !== undefined) override(overrides, 'Age', String(Math.floor(p.age)));
  if (!headers.date) override(overrides, 'Date', httpDate(now));
  const slots: Slots = { 'x-amz-cf-id': -1, age: -1, date: -1 };
  return {
    pop,
    acceptEncoding,
    resultType: p.resultType,
    aged: p.age !== undefined,
    status: response.status,
    statusText: response.statusDescription || reason(response.status) || undefined,
    headers: rawHeaderList(headers, overrides, slots),
    slots,
    body,
  };
}

/**
 * Writes the answer with the headers CloudFront adds; returns the body bytes sent. A response shared
 * by the hits on a stored object is rendered once per edge location and Accept-Encoding value, and
 * only its per-request values (X-Amz-Cf-Id, Age, Date when the object has none) are written anew.
 */
export function writeResponse(res: http.ServerResponse, method: string, viewerReq: EdgeRequest, p: Processed, pop: Pop, requestId: string, clock: Clock): number {
  const acceptEncoding = headerValue(viewerReq.headers, 'accept-encoding');
  let w = p.shared ? writtenFor(p, pop, acceptEncoding) : undefined;
  if (w) {
    const h = w.headers;
    const s = w.slots;
    h[s['x-amz-cf-id']] = requestId;
    if (s.age >= 0) h[s.age] = String(Math.floor(p.age!));
    if (s.date >= 0) h[s.date] = httpDate(clock.now());
  } else {
    w = render(p, pop, acceptEncoding, requestId, clock.now());
    if (p.shared) keepWritten(p.response, w);
  }
  res.writeHead(w.status, w.statusText, w.headers);
  if (method === 'HEAD' || w.status === 304 || w.status === 204) res.end();
  else res.end(w.body);
  return w.body.length;
}
