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

/** One `x-auth-*` header value back to the claim value it was made from. Throws on a value the edge never writes. */
export function decodeIdentityHeader(value: string): unknown {
  if (value.startsWith('?')) return JSON.parse(decodeURIComponent(value.slice(1)));
  return decodeURIComponent(value);
}

export interface VerifiedIdentity {
  readonly sub?: string;
  readonly scopes: readonly string[];
  /** Forwarded claims (`forwardClaims`), by the lower-case name in `x-auth-claim-<name>`. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * The identity of a request, or undefined when the edge asserted none. A header sent twice, or a
 * value that does not decode, is refused (undefined): the edge writes each header once.
 */
export function identityOf(headers: IncomingHttpHeaders): VerifiedIdentity | undefined {
  const single = (name: string): string | undefined | null => {
    const v = headers[name];
    return v === undefined ? undefined : typeof v === 'string' ? v : null;
  };
  try {
    const sub = single('x-auth-sub');
    const scope = single('x-auth-scope');
    if (sub === null || scope === null) return undefined;
    const claims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith('x-auth-claim-')) continue;
      if (typeof value !== 'string') return undefined;
      claims[name.slice('x-auth-claim-'.length)] = decodeIdentityHeader(value);
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
