/**
 * Written in the CloudFront Functions language (ES 5.1 plus the features the Developer Guide's
 * "JavaScript runtime 2.0 features" page lists); the build of every generated function refuses
 * anything else (lib/edge/cloudfront-function.ts).
 *
 * Lists of path patterns as baked into a CloudFront Function: front-coded, each entry the length of
 * the prefix it shares with the entry before (two base-36 digits) and the rest, entries joined by
 * `,` (a character no path pattern contains). Forty protected patterns under one long prefix such as
 * `/api/v2/customer-accounts/service-0001/*` take about 6 bytes each instead of 43: the function's
 * 10 KB is shared by the code and everything baked into it. A pattern that is the one before plus
 * `/*` (`/api/me`, `/api/me/*`: the usual pair of a protected route) is the entry `|` (CloudFront's
 * path patterns hold only A-Z, a-z, 0-9, `_-.*$/~"'@:+` and `&`: Developer Guide, "Path pattern").
 * Order is kept (the rejection log names the first matching route).
 */

const SEPARATOR = ',';
const PAIR = '|';

/** The list as one string; `unpackPatterns` gives it back. */
export function packPatterns(patterns: readonly string[]): string {
  const out: string[] = [];
  let previous = '';
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i];
    if (p.indexOf(SEPARATOR) >= 0 || p.indexOf(PAIR) >= 0) throw new Error(`tiered-cdn: path pattern ${JSON.stringify(p)} contains '${SEPARATOR}' or '${PAIR}'`);
    if (i > 0 && p === `${previous}/*`) {
      out.push(PAIR);
      previous = p;
      continue;
    }
    let shared = 0;
    const max = Math.min(p.length, previous.length, 36 * 36 - 1);
    while (shared < max && p.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
    out.push((shared < 36 ? '0' : '') + shared.toString(36) + p.slice(shared));
    previous = p;
  }
  return out.join(SEPARATOR);
}

/** The list `packPatterns` packed. */
export function unpackPatterns(packed: string): string[] {
  if (packed === '') return [];
  let previous = '';
  return packed
    .split(SEPARATOR)
    .map((e) => (previous = e === PAIR ? `${previous}/*` : previous.slice(0, parseInt(e.slice(0, 2), 36)) + e.slice(2)));
}
