import type { CloudFrontHeaders } from 'aws-lambda';
import type { ExperimentConfig } from './config';
import { parseCookies, unquote } from './cookies';
import { experimentCookie, VIEWER_ID_COOKIE } from './names';

/**
 * The cookie contract between the viewer-request step that assigns variants and the
 * viewer-response function that persists them. Both sides validate against the same patterns so a
 * value the viewer made up never reaches a `Set-Cookie` header.
 */

/** A UUID is 36 characters; ids minted elsewhere may be base64url or hex, so accept that alphabet. */
export const VIEWER_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Cookies of a request, first occurrence wins (RFC 6265 sends the most specific path first). */
export function readCookies(headers: CloudFrontHeaders): Map<string, string> {
  const jar = new Map<string, string>();
  const pairs = parseCookies((headers.cookie ?? []).map((h) => h.value));
  for (const pair of pairs) {
    if (!pair.hasValue || !pair.name || jar.has(pair.name)) continue;
    jar.set(pair.name, unquote(pair.value));
  }
  return jar;
}

/** Encodes the cookies to set as the value of `EXPERIMENT_SET_COOKIE_HEADER`. */
export function encodeSetCookieInstruction(cookies: ReadonlyArray<readonly [string, string]>): string {
  return cookies.map(([name, value]) => `${name}=${value}`).join('&');
}

/**
 * Decodes and checks an instruction against the configured experiments: only the viewer-id cookie
 * with a well-formed id and experiment cookies holding a configured variant survive.
 */
export function decodeSetCookieInstruction(
  value: string,
  experiments: readonly ExperimentConfig[],
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const pair of value.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq);
    const v = pair.slice(eq + 1);
    if (name === VIEWER_ID_COOKIE) {
      if (VIEWER_ID_PATTERN.test(v)) out.push([name, v]);
      continue;
    }
    const experiment = experiments.find((e) => experimentCookie(e.name) === name);
    if (experiment && experiment.variants.some((variant) => variant.name === v)) out.push([name, v]);
  }
  return out;
}
