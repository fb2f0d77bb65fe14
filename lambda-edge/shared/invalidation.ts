/**
 * Invalidation items, the rules CloudFront applies to them, written once for the construct (site
 * deployment, path groups), `tiered-cdn invalidate` and the local edge:
 * - paths (`/index.html`, `/assets/*`): validation, de-duplication, folding under wildcards;
 * - cache tags (`#product:42`): validation, case-insensitive de-duplication, parsing of the tag
 *   header an origin sends;
 * - batching of both to CloudFront's in-progress quotas (each tag item counts as one path).
 * Pure functions, no AWS calls.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
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

/**
 * A path or tag as it may be printed to a terminal: control characters (C0, DEL, C1) and the
 * Unicode bidirectional controls are written as `\xNN` / `\u{NNNN}`, and `\` as `\\`, so an
 * item cannot move the cursor, clear the screen or reorder what is shown around it.
 */
export function printable(item: string): string {
  return item.replace(/[\\\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

export class InvalidPathsError extends Error {
  constructor(readonly problems: readonly PathProblem[]) {
    super(
      `${problems.length} invalid invalidation path${problems.length === 1 ? '' : 's'}:\n` +
        problems
          .map((p) => `  '${printable(p.path)}': ${p.reason}${p.suggestion !== undefined ? ` (use '${printable(p.suggestion)}')` : ''}`)
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

// ---------------------------------------------------------------------------------------------
// Cache tags
// ---------------------------------------------------------------------------------------------

/**
 * The tag header the construct configures by default. S3 returns an object's metadata key
 * `cache-tag` as this header, and a custom origin sends the same header, so one name serves both.
 */
export const DEFAULT_CACHE_TAG_HEADER = 'x-amz-meta-cache-tag';
/** S3 returns user metadata `<key>` as the response header `x-amz-meta-<key>`. */
export const S3_METADATA_HEADER_PREFIX = 'x-amz-meta-';

/** Tags every object of the site deployment carries. */
export const SITE_TAG = 'site';
/** Tag of the site's entry documents: the deploy invalidates `#site:html` when cache tags are on. */
export const SITE_ENTRY_DOCUMENT_TAG = 'site:html';
/** Tag of every other site object (content-hashed assets). */
export const SITE_ASSET_TAG = 'site:assets';

/** An invalidation item that starts with this character names a cache tag, not a path. */
export const TAG_ITEM_PREFIX = '#';
/** CloudFront's longest tag. */
export const MAX_TAG_LENGTH = 256;
/** CloudFront keeps at most this many tags per cached object; the rest are not stored. */
export const MAX_TAGS_PER_OBJECT = 50;

/** Which of CloudFront's tag rules a tag breaks. */
export type TagRule = 'empty' | 'length' | 'characters' | 'comma' | 'wildcard';

/** One broken rule of one tag. */
export interface TagProblem {
  readonly tag: string;
  readonly rule: TagRule;
  readonly reason: string;
}

export class InvalidTagsError extends Error {
  constructor(readonly problems: readonly TagProblem[]) {
    super(
      `${problems.length} invalid cache tag${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  '${printable(p.tag)}': ${p.reason} (rule: ${p.rule})`).join('\n'),
    );
    this.name = 'InvalidTagsError';
  }
}

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * The rules a tag breaks; empty when CloudFront accepts it: visible ASCII (33-126) only, no comma
 * (commas separate tags in the header), at most 256 characters, no `*` (tag items match exactly).
 */
export function checkTag(tag: string): TagProblem[] {
  if (tag.length === 0) return [{ tag, rule: 'empty', reason: 'is empty; a tag has 1 to 256 visible ASCII characters' }];
  const problems: TagProblem[] = [];
  const shown = tag.length > 60 ? `${tag.slice(0, 60)}...` : tag;
  if (tag.length > MAX_TAG_LENGTH) {
    problems.push({ tag: shown, rule: 'length', reason: `is ${tag.length} characters long; CloudFront accepts at most ${MAX_TAG_LENGTH}` });
  }
  if (tag.includes(',')) {
    problems.push({ tag: shown, rule: 'comma', reason: 'contains a comma, which separates tags in the tag header; split it into two tags' });
  }
  if (!VISIBLE_ASCII.test(tag)) {
    const bad = [...tag].find((c) => !VISIBLE_ASCII.test(c))!;
    problems.push({
      tag: shown,
      rule: 'characters',
      reason: `contains ${JSON.stringify(bad)} (U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}); tags are visible ASCII only (33-126: no spaces, no control or non-ASCII characters)`,
    });
  }
  if (tag.includes('*')) {
    problems.push({ tag: shown, rule: 'wildcard', reason: 'contains *; tag invalidations match the exact tag, there are no wildcards' });
  }
  return problems;
}

/** Validates every tag and throws once with all problems. */
export function validateTags(tags: readonly string[]): void {
  const problems = tags.flatMap(checkTag);
  if (problems.length > 0) throw new InvalidTagsError(problems);
}

/** The form two tags are compared in: CloudFront treats `Product:42` and `product:42` as one tag. */
export function normalizeTag(tag: string): string {
  return tag.toLowerCase();
}

/** `product:42` -> `#product:42`, the invalidation item CloudFront expects. */
export function tagItem(tag: string): string {
  return `${TAG_ITEM_PREFIX}${tag}`;
}

export function isTagItem(item: string): boolean {
  return item.startsWith(TAG_ITEM_PREFIX);
}

/** The problems with one invalidation item, a path or a `#tag`, as `PathProblem`s. */
export function checkItem(item: string): PathProblem[] {
  if (!isTagItem(item)) return checkPath(item);
  return checkTag(item.slice(TAG_ITEM_PREFIX.length)).map((p) => ({ path: item, reason: `tag '${printable(p.tag)}' ${p.reason} (rule: ${p.rule})` }));
}

/** Validates paths and `#tag` items together and throws once with all problems. */
export function validateItems(items: readonly string[]): void {
  const problems = items.flatMap(checkItem);
  if (problems.length > 0) throw new InvalidPathsError(problems);
}

/**
 * The tags an origin response carries in the tag header, as CloudFront stores them: comma-separated,
 * surrounding whitespace trimmed, repeats (case-insensitive) dropped, tags that break a rule
 * skipped (they could never be invalidated), at most 50 kept.
 */
export function parseTagHeader(values: string | readonly string[] | undefined): string[] {
  if (values === undefined) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const value of typeof values === 'string' ? [values] : values) {
    for (const raw of value.split(',')) {
      const tag = raw.trim();
      if (tag === '' || checkTag(tag).length > 0) continue;
      const key = normalizeTag(tag);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(tag);
      if (out.length === MAX_TAGS_PER_OBJECT) return out;
    }
  }
  return out;
}

export function isWildcard(path: string): boolean {
  return !isTagItem(path) && path.endsWith('*');
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
    // Tags are case-insensitive: `#Product:42` repeats `#product:42`. Paths are case-sensitive.
    const identity = isTagItem(p) ? p.toLowerCase() : p;
    if (seen.has(identity)) duplicates.push(p);
    else {
      seen.add(identity);
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
