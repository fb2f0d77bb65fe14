import * as fc from 'fast-check';
import { globMatch, pathProblem, reachablePatterns, stablePrefix } from '../../lambda-edge/shared/path-guard';
import { matchesPathPattern } from '../../lambda-edge/shared/path-pattern';
import { packPatterns, unpackPatterns } from '../../lambda-edge/shared/pattern-pack';

/**
 * A CloudFront Function bakes only the protected patterns its behaviors can reach
 * (`reachablePatterns`), packed (`packPatterns`). Both must change no answer of the guard: for every
 * URI CloudFront could hand to the behavior, the reduced list refuses exactly what the full list does.
 */

const PROTECTED = ['/api/v2/customer-accounts/service-0001/*', '/api/v2/customer-accounts/service-0001', '/api/me/*', '/api/me', '/api/c?nfig/*', '/Admin/*', '/api/files.d/*', '*.secret'];

// Pieces that attack every rule of the guard: case, escapes (also of the letters of the prefixes),
// dot and space trimming, `?`/`#` cut, non-ASCII case folds, segments.
const piece = fc.constantFrom('api', 'API', 'Api', 'v2', 'V2', 'customer-accounts', 'Customer-Accounts', 'customer%2Daccounts', 'service-0001', 'SERVICE-0001', 'service-0001.', 'service-0001%20', 'me', 'ME', 'm%65', '%6De', 'me.', 'me..', 'me%3F', 'me%23x', 'config', 'c0nfig', 'CONFIG', 'admin', 'ADMIN', 'adm%C4%B1n', 'files.d', 'FILES.D', 'files', 'x.secret', 'x.SECRET', 'public-catalogues', '', '.', 'x', 'a b', '%C5%BF');
const suffix = fc.array(piece, { maxLength: 5 }).map((parts) => parts.join('/'));

describe('the guard of a function keeps only the protected patterns its behaviors can reach', () => {
  test.each([
    ['/api/v2/public-catalogues/service-0001/*'],
    ['/api/v2/customer-accounts/service-0001/*'],
    ['/api/*'],
    ['/API/*'],
    ['/api/me'],
    ['/api/m?/*'],
    ['*'],
    ['*.jpg'],
    ['/api/files.d/*'],
    ['api/v2/*'],
  ])('behavior %s: every URI it can receive gets the same answer from the reduced list', (behavior) => {
    const reduced = reachablePatterns(PROTECTED, [behavior]);
    const prefix = behavior.startsWith('/') || behavior.startsWith('*') ? behavior.replace(/[*?].*$/, '') : `/${behavior.replace(/[*?].*$/, '')}`;
    // The literal after the last `*` (`.jpg` of `*.jpg`) ends every URI the behavior receives.
    const tail = behavior.includes('*') ? behavior.slice(behavior.lastIndexOf('*') + 1) : '';
    // The URIs CloudFront hands to the behavior: a filter rather than fc.pre, the same values
    // without an exception (and its stack trace) for every one left out.
    const uris = suffix.map((rest) => (prefix || '/') + rest + tail).filter((uri) => matchesPathPattern(behavior, uri));
    fc.assert(
      fc.property(uris, (uri) => {
        expect(pathProblem(uri, { protectedPatterns: reduced })).toBe(pathProblem(uri, { protectedPatterns: PROTECTED }));
      }),
      { numRuns: 3000 },
    );
  });

  test('drops what cannot be reached and keeps what can', () => {
    expect(reachablePatterns(PROTECTED, ['/api/v2/public-catalogues/service-0001/*'])).toEqual(['*.secret']);
    expect(reachablePatterns(PROTECTED, ['/api/v2/customer-accounts/service-0001/*'])).toEqual(['/api/v2/customer-accounts/service-0001/*', '*.secret']);
    expect(reachablePatterns(PROTECTED, ['*'])).toEqual(PROTECTED);
    // The stable prefix stops at the first dot: `/api/files.d/x` may be read as `/api/files/x`.
    expect(stablePrefix('/api/files.d/*')).toBe('/api/files');
    expect(stablePrefix('/API/Me/*')).toBe('/api/me/');
    // A function shared by two behaviors keeps what either can reach.
    expect(reachablePatterns(PROTECTED, ['/api/v2/public-catalogues/*', '/api/me'])).toEqual(['/api/me/*', '/api/me', '*.secret']);
  });

  test('the known attacks on the reduced guard of `/api/*` are still refused', () => {
    const reduced = { protectedPatterns: reachablePatterns(PROTECTED, ['/api/*']) };
    expect(pathProblem('/api/ME/profile', reduced)).toBe('protected-spelling');
    expect(pathProblem('/api/v2/Customer-Accounts/service-0001/orders', reduced)).toBe('protected-spelling');
    expect(pathProblem('/api/v2/customer-accounts/service-0001./orders', reduced)).toBe('protected-spelling');
    expect(pathProblem('/api/me%3F/x', reduced)).toBe('protected-spelling');
    expect(pathProblem('/api/me/profile', reduced)).toBeNull();
  });
});

describe('packed pattern lists', () => {
  const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '/', '*', '?', '-', '.', 'Z', '0'), maxLength: 300 });

  test('unpack(pack(list)) is the list, order and repeats kept', () => {
    fc.assert(fc.property(fc.array(pattern, { maxLength: 30 }), (list) => expect(unpackPatterns(packPatterns(list))).toEqual(list)));
  });

  test('a sorted list under one long prefix takes a few bytes per pattern', () => {
    const list: string[] = [];
    for (let i = 1; i <= 25; i++) list.push(`/api/v2/customer-accounts/service-${String(i).padStart(4, '0')}`, `/api/v2/customer-accounts/service-${String(i).padStart(4, '0')}/*`);
    const packed = packPatterns(list.sort());
    expect(JSON.stringify(list).length).toBeGreaterThan(2000);
    expect(packed.length).toBeLessThan(400);
    expect(unpackPatterns(packed)).toEqual(list);
  });

  test('refuses a pattern holding the separator', () => {
    expect(() => packPatterns(['/a,b'])).toThrow(/contains ','/);
  });

  test('glob matching of unpacked patterns is unchanged', () => {
    expect(globMatch(unpackPatterns(packPatterns(['/api/me/*']))[0], '/api/me/x')).toBe(true);
  });
});
