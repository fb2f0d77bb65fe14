import * as crypto from 'crypto';
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RouteProps, TieredCdnProps, TieredCdnValidationError } from '../../lib';
import { behaviorFor, cachePolicyOf, cdnStack, deref, SITE_DIR, validationProblems } from '../helpers/stacks';

const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig' };
const auth = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [jwk] } };

function props(routes: RouteProps[], extra: Partial<TieredCdnProps> = {}): TieredCdnProps {
  return {
    site: { source: SITE_DIR },
    origins: { api: { domainName: 'api.example.com' }, eu: { domainName: 'eu.api.example.com', region: 'eu-central-1' } },
    routes: [{ pathPattern: '*', tier: 'html', origin: 'site' }, ...routes],
    ...extra,
  };
}

function associations(template: any, pattern: string): Record<string, any> {
  return Object.fromEntries(
    (behaviorFor(template, pattern).LambdaFunctionAssociations ?? []).map((a: any) => [a.EventType, a.LambdaFunctionARN]),
  );
}

/** CloudFront Functions of a behavior: event type -> the AWS::CloudFront::Function's properties. */
function cfFunctions(template: any, pattern: string): Record<string, any> {
  return Object.fromEntries(
    (behaviorFor(template, pattern).FunctionAssociations ?? []).map((a: any) => [a.EventType, template.toJSON().Resources[a.FunctionARN['Fn::GetAtt'][0]].Properties]),
  );
}

function functionOf(template: any, arn: { Ref: string }): any {
  const version = deref(template, arn);
  return deref(template, version.Properties.FunctionName).Properties;
}

describe('edge functions in the distribution', () => {
  test('a route with auth gets one viewer-request function, Node.js 22, 128 MB, 5 s, no environment', () => {
    const { template } = cdnStack(props([{ pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth }]));
    const fns = associations(template, '/api/me/*');
    expect(Object.keys(fns)).toEqual(['viewer-request']);
    const fn = functionOf(template, fns['viewer-request']);
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', MemorySize: 128, Timeout: 5 });
    expect(fn.Environment).toBeUndefined();
    expect(associations(template, '*')).toEqual({});
  });

  test('a dynamic route with auth forwards the asserted identity headers; one without drops them', () => {
    const { template } = cdnStack(
      props([
        { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth: { ...auth, forwardClaims: ['email'] } },
        { pathPattern: '/api/cart/*', tier: 'dynamic', origin: 'api' },
      ]),
    );
    expect(behaviorFor(template, '/api/me/*').OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST);
    const orp = deref(template, behaviorFor(template, '/api/cart/*').OriginRequestPolicyId);
    expect(orp.Properties.OriginRequestPolicyConfig.HeadersConfig).toEqual({
      HeaderBehavior: 'allExcept',
      Headers: ['host', 'x-auth-sub', 'x-auth-scope', 'x-auth-claim-email'],
    });
  });

  test('an api route with auth keeps the token out of the cache key and away from the origin', () => {
    const { template } = cdnStack(props([{ pathPattern: '/api/config/*', tier: 'api', origin: 'api', auth }]));
    const key = cachePolicyOf(template, '/api/config/*').ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
    expect(key.CookiesConfig).toEqual({ CookieBehavior: 'none' });
    expect(behaviorFor(template, '/api/config/*').OriginRequestPolicyId).toBeUndefined();
  });

  test('routes with the same edge configuration share one function', () => {
    const { template, cdn } = cdnStack(
      props([
        { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth },
        { pathPattern: '/api/config/*', tier: 'api', origin: 'api', auth },
      ]),
    );
    expect(associations(template, '/api/me/*')['viewer-request']).toEqual(associations(template, '/api/config/*')['viewer-request']);
    expect(Object.keys(cdn.edgeFunctions)).toEqual(['viewer-request /api/config/*']);
  });

  test("an experiment puts its variant header in that route's cache key only, and sets its cookie on every response", () => {
    const { template } = cdnStack(
      props([{ pathPattern: '/api/*', tier: 'api', origin: 'api' }], {
        routes: [
          {
            pathPattern: '*',
            tier: 'html',
            origin: 'site',
            experiments: [{ name: 'home', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }],
          },
          { pathPattern: '/api/*', tier: 'api', origin: 'api' },
        ],
      }),
    );
    expect(cachePolicyOf(template, '*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['x-experiment-home'],
    });
    expect(cachePolicyOf(template, '/api/*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({ HeaderBehavior: 'none' });
    // No auth on the route: both viewer steps run as CloudFront Functions, none as Lambda@Edge.
    const fns = cfFunctions(template, '*');
    expect(Object.keys(fns).sort()).toEqual(['viewer-request', 'viewer-response']);
    expect(fns['viewer-request'].FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fns['viewer-request'].FunctionCode.length).toBeLessThanOrEqual(10240);
    expect(associations(template, '*')).toEqual({});
    // The experiment's weights are read from the store the construct creates with the deployed weights.
    const [store] = Object.values(template.toJSON().Resources as Record<string, any>).filter((r) => r.Type === 'AWS::CloudFront::KeyValueStore');
    expect(store).toBeDefined();
    expect(fns['viewer-request'].FunctionConfig.KeyValueStoreAssociations).toHaveLength(1);
    expect(fns['viewer-response'].FunctionConfig.KeyValueStoreAssociations).toBeUndefined();
    expect(associations(template, '/api/*')).toEqual({});
    expect(cfFunctions(template, '/api/*')).toEqual({});
  });

  test('geo routing adds an origin-request function (30 s) and CloudFront-Viewer-Country to the origin request', () => {
    const { template } = cdnStack(
      props([
        {
          pathPattern: '/api/*',
          tier: 'api',
          origin: 'api',
          originRouting: { rules: [{ countries: ['DE', 'FR'], origin: 'eu', sameContent: true }] },
        },
      ]),
    );
    const fns = associations(template, '/api/*');
    expect(Object.keys(fns)).toEqual(['origin-request']);
    expect(functionOf(template, fns['origin-request'])).toMatchObject({ Timeout: 30, MemorySize: 128 });
    const orp = deref(template, behaviorFor(template, '/api/*').OriginRequestPolicyId);
    expect(orp.Properties.OriginRequestPolicyConfig.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['cloudfront-viewer-country'],
    });
  });

  test('routing to origins with different content keys the cache on the deciding header', () => {
    const { template } = cdnStack(
      props([
        {
          pathPattern: '/api/*',
          tier: 'api',
          origin: 'api',
          originRouting: { rules: [{ device: 'mobile', origin: 'eu' }], routingCacheKey: 'device' },
        },
      ]),
    );
    expect(cachePolicyOf(template, '/api/*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({
      HeaderBehavior: 'whitelist',
      Headers: ['cloudfront-is-mobile-viewer'],
    });
  });

  test('query normalization alone adds a viewer-request CloudFront Function, no Lambda@Edge and no store', () => {
    const { template } = cdnStack(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api', queryNormalization: {} }]));
    expect(Object.keys(cfFunctions(template, '/api/*'))).toEqual(['viewer-request']);
    expect(associations(template, '/api/*')).toEqual({});
    expect(Object.values(template.toJSON().Resources as Record<string, any>).some((r) => r.Type === 'AWS::CloudFront::KeyValueStore')).toBe(false);
  });

  test('a route with its own viewer-response Lambda@Edge keeps its generated viewer steps on Lambda@Edge (CloudFront cannot mix the kinds on viewer events)', () => {
    const { template } = cdnStack((stack) => {
      const fn = new lambda.Function(stack, 'Mine', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async (e) => e.Records[0].cf.response;'),
      });
      return props([], {
        routes: [
          { pathPattern: '*', tier: 'html', origin: 'site', queryNormalization: {}, edgeLambdas: [{ eventType: cloudfront.LambdaEdgeEventType.VIEWER_RESPONSE, functionVersion: fn.currentVersion }] },
        ],
      });
    });
    expect(cfFunctions(template, '*')).toEqual({});
    expect(Object.keys(associations(template, '*')).sort()).toEqual(['viewer-request', 'viewer-response']);
  });
});

describe('edge validation', () => {
  const problems = validationProblems;

  test('fails when a route\'s viewer steps outgrow a CloudFront Function (10 KB), naming the size', () => {
    const experiments = Array.from({ length: 30 }, (_, i) => ({
      name: `experiment-number-${i}`,
      variants: [
        { name: `control-variant-long-name-${i}`, weight: 1 },
        { name: `treatment-variant-long-name-${i}`, weight: 1 },
        { name: `holdout-variant-long-name-${i}`, weight: 1 },
      ],
    }));
    const found = problems(props([], { routes: [{ pathPattern: '*', tier: 'html', origin: 'site', experiments }] }));
    expect(found).toEqual([
      expect.stringMatching(/^route "\*": its viewer-request steps \(experiments\) are 1\d{4} bytes as a CloudFront Function; CloudFront allows 10240 bytes\. It holds (30 experiments \d+ bytes, the steps' code \d+ bytes|the steps' code \d+ bytes, 30 experiments \d+ bytes)\. Use fewer experiments, .* or split the route\.$/),
    ]);
  });

  test('fails when a route already using viewer-request also brings its own viewer-request function', () => {
    const p = (stack: any) => {
      const fn = new lambda.Function(stack, 'Mine', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async (e) => e.Records[0].cf.request;'),
        timeout: Duration.seconds(5),
      });
      return props([
        {
          pathPattern: '/api/me/*',
          tier: 'dynamic',
          origin: 'api',
          auth,
          edgeLambdas: [{ eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST, functionVersion: fn.currentVersion }],
        },
      ]);
    };
    let caught: unknown;
    try {
      cdnStack(p);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TieredCdnValidationError);
    expect((caught as TieredCdnValidationError).problems).toEqual([
      {
        code: 'edge-lambdas-event-conflict',
        path: 'routes[1].edgeLambdas',
        message: `routes[1] ("/api/me/*").edgeLambdas has a viewer-request function, but the route's auth, experiments, routing or query normalization already use that event type (CloudFront allows one function per event type per behavior). Drop one of them.`,
      },
    ]);
  });

  test('fails when auth options are invalid, together with the route problems', () => {
    const found = problems(
      props([
        { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth: { ...auth, algorithms: ['HS256' as any] } },
        { pathPattern: '/x/*', tier: 'api', origin: 'nope' },
      ]),
    );
    expect(found.length).toBe(2);
    expect(found.some((p) => p.startsWith('routes[1] ("/api/me/*").auth.algorithms'))).toBe(true);
    expect(found.some((p) => p.includes('"nope" is not a known origin'))).toBe(true);
  });

  test('fails when origin routing meets origin failover', () => {
    const p = props([
      {
        pathPattern: '/api/*',
        tier: 'api',
        origin: 'api',
        originRouting: { rules: [{ countries: ['DE'], origin: 'eu', sameContent: true }] },
      },
    ]);
    expect(problems({ ...p, origins: { ...p.origins, api: { domainName: 'api.example.com', failoverDomainName: 'dr.example.com' } } })).toEqual([
      `routes[1] ("/api/*").originRouting cannot be combined with failover of origin 'api': CloudFront runs the origin-request function again for the failover request, which would route it back to the same origin. Drop one of them.`,
    ]);
  });

  test('fails when origin routing is put on a dynamic route', () => {
    expect(
      problems(
        props([
          {
            pathPattern: '/api/me/*',
            tier: 'dynamic',
            origin: 'api',
            originRouting: { rules: [{ countries: ['DE'], origin: 'eu', sameContent: true }] },
          },
        ]),
      )[0],
    ).toMatch(/^routes\[1\] \("\/api\/me\/\*"\)\.originRouting is not supported on a 'dynamic' route/);
  });
});
