import * as fc from 'fast-check';
import type { CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import { globMatch, pathProblem, type GuardConfig } from '../../lambda-edge/shared/path-guard';
import { createHandler } from '../../lambda-edge/viewer-request';

const REFERENCE: GuardConfig = { protectedPatterns: ['/api/me/*', '/api/config/*', '/api/me', '/api/config'] };

/** The attacks from the report, and more of the same families. Every one must be refused. */
const ATTACKS: ReadonlyArray<readonly [string, string]> = [
  ['/api//me/profile', 'empty-segment'],
  ['//api/me/profile', 'empty-segment'],
  ['/api/me//profile', 'empty-segment'],
  ['/api/./me/profile', 'dot-segment'],
  ['/api/x/../me/profile', 'dot-segment'],
  ['/api/me/profile/..', 'dot-segment'],
  ['/api/me/.', 'dot-segment'],
  ['/api/%2e/me/profile', 'encoded-unreserved'],
  ['/api/%2E%2E/api/me/profile', 'encoded-unreserved'],
  ['/api/%6De/profile', 'encoded-unreserved'],
  ['/api/%6de/profile', 'encoded-unreserved'],
  ['/api/%63onfig/flags', 'encoded-unreserved'],
  ['/api/m%65/profile', 'encoded-unreserved'],
  ['/api/me%2Fprofile', 'encoded-separator'],
  ['/api/me%2fprofile', 'encoded-separator'],
  ['/api/me%5Cprofile', 'encoded-separator'],
  ['/api/me\\profile', 'backslash'],
  ['/api\\me/profile', 'backslash'],
  ['/api/me;/profile', 'path-parameter'],
  ['/api/me;jsessionid=1/profile', 'path-parameter'],
  ['/api/ME/profile', 'protected-spelling'],
  ['/API/me/profile', 'protected-spelling'],
  ['/api/Me/profile', 'protected-spelling'],
  ['/api/CONFIG/flags', 'protected-spelling'],
  ['/api/ME', 'protected-spelling'],
  ['/Api/Config', 'protected-spelling'],
  ['/api//config/flags', 'empty-segment'],
  ['/api/me%00/profile', 'encoded-control'],
  ['/api/me%0a', 'encoded-control'],
  ['/api/me%', 'bad-percent-encoding'],
  ['/api/me%zz/x', 'bad-percent-encoding'],
  ['/api/me%2/x', 'bad-percent-encoding'],
  ['/api/me%C0%AFprofile', 'bad-percent-encoding'],
  ['api/me/profile', 'not-absolute'],
];

/** Spellings that are canonical: left exactly as sent. */
const LEGIT = [
  '/',
  '/api/me/profile',
  '/api/me/',
  '/api/me',
  '/api/config/flags',
  '/api/config',
  '/api/meow',
  '/api/products/42',
  '/api/search/a%20b',
  '/api/search/a%2Bb',
  '/api/search/100%25',
  '/api/search/a+b',
  '/api/caf%C3%A9',
  '/api/caf%c3%a9',
  '/api/me/profile.json',
  '/api/me/a%24b',
  '/api/products/',
  '/api/PRODUCTS/42',
  '/assets/app.3f9a.js',
  '/api/.well-known/x',
  '/api/...',
];

describe('path guard: attacks', () => {
  test.each(ATTACKS)('%s is refused (%s)', (uri, problem) => {
    expect(pathProblem(uri, REFERENCE)).toBe(problem);
  });

  test.each(LEGIT)('%s is canonical and passes', (uri) => {
    expect(pathProblem(uri, REFERENCE)).toBeNull();
  });

  test('a case variant of a protected prefix is refused only where patterns protect it', () => {
    expect(pathProblem('/api/ME/profile', { protectedPatterns: [] })).toBeNull();
    expect(pathProblem('/api/PRODUCTS/1', REFERENCE)).toBeNull();
  });

  test('an encoded reserved character spelling a protected prefix is refused', () => {
    const cfg: GuardConfig = { protectedPatterns: ['/api/$admin/*'] };
    expect(pathProblem('/api/%24admin/x', cfg)).toBe('protected-spelling');
    expect(pathProblem('/api/$admin/x', cfg)).toBeNull();
  });
});

describe('path guard: an encoded ? or # that cuts the path where an origin decodes and parses again', () => {
  test.each(['/api/config%3F/flags', '/api/config%3f', '/api/me%23/profile', '/api/me%3F/x', '/api/ME%3F'])('%s is refused', (uri) => {
    expect(pathProblem(uri, REFERENCE)).toBe('protected-spelling');
  });

  test.each(['/api/search/what%3F', '/api/search/%23hashtag', '/api/me/profile%3Fv=1', '/api/meow%3F'])('%s still passes', (uri) => {
    expect(pathProblem(uri, REFERENCE)).toBeNull();
  });
});

describe('path guard: trailing dots and spaces of a segment, which Windows paths and suffix matching drop', () => {
  test.each(['/api/me./profile', '/api/me../profile', '/api/me%20/profile', '/api/config.', '/api/config.%20./flags', '/api/ME./x'])('%s is refused', (uri) => {
    expect(pathProblem(uri, REFERENCE)).toBe('protected-spelling');
  });

  test.each(['/api/me/profile.', '/api/me/profile.json', '/api/search/a.', '/api/...', '/api/meow./x', '/api/me/x./y'])('%s still passes', (uri) => {
    expect(pathProblem(uri, REFERENCE)).toBeNull();
  });
});

describe('path guard: Unicode letters that case-fold to ASCII', () => {
  // Java's equalsIgnoreCase and .NET's OrdinalIgnoreCase read these as the ASCII letter.
  const cfg: GuardConfig = { protectedPatterns: ['/api/config/*', '/api/config', '/api/keys/*', '/api/keys', '/api/sessions/*'] };
  test.each([
    ['/api/conf%C4%B1g/flags', 'U+0131 dotless i'],
    ['/api/conf%c4%b0g', 'U+0130 I with dot'],
    ['/api/%E2%84%AAeys', 'U+212A Kelvin sign'],
    ['/api/%C5%BFessions/x', 'U+017F long s'],
    ['/api/conf\u0131g/flags', 'U+0131 sent unescaped'],
  ])('%s (%s) is refused', (uri) => {
    expect(pathProblem(uri, cfg)).toBe('protected-spelling');
  });

  test.each(['/api/conf%C3%ADg', '/api/%E2%84%ABeys', '/api/%C5%BEessions/x', '/api/caf%C3%A9', '/api/%C4%B1'])('%s is canonical and passes', (uri) => {
    expect(pathProblem(uri, cfg)).toBeNull();
  });
});

describe('globMatch follows CloudFront path patterns', () => {
  test.each([
    ['/api/me/*', '/api/me/', true],
    ['/api/me/*', '/api/me', false],
    ['/api/me/*', '/api/me/a/b', true],
    ['*.jpg', '/a/b.jpg', true],
    ['/a?c', '/abc', true],
    ['/a?c', '/ac', false],
    ['/api/*/x', '/api/1/2/x', true],
    ['/API/*', '/api/x', false],
  ])('%s vs %s: %s', (pattern, path, expected) => {
    expect(globMatch(pattern, path)).toBe(expected);
  });

  test('property: agrees with the regular-expression reading of a pattern', () => {
    const chars = fc.constantFrom('a', 'b', '/', '.', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '/', '.'), maxLength: 10 }), (pattern, path) => {
        const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
        expect(globMatch(pattern, path)).toBe(re.test(path));
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * What a lenient origin makes of a path: decode ASCII escapes, treat `\` as `/`, cut `;` params,
 * merge slashes, resolve dot segments, ignore case. This is what nginx, Express and friends do in
 * some combination; a path that such an origin would read as protected is the danger.
 */
function lenientOrigin(uri: string): string {
  let p = uri.replace(/%([0-7][0-9a-fA-F])/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  p = p.replace(/\\/g, '/').replace(/;[^/]*/g, '').replace(/\/+/g, '/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/').toLowerCase();
}

function isProtected(canonical: string): boolean {
  return canonical === '/api/me' || canonical.startsWith('/api/me/') || canonical === '/api/config' || canonical.startsWith('/api/config/');
}

/** Would CloudFront put this URI on a behavior with auth in the reference app? */
function reachesAuthBehavior(uri: string): boolean {
  return REFERENCE.protectedPatterns.some((p) => globMatch(p, uri));
}

describe('path guard: property', () => {
  const piece = fc.constantFrom('api', 'API', 'me', 'Me', 'ME', 'config', '%6De', '%6d%65', 'm%65', '%63onfig', '.', '..', '%2e', '%2E%2e', '', 'x', 'profile', ';', ';a=b', '%2F', '%2f', '\\', '%5C', '%24', '%20', '%25', 'flags', 'caf%C3%A9', '%00');
  const path = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`);

  test('any path an origin would read as protected is refused unless CloudFront sends it to the auth behavior', () => {
    fc.assert(
      fc.property(path, (uri) => {
        if (isProtected(lenientOrigin(uri)) && !reachesAuthBehavior(uri)) expect(pathProblem(uri, REFERENCE)).not.toBeNull();
      }),
      { numRuns: 5000 },
    );
  });

  test('every path that passes is already canonical: the lenient origin reads it as sent (up to case and ASCII escapes)', () => {
    fc.assert(
      fc.property(path, (uri) => {
        if (pathProblem(uri, REFERENCE) !== null) return;
        const lower = uri.toLowerCase().replace(/%([0-7][0-9a-f])/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        expect(lenientOrigin(uri)).toBe(lower);
      }),
      { numRuns: 5000 },
    );
  });
});

/**
 * An origin more lenient still: it also folds the non-ASCII letters whose case mapping is ASCII,
 * cuts the path at a decoded `?` or `#` (a proxy that decodes and parses again), and drops the dots
 * and spaces ending a segment (Windows paths, suffix matching).
 */
function laxerOrigin(uri: string): string {
  const folded = uri.replace(/%C4%B[01]/gi, 'i').replace(/%C5%BF/gi, 's').replace(/%E2%84%AA/gi, 'k');
  const decoded = folded.replace(/%([0-7][0-9a-fA-F])/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const cut = decoded.split(/[?#]/)[0];
  return lenientOrigin(cut.replace(/[. ]+(?=[\/\\;]|$)/g, '').replace(/%/g, '%25'));
}

test('property: nor does any path a laxer origin reads as protected reach a behavior without auth', () => {
  const piece = fc.constantFrom('api', 'me', 'ME', 'config', 'conf%C4%B1g', '%C5%BF', 'me.', 'me%20', 'config..', '%3F', '%23', 'me%3F', 'config%23x', '.', '', 'x', 'profile', 'flags', '%2e', '%6De');
  const path = fc.array(piece, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
  fc.assert(
    fc.property(path, (uri) => {
      if (isProtected(laxerOrigin(uri)) && !reachesAuthBehavior(uri)) expect(pathProblem(uri, REFERENCE)).not.toBeNull();
    }),
    { numRuns: 5000 },
  );
});

function event(uri: string): CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: 'd.cloudfront.net', distributionId: 'E1', eventType: 'viewer-request', requestId: 'r' },
          request: { clientIp: '203.0.113.1', method: 'GET', uri, querystring: 'a=%2e', headers: { host: [{ key: 'Host', value: 'd.cloudfront.net' }] } },
        },
      },
    ],
  };
}

describe('viewer-request: the guard runs first', () => {
  const handler = createHandler({ guard: REFERENCE, experiments: [] });

  test('a refused spelling is answered 400 with Cache-Control: no-store', async () => {
    const r = (await handler(event('/api//me/profile'))) as CloudFrontResultResponse;
    expect(r.status).toBe('400');
    expect(r.headers?.['cache-control']?.[0].value).toBe('no-store');
    expect(JSON.parse(r.body as string)).toEqual({ error: 'non_canonical_path', error_description: 'empty-segment' });
  });

  test('a canonical URI goes on unchanged, query string as sent', async () => {
    const r = (await handler(event('/api/search/a%20b'))) as { uri: string; querystring: string };
    expect(r.uri).toBe('/api/search/a%20b');
    expect(r.querystring).toBe('a=%2e');
  });
});
