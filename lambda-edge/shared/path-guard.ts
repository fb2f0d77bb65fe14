// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * The path guard: which request URIs a behavior refuses before the cache lookup.
 *
 * CloudFront selects a behavior by matching the URI exactly as the viewer sent it (case-sensitive,
 * no decoding, no dot-segment removal), while origins commonly merge slashes, resolve `.` and `..`,
 * decode `%6D` and match case-insensitively. Without this guard `/api//me/profile` or
 * `/api/ME/profile` would reach the origin of `/api/me/*` through an unauthenticated behavior.
 *
 * Pure and dependency-free on purpose: it runs in Lambda@Edge today and is meant to compile into a
 * CloudFront Function (cloudfront-js-2.0), so it uses no Node API, no Buffer and no RegExp built at
 * run time. Shared by the construct (which decides which patterns are protected) and the edge.
 */

import { globMatch } from './path-pattern';

export { globMatch };

/** What the construct bakes into the guard of one behavior. */
export interface GuardConfig {
  /** Path patterns of every behavior with auth, in CloudFront syntax with a leading `/`. */
  readonly protectedPatterns: readonly string[];
}

/** Why a URI is refused; stable codes, safe to show the viewer. */
export type PathProblem =
  | 'not-absolute'
  | 'empty-segment'
  | 'dot-segment'
  | 'backslash'
  | 'path-parameter'
  | 'bad-percent-encoding'
  | 'encoded-unreserved'
  | 'encoded-separator'
  | 'encoded-control'
  | 'encoded-structure'
  | 'protected-spelling';

/** Returned from two places: the string once in the function's bytes. */
const BAD_ESCAPE = 'bad-percent-encoding';

/**
 * Checks the spelling of the URI segment by segment, building no string but the segments of one or
 * two characters (this runs on every request of a guarded behavior). Returns a PathProblem when the
 * spelling is not canonical.
 */
function spellingProblem(uri: string): PathProblem | null {
  if (uri.charAt(0) !== '/') return 'not-absolute';
  let segmentStart = 1;
  for (let i = 1; i <= uri.length; i++) {
    let c = uri.charAt(i); // '' past the end: it closes the last segment
    if (c === '/' || c === '') {
      // An empty segment is allowed only at the very end (`/api/me/`), never as `//`.
      if (i === segmentStart && c) return 'empty-segment';
      if (i - segmentStart < 3 && /^\.\.?$/.test(uri.slice(segmentStart, i))) return 'dot-segment';
      segmentStart = i + 1;
      continue;
    }
    if (c === '\\') return 'backslash';
    if (c === ';') return 'path-parameter';
    if (c === '%') {
      const hex = uri.slice(i + 1, i + 3);
      if (!/^[\dA-Fa-f]{2}$/.test(hex)) return BAD_ESCAPE;
      c = String.fromCharCode(parseInt(hex, 16));
      // RFC 3986 unreserved (ALPHA / DIGIT / "-" / "." / "_" / "~"): encoding them only changes the spelling.
      if (/[\w.~-]/.test(c)) return 'encoded-unreserved';
      if (c === '/' || c === '\\') return 'encoded-separator';
      i += 2;
    }
    // A control character (U+0000 to U+001F, U+007F), sent or escaped.
    if (c < ' ' || c === '\x7f') return 'encoded-control';
  }
  return null;
}

/**
 * One round of decoding ASCII escapes and folding ASCII case; non-ASCII escapes stay encoded. One
 * pass does both the decoding and the folding of the four letters below: their matches never
 * overlap an ASCII escape (they start with `%C`/`%E` or are one character) and what either gives
 * (an ASCII character, `i`, `s`, `k`) starts no new match of the other. No `i` flag: with it njs
 * (PCRE) also matches `s` to U+017F and `k` to U+212A.
 */
function decodeAscii(text: string): string {
  return lowerAscii(
    text.replace(/%[0-7][\dA-Fa-f]|%[Cc]4%[Bb][01]|%[Cc]5%[Bb][Ff]|%[Ee]2%84%[Aa]{2}|[\u0130\u0131\u017F\u212A]/g, (m) =>
      m.length === 3 ? decodeURIComponent(m) : /5|\u017F/.test(m) ? 's' : /2|\u212A/.test(m) ? 'k' : 'i',
    ),
  );
}

/**
 * The URI as an origin that decodes ASCII escapes (as many times as a chain of proxies and
 * frameworks may: `%2563` -> `%63` -> `c`) and ignores case reads it (`ME` -> `me`). The four
 * non-ASCII letters whose case mapping lands on ASCII (U+0130 and U+0131 -> `i`, U+017F -> `s`,
 * U+212A -> `k`, as Java's `equalsIgnoreCase` or .NET's `OrdinalIgnoreCase` fold them) are read as
 * that ASCII letter, sent literally or UTF-8 escaped. Other non-ASCII escapes stay encoded: no path
 * pattern can name them.
 */
function looseForm(uri: string): string {
  let out = decodeAscii(uri);
  // Another round while an ASCII escape is left (`%2563` -> `%63`, `%%33B` -> `%3B`): a round that
  // finds one shortens the text, so this ends.
  while (/%[0-7][\dA-Fa-f]/.test(out)) out = decodeAscii(out);
  return out;
}

/**
 * The rules of `readings`, each a rewrite to '' of what it matches: `;` parameters dropped from each
 * segment (Servlet containers, after a proxy decoded `%3B`); cut at a decoded `?` or `#` (a proxy
 * that decodes and parses again); the dots and spaces ending each segment trimmed (Windows file
 * names); the last extension of the last segment (Spring MVC suffix pattern matching:
 * `/api/config.json` is `/api/config`) and of every segment (a suffix dropped before a second
 * decoding: `/api/keys%252Ed.json` is `/api/keys.d`). Applied again to what it gives, the
 * last-segment rule also drops a longer extension (`a.b.c` -> `a.b` -> `a`).
 */
const DROPS = [/;[^/]*/g, /[?#].*/, /[. ]+(?=\/|$)/g, /\.[^/.]*$/, /\.[^/.]*(?=\/|$)/g];

/**
 * The resources lenient origins may read the loose form `seen` as, every rule applied in any order
 * to what the others give: the `DROPS`, and the first dotted segment's extension (routers with a
 * `.:format` on any segment: `/api/me.json/profile`; applied again it drops the next segment's, so
 * every segment's and the ones after a kept one are reached: `/api.json/keys.d` is `/api/keys.d`).
 * Each new form is shorter than the one it comes from, so the list ends (a few forms for any real
 * path).
 */
function readings(seen: string): string[] {
  const forms = [seen];
  for (let i = 0; i < forms.length; i++) {
    const b = forms[i];
    DROPS.map((rule) => b.replace(rule, ''))
      .concat(b.replace(/([^/.])\.[^/]*/, '$1'))
      .forEach((form) => {
        if (forms.indexOf(form) < 0) forms.push(form);
      });
  }
  return forms;
}

function lowerAscii(text: string): string {
  // Only A-Z: toLowerCase alone would also fold non-ASCII letters an origin may keep apart.
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/**
 * Why a behavior refuses `uri`, or null when the URI is canonical and reaches the behavior it
 * names. Refused: empty and dot segments (also as `%2E`), percent-encoded unreserved characters,
 * encoded `/` and `\`, a literal `\`, `;` path parameters, control characters, broken `%`
 * escapes; the same structure once the URI is decoded as often as it holds escapes and `;`
 * parameters are dropped (`%252e%252e`, `..%3B`); and any spelling that a lenient origin model
 * (`readings`) reads as a protected pattern while CloudFront would not match it against that pattern.
 * `%20`, `%2B`, `%25` and other escapes of reserved characters are meaning, not spelling: they
 * pass as sent. The query string is not looked at.
 */
export function pathProblem(uri: string, config: GuardConfig): PathProblem | null {
  const problem = spellingProblem(uri);
  if (problem !== null) return problem;
  // Non-ASCII escapes must still be valid UTF-8 (no overlong `/`), which decodeURIComponent checks
  // (it never throws on a URI without `%`).
  try {
    decodeURIComponent(uri);
  } catch (e) {
    return BAD_ESCAPE;
  }
  const patterns = config.protectedPatterns;
  const lowers = lowered(patterns);
  // Without escapes or capitals the loose form is the URI itself; without dots or spaces too, every
  // reading is, and a lower-case pattern then matches both or neither: nothing to compare.
  const loose = /[%A-Z\x80-\uffff]/.test(uri);
  if (!loose && lastSame && !/[. ]/.test(uri)) return null;
  const seen = loose ? looseForm(uri) : uri;
  // Decoded (as often as it holds escapes) and without `;` parameters, the path must still have no
  // `\\`, no `//` and no dot segments: `%252e%252e`, `..%3B`, `%255C`. (The URI as sent has none:
  // spellingProblem refused them.)
  if (/\\|\/(\.\.?)?\/|\/\.\.?$/.test(seen.replace(/;[^/]*/g, ''))) return 'encoded-structure';
  const forms = readings(seen);
  for (let i = 0; i < patterns.length; i++) {
    const lower = lowers[i];
    if (forms.some((form) => globMatch(lower, form)) && !globMatch(patterns[i], uri)) return 'protected-spelling';
  }
  return null;
}

// The protected patterns are one constant list per function: lower-cased once, not per request
// (the last list seen is kept), with whether every one already was (then a canonical URI needs no loop).
let lastPatterns: readonly string[] | undefined;
let lastLowers: string[] = [];
let lastSame = true;

function lowered(patterns: readonly string[]): string[] {
  if (patterns !== lastPatterns) {
    lastPatterns = patterns;
    lastLowers = patterns.map(lowerAscii);
    lastSame = lastLowers.join() === patterns.join();
  }
  return lastLowers;
}

/**
 * The characters every form `pathProblem` compares (the URI as sent, its loose form, cut at `?`/`#`,
 * segment ends trimmed) starts with, for any URI CloudFront hands to a behavior of `pattern`: the
 * pattern's literal part before its first wildcard, lower-cased (the loose form folds case), up to
 * its first `.` (trimming removes dots at segment ends). Decoding and folding cannot reach into it:
 * patterns hold no `%` and no non-ASCII character. A rule added to `pathProblem` that rewrites
 * characters before a segment's first `.` must shorten this prefix too.
 */
export function stablePrefix(pattern: string): string {
  const p = pattern.charAt(0) === '/' || pattern.charAt(0) === '*' ? pattern : '/' + pattern;
  let end = 0;
  while (end < p.length && p.charAt(end) !== '*' && p.charAt(end) !== '?' && p.charAt(end) !== '.') end++;
  return lowerAscii(p.slice(0, end));
}

/** Whether some text starting with `prefix` could match the path pattern `glob` (wildcards are assumed to match). */
function mayMatchStartingWith(glob: string, prefix: string): boolean {
  for (let i = 0; i < prefix.length; i++) {
    if (i >= glob.length) return false;
    const c = glob.charAt(i);
    if (c === '*') return true;
    if (c !== '?' && c !== prefix.charAt(i)) return false;
  }
  return true;
}

/**
 * The protected patterns that can refuse anything on behaviors with these path patterns (the ones
 * sharing one function): a pattern whose lower-cased form cannot match any text starting with a
 * behavior's stable prefix never makes `pathProblem` answer `protected-spelling` there, so leaving
 * it out of that behavior's function changes no answer and saves its bytes. The default behavior
 * (`*`) keeps every pattern. Runs at synth.
 */
export function reachablePatterns(protectedPatterns: readonly string[], behaviorPatterns: readonly string[]): string[] {
  const prefixes = behaviorPatterns.map(stablePrefix);
  return protectedPatterns.filter((p) => {
    const lower = lowerAscii(p);
    return prefixes.some((prefix) => mayMatchStartingWith(lower, prefix));
  });
}
