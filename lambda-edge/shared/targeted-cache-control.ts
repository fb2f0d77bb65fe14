// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * Targeted cache control (RFC 9213 `CDN-Cache-Control`, and Fastly's `Surrogate-Control` below it):
 * the origin tells the CDN how long to keep a response independently of what browsers get.
 * CloudFront reads neither header (its Expiration page names Cache-Control and Expires only), so two
 * small steps make it honour them:
 *
 * - `toEdge` (origin response, runs on cache misses only): when a targeted field is present and
 *   valid, its directives become the Cache-Control CloudFront caches by (max-age, s-maxage,
 *   no-store, private, no-cache, stale-while-revalidate, stale-if-error, clamped by the behavior's
 *   MinTTL/MaxTTL as usual); the origin's own Cache-Control and Expires are kept aside in internal
 *   headers, and the targeted fields are removed.
 * - `toViewer` (viewer response, every response): puts the origin's Cache-Control and Expires back and
 *   removes the internal headers, so viewers see exactly what the origin sent for browsers.
 *
 * Responses without a targeted field pass both steps unchanged. Error responses (status >= 400) are
 * left alone: CloudFront runs no viewer-response step for them, so nothing could restore them.
 *
 * Plain JavaScript on CloudFront's header shape, no Node API: either runtime can run these steps.
 */

/** `{ 'cache-control': [{ key: 'Cache-Control', value: '...' }] }`, lower-case names. */
export type CfHeaders = Record<string, { key?: string; value: string }[]>;

export const CDN_CACHE_CONTROL = 'cdn-cache-control';
export const SURROGATE_CONTROL = 'surrogate-control';
/** Which targeted field decided the edge's caching; its presence tells `toViewer` to restore. */
export const TARGETED_MARKER_HEADER = 'x-tcdn-targeted';
/** The origin's Cache-Control and Expires while the cached object carries the edge's directives. */
export const ORIGIN_CACHE_CONTROL_HEADER = 'x-tcdn-origin-cache-control';
export const ORIGIN_EXPIRES_HEADER = 'x-tcdn-origin-expires';

/** Every header the steps add; never sent to viewers. */
export const INTERNAL_HEADERS: readonly string[] = [TARGETED_MARKER_HEADER, ORIGIN_CACHE_CONTROL_HEADER, ORIGIN_EXPIRES_HEADER];

// One directive: a token, optionally `=token` or `="quoted string"` (Cache-Control syntax, RFC 9111).
const DIRECTIVE = /^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*=\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+|"[^"]*"))?\s*$/;

/** Whether a targeted field's value can be used: comma-separated directives, at least one. */
export function validTargetedValue(value: string): boolean {
  const parts = splitDirectives(value);
  return parts.length > 0 && parts.every((p) => DIRECTIVE.test(p));
}

function splitDirectives(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((p) => p.trim() !== '');
}

function joined(headers: CfHeaders, name: string): string | undefined {
  const v = headers[name];
  return v && v.length > 0 ? v.map((h) => h.value).join(', ') : undefined;
}

/** The targeted field that applies, in precedence order, or undefined (an invalid one is ignored). */
export function targetedField(headers: CfHeaders): { name: string; value: string } | undefined {
  const names = [CDN_CACHE_CONTROL, SURROGATE_CONTROL];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = joined(headers, name);
    if (value !== undefined && validTargetedValue(value)) return { name, value };
  }
  return undefined;
}

/** The origin-response step. Returns new headers; the input is not changed. */
export function toEdge(status: number, headers: CfHeaders): CfHeaders {
  if (status >= 400) return headers;
  const field = targetedField(headers);
  if (!field) return headers;
  const out: CfHeaders = Object.assign({}, headers);
  const cacheControl = joined(headers, 'cache-control');
  const expires = joined(headers, 'expires');
  delete out[CDN_CACHE_CONTROL];
  delete out[SURROGATE_CONTROL];
  delete out.expires;
  out[TARGETED_MARKER_HEADER] = [{ key: 'X-Tcdn-Targeted', value: field.name }];
  if (cacheControl !== undefined) out[ORIGIN_CACHE_CONTROL_HEADER] = [{ key: 'X-Tcdn-Origin-Cache-Control', value: cacheControl }];
  if (expires !== undefined) out[ORIGIN_EXPIRES_HEADER] = [{ key: 'X-Tcdn-Origin-Expires', value: expires }];
  out['cache-control'] = [{ key: 'Cache-Control', value: field.value }];
  return out;
}

/** The viewer-response step. Returns new headers; the input is not changed. */
export function toViewer(headers: CfHeaders): CfHeaders {
  if (!headers[TARGETED_MARKER_HEADER]) return headers;
  const out: CfHeaders = Object.assign({}, headers);
  const cacheControl = joined(headers, ORIGIN_CACHE_CONTROL_HEADER);
  const expires = joined(headers, ORIGIN_EXPIRES_HEADER);
  for (let i = 0; i < INTERNAL_HEADERS.length; i++) delete out[INTERNAL_HEADERS[i]];
  delete out['cache-control'];
  if (cacheControl !== undefined) out['cache-control'] = [{ key: 'Cache-Control', value: cacheControl }];
  if (expires !== undefined) out.expires = [{ key: 'Expires', value: expires }];
  return out;
}
