import { TieredCdnProps } from '../../lib';
import { behaviorFor, cdnStack, validationProblems } from '../helpers/stacks';

const origins = { api: { domainName: 'api.example.com' } };
const base = { origins, waf: false as const, monitoring: false as const, originVerify: false as const };

test('targetedCacheControl adds an origin-response and a viewer-response function to that behavior only', () => {
  const { template } = cdnStack({
    ...base,
    routes: [
      { pathPattern: '/api/products/*', tier: 'api', origin: 'api', targetedCacheControl: true },
      { pathPattern: '*', tier: 'api', origin: 'api' },
    ],
  });
  const types = (p: string) => (behaviorFor(template, p).LambdaFunctionAssociations ?? []).map((a: { EventType: string }) => a.EventType).sort();
  const functionTypes = (p: string) => (behaviorFor(template, p).FunctionAssociations ?? []).map((a: { EventType: string }) => a.EventType).sort();
  // origin-response is Lambda@Edge (misses only); the viewer-response step, on a route without auth, a CloudFront Function.
  expect(types('/api/products/*')).toEqual(['origin-response']);
  expect(functionTypes('/api/products/*')).toEqual(['viewer-response']);
  expect(types('*')).toEqual([]);
  expect(functionTypes('*')).toEqual([]);
});

test('fails when asked for on a static or dynamic route, or on the site bucket', () => {
  const routes: TieredCdnProps['routes'] = [
    { pathPattern: '/assets/*', tier: 'static', origin: 'api', targetedCacheControl: true },
    { pathPattern: '/me/*', tier: 'dynamic', origin: 'api', targetedCacheControl: true },
    { pathPattern: '*', tier: 'html', origin: 'site', targetedCacheControl: true },
  ];
  const problems = validationProblems({ ...base, site: { source: `${__dirname}/../../site` }, routes });
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/targetedCacheControl is for 'api' and 'html' routes .* a 'static' route is cached a year/),
      expect.stringMatching(/targetedCacheControl is for 'api' and 'html' routes .* a 'dynamic' route is never cached/),
      expect.stringMatching(/targetedCacheControl needs a custom origin: S3 objects cannot send CDN-Cache-Control/),
    ]),
  );
});
