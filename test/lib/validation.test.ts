import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Problem, RouteProps, TieredCdn, TieredCdnProps, TieredCdnValidationError } from '../../lib';
import { SITE_DIR, testOutdir } from '../helpers/stacks';

const site = { source: SITE_DIR };
const api = { domainName: 'api.example.com' };
const html: RouteProps = { pathPattern: '*', tier: 'html', origin: 'site' };

function build(props: Partial<TieredCdnProps> | ((stack: Stack) => Partial<TieredCdnProps>), region = 'us-east-1'): void {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Test', { env: { region } });
  const p = typeof props === 'function' ? props(stack) : props;
  new TieredCdn(stack, 'Cdn', { site, origins: { api }, routes: [html], ...p });
}

function errorsOf(props: Parameters<typeof build>[0], region?: string): Problem[] {
  try {
    build(props, region);
  } catch (err) {
    if (err instanceof TieredCdnValidationError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a TieredCdnValidationError');
}

/** The problems' messages: what a user reads. */
function problemsOf(props: Parameters<typeof build>[0], region?: string): string[] {
  return errorsOf(props, region).map((p) => p.message);
}

/** `code path` of each problem: what code branches on. */
function codesOf(props: Parameters<typeof build>[0], region?: string): string[] {
  return errorsOf(props, region).map((p) => `${p.code} ${p.path}`);
}

describe('validation', () => {
  test('every problem carries a stable code and the path of the prop it is about, all reported at once', () => {
    const auth = { issuer: 'https://login.example.com/', jwks: { keys: [] } } as never;
    expect(
      codesOf({
        origins: { api, 'bad id!': api, eu: { domainName: 'eu.example.com', connectionTimeout: Duration.seconds(30) } },
        domainNames: ['cdn.example.com'],
        monitoring: { serverErrorRatePercent: 120, edgeLogRegions: ['mars'] },
        routes: [
          html,
          { pathPattern: '/x/*', tier: 'api', origin: 'apii' },
          { pathPattern: '/me/*', tier: 'dynamic', origin: 'api', auth },
          { pathPattern: '/a/*', tier: 'static', origin: 'site', maxTtl: Duration.seconds(5), varyHeaders: ['x-a'] },
          { pathPattern: '/g/*', tier: 'api', origin: 'api', originRouting: { rules: [{ device: 'watch' as never, origin: 'eu', sameContent: true }] } },
        ],
      }),
    ).toEqual([
      'origin-id-invalid origins.bad id!',
      'origin-timeout-range origins.eu.connectionTimeout',
      'route-origin-unknown routes[1].origin',
      'vary-headers-wrong-tier routes[3].varyHeaders',
      'max-ttl-wrong-tier routes[3].maxTtl',
      'auth-audience-missing routes[2].auth.audience',
      'auth-jwks-empty routes[2].auth.jwks',
      'routing-rule-device-invalid routes[4].originRouting.rules[0].device',
      'domain-names-without-certificate domainNames',
      'monitoring-percent-range monitoring.serverErrorRatePercent',
      'monitoring-region-invalid monitoring.edgeLogRegions',
    ]);
  });

  test('a path never carries the route label of the message (routes[1], not routes[1] ("/x/*"))', () => {
    const found = errorsOf({
      routes: [
        html,
        { pathPattern: '/x/*', tier: 'static', origin: 'apii', varyHeaders: ['cookie'], queryStrings: 'all', maxTtl: Duration.seconds(1), methods: 'ALL' },
        { pathPattern: '/y/*', tier: 'api', origin: 'api', experiments: [{ name: 'Bad', variants: [] }], queryNormalization: { allowlist: [] } },
      ],
    });
    expect(found.length).toBeGreaterThan(6);
    for (const p of found) expect(p.path).toMatch(/^routes\[[12]\](\.[A-Za-z]+(\[\d+\])?)+$/);
  });

  test('the error lists every message with its code', () => {
    expect(() => build({ routes: [html, { pathPattern: '/x/*', tier: 'api', origin: 'apii' }] })).toThrow(
      `  - routes[1] ("/x/*").origin "apii" is not a known origin (known: 'api', 'site'). Add it to 'origins'. [route-origin-unknown]`,
    );
  });

  test('fails when a route names an unknown origin, listing the known ones', () => {
    expect(problemsOf({ routes: [html, { pathPattern: '/x/*', tier: 'api', origin: 'apii' }] })).toEqual([
      `routes[1] ("/x/*").origin "apii" is not a known origin (known: 'api', 'site'). Add it to 'origins'.`,
    ]);
  });

  test('fails when two routes have the same pattern', () => {
    const problems = problemsOf({
      routes: [html, { pathPattern: '/api/*', tier: 'api', origin: 'api' }, { pathPattern: 'api/*', tier: 'dynamic', origin: 'api' }],
    });
    expect(problems).toEqual([`routes[2] ("api/*").pathPattern duplicates routes[1]; CloudFront would only ever use the first.`]);
  });

  test('fails when a pattern has characters CloudFront refuses', () => {
    expect(problemsOf({ routes: [html, { pathPattern: '/api/{id}', tier: 'api', origin: 'api' }] })[0]).toMatch(
      /^routes\[1\] \("\/api\/\{id\}"\)\.pathPattern contains "\{", "\}"; allowed are/,
    );
  });

  test('fails when a pattern is longer than 255 characters', () => {
    const long = `/${'a'.repeat(260)}/*`;
    expect(problemsOf({ routes: [html, { pathPattern: long, tier: 'api', origin: 'api' }] })[0]).toMatch(
      /pathPattern is 263 characters long; CloudFront allows 255/,
    );
  });

  test('fails when the table has more routes than the behavior quota', () => {
    const many = Array.from({ length: 75 }, (_, i): RouteProps => ({ pathPattern: `/r${i}/*`, tier: 'api', origin: 'api' }));
    expect(problemsOf({ routes: [html, ...many] })).toEqual([
      `'routes' has 76 routes; CloudFront allows 75 cache behaviors per distribution. Merge routes that share a tier and origin under one pattern.`,
    ]);
  });

  test('fails when there is no default route, or two', () => {
    expect(problemsOf({ routes: [{ pathPattern: '/a/*', tier: 'api', origin: 'api' }] })).toEqual([
      `'routes' must have exactly one default route with pathPattern '*', got 0. It becomes the distribution's default behavior.`,
    ]);
    expect(problemsOf({ routes: [html, html] })[0]).toMatch(/exactly one default route with pathPattern '\*', got 2/);
  });

  test('fails when maxTtl is not above MinTTL', () => {
    expect(problemsOf({ routes: [html, { pathPattern: '/a/*', tier: 'api', origin: 'api', maxTtl: Duration.seconds(0) }] })).toEqual([
      `routes[1] ("/a/*").maxTtl must be above MinTTL (0 s), got: 0 s. Use a 'dynamic' route for content that must never be cached.`,
    ]);
  });

  test('fails when an HTML entry document would be cached for long', () => {
    expect(problemsOf({ routes: [{ ...html, maxTtl: Duration.hours(1) }] })[0]).toMatch(
      /maxTtl 3600 s is long for HTML entry documents/,
    );
  });

  test('fails when a cached tier allows writes', () => {
    expect(problemsOf({ routes: [html, { pathPattern: '/a/*', tier: 'api', origin: 'api', methods: 'ALL' }] })).toEqual([
      `routes[1] ("/a/*").methods 'ALL' allows writes (POST, PUT, PATCH, DELETE) on the cached 'api' tier; route writes to a 'dynamic' route.`,
    ]);
  });

  test('fails when Authorization or Cookie would key a shared cache', () => {
    const problems = problemsOf({
      routes: [html, { pathPattern: '/a/*', tier: 'api', origin: 'api', varyHeaders: ['Authorization', 'cookie'] }],
    });
    expect(problems).toEqual([
      `routes[1] ("/a/*").varyHeaders contains "Authorization": a shared cache keyed on it stores one copy per user. Use a 'dynamic' route for per-user responses.`,
      `routes[1] ("/a/*").varyHeaders contains "cookie": a shared cache keyed on it stores one copy per user. Use a 'dynamic' route for per-user responses.`,
    ]);
  });

  test('fails when an Origin Shield region does not exist', () => {
    expect(problemsOf({ origins: { api: { ...api, originShield: 'eu-north-1' } } })[0]).toMatch(
      /^'origins\.api\.originShield' "eu-north-1" is not a region with Origin Shield; choose one of us-east-1, /,
    );
  });

  test('fails when an origin region has no known Origin Shield region', () => {
    expect(problemsOf({ origins: { api: { ...api, region: 'xx-nowhere-1' } } })[0]).toMatch(
      /^'origins\.api\.region' "xx-nowhere-1" has no known Origin Shield region; set 'origins\.api\.originShield'/,
    );
  });

  test('fails when an edge function has environment variables', () => {
    const problems = problemsOf((stack) => {
      const fn = new lambda.Function(stack, 'Mine', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async (e) => e.Records[0].cf.request;'),
        environment: { API_KEY: 'x' },
      });
      return {
        routes: [
          {
            ...html,
            edgeLambdas: [{ eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE, functionVersion: fn.currentVersion }],
          },
        ],
      };
    });
    expect(problems).toEqual([
      `routes[0] ("*").edgeLambdas: function 'Test/Mine' has environment variables ["API_KEY"], which Lambda@Edge does not support. Bake configuration into the code at synth time, or mark them with addEnvironment(key, value, { removeInEdge: true }).`,
    ]);
  });

  test('fails when an origin domain has a scheme or path', () => {
    expect(problemsOf({ origins: { api: { domainName: 'https://api.example.com/v1' } } })).toEqual([
      `'origins.api.domainName' must be a bare domain name (no scheme, port or path; HTTPS is always used), got: "https://api.example.com/v1".`,
    ]);
  });

  test('fails when a route uses the site origin without a site', () => {
    expect(problemsOf({ site: undefined })).toEqual([
      `routes[0] ("*").origin "site" is not a known origin (known: 'api'). Set 'site' to use the site bucket.`,
    ]);
  });

  test('fails when a route can never match because an earlier one covers it', () => {
    expect(
      problemsOf({
        routes: [html, { pathPattern: '/img/*', tier: 'static', origin: 'site' }, { pathPattern: '/img/*/*', tier: 'static', origin: 'site' }],
      }),
    ).toEqual([`route "/img/*/*" can never match: "/img/*" comes first and covers every path it matches.`]);
  });

  test('fails when options do not fit the tier', () => {
    expect(
      problemsOf({
        routes: [
          html,
          { pathPattern: '/s/*', tier: 'static', origin: 'site', varyHeaders: ['Accept'], maxTtl: Duration.days(2) },
          { pathPattern: '/d/*', tier: 'dynamic', origin: 'api', queryStrings: ['a'] },
        ],
      }),
    ).toEqual([
      `routes[1] ("/s/*").varyHeaders is only for 'api' routes (a 'static' route keys on no headers), got: ["Accept"].`,
      `routes[1] ("/s/*").maxTtl is only for 'api' and 'html' routes ('static' TTLs are fixed).`,
      `routes[2] ("/d/*").queryStrings is only for 'api' routes, got: ["a"].`,
    ]);
  });

  test('fails when entry documents use wildcards', () => {
    expect(problemsOf({ site: { source: SITE_DIR, entryDocuments: ['/*'] } })).toEqual([
      `'site.entryDocuments' entries are exact paths starting with '/' (no wildcards: assets are content-hashed), got: "/*".`,
    ]);
  });

  test('fails when the site folder does not exist', () => {
    expect(problemsOf({ site: { source: '/nonexistent/site' } })[0]).toMatch(/^'site\.source' must be a folder, got: "\/nonexistent\/site"/);
  });

  test('fails when domainNames come without a certificate', () => {
    expect(problemsOf({ domainNames: ['cdn.example.com'] })).toEqual([
      `'domainNames' ["cdn.example.com"] needs 'certificate' (an ACM certificate in us-east-1).`,
    ]);
  });

  test('fails when origin timeouts are out of range, and the origin id is reserved', () => {
    expect(
      problemsOf({
        origins: { api: { ...api, connectionTimeout: Duration.seconds(30) }, site: { domainName: 'x.example.com' } },
      }),
    ).toEqual(
      expect.arrayContaining([
        `'origins.api.connectionTimeout' must be 1-10 seconds, got: 30.`,
        `'origins.site': the id 'site' is reserved for the site bucket; rename the origin.`,
      ]),
    );
  });

  test('reports every problem at once, in one error naming the construct', () => {
    expect(() =>
      build({
        routes: [
          { pathPattern: '/a/*', tier: 'api', origin: 'nope', methods: 'ALL' },
          { pathPattern: '/b/{x}', tier: 'api', origin: 'api' },
        ],
      }),
    ).toThrow(/^Invalid TieredCdn 'Test\/Cdn' \(4 problems\):\n  - /);
  });
});
