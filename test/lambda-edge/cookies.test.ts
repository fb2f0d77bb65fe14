import fc from 'fast-check';
import { cookieValues, parseCookies, unquote } from '../../lambda-edge/shared/cookies';
import { readCookies } from '../../lambda-edge/shared/experiment-cookies';
import { parseCookies as localParseCookies } from '../../tools/local/http-types';
import { matchesPathPattern } from '../../lambda-edge/shared/path-pattern';
import { matchBehavior } from '../../tools/local/policies';

/** One cookie parser for the edge code, the CloudFront Functions adapter and the local edge. */

describe('parseCookies', () => {
  test('pairs in order, whitespace dropped, repeats kept, a pair without = marked', () => {
    expect(parseCookies([' a=1;b = 2 ;; flag ; a=3', 'c="q"'])).toEqual([
      { name: 'a', value: '1', raw: 'a=1', hasValue: true },
      { name: 'b', value: '2', raw: 'b = 2', hasValue: true },
      { name: 'flag', value: '', raw: 'flag', hasValue: false },
      { name: 'a', value: '3', raw: 'a=3', hasValue: true },
      { name: 'c', value: '"q"', raw: 'c="q"', hasValue: true },
    ]);
  });

  test('a value may hold =, and only the first = splits', () => {
    expect(parseCookies(['t=a.b=c='])).toEqual([{ name: 't', value: 'a.b=c=', raw: 't=a.b=c=', hasValue: true }]);
  });

  test('the readers agree: auth sees every repeat (to refuse it), experiments take the first, the local edge forwards each pair', () => {
    const header = ['session=x; other=1; session=y'];
    expect(cookieValues(header, 'session')).toEqual(['x', 'y']);
    expect(readCookies({ cookie: [{ key: 'Cookie', value: header[0] }] }).get('session')).toBe('x');
    expect(localParseCookies({ cookie: [{ key: 'Cookie', value: header[0] }] }).map((c) => c.raw)).toEqual(['session=x', 'other=1', 'session=y']);
  });

  test('unquote drops one pair of double quotes only', () => {
    expect(unquote('"v"')).toBe('v');
    expect(unquote('"')).toBe('"');
    expect(unquote('v')).toBe('v');
  });

  test('property: never throws; names and values hold no ; and no surrounding space; a repeated name is found each time', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 4 }), fc.stringMatching(/^[a-z]{1,8}$/), (headers, name) => {
        const pairs = parseCookies(headers);
        for (const p of pairs) {
          expect(p.name.includes(';') || p.value.includes(';')).toBe(false);
          expect(p.name).toBe(p.name.trim());
          expect(p.value).toBe(p.value.trim());
        }
        const withTwo = [...headers, `${name}=1; ${name}=2`];
        expect(cookieValues(withTwo, name).slice(-2)).toEqual(['1', '2']);
      }),
    );
  });
});

describe('path patterns: one matcher for the construct, the edge and the local edge', () => {
  test('the local edge picks behaviors with the shared matcher', () => {
    const behaviors = [{ pathPattern: 'api/*' }, { pathPattern: '/img/?.png' }, { pathPattern: '*' }];
    expect(matchBehavior(behaviors, '/api/x').pathPattern).toBe('api/*');
    expect(matchBehavior(behaviors, '/img/a.png').pathPattern).toBe('/img/?.png');
    expect(matchBehavior(behaviors, '/img/ab.png').pathPattern).toBe('*');
    expect(matchBehavior(behaviors, '/API/x').pathPattern).toBe('*');
  });

  test('property: matches exactly what the regular-expression reading of the pattern matches', () => {
    const chars = fc.constantFrom('a', 'b', '/', '.', '*', '?');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 8 }), fc.array(fc.constantFrom('a', 'b', '/', '.'), { maxLength: 10 }), (p, s) => {
        const pattern = `/${p.join('')}`;
        const path = `/${s.join('')}`;
        const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
        expect(matchesPathPattern(pattern, path)).toBe(re.test(path));
      }),
    );
  });
});
