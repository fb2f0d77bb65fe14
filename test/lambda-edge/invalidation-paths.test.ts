import * as fc from 'fast-check';
import { InvalidPathsError, batchPaths, checkPath, covers, encodePath, foldPaths, validatePaths } from '../../lambda-edge/shared/invalidation';

describe('checkPath', () => {
  test.each(['/', '/index.html', '/assets/*', '/*', '/a%20b', '/caf%C3%A9', '/a?b=1', '/a*'])('accepts %s', (p) => {
    expect(checkPath(p)).toEqual([]);
  });

  test('fails when the leading slash is missing, suggesting it', () => {
    expect(checkPath('index.html')).toEqual([{ path: 'index.html', reason: 'must start with /', suggestion: '/index.html' }]);
  });

  test('fails when * is not the last character', () => {
    expect(checkPath('/a/*/b')[0]).toMatchObject({ reason: 'a * wildcard may appear only as the last character', suggestion: '/a/*' });
  });

  test('fails on characters that must be URL-encoded, suggesting the encoded path', () => {
    expect(checkPath('/my file.html')[0].suggestion).toBe('/my%20file.html');
    expect(checkPath('/caf\u00e9')[0].suggestion).toBe('/caf%C3%A9');
    expect(checkPath('/a#b')[0].suggestion).toBe('/a%23b');
  });

  test('fails on a % that does not start an escape', () => {
    expect(checkPath('/100%')[0]).toMatchObject({ suggestion: '/100%25' });
  });

  test('fails on paths longer than 4,000 characters', () => {
    expect(checkPath(`/${'a'.repeat(4000)}`)[0].reason).toBe('is 4001 characters long; CloudFront accepts at most 4000');
  });

  test('validatePaths reports every problem at once', () => {
    let error: unknown;
    try {
      validatePaths(['/ok', 'a', '/b c']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPathsError);
    expect((error as InvalidPathsError).problems.map((p) => p.path)).toEqual(['a', '/b c']);
  });

  test('every encoded path passes validation (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const p = encodePath(`/${s.replace(/\*/g, '')}`);
        expect(checkPath(p)).toEqual([]);
      }),
    );
  });
});

describe('foldPaths', () => {
  test('drops repeats and paths covered by a wildcard, keeping first-seen order', () => {
    const r = foldPaths(['/b', '/a/*', '/a/x.js', '/b', '/a/sub/*', '/c', '/a*']);
    expect(r.paths).toEqual(['/b', '/c', '/a*']);
    expect(r.duplicates).toEqual(['/b']);
    expect(r.folded).toEqual([
      { path: '/a/*', by: '/a*' },
      { path: '/a/x.js', by: '/a*' },
      { path: '/a/sub/*', by: '/a*' },
    ]);
  });

  test('/* covers everything else', () => {
    expect(foldPaths(['/x', '/*', '/y/*']).paths).toEqual(['/*']);
  });

  test('a wildcard does not cover a sibling with a shared prefix of a different directory', () => {
    expect(covers('/a/*', '/ab')).toBe(false);
    expect(covers('/a*', '/ab')).toBe(true);
    expect(covers('/a/x', '/a/x')).toBe(false);
  });

  test('every input path is kept, repeated, or covered by a kept wildcard (property)', () => {
    const seg = fc.constantFrom('a', 'b', 'ab', 'x.js');
    const pathArb = fc.tuple(fc.array(seg, { minLength: 0, maxLength: 3 }), fc.boolean()).map(([s, w]) => `/${s.join('/')}${w ? '*' : ''}`);
    fc.assert(
      fc.property(fc.array(pathArb, { maxLength: 20 }), (input) => {
        const r = foldPaths(input);
        expect(new Set(r.paths).size).toBe(r.paths.length);
        for (const p of input) {
          expect(r.paths.includes(p) || r.paths.some((k) => covers(k, p))).toBe(true);
        }
        for (const k of r.paths) expect(r.paths.some((o) => covers(o, k))).toBe(false);
      }),
    );
  });
});

describe('batchPaths', () => {
  test('keeps each batch within the path and wildcard quotas, preserving order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        (wild, maxPaths, maxWildcards) => {
          const paths = wild.map((w, i) => `/p${i}${w ? '*' : ''}`);
          const batches = batchPaths(paths, { maxPaths, maxWildcards });
          expect(batches.flat()).toEqual(paths);
          for (const b of batches) {
            expect(b.length).toBeGreaterThan(0);
            expect(b.length).toBeLessThanOrEqual(maxPaths);
            expect(b.filter((p) => p.endsWith('*')).length).toBeLessThanOrEqual(maxWildcards);
          }
        },
      ),
    );
  });

  test('uses the CloudFront quotas by default: 3,000 paths, 15 wildcards', () => {
    const many = Array.from({ length: 6001 }, (_, i) => `/f${i}`);
    expect(batchPaths(many).map((b) => b.length)).toEqual([3000, 3000, 1]);
    const wild = Array.from({ length: 31 }, (_, i) => `/d${i}/*`);
    expect(batchPaths(wild).map((b) => b.length)).toEqual([15, 15, 1]);
  });
});
