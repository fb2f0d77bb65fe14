import * as crypto from 'crypto';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RouteProps, TieredCdnProps } from '../../lib';
import { behaviorFor, cdnStack, SITE_DIR, validationProblems } from '../helpers/stacks';

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256' };
const auth = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [jwk] } };

function props(routes: RouteProps[]): TieredCdnProps {
  return {
    site: { source: SITE_DIR },
    origins: { api: { domainName: 'api.example.com' }, other: { domainName: 'other.example.com' } },
    routes: [{ pathPattern: '*', tier: 'html', origin: 'site' }, { pathPattern: '/assets/*', tier: 'static', origin: 'site' }, ...routes],
  };
}

const reference: RouteProps[] = [
  { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth },
  { pathPattern: '/api/*', tier: 'api', origin: 'api' },
  { pathPattern: '/other/*', tier: 'api', origin: 'other' },
];

const guardOf = (cdn: ReturnType<typeof cdnStack>['cdn'], pattern: string) => cdn.routes.find((r) => r.pathPattern === pattern)?.edge.viewerRequest?.guard;

describe('the path guard in the distribution', () => {
  test('runs on every behavior that reaches the origin of a protected route, and on no other', () => {
    const { cdn, template } = cdnStack(props(reference));
    const expected = { protectedPatterns: ['/api/me/*', '/api/me'] };
    expect(guardOf(cdn, '/api/*')).toEqual(expected);
    expect(guardOf(cdn, '/api/me/*')).toEqual(expected);
    expect(guardOf(cdn, '/api/me')).toEqual(expected);
    // The site bucket and the other origin serve no protected route: their traffic pays nothing.
    for (const p of ['*', '/assets/*', '/other/*']) {
      expect(guardOf(cdn, p)).toBeUndefined();
      expect(behaviorFor(template, p).LambdaFunctionAssociations ?? []).toEqual([]);
    }
    // Without auth on it, /api/* runs the guard as a CloudFront Function; the protected routes keep Lambda@Edge.
    expect(behaviorFor(template, '/api/*').FunctionAssociations.map((a: any) => a.EventType)).toEqual(['viewer-request']);
    expect(behaviorFor(template, '/api/*').LambdaFunctionAssociations ?? []).toEqual([]);
    expect(behaviorFor(template, '/api/me/*').LambdaFunctionAssociations.map((a: any) => a.EventType)).toEqual(['viewer-request']);
    expect(behaviorFor(template, '/api/me/*').FunctionAssociations ?? []).toEqual([]);
  });

  test('a route that can be routed to a protected origin is guarded too', () => {
    const { cdn } = cdnStack(
      props([
        { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth },
        { pathPattern: '/other/*', tier: 'api', origin: 'other', originRouting: { rules: [{ countries: ['DE'], origin: 'api', sameContent: true }] } },
      ]),
    );
    expect(guardOf(cdn, '/other/*')).toEqual({ protectedPatterns: ['/api/me/*', '/api/me'] });
  });

  test("'prefix/*' with auth adds a behavior for 'prefix' with the same settings, unless the table has one", () => {
    const { cdn } = cdnStack(props(reference));
    const bare = cdn.routes.find((r) => r.pathPattern === '/api/me');
    expect(bare?.auth).toBe(auth);
    expect(bare?.tier).toBe('dynamic');
    const own = cdnStack(props([...reference, { pathPattern: '/api/me', tier: 'dynamic', origin: 'api' }])).cdn;
    expect(own.routes.filter((r) => r.pathPattern === '/api/me')).toHaveLength(1);
    expect(guardOf(own, '/api/*')).toEqual({ protectedPatterns: ['/api/me/*'] });
  });

  test("a wildcard before '/*' still gets its bare behavior: '/api/v?/sessions/*' protects '/api/v1/sessions'", () => {
    const { cdn, template } = cdnStack(props([{ pathPattern: '/api/v?/sessions/*', tier: 'dynamic', origin: 'api', auth }, { pathPattern: '/api/*', tier: 'api', origin: 'api' }]));
    expect(cdn.routes.find((r) => r.pathPattern === '/api/v?/sessions')?.auth).toBe(auth);
    expect(behaviorFor(template, '/api/v?/sessions').LambdaFunctionAssociations.map((a: any) => a.EventType)).toEqual(['viewer-request']);
    expect(guardOf(cdn, '/api/*')).toEqual({ protectedPatterns: ['/api/v?/sessions/*', '/api/v?/sessions'] });
  });

  test('no auth anywhere: no guard, no added behavior', () => {
    const { cdn } = cdnStack(props([{ pathPattern: '/api/*', tier: 'api', origin: 'api' }]));
    expect(cdn.routes.map((r) => r.pathPattern)).toEqual(['/assets/*', '/api/*', '*']);
    expect(guardOf(cdn, '/api/*')).toBeUndefined();
  });

  test('fails when a guarded route brings its own viewer-request function', () => {
    const found = validationProblems((stack) => {
      const fn = new lambda.Function(stack, 'Own', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async e=>e') });
      return props([
        { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth },
        { pathPattern: '/api/*', tier: 'api', origin: 'api', edgeLambdas: [{ eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST, functionVersion: fn.currentVersion }] },
      ]);
    });
    expect(found).toEqual([expect.stringContaining(`routes[3] ("/api/*").edgeLambdas has a viewer-request function, but the route reaches an origin that serves routes with auth`)]);
  });
});
