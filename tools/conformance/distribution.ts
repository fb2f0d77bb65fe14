import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { TieredCdn } from '../../lib';
import type { RouteProps } from '../../lib/routes';
import { readDistribution } from '../local/assembly';
import type { DistributionModel } from '../local/model';

/** The origin's configured domain; the local edge sends its requests to the suite's server. */
export const SUITE_ORIGIN_DOMAIN = 'cache-tests.origin.example';

/** The configuration the suite runs against, as stated in docs/conformance.md. */
export const CONFORMANCE_ROUTE: RouteProps = {
  pathPattern: '*',
  tier: 'api',
  origin: 'suite',
  queryStrings: 'all',
  forwardHeaders: 'allViewer',
};

/** The configuration as docs/conformance.md states it. */
export const CONFORMANCE_CONFIGURATION = [
  'A `TieredCdn` synthesized in-process (tools/conformance/distribution.ts) with one route, the default behavior:',
  '',
  '```ts',
  `{ pathPattern: '*', tier: 'api', origin: 'suite', queryStrings: 'all', forwardHeaders: 'allViewer' }`,
  '```',
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
    new TieredCdn(stack, 'Cdn', {
      origins: { suite: { domainName: SUITE_ORIGIN_DOMAIN, originShield: false } },
      routes: [CONFORMANCE_ROUTE],
    });
    app.synth();
    return readDistribution(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
