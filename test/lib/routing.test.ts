import { Duration, Token } from 'aws-cdk-lib';
import type { OriginTarget } from '../../lambda-edge/shared/config';
import * as routing from '../../lib/routing';
import { routingHeaders, type ExperimentProps, type OriginRoutingProps } from '../../lib/routing';

/** The resolvers with their problems' messages, which these tests read; codes and paths are asserted where they are the point. */
function withMessages<A extends unknown[], C>(fn: (...args: A) => { config?: C; errors: readonly { message: string }[] }) {
  return (...args: A) => {
    const { config, errors } = fn(...args);
    return { ...(config !== undefined ? { config } : {}), errors: errors.map((e) => e.message) };
  };
}
const resolveExperiments = withMessages(routing.resolveExperiments);
const resolveOriginRouting = withMessages(routing.resolveOriginRouting);
const resolveQueryNormalization = withMessages(routing.resolveQueryNormalization);
const resolveRouteRouting = withMessages(routing.resolveRouteRouting);

const HOMEPAGE: ExperimentProps = {
  name: 'homepage',
  variants: [
    { name: 'classic', weight: 50 },
    { name: 'hero', weight: 50 },
  ],
};

const ORIGINS: Record<string, OriginTarget> = {
  api: { kind: 'custom', domainName: 'api.example.com', protocol: 'https', port: 443, path: '' },
  'api-eu': { kind: 'custom', domainName: 'api-eu.example.com', protocol: 'https', port: 443, path: '' },
  site: { kind: 's3', domainName: 'site.s3.us-east-1.amazonaws.com', path: '' },
};

const GEO: OriginRoutingProps = { rules: [{ countries: ['DE', 'FR'], origin: 'api-eu' }], routingCacheKey: 'country' };

describe('resolveExperiments', () => {
  it('resolves a minimal experiment with a 30 day cookie and forcing off', () => {
    expect(resolveExperiments([HOMEPAGE])).toEqual({
      config: [
        {
          name: 'homepage',
          variants: [
            { name: 'classic', weight: 50 },
            { name: 'hero', weight: 50 },
          ],
          cookieMaxAgeSeconds: 2592000,
        },
      ],
      errors: [],
    });
  });

  it('resolves a maximal experiment', () => {
    const { config, errors } = resolveExperiments([
      { ...HOMEPAGE, forceCookie: 'qa-homepage', forceQuery: 'force-homepage', cookieMaxAge: Duration.days(7) },
    ]);
    expect(errors).toEqual([]);
    expect(config![0]).toMatchObject({ forceCookie: 'qa-homepage', forceQuery: 'force-homepage', cookieMaxAgeSeconds: 604800 });
  });

  it('fails when a weight is zero, negative, infinite or not a number', () => {
    const { config, errors } = resolveExperiments([
      {
        name: 'w',
        variants: [
          { name: 'a', weight: 0 },
          { name: 'b', weight: -1 },
          { name: 'c', weight: Infinity },
          { name: 'd', weight: NaN },
        ],
      },
    ]);
    expect(config).toBeUndefined();
    expect(errors).toEqual([
      'experiments[0].variants[0].weight must be a positive, finite number known at synth (weights are baked into the edge function), got: 0. Use a relative share such as 50.',
      expect.stringContaining('variants[1].weight must be a positive, finite number known at synth (weights are baked into the edge function), got: -1.'),
      expect.stringContaining('variants[2].weight must be a positive, finite number'),
      expect.stringContaining('variants[3].weight must be a positive, finite number'),
    ]);
  });

  it('fails when a weight is a token', () => {
    const { errors } = resolveExperiments([
      { name: 'w', variants: [{ name: 'a', weight: Token.asNumber({ Ref: 'W' }) }, { name: 'b', weight: 1 }] },
    ]);
    expect(errors).toEqual([expect.stringContaining('variants[0].weight must be a positive, finite number known at synth')]);
    expect(errors[0]).toContain('got: <token>');
  });

  it('fails when an experiment has fewer than two variants', () => {
    expect(resolveExperiments([{ name: 'solo', variants: [{ name: 'only', weight: 1 }] }]).errors).toEqual([
      'experiments[0].variants needs at least two variants to split viewers between, got 1: ["only"]. Add a control variant.',
    ]);
  });

  it('fails when variant names repeat', () => {
    const { errors } = resolveExperiments([{ name: 'dup', variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 2 }] }]);
    expect(errors).toEqual(['experiments[0].variants[1].name "a" appears twice in experiments[0].variants: variant names must be unique.']);
  });

  it('fails when a variant name could not travel in a header and a cookie', () => {
    const { errors } = resolveExperiments([{ name: 'v', variants: [{ name: 'a b', weight: 1 }, { name: 'b;c', weight: 1 }] }]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('experiments[0].variants[0].name must be 1-32 letters, digits');
    expect(errors[0]).toContain('got: "a b"');
  });

  it('fails when an experiment name is unsafe for a header or cookie name, and suggests one', () => {
    const { errors } = resolveExperiments([{ ...HOMEPAGE, name: 'Home Page!' }]);
    expect(errors).toEqual([
      'experiments[0].name must be lower-case letters, digits and single hyphens, at most 32 characters (it names the header x-experiment-<name> and the cookie tcdn-exp-<name>), got: "Home Page!". Use a name such as "home-page".',
    ]);
  });

  it('fails when two experiments of a route share a name', () => {
    expect(resolveExperiments([HOMEPAGE, HOMEPAGE]).errors).toEqual([
      'experiments[1].name "homepage" is already used by experiments[0]: both would write the same header and cookie. Give each experiment of a route its own name.',
    ]);
  });

  it('fails when the force cookie collides with the cookies the edge sets', () => {
    expect(resolveExperiments([{ ...HOMEPAGE, forceCookie: 'tcdn-exp-homepage' }]).errors[0]).toContain(
      'experiments[0].forceCookie "tcdn-exp-homepage" collides with the cookies the edge sets',
    );
  });

  it('fails when the force query parameter needs encoding', () => {
    expect(resolveExperiments([{ ...HOMEPAGE, forceQuery: 'force homepage' }]).errors[0]).toContain(
      'experiments[0].forceQuery must be a query parameter name',
    );
  });

  it('fails when the cookie lifetime is over 400 days', () => {
    expect(resolveExperiments([{ ...HOMEPAGE, cookieMaxAge: Duration.days(500) }]).errors).toEqual([
      'experiments[0].cookieMaxAge must be a whole number of seconds between 1 second and 400 days (browsers cap cookies at 400 days), got: 43200000 seconds.',
    ]);
  });

  it('collects every problem of every experiment at once', () => {
    const { errors } = resolveExperiments([
      { name: 'A', variants: [{ name: 'x', weight: 0 }] },
      { name: 'b', variants: [{ name: 'x', weight: 1 }, { name: 'x', weight: -2 }] },
    ]);
    expect(errors).toHaveLength(5);
  });
});

describe('resolveOriginRouting', () => {
  it('resolves a geo rule with the country in the cache key', () => {
    expect(resolveOriginRouting(GEO, ORIGINS)).toEqual({
      config: { rules: [{ countries: ['DE', 'FR'], origin: 'api-eu' }], origins: { 'api-eu': ORIGINS['api-eu'] } },
      errors: [],
    });
  });

  it('resolves a rule to a replica without any cache-key header', () => {
    const { errors, config } = resolveOriginRouting({ rules: [{ device: 'mobile', origin: 'site', sameContent: true }] }, ORIGINS);
    expect(errors).toEqual([]);
    expect(config!.rules).toEqual([{ device: 'mobile', origin: 'site' }]);
  });

  it('fails when a rule to an origin with different content is not in the cache key', () => {
    const { config, errors } = resolveOriginRouting({ rules: [{ countries: ['DE'], origin: 'api-eu' }] }, ORIGINS);
    expect(config).toBeUndefined();
    expect(errors).toEqual([
      "originRouting.rules[0] sends viewers from DE to origin \"api-eu\", which is taken to serve different content, but originRouting.routingCacheKey is 'none': its responses and the route origin's would share cache entries and be served to the wrong viewers. Set routingCacheKey: 'country', or set sameContent: true on the rule if \"api-eu\" serves the same content.",
    ]);
  });

  it('fails when a device rule is keyed by country only, and asks for both', () => {
    const { errors } = resolveOriginRouting(
      { rules: [{ countries: ['DE'], origin: 'api-eu' }, { device: 'tablet', origin: 'api' }], routingCacheKey: 'country' },
      ORIGINS,
    );
    expect(errors).toEqual([expect.stringContaining("originRouting.rules[1] sends tablet viewers to origin \"api\"")]);
    expect(errors[0]).toContain("Set routingCacheKey: 'country-and-device'");
  });

  it('accepts a rule to an origin with different content on a route that is never cached', () => {
    expect(resolveOriginRouting({ rules: [{ countries: ['DE'], origin: 'api-eu' }] }, ORIGINS, { cached: false }).errors).toEqual([]);
  });

  it('fails when the cache key names a header no rule decides by', () => {
    expect(resolveOriginRouting({ ...GEO, routingCacheKey: 'country-and-device' }, ORIGINS).errors).toEqual([
      "originRouting.routingCacheKey 'country-and-device' keys the cache by device, but no rule decides by device: it would split the cache for nothing. Drop 'device' from it.",
    ]);
  });

  it('fails when a country code is not ISO 3166-1 alpha-2, with a hint', () => {
    const { errors } = resolveOriginRouting(
      { rules: [{ countries: ['UK', 'de', 'XX', 'DEU'], origin: 'api-eu' }], routingCacheKey: 'country' },
      ORIGINS,
    );
    expect(errors).toEqual([
      `originRouting.rules[0].countries: "UK" is not an ISO 3166-1 alpha-2 country code; the United Kingdom is 'GB'.`,
      `originRouting.rules[0].countries: "de" is not an ISO 3166-1 alpha-2 country code; write it in upper case: 'DE'.`,
      `originRouting.rules[0].countries: "XX" is not an ISO 3166-1 alpha-2 country code.`,
      `originRouting.rules[0].countries: "DEU" is not an ISO 3166-1 alpha-2 country code.`,
    ]);
  });

  it('fails when a rule names an unknown origin, listing the known ones', () => {
    expect(resolveOriginRouting({ ...GEO, rules: [{ countries: ['DE'], origin: 'eu' }] }, ORIGINS).errors).toEqual([
      `originRouting.rules[0].origin "eu" is not a known origin. Known origins: 'api', 'api-eu', 'site'. Add it to the origins or fix the id.`,
    ]);
  });

  it('fails when a rule has no condition, or an unknown device', () => {
    const { errors } = resolveOriginRouting(
      { rules: [{ origin: 'api-eu' }, { device: 'watch' as never, origin: 'api-eu', sameContent: true }] },
      ORIGINS,
    );
    expect(errors).toEqual([
      'originRouting.rules[0] has neither countries nor device, so it would match nothing. Give one of them.',
      `originRouting.rules[1].device must be one of 'mobile', 'tablet', 'desktop', 'smarttv', got: "watch".`,
    ]);
  });

  it('fails when there are no rules', () => {
    expect(resolveOriginRouting({ rules: [] }, ORIGINS).errors).toEqual([
      'originRouting.rules is empty: give at least one rule, or drop originRouting from the route.',
    ]);
  });

  it('fails when a routed origin domain is only known at deploy time', () => {
    const origins = { ...ORIGINS, 'api-eu': { ...ORIGINS['api-eu'], domainName: Token.asString({ Ref: 'Domain' }) } };
    expect(resolveOriginRouting(GEO, origins).errors).toEqual([
      expect.stringContaining('(origin "api-eu"): domainName is a deploy-time value (<token>); routed origins are baked into the edge function at synth'),
    ]);
  });

  it('fails when a routed origin has a bad port or path', () => {
    const origins: Record<string, OriginTarget> = {
      'api-eu': { kind: 'custom', domainName: 'api-eu.example.com', protocol: 'https', port: 8, path: 'v1/' },
    };
    const { errors } = resolveOriginRouting(GEO, origins);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("path must be empty or start with '/' and not end with '/', got: \"v1/\"");
    expect(errors[1]).toContain('port must be 80, 443 or 1024-65535');
  });
});

describe('resolveQueryNormalization', () => {
  it('sorts by default and adds only what is configured', () => {
    expect(resolveQueryNormalization({})).toEqual({ config: { dropParams: [], dropPrefixes: [], sort: true }, errors: [] });
  });

  it("adds an experiment's force parameter to the allowlist", () => {
    const { config } = resolveQueryNormalization({ allowlist: ['page'] }, [{ ...HOMEPAGE, forceQuery: 'force-homepage' }]);
    expect(config!.allowlist).toEqual(['page', 'force-homepage']);
  });

  it('fails when the allowlist is empty or a name cannot be a parameter name', () => {
    expect(resolveQueryNormalization({ allowlist: [], dropParams: ['a=b'] }).errors).toEqual([
      `queryNormalization.dropParams[0] must be a non-empty parameter name without '&', '=', '#', '?' or spaces, got: "a=b".`,
      'queryNormalization.allowlist is empty, which would drop every parameter. Omit it to keep all non-tracking parameters.',
    ]);
  });
});

describe('routingHeaders', () => {
  it('puts variant headers in the cache key of a route with experiments', () => {
    expect(routingHeaders({ experiments: [HOMEPAGE] })).toEqual({
      cacheKeyHeaders: ['x-experiment-homepage'],
      originRequestHeaders: [],
    });
  });

  it('adds nothing for a route without experiments or routing', () => {
    expect(routingHeaders({})).toEqual({ cacheKeyHeaders: [], originRequestHeaders: [] });
  });

  it('forwards the deciding headers and keys the cache only on the one routingCacheKey names', () => {
    const routing: OriginRoutingProps = {
      rules: [
        { countries: ['DE'], origin: 'api-eu' },
        { device: 'mobile', origin: 'site', sameContent: true },
      ],
      routingCacheKey: 'country',
    };
    expect(routingHeaders({ originRouting: routing })).toEqual({
      cacheKeyHeaders: ['cloudfront-viewer-country'],
      originRequestHeaders: ['cloudfront-is-mobile-viewer'],
    });
  });

  it('keys the cache on the device headers the rules use', () => {
    const routing: OriginRoutingProps = {
      rules: [
        { device: 'mobile', origin: 'site' },
        { device: 'tablet', origin: 'site' },
      ],
      routingCacheKey: 'device',
    };
    expect(routingHeaders({ originRouting: routing }).cacheKeyHeaders).toEqual([
      'cloudfront-is-mobile-viewer',
      'cloudfront-is-tablet-viewer',
    ]);
  });

  it('forwards everything and keys nothing on a route that is never cached', () => {
    expect(routingHeaders({ experiments: [HOMEPAGE], originRouting: GEO }, { cached: false })).toEqual({
      cacheKeyHeaders: [],
      originRequestHeaders: ['x-experiment-homepage', 'cloudfront-viewer-country'],
    });
  });
});

describe('resolveRouteRouting', () => {
  it('resolves every edge configuration and the policy headers of a route', () => {
    const { config, errors } = resolveRouteRouting(
      { experiments: [HOMEPAGE], originRouting: GEO, queryNormalization: { dropParams: ['ref'] } },
      ORIGINS,
    );
    expect(errors).toEqual([]);
    expect(config).toMatchObject({
      normalize: { dropParams: ['ref'], dropPrefixes: [], sort: true },
      experiments: [{ name: 'homepage' }],
      viewerResponse: { experiments: [{ name: 'homepage' }] },
      originRequest: { rules: [{ countries: ['DE', 'FR'], origin: 'api-eu' }] },
      cacheKeyHeaders: ['x-experiment-homepage', 'cloudfront-viewer-country'],
      originRequestHeaders: [],
    });
  });

  it('attaches an origin-request function for variant paths, with no routing rules', () => {
    const { config, errors } = resolveRouteRouting(
      {
        experiments: [
          { name: 'homepage', variants: [{ name: 'classic', weight: 1 }, { name: 'hero', weight: 1, pathPrefix: '/variants/hero' }] },
        ],
      },
      ORIGINS,
    );
    expect(errors).toEqual([]);
    expect(config!.originRequest).toEqual({
      rules: [],
      origins: {},
      variantPaths: [{ experiment: 'homepage', prefixes: { hero: '/variants/hero' } }],
    });
  });

  it('fails when a variant path prefix is not a clean absolute path', () => {
    const { errors } = resolveExperiments([
      { name: 'p', variants: [{ name: 'a', weight: 1, pathPrefix: 'variants/a/' }, { name: 'b', weight: 1, pathPrefix: '/ok/b' }] },
    ]);
    expect(errors).toEqual([
      `experiments[0].variants[0].pathPrefix must start with '/', not end with '/', and hold only letters, digits, '.', '_', '~', '-' and '/' between segments, got: "variants/a/". Example: '/variants/a'.`,
    ]);
  });

  it('attaches no viewer-response or origin-request function to a plain route', () => {
    const { config } = resolveRouteRouting({}, ORIGINS);
    expect(config).toEqual({ experiments: [], cacheKeyHeaders: [], originRequestHeaders: [] });
  });

  it("collects the problems of every part, prefixed with the route: each with its code and prop path", () => {
    const { config, errors } = routing.resolveRouteRouting(
      {
        experiments: [{ name: 'x', variants: [{ name: 'a', weight: 1 }] }],
        originRouting: { rules: [{ countries: ['DE'], origin: 'nowhere' }] },
        queryNormalization: { allowlist: [] },
      },
      ORIGINS,
      { where: "routes[3] '/api/*'" },
    );
    expect(config).toBeUndefined();
    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ['experiment-variants-too-few', 'routes[3].experiments[0].variants'],
      ['routing-rule-origin-unknown', 'routes[3].originRouting.rules[0].origin'],
      ['routing-cache-key-missing', 'routes[3].originRouting.rules[0]'],
      ['query-allowlist-empty', 'routes[3].queryNormalization.allowlist'],
    ]);
    expect(errors.map((e) => e.message.slice(0, e.message.indexOf(' ', 16)))).toEqual([
      "routes[3] '/api/*'.experiments[0].variants",
      "routes[3] '/api/*'.originRouting.rules[0].origin",
      "routes[3] '/api/*'.originRouting.rules[0]",
      "routes[3] '/api/*'.queryNormalization.allowlist",
    ]);
  });
});
