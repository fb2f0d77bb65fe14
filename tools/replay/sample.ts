import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readDistribution } from '../local/assembly';
import type { Lifetime } from './simulate';
import { generateTrace } from './trace';
import { writeTraceLog } from './write-trace';

/*
 * `npm run replay:sample [-- DIR]`: a day of generated traffic for the reference app (cdk.out) as
 * CloudFront standard logs, for trying `tiered-cdn replay` without logs of your own. Hits and
 * misses come from the app's own cache model, with what its origins are taken to send: assets for
 * a year, pages and the api's public responses for a minute, the rest nothing.
 */
const dir = process.argv[2] ?? 'replay-sample';
const app = process.env.TIERED_CDN_APP ?? 'cdk.out';
const model = readDistribution(app);
const ORIGIN_SENDS: Record<string, number> = { '/assets/*': 31536000, '/api/categories/*': 60, '/api/*': 60, '*': 60 };
const lifetimes = new Map<string, Lifetime>(Object.entries(ORIGIN_SENDS).map(([p, s]) => [p, { originMaxAge: s, source: 'assumed', samples: 0 }]));
const VIEWER_COOKIE = model.plan?.viewerIdCookie ?? 'tcdn-vid';
const trace = generateTrace({
  seed: 22,
  requests: Number(process.env.REPLAY_SAMPLE_REQUESTS ?? 50_000),
  pops: 4,
  routes: [
    { prefix: '/assets/app.', share: 0.4, paths: 40 },
    { prefix: '/api/categories/c', share: 0.15, paths: 30, query: { page: { values: 4, p: 0.5 }, utm_source: { values: 6, p: 0.3 } } },
    { prefix: '/api/products/p', share: 0.2, paths: 200, query: { sort: { values: 3, p: 0.4 }, utm_campaign: { values: 10, p: 0.3 } } },
    { prefix: '/api/me/item', share: 0.05, paths: 5, sessions: 300 },
    // Returning viewers carry the viewer-id cookie, so the experiment assigns each one a variant for good.
    { prefix: '/page-', share: 0.2, paths: 25, sessions: 2000, cookieName: VIEWER_COOKIE },
  ],
});
// Viewer ids in the form the experiment function accepts (a new viewer gets a random one).
const viewerId = (cookie: string) => crypto.createHash('sha256').update(cookie).digest('hex').slice(0, 32);
const requests = trace.map((r) => (r.cookie?.startsWith(`${VIEWER_COOKIE}=`) ? { ...r, cookie: `${VIEWER_COOKIE}=${viewerId(r.cookie)}` } : r));
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, 'E2QWRUHAPOMQZL.2026-12-01.sample.log');
void writeTraceLog(file, requests, model, lifetimes).then((n) => process.stdout.write(`wrote ${n} requests of ${model.stackName} to ${file}\n`));
