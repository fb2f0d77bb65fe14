import * as fc from 'fast-check';
import {
  InvalidPathsError,
  InvalidTagsError,
  MAX_TAGS_PER_OBJECT,
  batchPaths,
  checkItem,
  checkTag,
  foldPaths,
  parseTagHeader,
  validateTags,
} from '../../lambda-edge/shared/invalidation';
import { planInvalidation } from '../../tools/invalidate/run';

const visible = fc.integer({ min: 33, max: 126 }).filter((c) => c !== 44 && c !== 42).map((c) => String.fromCharCode(c));
const goodTag = fc.array(visible, { minLength: 1, maxLength: 256 }).map((a) => a.join(''));

describe('checkTag', () => {
  test.each(['product:42', 'category:tv', 'site:html', '#hash-inside', 'a'.repeat(256), '~!@$%^&()_+={}[]|\\:;"\'<>.?/'])('accepts %s', (t) => {
    expect(checkTag(t)).toEqual([]);
  });

  test('accepts every tag of visible ASCII without comma or *, 1 to 256 characters', () => {
    fc.assert(fc.property(goodTag, (t) => checkTag(t).length === 0));
  });

  test('refuses any tag with a character outside 33-126, naming the rule', () => {
    const outside = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 127, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff));
    fc.assert(
      fc.property(goodTag, outside, fc.nat(), (t, c, at) => {
        const i = at % (t.length + 1);
        const bad = `${t.slice(0, i)}${String.fromCharCode(c)}${t.slice(i)}`.slice(0, 256);
        return checkTag(bad).some((p) => p.rule === 'characters');
      }),
    );
  });

  test.each([
    ['', 'empty'],
    ['a'.repeat(257), 'length'],
    ['a,b', 'comma'],
    ['product:*', 'wildcard'],
    ['product 42', 'characters'],
    ['caf\u00e9', 'characters'],
    ['tab\there', 'characters'],
  ])('fails on %j with rule %s', (tag, rule) => {
    expect(checkTag(tag).map((p) => p.rule)).toContain(rule);
  });

  test('validateTags throws once with every problem, each naming the tag and the rule', () => {
    let err: unknown;
    try {
      validateTags(['ok', 'a b', 'x*']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidTagsError);
    expect((err as InvalidTagsError).problems.map((p) => [p.tag, p.rule])).toEqual([
      ['a b', 'characters'],
      ['x*', 'wildcard'],
    ]);
    expect((err as Error).message).toContain("'x*': contains *; tag invalidations match the exact tag, there are no wildcards (rule: wildcard)");
  });
});

describe('invalidation items', () => {
  test('an item starting with # is checked as a tag, not a path', () => {
    expect(checkItem('#product:42')).toEqual([]);
    expect(checkItem('#a b')[0].reason).toContain('(rule: characters)');
    expect(checkItem('/a#b')[0].suggestion).toBe('/a%23b');
  });

  test('repeated tags are dropped case-insensitively, paths stay case-sensitive', () => {
    const r = foldPaths(['#Product:42', '/A', '#product:42', '/a', '/*']);
    expect(r.duplicates).toEqual(['#product:42']);
    // A path wildcard never folds a tag item: it names objects by tag, not by path.
    expect(r.paths).toEqual(['#Product:42', '/*']);
    expect(r.folded.map((f) => f.path)).toEqual(['/A', '/a']);
  });

  test('tags count as one path each toward the batch quota and never as wildcards', () => {
    const items = ['/a*', '#t1', '#t2', '/b*', '#t3'];
    expect(batchPaths(items, { maxPaths: 3, maxWildcards: 1 })).toEqual([['/a*', '#t1', '#t2'], ['/b*', '#t3']]);
  });

  test('planInvalidation refuses invalid tags before anything else, and mixes valid ones with paths', () => {
    const base = { distributionId: 'E1', all: false, confirmAll: false, dryRun: true, wait: false };
    expect(() => planInvalidation({ ...base, paths: ['bad'], tags: ['a,b'] })).toThrow(InvalidTagsError);
    expect(() => planInvalidation({ ...base, paths: ['bad'], tags: ['ok'] })).toThrow(InvalidPathsError);
    const plan = planInvalidation({ ...base, paths: ['/index.html'], tags: ['product:42', 'PRODUCT:42'] });
    expect(plan.batches).toEqual([['/index.html', '#product:42']]);
    expect(plan.tagItems).toBe(1);
  });
});

describe('parseTagHeader', () => {
  test('splits on commas, trims, drops empties and case-insensitive repeats', () => {
    expect(parseTagHeader(' product:42 , Category:TV,,category:tv, product:42')).toEqual(['product:42', 'Category:TV']);
    expect(parseTagHeader(['a, b', 'B, c'])).toEqual(['a', 'b', 'c']);
    expect(parseTagHeader(undefined)).toEqual([]);
  });

  test('skips tags that break a rule: they could never be invalidated', () => {
    expect(parseTagHeader('ok, caf\u00e9, x*, fine')).toEqual(['ok', 'fine']);
  });

  test(`keeps at most ${MAX_TAGS_PER_OBJECT} distinct tags, the first ones`, () => {
    fc.assert(
      fc.property(fc.array(goodTag.map((t) => t.slice(0, 20)), { maxLength: 120 }), (tags) => {
        const parsed = parseTagHeader(tags.join(','));
        const distinct = [...new Set(tags.map((t) => t.toLowerCase()))];
        return parsed.length === Math.min(MAX_TAGS_PER_OBJECT, distinct.length) && parsed.every((t, i) => t.toLowerCase() === distinct[i]);
      }),
    );
  });
});
