import * as fs from 'fs';
import * as path from 'path';
import {
  DEFAULT_CACHE_TAG_HEADER,
  MAX_TAGS_PER_OBJECT,
  S3_METADATA_HEADER_PREFIX,
  SITE_ASSET_TAG,
  SITE_ENTRY_DOCUMENT_TAG,
  SITE_TAG,
  checkTag,
  normalizeTag,
} from '../lambda-edge/shared/invalidation';
import { show, Problem, problem } from './validation';

/**
 * CloudFront cache tags: the distribution stores the tags an origin sends in one response header
 * with each cached object, and `tiered-cdn invalidate --tags product:42` (a `#product:42`
 * invalidation item) removes every object, every variant, carrying the tag.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
 */
export interface CacheTagsOptions {
  /**
   * Response header carrying the comma-separated tags (`CacheTagConfig.HeaderName`). With a site
   * bucket it must start with `x-amz-meta-`: S3 returns object metadata `<key>` as
   * `x-amz-meta-<key>`, and the site deployment writes the tags as that metadata.
   * @default 'x-amz-meta-cache-tag'
   */
  readonly headerName?: string;

  /**
   * Send the tag header on to viewers. Tags often name internal ids, so by default every
   * behavior's response headers policy removes the header from viewer responses (CloudFront still
   * stores the tags: the policy acts after the cache).
   * @default false
   */
  readonly sendToViewers?: boolean;
}

/** Cache tags as the construct applies them. */
export interface ResolvedCacheTags {
  /** Lower case, as CloudFront presents headers to edge functions. */
  /** The tag header, lower case. */
  readonly headerName: string;
  /** Whether viewers receive the tag header (the response headers policies remove it otherwise). */
  readonly sendToViewers: boolean;
}

// Header names the CloudFront edge owns or refuses ("Restrictions on all edge functions").
const RESERVED_HEADER = /^(x-amz-cf-|x-amzn-|x-edge-|x-cache$|via$|connection$|content-length$|transfer-encoding$|host$)/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** S3 limits all user metadata of an object (keys and values, UTF-8) to 2 KB. */
export const S3_USER_METADATA_BYTES = 2048;

/** The cache tags settings, or undefined with `cacheTags: false`; problems say what to change. */
export function resolveCacheTags(option: CacheTagsOptions | false | undefined, hasSite: boolean, problems: Problem[]): ResolvedCacheTags | undefined {
  if (option === false) return undefined;
  const raw = option?.headerName ?? DEFAULT_CACHE_TAG_HEADER;
  const headerName = raw.toLowerCase();
  if (!TOKEN.test(headerName)) {
    problems.push(problem('cache-tags-header-invalid', `'cacheTags.headerName' must be an HTTP header name (letters, digits and - only, no spaces), got: ${show(raw)}.`));
  } else if (RESERVED_HEADER.test(headerName)) {
    problems.push(problem('cache-tags-header-reserved', `'cacheTags.headerName' ${show(raw)} is a header CloudFront owns or refuses from origins; use the default 'x-amz-meta-cache-tag' or another name of your own.`));
  } else if (hasSite && (!headerName.startsWith(S3_METADATA_HEADER_PREFIX) || headerName.length === S3_METADATA_HEADER_PREFIX.length)) {
    problems.push(problem('cache-tags-header-not-s3-metadata', `'cacheTags.headerName' must start with 'x-amz-meta-' (and name a key after it) when the distribution has a site bucket: S3 returns object metadata '<key>' as 'x-amz-meta-<key>', so the site's objects can only carry their tags under such a name; got: ${show(raw)}. Use the default 'x-amz-meta-cache-tag', which custom origins can send too.`,
    ));
  }
  return { headerName, sendToViewers: option?.sendToViewers ?? false };
}

/** Objects of the site deployment that carry the same tags. */
export interface SiteObjectGroup {
  /** Tags in the order written to the metadata. */
  readonly tags: readonly string[];
  /** Object keys (relative to the source folder, `/`-separated). */
  readonly keys: readonly string[];
  /** True when the group holds entry documents. */
  readonly entryDocuments: boolean;
  /** True for the group of untagged assets, which syncs everything the other groups do not hold. */
  readonly rest: boolean;
}

/** The object key an entry document path is served from: `/` -> `index.html`, `/a/` -> `a/index.html`. */
export function entryDocumentKey(p: string): string {
  const rel = p.replace(/^\/+/, '');
  return rel === '' || rel.endsWith('/') ? `${rel}index.html` : rel;
}

/**
 * Groups the site's objects by the tags each carries: every object `site`; entry documents
 * `site:html`, everything else `site:assets`; plus the user's tags for each glob (`site.tags`)
 * the key matches. At most 50 tags per object and 2 KB of S3 metadata: more is a problem.
 */
export function planSiteObjectTags(
  source: string,
  entryDocuments: readonly string[],
  userTags: Readonly<Record<string, readonly string[]>>,
  headerName: string,
  problems: Problem[],
): SiteObjectGroup[] {
  for (const [glob, tags] of Object.entries(userTags)) {
    if (glob.trim() === '' || glob.startsWith('/')) {
      problems.push(problem('site-tags-glob-invalid', `'site.tags' keys are globs relative to 'site.source' (e.g. 'blog/**/*.html'), got: ${show(glob)}.`));
    }
    for (const tag of tags) {
      for (const p of checkTag(tag)) problems.push(problem('site-tags-tag-invalid', `'site.tags[${show(glob)}]': tag ${show(p.tag)} ${p.reason} (rule: ${p.rule}).`, `site.tags[${JSON.stringify(glob)}]`));
    }
  }
  const keys = listKeys(source);
  const entryKeys = new Set(entryDocuments.map(entryDocumentKey));
  const matched = new Set<string>();
  const groups = new Map<string, { tags: string[]; keys: string[]; entryDocuments: boolean; rest: boolean }>();
  const restTags = [SITE_TAG, SITE_ASSET_TAG];
  groups.set(restTags.join(','), { tags: restTags, keys: [], entryDocuments: false, rest: true });
  const metadataKey = headerName.slice(S3_METADATA_HEADER_PREFIX.length);
  for (const key of keys) {
    const entry = entryKeys.has(key);
    const tags = [SITE_TAG, entry ? SITE_ENTRY_DOCUMENT_TAG : SITE_ASSET_TAG];
    for (const [glob, extra] of Object.entries(userTags)) {
      if (!path.posix.matchesGlob(key, glob)) continue;
      matched.add(glob);
      tags.push(...extra);
    }
    const unique = dedupe(tags);
    if (unique.length > MAX_TAGS_PER_OBJECT) {
      problems.push(problem('site-object-too-many-tags', `site object '${key}' gets ${unique.length} tags from 'site.tags'; CloudFront keeps at most ${MAX_TAGS_PER_OBJECT} per object.`, 'site.tags'));
    }
    const bytes = Buffer.byteLength(metadataKey) + Buffer.byteLength(unique.join(','));
    if (bytes > S3_USER_METADATA_BYTES) {
      problems.push(problem('site-object-tag-metadata-too-large', `site object '${key}' would carry ${bytes} bytes of tag metadata; S3 allows ${S3_USER_METADATA_BYTES} bytes of user metadata per object: give it fewer or shorter tags in 'site.tags'.`, 'site.tags'));
    }
    const id = unique.join(',');
    const group = groups.get(id) ?? { tags: unique, keys: [], entryDocuments: entry, rest: false };
    group.keys.push(key);
    groups.set(id, group);
  }
  for (const glob of Object.keys(userTags)) {
    if (!matched.has(glob)) problems.push(problem('site-tags-glob-unmatched', `'site.tags' glob ${show(glob)} matches no file in 'site.source' (${source}); globs are relative to the folder, e.g. 'blog/**'.`));
  }
  return [...groups.values()];
}

function dedupe(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  return tags.filter((t) => {
    const k = normalizeTag(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function listKeys(source: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.isFile()) out.push(`${prefix}${entry.name}`);
    }
  };
  if (fs.existsSync(source) && fs.statSync(source).isDirectory()) walk(source, '');
  return out;
}
