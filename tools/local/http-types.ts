import { parseCookies as parseCookiePairs } from '../../lambda-edge/shared/cookies';
/** Headers as Lambda@Edge events carry them: lower-case name -> list of `{ key, value }`. */
export type CfHeaders = Record<string, Array<{ key?: string; value: string }>>;

export interface EdgeRequest {
  method: string;
  /** Path only, as received (percent-encoding kept). */
  uri: string;
  /** Raw query string without `?`. */
  querystring: string;
  headers: CfHeaders;
  clientIp: string;
  body: Buffer;
}

export interface EdgeResponse {
  status: number;
  statusDescription: string;
  headers: CfHeaders;
  body: Buffer;
  /** The origin's body ended before its Content-Length: served as received, never cached. */
  incomplete?: boolean;
}

export function getHeader(headers: CfHeaders, name: string): string | undefined {
  const h = headers[name.toLowerCase()];
  return h && h.length ? h[0].value : undefined;
}

/** getHeader for a name already in lower case, as the request path's own lookups are: nothing to convert. */
export function headerValue(headers: CfHeaders, lowerName: string): string | undefined {
  const h = headers[lowerName];
  return h && h.length ? h[0].value : undefined;
}

export function setHeader(headers: CfHeaders, name: string, value: string): void {
  headers[name.toLowerCase()] = [{ key: name, value }];
}

export function deleteHeader(headers: CfHeaders, name: string): void {
  delete headers[name.toLowerCase()];
}

/**
 * A copy whose lists can be changed without touching the original. The `{ key, value }` entries are
 * shared: nothing in the edge changes an entry in place (setHeader replaces the list, and edge
 * functions receive structured clones).
 */
export function cloneHeaders(headers: CfHeaders): CfHeaders {
  const out: CfHeaders = {};
  for (const k in headers) out[k] = headers[k].slice();
  return out;
}

/**
 * What the viewer endpoint asks of a request's headers before anything else, noted while they are
 * read: most requests have none of these, and a lookup of a name the headers lack costs more than
 * noting the names once.
 */
export interface RawHeaderNotes {
  /** Host fields. */
  hosts: number;
  /** A Content-Length or Transfer-Encoding field. */
  body: boolean;
  /** A field named `x-tiered-cdn-*` (the local edge's steering headers). */
  hooks: boolean;
}

/** From node's `rawHeaders` (name, value, name, value...) keeping the viewer's spelling in `key`. */
export function headersFromRaw(raw: readonly string[], notes?: RawHeaderNotes): CfHeaders {
  const out: CfHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i];
    const name = key.toLowerCase();
    (out[name] ??= []).push({ key, value: raw[i + 1] });
    if (!notes) continue;
    if (name === 'host') notes.hosts++;
    else if (name === 'content-length' || name === 'transfer-encoding') notes.body = true;
    else if (name.startsWith('x-tiered-cdn-')) notes.hooks = true;
  }
  return out;
}

/** For node's `res.writeHead` / `http.request`: one entry per header name, repeated values as arrays. */
export function headersToNode(headers: CfHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, list] of Object.entries(headers)) {
    if (!list.length) continue;
    const key = list[0].key ?? name;
    out[key] = list.length === 1 ? list[0].value : list.map((e) => e.value);
  }
  return out;
}

export function headersFromNode(h: Record<string, string | string[] | undefined>): CfHeaders {
  const out: CfHeaders = {};
  for (const [name, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    out[name.toLowerCase()] = values.map((value) => ({ key: canonicalName(name), value }));
  }
  return out;
}

/** `content-type` -> `Content-Type`, as CloudFront spells the headers it adds. */
export function canonicalName(name: string): string {
  return name
    .split('-')
    .map((p) => (p ? p[0].toUpperCase() + p.slice(1) : p))
    .join('-');
}

export interface QueryParam {
  readonly name: string;
  readonly raw: string;
}

export function parseQuery(qs: string): QueryParam[] {
  if (!qs) return [];
  return qs
    .split('&')
    .filter((p) => p.length > 0)
    .map((raw) => {
      const eq = raw.indexOf('=');
      const rawName = eq < 0 ? raw : raw.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape is kept as written; CloudFront passes it through unchanged
      }
      return { name, raw };
    });
}

export interface Cookie {
  readonly name: string;
  readonly raw: string;
}

/** The viewer's cookies, name and pair as sent (lambda-edge/shared/cookies.ts parses them). */
export function parseCookies(headers: CfHeaders): Cookie[] {
  return parseCookiePairs((headers.cookie ?? []).map((h) => h.value)).map((c) => ({ name: c.name, raw: c.raw }));
}
