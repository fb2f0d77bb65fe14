import { InvalidPathsError, checkItem, isTagItem, normalizeTag, parseTagHeader, TAG_ITEM_PREFIX } from '../../lambda-edge/shared/invalidation';
import type { EdgeResponse } from './http-types';

/**
 * Which cached objects one invalidation removes, as CloudFront decides it: a path matches the
 * object's URI (a trailing `*` matches a prefix), a `#tag` item matches every object whose stored
 * tags (the first 50 of the tag header, case-insensitive) name it. Every variant of an object
 * (query strings, headers, cookies) is its own cache key and is matched on its own.
 *
 * Throws InvalidPathsError, as CloudFront answers InvalidArgument, when an item breaks a rule.
 */
export function invalidationMatcher(items: readonly string[], tagHeader: string | undefined): (key: string, response: EdgeResponse) => boolean {
  const problems = items.flatMap(checkItem);
  if (items.length === 0) problems.push({ path: '', reason: 'an invalidation needs at least one path or #tag item' });
  if (problems.length > 0) throw new InvalidPathsError(problems);
  const paths = items.filter((i) => !isTagItem(i));
  const tags = new Set(items.filter(isTagItem).map((i) => normalizeTag(i.slice(TAG_ITEM_PREFIX.length))));
  const uriMatchers = paths.map((p) => (p.endsWith('*') ? (uri: string) => uri.startsWith(p.slice(0, -1)) : (uri: string) => uri === p));
  return (key, response) => {
    if (uriMatchers.length > 0) {
      // The uri is the third element of every cache key (see cacheKey).
      const uri = (JSON.parse(key) as unknown[])[2] as string;
      if (uriMatchers.some((m) => m(uri))) return true;
    }
    // A distribution without CacheTagConfig stores no tags: tag items then match nothing.
    if (tags.size === 0 || !tagHeader) return false;
    return parseTagHeader(response.headers[tagHeader]?.map((h) => h.value)).some((t) => tags.has(normalizeTag(t)));
  };
}
