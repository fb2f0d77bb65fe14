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

  test("an html route with 'allViewer': every viewer header, no cookies", () => {
    const { template } = cdnStack(props([{ pathPattern: '/docs/*', tier: 'html', origin: 'api', forwardHeaders: 'allViewer' }]));
    expect(orpOf(template, '/docs/*')).toMatchObject({ HeadersConfig: { HeaderBehavior: 'allViewer' }, CookiesConfig: { CookieBehavior: 'none' } });
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
