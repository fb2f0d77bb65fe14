import * as crypto from 'crypto';
import * as fc from 'fast-check';
import { App } from 'aws-cdk-lib';
import { pathProblem, reachablePatterns } from '../../lambda-edge/shared/path-guard';
import { matchesPathPattern } from '../../lambda-edge/shared/path-pattern';
import { type ResolvedRoute } from '../../lib';
import { ReferenceStack } from '../../lib/reference-stack';
import { protectedReadings } from '../helpers/origin-models';
import { modelSpellings, userProtectedRoutes } from '../helpers/protected-routes';
import { cdnStack, SITE_DIR, testOutdir } from '../helpers/stacks';

/**
 * The guard against origins that read a path more loosely than CloudFront matches it. For any path
 * built from a protected prefix and the tricks of the origin models (test/helpers/origin-models.ts),
 * alone or chained: when a model reads it as a protected resource, CloudFront (case-sensitive,
 * undecoded, most specific behavior first) routes it through the protected behavior, or the behavior
 * it does reach refuses it, or that behavior reaches no origin serving a protected route.
 */

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256' };
const auth = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [jwk] as any } };

let reference: readonly ResolvedRoute[] | undefined;
/** The reference app's routes, built once for the file (its describe blocks only read them). */
function referenceRoutes(): readonly ResolvedRoute[] {
  reference ??= new ReferenceStack(new App({ outdir: testOutdir() }), 'Reference', { env: { region: 'us-east-1' }, auth }).cdn.routes;
  return reference;
}

function userRoutes(): readonly ResolvedRoute[] {
  return cdnStack({ site: { source: SITE_DIR }, origins: { api: { domainName: 'api.example.com' } }, routes: [{ pathPattern: '/assets/*', tier: 'static', origin: 'site' }, ...userProtectedRoutes(auth)] }).cdn.routes;
}

interface Table {
  readonly routes: readonly ResolvedRoute[];
  readonly protectedPatterns: string[];
  readonly protectedOrigins: Set<string>;
}

function table(routes: readonly ResolvedRoute[]): Table {
  const prot = routes.filter((r) => r.auth !== undefined);
  return { routes, protectedPatterns: prot.map((r) => r.pathPattern), protectedOrigins: new Set(prot.map((r) => r.origin)) };
}

/** What the edge does with `uri`: the behavior CloudFront picks, and whether it lets the request through to its origin. */
function edgeAnswer(t: Table, uri: string): { behavior: ResolvedRoute; outcome: 'refused' | 'protected-behavior' | 'other-origin' | 'passed' } {
  const behavior = t.routes.find((r) => matchesPathPattern(r.pathPattern, uri))!;
  if (behavior.auth !== undefined) return { behavior, outcome: 'protected-behavior' };
  const guard = behavior.edge.viewerRequest?.guard;
  if (guard !== undefined) {
    // What the behavior's CloudFront Function bakes: the patterns it can reach.
    const baked = { protectedPatterns: reachablePatterns(guard.protectedPatterns, [behavior.pathPattern]) };
    return { behavior, outcome: pathProblem(uri, baked) !== null ? 'refused' : 'passed' };
  }
  return { behavior, outcome: t.protectedOrigins.has(behavior.origin) ? 'passed' : 'other-origin' };
}

/** Spellings of one character, from the models' tricks. */
const hex = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
const FOLDS: Record<string, string[]> = { i: ['%C4%B1', '%C4%B0', '\u0131'], s: ['%C5%BF'], k: ['%E2%84%AA'] };

type Mutation = (segment: string, at: number) => string;
const SEGMENT_MUTATIONS: Record<string, Mutation> = {
  upper: (s, at) => s.slice(0, at) + s.charAt(at).toUpperCase() + s.slice(at + 1),
  escape: (s, at) => s.slice(0, at) + hex(s.charAt(at)) + s.slice(at + 1),
  escapeLower: (s, at) => s.slice(0, at) + hex(s.charAt(at)).toLowerCase() + s.slice(at + 1),
  doubleEscape: (s, at) => s.slice(0, at) + `%25${hex(s.charAt(at)).slice(1)}` + s.slice(at + 1),
  fold: (s, at) => {
    const c = s.charAt(at).toLowerCase();
    return FOLDS[c] ? s.slice(0, at) + FOLDS[c][at % FOLDS[c].length] + s.slice(at + 1) : s;
  },
  json: (s) => `${s}.json`,
  dots: (s) => `${s}.a.b`,
  dot: (s) => `${s}.`,
  space: (s) => `${s}%20`,
  param: (s) => `${s};x`,
  paramEncoded: (s) => `${s}%3Bx`,
  paramEmpty: (s) => `${s}%3B`,
  jsession: (s) => `${s}%3bjsessionid=1`,
  paramDouble: (s) => `${s}%253Bx`,
  query: (s) => `${s}%3F`,
  fragment: (s) => `${s}%23x`,
  queryDouble: (s) => `${s}%253F`,
  dotDot: (s) => `x/../${s}`,
  dotDotEncoded: (s) => `x/%2e%2e/${s}`,
  dotDotDouble: (s) => `x/%252e%252e/${s}`,
  dotDotParam: (s) => `x/..%3B/${s}`,
};
const SEPARATORS = ['/', '/', '/', '//', '\\', '%5C', '%2F', '%252F', '/./', '/%2e/', '/%252e/', '/%3B/', '/;x/'];
const TAILS = ['', '', '/', '/x', '/profile', '.json', '/x.json', '%3F', '?q=1'];

/** A path built from a literal protected prefix (wildcards filled in) and a few tricks. */
function attackPaths(protectedPatterns: readonly string[]): fc.Arbitrary<string> {
  const literals = Array.from(new Set(protectedPatterns.map((p) => p.replace(/\/\*$/, '').replace(/\*/g, 'x').replace(/\?/g, '1'))));
  const mutation = fc.tuple(fc.constantFrom(...Object.keys(SEGMENT_MUTATIONS)), fc.nat(20));
  return fc
    .record({
      literal: fc.constantFrom(...literals),
      mutations: fc.array(fc.tuple(fc.nat(8), mutation), { maxLength: 3 }),
      separators: fc.array(fc.tuple(fc.nat(8), fc.constantFrom(...SEPARATORS)), { maxLength: 2 }),
      tail: fc.constantFrom(...TAILS),
    })
    .map(({ literal, mutations, separators, tail }) => {
      const segments = literal.slice(1).split('/');
      for (const [where, [name, at]] of mutations) {
        const i = where % segments.length;
        segments[i] = SEGMENT_MUTATIONS[name](segments[i], at % Math.max(1, segments[i].length));
      }
      const joins = segments.map(() => '/');
      for (const [where, sep] of separators) joins[where % joins.length] = sep;
      let out = '';
      segments.forEach((s, i) => (out += (i === 0 ? '/' : joins[i]) + s));
      return (out + tail).replace(/\?.*$/, ''); // CloudFront hands the path without the query string
    });
}

/** Every generated path a model reads as protected, and what the edge did with it. */
function check(t: Table, uri: string): void {
  const readings = protectedReadings(uri, t.protectedPatterns, matchesPathPattern);
  if (readings.length === 0) return;
  const { behavior, outcome } = edgeAnswer(t, uri);
  expect({ uri, behavior: behavior.pathPattern, outcome, readBy: readings[0] }).toEqual({ uri, behavior: behavior.pathPattern, outcome: expect.stringMatching(/^(refused|protected-behavior|other-origin)$/), readBy: readings[0] });
}

describe.each([
  ['the reference app', referenceRoutes],
  ['an app with user-defined protected routes', userRoutes],
])('%s: what any origin model reads as protected is refused or routed through the protected behavior', (_name, routes) => {
  const t = table(routes());

  test('property: paths built from protected prefixes and every model trick, combined', () => {
    fc.assert(
      fc.property(attackPaths(t.protectedPatterns), (uri) => check(t, uri)),
      { numRuns: 3000 },
    );
  });

  test("each model's spelling of each protected route is read as protected, and refused or routed through its behavior", () => {
    const concrete = t.protectedPatterns.map((p) => p.replace(/\*$/, 'x').replace(/\?/g, '1'));
    const unread: string[] = [];
    let total = 0;
    for (const path of concrete) {
      for (const [, spelled] of modelSpellings(path)) {
        total++;
        if (protectedReadings(spelled, t.protectedPatterns, matchesPathPattern).length === 0) unread.push(spelled);
        check(t, spelled);
      }
    }
    // A few tricks miss on some routes (an extension on a segment before a pattern's own dot); most read as protected.
    expect(unread.length).toBeLessThan(total / 20);
  });

  test('the models do read some generated paths as protected (the property is not vacuous)', () => {
    const samples = fc.sample(attackPaths(t.protectedPatterns), { numRuns: 500, seed: 42 });
    const read = samples.filter((u) => protectedReadings(u, t.protectedPatterns, matchesPathPattern).length > 0);
    const unprotectedBehavior = read.filter((u) => edgeAnswer(t, u).behavior.auth === undefined);
    expect(unprotectedBehavior.length).toBeGreaterThan(50);
  });
});

describe('known attacks on the reference app, each read as protected by a model', () => {
  const t = table(referenceRoutes());
  test.each([
    ['/api/config.json', 'spring-suffix'],
    ['/api/config.a.b', 'spring-suffix'],
    ['/api/me.json', 'spring-suffix'],
    ['/api/config.json/flags', 'format-every-segment'],
    ['/api/me.json/profile', 'format-every-segment'],
    ['/api/config%3Bx/flags', 'tomcat-behind-nginx'],
    ['/api/config%3B/flags', 'tomcat-behind-nginx'],
    ['/api/config%3b', 'tomcat-behind-nginx'],
    ['/api/me%3bjsessionid=1/profile', 'tomcat-behind-nginx'],
    ['/api/x/..%3B/me/profile', 'tomcat-behind-nginx'],
    ['/api/%2563onfig', 'decode-twice'],
    ['/api/%256De/profile', 'decode-twice'],
    ['/api/x/%252e%252e/me/profile', 'decode-twice'],
    ['/api/x%252F..%252Fme/profile', 'decode-twice'],
    ['/api/me%253Bx/profile', 'tomcat-behind-nginx -> tomcat-behind-nginx'],
    ['/api/config%253F/flags', 'decode-twice -> reparse-after-decode'],
    ['/api/CONFIG.json', 'case-insensitive -> spring-suffix'],
    ['/api/me. /profile', 'iis-trailing-dot-space'],
    ['/api/me%20/profile', 'iis-trailing-dot-space'],
    ['/api/conf%C4%B1g.json', 'unicode-case-fold -> spring-suffix'],
  ])('%s (read as protected by %s) is refused', (uri, model) => {
    const readings = protectedReadings(uri, t.protectedPatterns, matchesPathPattern);
    expect(readings.map((r) => r.model)).toContain(model);
    expect(edgeAnswer(t, uri).outcome).toBe('refused');
  });

  test.each([
    '/api/search/what%3F',
    '/api/search/a%20b',
    '/api/search/a%2Bb',
    '/api/search/100%25',
    '/api/caf%C3%A9',
    '/api/configs',
    '/api/config-v2',
    '/api/config-v2.json',
    '/api/mes/profile',
    '/api/products/42.json',
    '/api/search/%3Bnot-a-param',
    '/api/search/%253B',
    '/api/products/me.json',
    '/api/categories/books.json',
  ])('legitimate %s passes', (uri) => {
    expect(edgeAnswer(t, uri).outcome).toBe('passed');
  });

  test.each(['/api/config.v2', '/api/config%3Bv2'])('%s, an extension or parameter next to a protected name, is refused', (uri) => {
    expect(edgeAnswer(t, uri).outcome).toBe('refused');
    expect(pathProblem(uri, { protectedPatterns: t.protectedPatterns })).toBe('protected-spelling');
  });

  test.each([
    ['/api/x/%252e%252e/me/profile'],
    ['/api/x/..%3B/me/profile'],
    ['/api/x%255C..%255Cme'],
  ])('%s decodes into path structure: encoded-structure', (uri) => {
    expect(pathProblem(uri, { protectedPatterns: t.protectedPatterns })).toBe('encoded-structure');
  });

  test('static assets pay nothing: no guard on the site behaviors', () => {
    expect(edgeAnswer(t, '/assets/app.5a4476ea.js').outcome).toBe('other-origin');
  });

});
