import type { RouteProps } from '../../lib';

/**
 * A route table with user-defined protected routes for the guard's tests: several protected
 * prefixes, an upper-case one, nested ones, a protected route under an unprotected API route, and
 * one whose pattern has a dot of its own. Everything runs on one origin, as a single API usually does.
 */
export function userProtectedRoutes(auth: RouteProps['auth']): RouteProps[] {
  return [
    { pathPattern: '*', tier: 'api', origin: 'api' },
    { pathPattern: '/admin/*', tier: 'dynamic', origin: 'api', auth },
    { pathPattern: '/Account/*', tier: 'dynamic', origin: 'api', auth },
    { pathPattern: '/api/*', tier: 'api', origin: 'api' },
    { pathPattern: '/api/v?/sessions/*', tier: 'dynamic', origin: 'api', auth },
    { pathPattern: '/api/reports/*', tier: 'api', origin: 'api' },
    { pathPattern: '/api/reports/private/*', tier: 'dynamic', origin: 'api', auth },
    { pathPattern: '/api/keys.d/*', tier: 'dynamic', origin: 'api', auth },
  ];
}

const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
const FOLDS: Record<string, string> = { i: '%C4%B1', s: '%C5%BF', k: '%E2%84%AA' };

/**
 * Spellings of a protected path built with each origin model's tricks (test/helpers/origin-models.ts),
 * one trick on one segment at a time, labelled with the trick.
 */
export function modelSpellings(path: string): Array<[string, string]> {
  const segments = path.slice(1).split('/');
  const out: Array<[string, string]> = [];
  const at = (i: string[]) => `/${i.join('/')}`;
  const withSegment = (i: number, s: string) => at(segments.map((x, j) => (j === i ? s : x)));
  out.push(['spring-suffix', `${path}.json`], ['spring-suffix', `${path}.a.b`], ['reparse-after-decode', `${path}%3F`], ['reparse-after-decode', `${path}%23x`], ['reparse-after-decode', `${path}%253F.x`]);
  segments.forEach((seg, i) => {
    const first = seg.charAt(0);
    out.push(
      ['format-every-segment', withSegment(i, `${seg}.json`)],
      ['tomcat-behind-nginx', withSegment(i, `${seg}%3Bx`)],
      ['tomcat-behind-nginx', withSegment(i, `${seg}%3B`)],
      ['tomcat-behind-nginx', withSegment(i, `${seg}%3bjsessionid=1`)],
      ['tomcat-behind-nginx', withSegment(i, `x/..%3B/${seg}`)],
      ['decode-twice', withSegment(i, `%25${hex(first).slice(1)}${seg.slice(1)}`)],
      ['decode-twice', withSegment(i, `x/%252e%252e/${seg}`)],
      ['decode-twice', withSegment(i, `${seg}%253Bx`)],
      ['case-insensitive', withSegment(i, first === first.toUpperCase() ? first.toLowerCase() + seg.slice(1) : first.toUpperCase() + seg.slice(1))],
      ['iis-trailing-dot-space', withSegment(i, `${seg}.`)],
      ['iis-trailing-dot-space', withSegment(i, `${seg}%20`)],
      ['iis-backslash', withSegment(i, `x%255C..%255C${seg}`)],
      ['dot-segments', withSegment(i, `x/%2e%2e/${seg}`)],
    );
    const fold = seg.search(/[isk]/i);
    if (fold >= 0) out.push(['unicode-case-fold', withSegment(i, seg.slice(0, fold) + FOLDS[seg.charAt(fold).toLowerCase()] + seg.slice(fold + 1))]);
    if (i > 0) out.push(['nginx-merge-slashes', at(segments.slice(0, i)) + `%252F${segments.slice(i).join('/')}`]);
  });
  return out;
}
