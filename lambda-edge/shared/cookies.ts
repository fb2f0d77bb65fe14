// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * The one cookie parser of the project: the edge code (auth's token cookie, experiment cookies),
 * the CloudFront Functions event adapter and the local edge (cache keys, function events) all read
 * `Cookie` headers through it, so they can never disagree about what a viewer sent.
 *
 * RFC 6265 section 5.4: pairs separated by `;`, the name before the first `=`, whitespace around
 * name and value dropped; a pair without `=` is kept with `hasValue: false` (browsers send such
 * pairs; what a reader does with them is its own rule). Order and repeats are kept: a viewer may
 * send one name twice, and readers decide whether the first wins or a repeat is refused.
 *
 * Pure and dependency-free: it also runs in CloudFront Functions.
 */

export interface CookiePair {
  readonly name: string;
  /** The value with surrounding whitespace dropped; '' when there is no `=`. */
  readonly value: string;
  /** The pair as sent, trimmed (`name=value`), for forwarding it unchanged. */
  readonly raw: string;
  readonly hasValue: boolean;
}

/** Every pair of these `Cookie` header values, in order, repeats included; empty pairs skipped. */
export function parseCookies(headerValues: readonly string[]): CookiePair[] {
  const out: CookiePair[] = [];
  for (let h = 0; h < headerValues.length; h++) {
    const parts = headerValues[h].split(';');
    for (let i = 0; i < parts.length; i++) {
      const raw = parts[i].trim();
      if (raw === '') continue;
      const eq = raw.indexOf('=');
      if (eq < 0) out.push({ name: raw, value: '', raw, hasValue: false });
      else out.push({ name: raw.slice(0, eq).trim(), value: raw.slice(eq + 1).trim(), raw, hasValue: true });
    }
  }
  return out;
}

/** The values sent for one cookie name, in order (several when the viewer repeats it). */
export function cookieValues(headerValues: readonly string[], name: string): string[] {
  const out: string[] = [];
  const pairs = parseCookies(headerValues);
  for (let i = 0; i < pairs.length; i++) if (pairs[i].hasValue && pairs[i].name === name) out.push(pairs[i].value);
  return out;
}

/** A value in double quotes (allowed by RFC 6265 `cookie-value`) without them. */
export function unquote(value: string): string {
  return value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34 ? value.slice(1, -1) : value;
}
