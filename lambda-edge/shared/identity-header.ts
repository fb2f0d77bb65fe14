/**
 * How the edge writes a verified claim into an `x-auth-*` header value, so that two different
 * claim values never give the same header value (`"é"` and `"%C3%A9"`, `null` and `"null"`, an
 * array and its JSON text all differ on the wire).
 *
 * - A string is percent-encoded as UTF-8: every byte outside SAFE, `%` itself included, becomes
 *   `%XX`. Decode it with `decodeURIComponent`.
 * - Anything else (number, boolean, null, array, object), and a string with a lone surrogate
 *   (which UTF-8 cannot carry), is `?` followed by its JSON text, encoded the same way. `?` is
 *   outside SAFE, so no string's encoding starts with it.
 *
 * Pure (no Node API). The decoder origins copy is `decodeIdentityHeader` in examples/identity-headers.ts,
 * tested against this encoder.
 */

/** Left as they are: letters, digits and the punctuation common in subjects, emails and scopes. */
const SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/;

/** `text` as UTF-8, every character outside SAFE written as its `%XX` bytes. `text` must be well-formed UTF-16. */
function percentEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}

function isWellFormed(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false; // a lone surrogate: not representable in UTF-8
  }
}

/** The header value for one claim value. */
export function encodeIdentityValue(value: unknown): string {
  if (typeof value === 'string' && isWellFormed(value)) return percentEncode(value);
  // JSON.stringify writes lone surrogates as \uXXXX escapes, so its text is always well-formed:
  // a string that UTF-8 cannot carry travels as JSON too, and decodes back to itself.
  return `?${percentEncode(JSON.stringify(value) ?? 'null')}`;
}
