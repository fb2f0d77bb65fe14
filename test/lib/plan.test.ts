import { Duration } from 'aws-cdk-lib';
import { planDistribution } from '../../lib/plan';
import type { TieredCdnProps } from '../../lib';
import { SITE_DIR } from '../helpers/stacks';

/** planDistribution is the whole design, computed from props alone: no App, no Stack, no construct. */

const PROPS: TieredCdnProps = {
  site: { source: SITE_DIR },
  origins: {
    api: { domainName: 'api.example.com', failoverDomainName: 'api-b.example.com' },
    eu: { domainName: 'eu.api.example.com' },
    geo: { domainName: 'geo.example.com' },
  },
  routes: [
    {
      pathPattern: '*',
      tier: 'html',
      origin: 'site',
      maxTtl: Duration.seconds(30),
      experiments: [{ name: 'home', variants: [{ name: 'control', weight: 1 }, { name: 'redesign', weight: 1 }] }],
    },
    { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
    { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', methods: 'ALL' },
    {
      pathPattern: '/geo/*',
      tier: 'api',
      origin: 'geo',
      originRouting: { rules: [{ countries: ['DE'], origin: 'eu' }], routingCacheKey: 'country' },
    },
  ],
};

test('behaviors in distribution order with tier, origin, methods, cache settings, policies and edge steps', () => {
  const plan = planDistribution(PROPS, { region: 'us-east-1' });
  expect(plan.problems).toEqual([]);
  expect(plan.version).toBe(1);
  expect(plan.behaviors.map((b) => [b.pathPattern, b.tier, b.origin, b.methods])).toEqual([
    ['/api/me/*', 'dynamic', 'api', 'ALL'],
    ['/assets/*', 'static', 'site', 'GET_HEAD'],
    ['/geo/*', 'api', 'geo', 'GET_HEAD_OPTIONS'],
    ['*', 'html', 'site', 'GET_HEAD'],
  ]);
  const [me, assets, geo, html] = plan.behaviors;
  expect(me.cache).toBeUndefined();
  expect(me.originRequestPolicy).toEqual({ kind: 'dynamic', deniedHeaders: ['host', 'x-auth-sub', 'x-auth-scope'] });
  expect(assets.cache?.maxTtl.toSeconds()).toBe(31536000);
  expect(html.cache?.maxTtl.toSeconds()).toBe(30);
  expect(html.cache?.headers).toEqual(['x-experiment-home']);
  expect(html.edge['viewer-request']?.steps).toEqual(['experiments']);
  expect(html.edge['viewer-response']?.steps).toEqual(['experiment-cookies']);
  expect(geo.edge['origin-request']?.steps).toEqual(['routing']);
  // The deciding header is in the cache key, so the cache policy (not an origin request policy) forwards it.
  expect(geo.cache?.headers).toEqual(['cloudfront-viewer-country']);
  expect(geo.edge['origin-request']?.config.origins.eu).toMatchObject({ kind: 'custom', domainName: 'eu.api.example.com' });
});

test('origins with failover groups and the routing targets, entry documents and experiments with their cookie and header', () => {
  const plan = planDistribution(PROPS, { region: 'us-east-1' });
  expect(plan.origins).toEqual([
    { id: 'site', kind: 'site', originShieldRegion: 'us-east-1' },
    { id: 'api', kind: 'http', domainName: 'api.example.com', originShieldRegion: 'us-east-1', failover: { domainName: 'api-b.example.com', statusCodes: [500, 502, 503, 504] } },
    { id: 'eu', kind: 'http', domainName: 'eu.api.example.com', originShieldRegion: 'us-east-1', routedBy: ['/geo/*'] },
    { id: 'geo', kind: 'http', domainName: 'geo.example.com', originShieldRegion: 'us-east-1' },
  ]);
  expect(plan.routedDomains).toEqual(['eu.api.example.com']);
  expect(plan.entryDocuments).toEqual(expect.arrayContaining(['/', '/index.html', '/about.html']));
  expect(plan.experiments).toEqual([
    {
      name: 'home',
      variants: [{ name: 'control', weight: 1 }, { name: 'redesign', weight: 1 }],
      pathPatterns: ['*'],
      cookie: 'tcdn-exp-home',
      header: 'x-experiment-home',
    },
  ]);
  expect(plan.viewerIdCookie).toBe('tcdn-vid');
});

test('invalid props come back as problems, all at once, with no behaviors and nothing thrown', () => {
  const plan = planDistribution(
    { routes: [{ pathPattern: '/a/*', tier: 'fast' as never, origin: 'nowhere' }], domainNames: ['cdn.example.com'] },
    { region: 'us-east-1' },
  );
  expect(plan.problems.length).toBeGreaterThanOrEqual(4);
  expect(plan.behaviors).toEqual([]);
});

test('the region decides the WAF default: none outside us-east-1, with a warning', () => {
  const props: TieredCdnProps = { routes: [{ pathPattern: '*', tier: 'dynamic', origin: 'api' }], origins: { api: { domainName: 'api.example.com' } } };
  expect(planDistribution(props, { region: 'us-east-1' }).waf).toEqual({});
  const elsewhere = planDistribution(props, { region: 'eu-west-1' });
  expect(elsewhere.waf).toBe(false);
  expect(elsewhere.warnings.map((w) => w.id)).toEqual(['tiered-cdn:no-waf', 'tiered-cdn:logging-legacy-region']);
});

test('a route with targetedCacheControl plans its origin-response step and the viewer-response step that restores Cache-Control', () => {
  const plan = planDistribution(
    {
      ...PROPS,
      routes: [...PROPS.routes, { pathPattern: '/api/categories/*', tier: 'api', origin: 'api', targetedCacheControl: true }],
    },
    { region: 'us-east-1' },
  );
  expect(plan.problems).toEqual([]);
  const categories = plan.behaviors.find((b) => b.pathPattern === '/api/categories/*')!;
  expect(categories.edge['origin-response']).toMatchObject({ steps: ['targeted-cache-control'], runtime: 'lambda@edge' });
  expect(categories.edge['viewer-response']).toMatchObject({ steps: ['restore-cache-control'], runtime: 'cloudfront-function' });
  // A route without it plans neither.
  expect(plan.behaviors.find((b) => b.pathPattern === '/geo/*')!.edge['origin-response']).toBeUndefined();
});
