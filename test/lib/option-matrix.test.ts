import * as crypto from 'crypto';
import type { RouteAuthOptions, RouteProps, TieredCdnProps } from '../../lib';
import { planDistribution, type PlannedBehavior } from '../../lib/plan';
import { PER_USER_HEADERS, REQUEST_REWRITING_HEADERS } from '../../lib/unkeyed-headers';
import { Tier, TIERS } from '../../lib/routes';

/*
 * Every combination of the route options that decide what reaches the origin of a cached tier
 * (tier x auth x sharedAcrossUsers x forwardHeaders x varyHeaders), planned one by one:
 * - a combination that is accepted never forwards, outside the cache key of a cached tier, a header
 *   that carries identity or credentials, rewrites the request, or is asserted by the edge; and a
 *   route without auth never sends identity headers at all (read from the plan, as rendered);
 * - a combination that is refused names the rules docs/auth.md lists ("Options refused at synth"),
 *   and exactly those.
 */

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig' };
const bearer: RouteAuthOptions = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [jwk] } };
const tokenCookie: RouteAuthOptions = { ...bearer, cookieName: 'session' };

const AUTHS = { none: undefined, bearer, tokenCookie } as const;
const SHARED = [undefined, true] as const;
const FORWARD: ReadonlyArray<RouteProps['forwardHeaders']> = [
  undefined,
  'allViewer',
  [],
  ['x-request-id'],
  ['Cookie'],
  ['X-Forwarded-Host'],
  ['x_http_method_override'],
  ['X-Original-URL', 'x-request-id'],
  ['Forwarded'],
  ['Host'],
  ['X-API-Key'],
  ['x_remote_user'],
  ['X-Auth-Sub'],
  ['x-origin-verify'],
  ['Authorization'],
  ['Origin'],
];
const VARY: ReadonlyArray<readonly string[] | undefined> = [undefined, ['Accept-Language'], ['X-Forwarded-Host'], ['X-Auth-Sub'], ['X_Origin_Verify']];

interface Combination {
  readonly tier: Tier;
  readonly auth: keyof typeof AUTHS;
  readonly shared: boolean | undefined;
  readonly forward: RouteProps['forwardHeaders'];
  readonly vary: readonly string[] | undefined;
}

function* combinations(): Generator<Combination> {
  for (const tier of TIERS)
    for (const auth of Object.keys(AUTHS) as Array<keyof typeof AUTHS>)
      for (const shared of SHARED)
        for (const forward of FORWARD)
          for (const vary of VARY) yield { tier, auth, shared, forward, vary };
}

function props(c: Combination): TieredCdnProps {
  const route: RouteProps = {
    pathPattern: '/x/*',
    tier: c.tier,
    origin: 'api',
    ...(AUTHS[c.auth] ? { auth: AUTHS[c.auth] } : {}),
    ...(c.shared !== undefined ? { sharedAcrossUsers: c.shared } : {}),
    ...(c.forward !== undefined ? { forwardHeaders: c.forward } : {}),
    ...(c.vary !== undefined ? { varyHeaders: c.vary } : {}),
  };
  return { origins: { api: { domainName: 'api.example.com', originShield: false } }, routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }, route] };
}

const fold = (h: string) => h.toLowerCase().replace(/_/g, '-');
const isAsserted = (h: string) => fold(h).startsWith('x-auth-') || fold(h) === 'x-origin-verify';

/** The rules of docs/auth.md, "Options refused at synth", for one combination. */
function expectedCodes(c: Combination): string[] {
  const codes: string[] = [];
  const auth = AUTHS[c.auth];
  if (c.shared !== undefined && !auth) codes.push('shared-across-users-without-auth routes[1].sharedAcrossUsers');
  if (c.vary) {
    if (c.tier !== 'api') codes.push('vary-headers-wrong-tier routes[1].varyHeaders');
    for (const h of c.vary) if (fold(h) === 'x-origin-verify' || (isAsserted(h) && !auth)) codes.push('vary-headers-asserted routes[1].varyHeaders');
  }
  const fwd = c.forward;
  if (fwd === undefined) return codes;
  if (c.tier === 'static' || c.tier === 'dynamic') return [...codes, 'forward-headers-wrong-tier routes[1].forwardHeaders'];
  if (fwd === 'allViewer') return [...codes, `forward-headers-all-viewer-${auth ? 'auth' : 'unkeyed'} routes[1].forwardHeaders`];
  const shared = auth !== undefined && c.shared === true;
  for (const h of fwd) {
    const f = fold(h);
    const code = isAsserted(h)
      ? 'forward-headers-asserted'
      : f === 'authorization'
        ? 'forward-headers-authorization'
        : f === 'cookie'
          ? !shared
            ? 'forward-headers-cookie'
            : auth?.cookieName
              ? 'forward-headers-token-cookie'
              : undefined
          : (c.vary ?? []).map((v) => v.toLowerCase()).includes(h.toLowerCase())
            ? 'forward-headers-in-vary'
            : REQUEST_REWRITING_HEADERS.includes(f)
              ? 'forward-headers-request-rewriting'
              : f === 'origin'
                ? 'forward-headers-origin-unkeyed'
                : PER_USER_HEADERS.includes(f) && !shared
                  ? 'forward-headers-per-user'
                  : undefined;
    if (code) codes.push(`${code} routes[1].forwardHeaders`);
  }
  return codes;
}

/** What reaches the origin of a behavior: keyed (cache key) and unkeyed (origin request policy) headers. */
function originHeaders(b: PlannedBehavior): { keyed: string[]; unkeyed: string[] | 'all'; cookiesUnkeyed: boolean } {
  const keyed = (b.cache?.headers ?? []).map(fold);
  const orp = b.originRequestPolicy;
  if (!orp) return { keyed, unkeyed: [], cookiesUnkeyed: false };
  if (orp.kind === 'forward') {
    if (orp.forward === 'allViewer') return { keyed, unkeyed: 'all', cookiesUnkeyed: false };
    const names = orp.forward.map(fold);
    return { keyed, unkeyed: [...names.filter((h) => h !== 'cookie'), ...orp.routingHeaders], cookiesUnkeyed: names.includes('cookie') };
  }
  if (orp.kind === 'routing') return { keyed, unkeyed: [...orp.headers], cookiesUnkeyed: false };
  return { keyed, unkeyed: 'all', cookiesUnkeyed: true };
}

const all = [...combinations()];

test("a static route on a custom origin is told that the origin sends the assets' Cache-Control itself", () => {
  const plan = planDistribution({ origins: { cdn: { domainName: 'assets.example.com', originShield: false } }, routes: [{ pathPattern: '*', tier: 'static', origin: 'cdn' }] }, { region: 'us-east-1' });
  expect(plan.warnings.filter((w) => w.id === 'tiered-cdn:static-origin-cache-control').map((w) => w.message)).toEqual([
    expect.stringContaining("the origin sends 'Cache-Control: public, max-age=31536000, immutable' with its assets itself"),
  ]);
});

test(`the matrix covers every combination (${all.length})`, () => {
  expect(all.length).toBe(TIERS.length * 3 * SHARED.length * FORWARD.length * VARY.length);
});

describe.each(TIERS)("the '%s' tier", (tier) => {
  const cases = all.filter((c) => c.tier === tier);

  test('every combination reports exactly the codes docs/auth.md lists for it', () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const plan = planDistribution(props(c), { region: 'us-east-1' });
      const got = plan.problems.map((p) => `${p.code} ${p.path}`).sort();
      const want = expectedCodes(c).sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${JSON.stringify(c)}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    expect(wrong).toEqual([]);
  });

  test('an accepted combination sends no identity, credential, asserted or request-rewriting header unkeyed to a cached origin', () => {
    let accepted = 0;
    const broken: string[] = [];
    for (const c of cases) {
      const plan = planDistribution(props(c), { region: 'us-east-1' });
      if (plan.problems.length > 0) continue;
      accepted++;
      const b = plan.behaviors.find((x) => x.pathPattern === '/x/*')!;
      const { keyed, unkeyed, cookiesUnkeyed } = originHeaders(b);
      const auth = AUTHS[c.auth];
      const say = (why: string) => broken.push(`${JSON.stringify(c)}: ${why}`);
      if (b.cache) {
        if (unkeyed === 'all') say('every viewer header forwarded unkeyed on a cached tier');
        else {
          for (const h of unkeyed) {
            if (REQUEST_REWRITING_HEADERS.includes(h)) say(`request-rewriting ${h} unkeyed`);
            if (isAsserted(h) || h === 'authorization') say(`identity ${h} unkeyed`);
            if (PER_USER_HEADERS.includes(h) && !(auth && c.shared)) say(`credential ${h} unkeyed`);
          }
          if (cookiesUnkeyed && !(auth && c.shared === true && !auth.cookieName)) say('cookies unkeyed');
        }
      }
      if (!auth) {
        for (const h of keyed) if (isAsserted(h)) say(`identity ${h} sent on a route without auth`);
        if (Array.isArray(unkeyed)) for (const h of unkeyed) if (isAsserted(h)) say(`identity ${h} sent on a route without auth`);
      }
      if (keyed.includes('x-origin-verify')) say('the origin-verify secret in the cache key');
    }
    expect(broken).toEqual([]);
    // The matrix is not vacuous: some combinations on every tier are accepted.
    expect(accepted).toBeGreaterThan(0);
  });
});
