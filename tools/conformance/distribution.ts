import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { TieredCdn } from '../../lib';
import type { RouteProps } from '../../lib/routes';
import { readDistribution } from '../local/assembly';
import type { DistributionModel } from '../local/model';

/** The origin's configured domain; the local edge sends its requests to the suite's server. */
export const SUITE_ORIGIN_DOMAIN = 'cache-tests.origin.example';

/** Header the suite's route names so that its origin request policy can be found and widened. */
const ALL_VIEWER_MARKER = 'x-conformance-all-viewer';

/**
 * The configuration the suite runs against, as stated in docs/conformance.md. The suite needs every
 * viewer header at its origin, which the construct refuses on a cached tier
 * (`forward-headers-all-viewer-unkeyed`: an unkeyed header can poison the cache); the harness
 * widens the route's origin request policy to every viewer header with an escape hatch.
 */
export const CONFORMANCE_ROUTE: RouteProps = {
  pathPattern: '*',
  tier: 'api',
  origin: 'suite',
  queryStrings: 'all',
  forwardHeaders: [ALL_VIEWER_MARKER],
};

/**
 * Escape hatch: the origin request policy of the routes whose `forwardHeaders` is `[marker]` forwards
 * every viewer header instead (what `'allViewer'` would render, which the construct refuses on cached
 * tiers). For test harnesses whose origin is the test itself.
 */
export function forwardAllViewerHeaders(cdn: TieredCdn, marker: string): void {
  for (const policy of cdn.originRequestPolicies) {
    if (!(policy instanceof cloudfront.OriginRequestPolicy)) continue;
    const cfn = policy.node.defaultChild as cloudfront.CfnOriginRequestPolicy;
    const config = Stack.of(policy).resolve(cfn.originRequestPolicyConfig) as { headersConfig?: { headers?: string[] } };
    if (JSON.stringify(config.headersConfig?.headers) !== JSON.stringify([marker.toLowerCase()])) continue;
    cfn.addPropertyOverride('OriginRequestPolicyConfig.HeadersConfig.HeaderBehavior', 'allViewer');
    cfn.addPropertyDeletionOverride('OriginRequestPolicyConfig.HeadersConfig.Headers');
  }
}

/** The configuration as docs/conformance.md states it. */
export const CONFORMANCE_CONFIGURATION = [
  'A `TieredCdn` synthesized in-process (tools/conformance/distribution.ts) with one route, the default behavior:',
  '',
  '```ts',
  `{ pathPattern: '*', tier: 'api', origin: 'suite', queryStrings: 'all', forwardHeaders: ['${ALL_VIEWER_MARKER}'] }`,
  '```',
  '',
  "with the route's origin request policy widened to every viewer header (`forwardAllViewerHeaders`, an escape hatch:",
  'the construct refuses `forwardHeaders: \'allViewer\'` on a cached tier).',
  '',
  'So: cache policy MinTTL 0, DefaultTTL 0, MaxTTL 1 day, every query string in the cache key, no header or',
  'cookie in it; an origin request policy forwarding every viewer header (not cookies); GET, HEAD and',
  'OPTIONS allowed; the api tier\'s response headers policy (security headers with override); ErrorCachingMinTTL',
  '10 s; no Origin Shield; one edge location; the real clock (the suite pauses 3 s between some requests).',
  "The suite's bookkeeping requests (`PUT /config/<id>`, `GET /state/<id>`) go straight to its server.",
].join('\n');

/**
 * Synthesizes a TieredCdn with one route, the api-tier catch-all above, into a temporary cloud
 * assembly and reads it as the local edge does.
 */
export function conformanceDistribution(): DistributionModel {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-conformance-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Conformance', { env: { region: 'us-east-1' } });
    const cdn = new TieredCdn(stack, 'Cdn', {
      origins: { suite: { domainName: SUITE_ORIGIN_DOMAIN, originShield: false } },
      routes: [CONFORMANCE_ROUTE],
    });
    forwardAllViewerHeaders(cdn, ALL_VIEWER_MARKER);
    app.synth();
    return readDistribution(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
