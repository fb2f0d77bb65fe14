import type * as http from 'http';
import { chooseEncoding, compress } from './compress';
import type { Clock } from './clock';
import { reason } from './errors';
import { byteRange } from './ranges';
import { type CfHeaders, type EdgeRequest, cloneHeaders, getHeader, setHeader } from './http-types';
import type { Pop, Processed } from './types';

/* What CloudFront does between its answer and the viewer: conditional GETs, byte ranges, compression and its own headers. */

/**
 * A viewer's conditional GET answered from what CloudFront holds: 304 when its If-None-Match names
 * the object's ETag (weak comparison) or, without one, when the object is not newer than
 * If-Modified-Since.
 */
export function notModifiedForViewer(p: Processed, viewerReq: EdgeRequest): Processed {
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
}

/**
 * A single byte range of a whole object the edge holds: 206 with Content-Range, or 416 when the
 * range lies outside the object. Several ranges, or a malformed one, get the whole object.
 */
export function rangeForViewer(p: Processed, viewerReq: EdgeRequest): Processed {
  const range = getHeader(viewerReq.headers, 'range');
  if (!range || p.response.status !== 200 || viewerReq.method !== 'GET') return p;
  const size = p.response.body.length;
  const wanted = byteRange(range, size);
  if (!wanted) return p;
  const headers = cloneHeaders(p.response.headers);
  if (wanted === 'unsatisfiable') {
    setHeader(headers, 'Content-Range', `bytes */${size}`);
    return { ...p, response: { status: 416, statusDescription: 'Requested Range Not Satisfiable', headers, body: Buffer.alloc(0) }, range: undefined };
  }
  const [start, end] = wanted;
  setHeader(headers, 'Content-Range', `bytes ${start}-${end}/${size}`);
  return { ...p, response: { status: 206, statusDescription: 'Partial Content', headers, body: p.response.body.subarray(start, end + 1) }, range: [start, end] };
}

/** Framing headers of the stored response that node writes for this connection itself. */
const CONNECTION_HEADERS = ['connection', 'keep-alive', 'transfer-encoding'];

/**
 * What the edge writes over a response's own headers, by lower-case name: a `[name, value]` to set,
 * or null to leave the header out. The response itself is left as it is (a cache hit may share it).
 */
type Overrides = Map<string, readonly [string, string] | null>;

/**
 * The response's headers with the overrides applied, as `res.writeHead` takes them: a header that is
 * overridden keeps its place, new ones follow in the order they were set.
 */
function rawHeaderList(headers: CfHeaders, overrides: Overrides): string[] {
  const out: string[] = [];
  for (const name in headers) {
    if (overrides.has(name)) {
      const o = overrides.get(name);
      if (o) out.push(o[0], o[1]);
      continue;
    }
    const list = headers[name];
    if (!list.length) continue;
    const key = list[0].key ?? name;
    for (let i = 0; i < list.length; i++) out.push(key, list[i].value);
  }
  for (const [name, o] of overrides) if (o && !(name in headers)) out.push(o[0], o[1]);
  return out;
}

function override(overrides: Overrides, name: string, value: string): void {
  overrides.set(name.toLowerCase(), [name, value]);
}

/** Writes the answer with the headers CloudFront adds (X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age); returns the body bytes sent. */
export function writeResponse(res: http.ServerResponse, method: string, viewerReq: EdgeRequest, p: Processed, pop: Pop, requestId: string, clock: Clock): number {
  const response = p.response;
  const headers = response.headers;
  const overrides: Overrides = new Map();
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
  if (!headers.date) override(overrides, 'Date', new Date(clock.now()).toUTCString());
  res.writeHead(response.status, response.statusDescription || reason(response.status) || undefined, rawHeaderList(headers, overrides));
  if (method === 'HEAD' || response.status === 304 || response.status === 204) res.end();
  else res.end(body);
  return body.length;
}
