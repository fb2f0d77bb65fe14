import * as crypto from 'crypto';
import { RouteProps, TieredCdnProps } from '../../lib';
import { behaviorFor, cachePolicyOf, cdnStack, deref, validationCodes, validationProblems } from '../helpers/stacks';

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig' };
const auth = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [jwk] } };

function props(routes: RouteProps[]): TieredCdnProps {
  return {
    origins: { api: { domainName: 'api.example.com', originShield: false } },
    routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }, ...routes],
  };
}

const orpOf = (template: Parameters<typeof behaviorFor>[0], pattern: string) =>
  deref(template, behaviorFor(template, pattern).OriginRequestPolicyId).Properties.OriginRequestPolicyConfig;

describe('forwardHeaders: viewer headers the origin sees without them entering the cache key', () => {
  test('an api route: an origin request policy names them, the cache key does not', () => {
    const { template } = cdnStack(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api', varyHeaders: ['Accept-Language'], forwardHeaders: ['X-Request-Id', 'Accept'] }]));
    expect(orpOf(template, '/api/*')).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['accept', 'x-request-id'] },
      CookiesConfig: { CookieBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'none' },
    });
    expect(cachePolicyOf(template, '/api/*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['accept-language'],
    });
  });

  test("fails when an html or api route forwards 'allViewer': every header unkeyed, request-rewriting ones included", () => {
    const routes: RouteProps[] = [
      { pathPattern: '/docs/*', tier: 'html', origin: 'api', forwardHeaders: 'allViewer' },
      { pathPattern: '/v1/*', tier: 'api', origin: 'api', forwardHeaders: 'allViewer' },
    ];
    expect(validationCodes(props(routes))).toEqual(['forward-headers-all-viewer-unkeyed routes[1].forwardHeaders', 'forward-headers-all-viewer-unkeyed routes[2].forwardHeaders']);
    expect(validationProblems(props(routes))[0]).toMatch(
      /routes\[1\] \("\/docs\/\*"\)\.forwardHeaders 'allViewer' on the cached 'html' tier forwards every viewer header to the origin without keying on it, among them headers that change what the origin does \(X-Forwarded-Host, .*web cache poisoning\)\. Name the headers the origin needs \(at most 10\)/,
    );
  });

  test("fails when an authenticated cached route forwards 'allViewer': the next user would get the first user's response", () => {
    const routes: RouteProps[] = [{ pathPattern: '/api/*', tier: 'api', origin: 'api', auth, forwardHeaders: 'allViewer' }];
    expect(validationCodes(props(routes))).toEqual(['forward-headers-all-viewer-auth routes[1].forwardHeaders']);
    expect(validationProblems(props(routes))[0]).toMatch(/the identity headers the edge asserts \(x-auth-\*\) among them, .*the next user receives the first user's response\. Name the headers the origin needs \(no identity headers\), or use a 'dynamic' route/);
    // sharedAcrossUsers does not make it safe: identity headers would still reach the origin.
    expect(validationCodes(props([{ ...routes[0], sharedAcrossUsers: true }]))).toEqual(['forward-headers-all-viewer-auth routes[1].forwardHeaders']);
  });

  test.each(['X-Forwarded-Host', 'X-HTTP-Method-Override', 'x_http_method', 'X-Method-Override', 'X-Forwarded-Server', 'X-Host', 'X-Original-URL', 'X-Rewrite-URL', 'Forwarded', 'Host'])(
    'fails when forwardHeaders names %s on a cached tier: unkeyed, it poisons the cache',
    (h) => {
      for (const tier of ['api', 'html'] as const) {
        const routes: RouteProps[] = [{ pathPattern: '/v1/*', tier, origin: 'api', forwardHeaders: ['x-request-id', h] }];
        expect(validationCodes(props(routes))).toEqual(['forward-headers-request-rewriting routes[1].forwardHeaders']);
        expect(validationProblems(props(routes))[0]).toContain(`forwardHeaders contains "${h}", which changes what many origins do with a request`);
      }
    },
  );

  test('a request-rewriting header keyed with varyHeaders is accepted: one cached copy per value', () => {
    const { template } = cdnStack(props([{ pathPattern: '/v1/*', tier: 'api', origin: 'api', varyHeaders: ['X-Forwarded-Host'] }]));
    expect(cachePolicyOf(template, '/v1/*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers).toEqual(['x-forwarded-host']);
  });

  test.each([
    ['api', 'Origin', /Key on it with varyHeaders instead \(one cached copy per site\)/],
    ['html', 'origin', /Use an 'api' route keyed on it with varyHeaders, or a 'dynamic' route/],
  ] as const)("fails when forwardHeaders names Origin on the cached '%s' tier (%s): one site's CORS answer would be cached for every site", (tier, h, fix) => {
    const routes: RouteProps[] = [{ pathPattern: '/v1/*', tier, origin: 'api', forwardHeaders: ['x-request-id', h] }];
    expect(validationCodes(props(routes))).toEqual(['forward-headers-origin-unkeyed routes[1].forwardHeaders']);
    expect(validationProblems(props(routes))[0]).toMatch(fix);
    // Keyed, one copy per site: accepted, and the cache key holds it.
    const { template } = cdnStack(props([{ pathPattern: '/v1/*', tier: 'api', origin: 'api', varyHeaders: ['Origin'] }]));
    expect(cachePolicyOf(template, '/v1/*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers).toEqual(['origin']);
  });

  test.each(['X-API-Key', 'x_remote_user', 'X-Amz-Security-Token'])('fails when forwardHeaders names the credential header %s on a cached tier', (h) => {
    const routes: RouteProps[] = [{ pathPattern: '/v1/*', tier: 'api', origin: 'api', forwardHeaders: [h] }];
    expect(validationCodes(props(routes))).toEqual(['forward-headers-per-user routes[1].forwardHeaders']);
    // On an authenticated route shared by design, like Cookie, it is accepted.
    expect(() => cdnStack(props([{ ...routes[0], auth, sharedAcrossUsers: true }]))).not.toThrow();
  });

  test('fails when Cookie is forwarded on a shared authenticated route that reads its token from a cookie', () => {
    const routes: RouteProps[] = [{ pathPattern: '/api/*', tier: 'api', origin: 'api', auth: { ...auth, cookieName: 'session' }, sharedAcrossUsers: true, forwardHeaders: ['Cookie'] }];
    expect(validationCodes(props(routes))).toEqual(['forward-headers-token-cookie routes[1].forwardHeaders']);
    expect(validationProblems(props(routes))[0]).toMatch(/the token itself would reach the origin of a cached 'api' route/);
  });

  test.each<[string, Partial<RouteProps>]>([
    ['x-auth-sub on a route without auth', { varyHeaders: ['X-Auth-Sub'] }],
    ['the origin-verify header', { auth, varyHeaders: ['x_origin_verify'] }],
  ])('fails when varyHeaders names %s', (_, extra) => {
    expect(validationCodes(props([{ pathPattern: '/v1/*', tier: 'api', origin: 'api', ...extra }]))).toEqual(['vary-headers-asserted routes[1].varyHeaders']);
  });

  test('routes forwarding the same headers share one policy', () => {
    const { template } = cdnStack(
      props([
        { pathPattern: '/a/*', tier: 'api', origin: 'api', forwardHeaders: ['x-trace'] },
        { pathPattern: '/b/*', tier: 'html', origin: 'api', forwardHeaders: ['X-Trace'] },
      ]),
    );
    expect(behaviorFor(template, '/a/*').OriginRequestPolicyId).toEqual(behaviorFor(template, '/b/*').OriginRequestPolicyId);
    expect(Object.keys(template.findResources('AWS::CloudFront::OriginRequestPolicy'))).toHaveLength(1);
  });

  test('Cookie on an authenticated route that says it is shared across users by design: cookies forwarded', () => {
    const { template } = cdnStack(
      props([{ pathPattern: '/api/config/*', tier: 'api', origin: 'api', auth, sharedAcrossUsers: true, forwardHeaders: ['Cookie', 'x-trace'] }]),
    );
    expect(orpOf(template, '/api/config/*')).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['x-trace'] },
      CookiesConfig: { CookieBehavior: 'all' },
    });
  });

  test('fails when forwardHeaders names Authorization, even on a route shared by design', () => {
    const problems = validationProblems(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api', auth, sharedAcrossUsers: true, forwardHeaders: ['Authorization'] }]));
    expect(problems).toEqual([expect.stringMatching(/routes\[1\] \("\/api\/\*"\)\.forwardHeaders contains "Authorization": CloudFront refuses an origin request policy that forwards Authorization/)]);
    expect(validationCodes(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api', auth, sharedAcrossUsers: true, forwardHeaders: ['Authorization'] }]))).toEqual([
      'forward-headers-authorization routes[1].forwardHeaders',
    ]);
  });

  test.each<[string, Partial<RouteProps>]>([
    ['without auth', {}],
    ['with auth but not sharedAcrossUsers', { auth }],
  ])('fails when forwardHeaders names Cookie on a shared tier %s', (_, extra) => {
    const problems = validationProblems(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api', forwardHeaders: ['cookie'], ...extra }]));
    expect(problems).toEqual([expect.stringMatching(/forwardHeaders contains "cookie": on a shared 'api' tier .* set 'auth' and 'sharedAcrossUsers: true'/)]);
    expect(validationCodes(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api', forwardHeaders: ['cookie'], ...extra }]))).toEqual(['forward-headers-cookie routes[1].forwardHeaders']);
  });

  test.each(['X-Auth-Sub', 'x_auth_scope', 'X-AUTH-CLAIM-role', 'x-origin-verify', 'X_Origin_Verify'])(
    'fails when forwardHeaders names %s, a header the edge asserts: the viewer would speak for the edge',
    (h) => {
      const routes: RouteProps[] = [{ pathPattern: '/api/*', tier: 'api', origin: 'api', forwardHeaders: ['x-request-id', h] }];
      expect(validationProblems(props(routes))).toEqual([
        expect.stringMatching(new RegExp(`forwardHeaders contains "${h}": the edge itself sets x-auth-\\* \\(after verifying a token\\) and x-origin-verify \\(its secret\\); forwarded from the viewer, a request without a token would reach the origin with identity headers of its own choosing`)),
      ]);
      expect(validationCodes(props(routes))).toEqual(['forward-headers-asserted routes[1].forwardHeaders']);
    },
  );

  test('fails on static and dynamic routes, with invalid names, headers already in varyHeaders and more than 10 headers', () => {
    const problems = validationProblems(
      props([
        { pathPattern: '/assets/*', tier: 'static', origin: 'api', forwardHeaders: ['x-a'] },
        { pathPattern: '/cart/*', tier: 'dynamic', origin: 'api', forwardHeaders: 'allViewer' },
        { pathPattern: '/v1/*', tier: 'api', origin: 'api', varyHeaders: ['Accept'], forwardHeaders: ['bad header', 'accept'] },
        { pathPattern: '/v2/*', tier: 'api', origin: 'api', forwardHeaders: Array.from({ length: 11 }, (_, i) => `x-h${i}`) },
        { pathPattern: '/v3/*', tier: 'api', origin: 'api', sharedAcrossUsers: true },
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(/"\/assets\/\*"\)\.forwardHeaders is only for 'api' and 'html' routes \(a 'static' route asks the origin nothing per viewer\), got: \["x-a"\]/),
      expect.stringMatching(/"\/cart\/\*"\)\.forwardHeaders is only for 'api' and 'html' routes \(a 'dynamic' route forwards every viewer header already\)/),
      expect.stringMatching(/"\/v1\/\*"\)\.forwardHeaders contains "bad header", which is not a valid header name/),
      expect.stringMatching(/"\/v1\/\*"\)\.forwardHeaders contains "accept", which is already in varyHeaders/),
      expect.stringMatching(/"\/v2\/\*"\)\.forwardHeaders names 11 headers; an origin request policy allows 10/),
      expect.stringMatching(/"\/v3\/\*"\)\.sharedAcrossUsers is only for routes with 'auth'/),
    ]);
  });
});
