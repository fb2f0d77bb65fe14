// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * CloudFront cache-behavior path patterns, the one implementation the construct (ordering,
 * shadowing, WAF prefixes), the edge code (path guard) and the tools (local edge, audit) share: `*` matches any run of characters (including `/`),
 * `?` matches exactly one character, matching is case-sensitive, and a pattern with or without a
 * leading `/` means the same.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
 */

/** Characters CloudFront accepts in a path pattern besides letters and digits. */
const PATTERN_CHARS = /^[A-Za-z0-9_\-.*$/~"'@:+?&]*$/;
export const MAX_PATTERN_LENGTH = 255;

/** Returns why `pattern` is not a valid CloudFront path pattern, or undefined when it is. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is ${pattern.length} characters long; CloudFront allows ${MAX_PATTERN_LENGTH}`;
  if (!PATTERN_CHARS.test(pattern)) {
    const bad: string[] = [];
    for (let i = 0; i < pattern.length; i++) {
      // One character per code point, as a viewer would name it (a surrogate pair is one).
      const code = pattern.charCodeAt(i);
      let c = pattern.charAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < pattern.length) c += pattern.charAt(++i);
      if (!PATTERN_CHARS.test(c) && bad.indexOf(JSON.stringify(c)) < 0) bad.push(JSON.stringify(c));
    }
    return `contains ${bad.join(', ')}; allowed are letters, digits and _ - . * $ / ~ " ' @ : + ? &`;
  }
  if (pattern.includes('//')) return "contains '//', which no request path normalizes to";
  return undefined;
}

/** The pattern with a leading `/`, the form CloudFront compares paths against. */
export function canonicalPattern(pattern: string): string {
  return pattern.startsWith('/') || pattern.startsWith('*') ? pattern : `/${pattern}`;
}

/**
 * CloudFront path-pattern matching (`*` any run, `?` one character), iterative so a hostile path
 * cannot make it backtrack exponentially. Compares the pattern as written; `matchesPathPattern`
 * adds the optional leading `/`.
 */
export function globMatch(pattern: string, path: string): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  while (s < path.length) {
    const pc = pattern.charAt(p);
    if (p < pattern.length && (pc === '?' || pc === path.charAt(s))) {
      p++;
      s++;
    } else if (p < pattern.length && pc === '*') {
      star = p++;
      mark = s;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charAt(p) === '*') p++;
  return p === pattern.length;
}

/** Whether a request path (starting with `/`, no query string) matches a path pattern. */
export function matchesPathPattern(pattern: string, path: string): boolean {
  return pattern === '*' || globMatch(canonicalPattern(pattern), path);
}

/** Characters before the first wildcard: the part of the pattern that narrows what it matches (`/api/me/*` -> `/api/me/`). */
export function literalPrefix(pattern: string): string {
  const p = canonicalPattern(pattern);
  const i = p.search(/[*?]/);
  return i < 0 ? p : p.slice(0, i);
}

/**
 * Orders patterns most specific first, so that CloudFront's first-match rule picks the narrowest
 * behavior: a longer literal prefix first, then fewer wildcards, then the longer pattern, then
 * alphabetically so the order never depends on the order of the table.
 */
export function compareSpecificity(a: string, b: string): number {
  const pa = literalPrefix(a).length;
  const pb = literalPrefix(b).length;
  if (pa !== pb) return pb - pa;
  const wa = wildcards(a);
  const wb = wildcards(b);
  if (wa !== wb) return wa - wb;
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function wildcards(pattern: string): number {
  const m = pattern.match(/[*?]/g);
  return m ? m.length : 0;
}

/**
 * Whether every path `later` can match is already matched by `earlier`, so a behavior for `later`
 * placed after `earlier` could never be selected. Checked on a sample of paths built from `later`.
 */
export function shadows(earlier: string, later: string): boolean {
  const samples = ['', 'x', 'a/b.c', 'Z9'].map((fill) =>
    canonicalPattern(later).replace(/\*/g, fill).replace(/\?/g, fill.charAt(0) || 'q'),
  );
  return samples.every((s) => matchesPathPattern(earlier, s));
}
