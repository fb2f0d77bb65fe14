/**
 * Invalidation paths: validation, de-duplication, folding under wildcards, and batching to
 * CloudFront's in-progress quotas. Pure functions, no AWS calls.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
 */

/** CloudFront rejects a path longer than this. */
export const MAX_PATH_LENGTH = 4000;
/** Paths per distribution that may be in progress at one time (quota). */
export const MAX_PATHS_IN_PROGRESS = 3000;
/** Wildcard paths per distribution that may be in progress at one time (quota). */
export const MAX_WILDCARDS_IN_PROGRESS = 15;

/** The path that invalidates every object of a distribution. */
export const ALL_PATHS = '/*';

/** One problem with one path, with the value received and what to write instead. */
export interface PathProblem {
  readonly path: string;
  readonly reason: string;
  /** A corrected path when one can be derived (e.g. the URL-encoded form). */
  readonly suggestion?: string;
}

export class InvalidPathsError extends Error {
  constructor(readonly problems: readonly PathProblem[]) {
    super(
      `${problems.length} invalid invalidation path${problems.length === 1 ? '' : 's'}:\n` +
        problems
          .map((p) => `  '${p.path}': ${p.reason}${p.suggestion !== undefined ? ` (use '${p.suggestion}')` : ''}`)
          .join('\n'),
    );
    this.name = 'InvalidPathsError';
  }
}

// RFC 1738 "unsafe" characters plus controls, space and non-ASCII: CloudFront asks for these to be
// URL-encoded in invalidation paths, otherwise the path does not match the cached object's key.
const MUST_ENCODE = /[\u0000-\u0020\u007f-\uffff<>"#{}|\\^[\]`]/u;

/** Returns the problems with one path; an empty list means CloudFront accepts it as written. */
export function checkPath(path: string): PathProblem[] {
  const problems: PathProblem[] = [];
  if (path.length === 0) {
    return [{ path, reason: 'is empty; an invalidation path starts with /' }];
  }
  if (!path.startsWith('/')) {
    problems.push({ path, reason: 'must start with /', suggestion: `/${path}` });
  }
  const star = path.indexOf('*');
  if (star !== -1 && star !== path.length - 1) {
    problems.push({
      path,
      reason: 'a * wildcard may appear only as the last character',
      suggestion: path.slice(0, star + 1),
    });
  }
  if (MUST_ENCODE.test(path)) {
    problems.push({
      path,
      reason: 'contains characters that must be URL-encoded (space, non-ASCII, or one of <>"#{}|\\^[]`)',
      suggestion: encodePath(path),
    });
  }
  const badEscape = /%(?![0-9A-Fa-f]{2})/.exec(path);
  if (badEscape) {
    problems.push({ path, reason: `has a % at offset ${badEscape.index} that is not followed by two hex digits`, suggestion: path.replace(/%(?![0-9A-Fa-f]{2})/g, '%25') });
  }
  if (path.length > MAX_PATH_LENGTH) {
    problems.push({ path: `${path.slice(0, 60)}...`, reason: `is ${path.length} characters long; CloudFront accepts at most ${MAX_PATH_LENGTH}` });
  }
  return problems;
}

/** URL-encodes the characters CloudFront needs encoded, leaving `/`, `*` and existing escapes. */
export function encodePath(path: string): string {
  let out = '';
  for (const ch of path) {
    out += MUST_ENCODE.test(ch) ? encodeURIComponent(ch).replace(/[!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : ch;
  }
  return out.replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
}

/** Validates every path and throws once with all problems. */
export function validatePaths(paths: readonly string[]): void {
  const problems = paths.flatMap(checkPath);
  if (problems.length > 0) throw new InvalidPathsError(problems);
}

export function isWildcard(path: string): boolean {
  return path.endsWith('*');
}

/** Does wildcard `w` (ending in `*`) cover `path` (itself possibly a wildcard)? */
export function covers(w: string, path: string): boolean {
  if (!isWildcard(w)) return false;
  const prefix = w.slice(0, -1);
  const target = isWildcard(path) ? path.slice(0, -1) : path;
  return path !== w && target.startsWith(prefix);
}

export interface FoldResult {
  /** The paths to send, in first-seen order. */
  readonly paths: string[];
  /** Exact repeats that were dropped. */
  readonly duplicates: string[];
  /** Paths dropped because a wildcard in the set already covers them, with that wildcard. */
  readonly folded: { readonly path: string; readonly by: string }[];
}

/**
 * Drops repeats and every path a wildcard in the same set already invalidates, so the request
 * spends as little of the in-progress quota (and of the monthly free paths) as possible.
 */
export function foldPaths(input: readonly string[]): FoldResult {
  const seen = new Set<string>();
  const unique: string[] = [];
  const duplicates: string[] = [];
  for (const p of input) {
    if (seen.has(p)) duplicates.push(p);
    else {
      seen.add(p);
      unique.push(p);
    }
  }
  // Shortest wildcard prefixes first, so a path is credited to the broadest wildcard covering it.
  const wildcards = unique.filter(isWildcard).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const folded: { path: string; by: string }[] = [];
  const paths: string[] = [];
  for (const p of unique) {
    const by = wildcards.find((w) => w !== p && covers(w, p));
    if (by !== undefined) folded.push({ path: p, by });
    else paths.push(p);
  }
  return { paths, duplicates, folded };
}

export interface BatchLimits {
  readonly maxPaths: number;
  readonly maxWildcards: number;
}

export const CLOUDFRONT_LIMITS: BatchLimits = { maxPaths: MAX_PATHS_IN_PROGRESS, maxWildcards: MAX_WILDCARDS_IN_PROGRESS };

/**
 * Splits paths into invalidation batches that each fit the in-progress quotas. Each batch can fill
 * the quota on its own, so the caller submits the next batch only once the previous one completed.
 */
export function batchPaths(paths: readonly string[], limits: BatchLimits = CLOUDFRONT_LIMITS): string[][] {
  if (limits.maxPaths < 1 || limits.maxWildcards < 1) {
    throw new Error(`batch limits must be at least 1, got maxPaths=${limits.maxPaths} maxWildcards=${limits.maxWildcards}`);
  }
  const batches: string[][] = [];
  let current: string[] = [];
  let wildcards = 0;
  for (const p of paths) {
    const wild = isWildcard(p);
    if (current.length === limits.maxPaths || (wild && wildcards === limits.maxWildcards)) {
      batches.push(current);
      current = [];
      wildcards = 0;
    }
    current.push(p);
    if (wild) wildcards++;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
