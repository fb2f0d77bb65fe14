import * as path from 'path';
import type { CloudFrontRequest, CloudFrontRequestEvent } from 'aws-lambda';
import { TieredCdnValidationError } from '../../lib';
import { bundleEdgeFunction } from '../../lib/edge/bundle';
import { requestEvent } from '../lambda-edge/routing-fixtures';
import { behaviorFor, cdnStack, SITE_DIR } from '../helpers/stacks';

describe('routing options through TieredCdn', () => {
  it('an experiment variant with a path prefix gives the site route an origin-request function that fetches its documents', async () => {
    const { template, cdn } = cdnStack({
      site: { source: SITE_DIR },
      routes: [
        {
          pathPattern: '*',
          tier: 'html',
          origin: 'site',
          experiments: [
            {
              name: 'home',
              variants: [
                { name: 'control', weight: 1 },
                { name: 'redesign', weight: 1, pathPrefix: '/variants/redesign' },
              ],
            },
          ],
        },
      ],
    });
    const events = (behaviorFor(template, '*').LambdaFunctionAssociations ?? []).map((a: { EventType: string }) => a.EventType);
    // The origin-request step (runs on misses only) stays Lambda@Edge; the viewer steps are CloudFront Functions.
    expect(events.sort()).toEqual(['origin-request']);
    expect((behaviorFor(template, '*').FunctionAssociations ?? []).map((a: { EventType: string }) => a.EventType).sort()).toEqual(['viewer-request', 'viewer-response']);

    const route = cdn.routes.find((r) => r.pathPattern === '*')!;
    const { dir } = bundleEdgeFunction('origin-request', route.edge.originRequest);
    const handler: (e: CloudFrontRequestEvent) => Promise<CloudFrontRequest> = require(path.join(dir, 'index.js')).handler;
    const event = requestEvent('routing-origin-request-s3');
    event.Records[0].cf.request.uri = '/';
    event.Records[0].cf.request.headers['x-experiment-home'] = [{ key: 'x-experiment-home', value: 'redesign' }];
    expect((await handler(event)).uri).toBe('/variants/redesign/index.html');
  });

  it('fails when a rule routes to an origin with different content and the cache key lacks the country', () => {
    let error: unknown;
    try {
      cdnStack({
        site: { source: SITE_DIR },
        origins: { api: { domainName: 'api.example.com' }, eu: { domainName: 'eu.api.example.com' } },
        routes: [
          { pathPattern: '*', tier: 'html', origin: 'site' },
          { pathPattern: '/api/*', tier: 'api', origin: 'api', originRouting: { rules: [{ countries: ['DE'], origin: 'eu' }] } },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TieredCdnValidationError);
    const { problems } = error as TieredCdnValidationError;
    expect(problems).toHaveLength(1);
    expect([problems[0].code, problems[0].path]).toEqual(['routing-cache-key-missing', 'routes[1].originRouting.rules[0]']);
    expect(problems[0].message).toContain('originRouting.rules[0] sends viewers from DE to origin "eu", which is taken to serve different content');
    expect(problems[0].message).toContain("Set routingCacheKey: 'country', or set sameContent: true on the rule");
  });
});
