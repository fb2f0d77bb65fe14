// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontHeaders } from 'aws-lambda';
import type { ExperimentConfig } from './config';
import { unquote } from './cookies';
import { experimentCookie, VIEWER_ID_COOKIE } from './names';

/**
 * The cookie contract between the viewer-request step that assigns variants and the
 * viewer-response function that persists them. Both sides validate against the same patterns so a
 * value the viewer made up never reaches a `Set-Cookie` header.
 */

/** A UUID is 36 characters; ids minted elsewhere may be base64url or hex, so accept that alphabet. */
export const VIEWER_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** The cookies of one request by name. */
export interface CookieJar {
  get(name: string): string | undefined;
}

/** Cookies of a request, first occurrence wins (RFC 6265 sends the most specific path first). */
export function readCookies(headers: CloudFrontHeaders): CookieJar {
  // A plain object without prototype, not a Map: CloudFront Functions have no Map. The pairs are
  // read as parseCookies reads them (cookies.ts), without building its pair objects: fewer bytes
  // in every CloudFront Function that runs experiments.
  const jar: Record<string, string> = Object.create(null);
  const values = headers.cookie || [];
  for (let h = 0; h < values.length; h++) {
    const parts = values[h].value.split(';');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i].trim();
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim();
      if (eq > 0 && name && !(name in jar)) jar[name] = unquote(part.slice(eq + 1).trim());
    }
  }
  return { get: (name) => (name in jar ? jar[name] : undefined) };
}

/** Encodes the cookies to set as the value of `EXPERIMENT_SET_COOKIE_HEADER`. */
export function encodeSetCookieInstruction(cookies: ReadonlyArray<readonly [string, string]>): string {
  return cookies.map((c) => `${c[0]}=${c[1]}`).join('&');
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
  const pairs = value.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq);
    const v = pair.slice(eq + 1);
    if (name === VIEWER_ID_COOKIE) {
      if (VIEWER_ID_PATTERN.test(v)) out.push([name, v]);
      continue;
    }
    const experiment = experimentByCookie(experiments, name);
    if (experiment && experiment.variants.some((variant) => variant.name === v)) out.push([name, v]);
  }
  return out;
}

/** The experiment whose cookie is `cookie`, if any. */
export function experimentByCookie(experiments: readonly ExperimentConfig[], cookie: string): ExperimentConfig | undefined {
  for (let i = 0; i < experiments.length; i++) if (experimentCookie(experiments[i].name) === cookie) return experiments[i];
  return undefined;
}
