import type { IncomingHttpHeaders } from 'http';

/**
 * Reading the identity a TieredCdn asserts, in an origin behind it. Self-contained: copy it.
 *
 * The edge writes each verified claim so that different values never share a header value:
 * - a string claim is percent-encoded UTF-8 (`zoë@example.com` -> `zo%C3%AB@example.com`,
 *   `%` itself -> `%25`): `decodeURIComponent` gives it back;
 * - any other JSON value is `?` followed by its percent-encoded JSON text (`null` -> `?null`,
 *   `["a"]` -> `?%5B%22a%22%5D`), so the string `"null"` (header `null`) is never the value `null`;
 * - `x-auth-scope` is the scopes, each encoded as a string, separated by single spaces.
 *
 * Trust these headers only on requests that also carry a valid `x-origin-verify` (see
 * origin-verify.ts): only then did the request come through the edge that set them.
 */

/** What the edge writes: characters it leaves as they are, and `%XX` escapes in upper-case hex. */
const WRITTEN = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*$/;
/** Characters the edge never escapes: an escape of one of them is a spelling the edge never writes. */
const SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * One `x-auth-*` header value back to the claim value it was made from. Throws on a value the edge
 * never writes, so that each claim value has exactly one header value (`%61lice` is not `alice`,
 * `?"alice"` is not `alice`, two headers joined into `a, b` are neither).
 */
export function decodeIdentityHeader(value: string): unknown {
  const json = value.startsWith('?');
  const text = json ? value.slice(1) : value;
  if (!WRITTEN.test(text)) throw new Error('not an identity header value the edge writes');
  for (const m of text.matchAll(/%([0-7][0-9A-F])/g)) {
    if (SAFE.test(String.fromCharCode(parseInt(m[1], 16)))) throw new Error(`'%${m[1]}' escapes a character the edge writes as it is`);
  }
  const decoded = decodeURIComponent(text); // throws on escapes that are not UTF-8
  if (!json) return decoded;
  const parsed: unknown = JSON.parse(decoded);
  if (JSON.stringify(parsed) !== decoded) throw new Error('JSON the edge would write otherwise');
  // Only a string UTF-8 cannot carry (a lone surrogate) travels as JSON.
  if (typeof parsed === 'string' && !LONE_SURROGATE.test(parsed)) throw new Error('a string the edge writes without ?');
  return parsed;
}

export interface VerifiedIdentity {
  readonly sub?: string;
  readonly scopes: readonly string[];
  /** Forwarded claims (`forwardClaims`), by the lower-case name in `x-auth-claim-<name>`. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * The identity of a request, or undefined when the edge asserted none. A header sent twice, or a
 * value that does not decode, is refused (undefined): the edge writes each header once. Pass
 * node's `req.headersDistinct`: `req.headers` joins a repeated header into one value with `, `,
 * which is refused for `x-auth-sub` and claims (the edge never writes a space there) but could
 * pass as scopes.
 */
export function identityOf(headers: IncomingHttpHeaders | NodeJS.Dict<string[]>): VerifiedIdentity | undefined {
  const one = (v: string | string[] | undefined): string | undefined | null =>
    v === undefined ? undefined : typeof v === 'string' ? v : v.length === 1 ? v[0] : null;
  const single = (name: string): string | undefined | null => one(headers[name]);
  try {
    const sub = single('x-auth-sub');
    const scope = single('x-auth-scope');
    if (sub === null || scope === null) return undefined;
    // No prototype: a claim named __proto__ stays a claim.
    const claims: Record<string, unknown> = Object.create(null);
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith('x-auth-claim-')) continue;
      const v = one(value);
      if (typeof v !== 'string') return undefined;
      claims[name.slice('x-auth-claim-'.length)] = decodeIdentityHeader(v);
    }
    if (sub === undefined && scope === undefined && Object.keys(claims).length === 0) return undefined;
    const decodedSub = sub === undefined ? undefined : decodeIdentityHeader(sub);
    if (decodedSub !== undefined && typeof decodedSub !== 'string') return undefined;
    const scopes = scope === undefined || scope === '' ? [] : scope.split(' ').map((s) => decodeIdentityHeader(s) as string);
    return { ...(decodedSub !== undefined ? { sub: decodedSub } : {}), scopes, claims };
  } catch {
    return undefined;
  }
}
