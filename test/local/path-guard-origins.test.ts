import * as crypto from 'crypto';
import { TieredCdn } from '../../lib';
import { publicJwk } from '../../tools/dev-keys';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { matchesPathPattern } from '../../lambda-edge/shared/path-pattern';
import { protectedReadings } from '../helpers/origin-models';
import { modelSpellings, userProtectedRoutes } from '../helpers/protected-routes';
import { type ReferenceAssembly, referenceAssembly } from './reference-assembly';
import { type Reply, type TestOrigin, requestPath, send, startOrigin, synthApp } from './helpers';

/**
 * Every protected route of the reference app and of an app with user-defined protected routes,
 * spelled with each lenient-origin model's tricks (test/helpers/origin-models.ts), sent over HTTP
 * without a token. The API origin answers anything with a cacheable 200, as a lenient origin
 * would: it must never be asked, and no answer may be cached for the next viewer.
 */

interface Target {
  readonly edge: LocalEdge;
  readonly api: TestOrigin;
  readonly protectedPatterns: string[];
}

const cacheable = (res: Parameters<Parameters<typeof startOrigin>[0]>[1], url: string) =>
  send(res, 200, { 'cache-control': 'public, max-age=600, s-maxage=600', 'content-type': 'application/json' }, JSON.stringify({ secret: url }));

let reference: Target;
let user: Target;
let site: TestOrigin;

beforeAll(async () => {
  const assembly: ReferenceAssembly = referenceAssembly();
  const refApi = await startOrigin((req, res) => cacheable(res, req.url));
  site = await startOrigin((req, res) => send(res, 200, { 'content-type': 'text/html', 'cache-control': 'no-store' }, `site ${req.url}`));
  const refEdge = await startLocalEdge({ app: assembly.dir, port: 0, pops: 1, clock: 'virtual', origins: { 'api.example.com': refApi.url, 'api-eu.example.com': refApi.url, site: site.url }, onWarning: () => {}, onEdgeLog: () => {} });
  reference = { edge: refEdge, api: refApi, protectedPatterns: ['/api/me/*', '/api/me', '/api/config/*', '/api/config'] };

  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const auth = { issuer: 'https://issuer.test/', audience: 'user-routes', jwks: { keys: [publicJwk(privateKey, 'RS256')] } };
  const routes = userProtectedRoutes(auth);
  const app = synthApp((stack) => {
    new TieredCdn(stack, 'Cdn', { origins: { api: { domainName: 'api.example.com', originShield: false } }, routes });
  }, 'PathGuardOriginModels');
  const userApi = await startOrigin((req, res) => cacheable(res, req.url));
  const userEdge = await startLocalEdge({ app, port: 0, pops: 1, clock: 'virtual', origins: { 'api.example.com': userApi.url }, onWarning: () => {}, onEdgeLog: () => {} });
  const patterns = routes.filter((r) => r.auth !== undefined).flatMap((r) => [r.pathPattern, r.pathPattern.replace(/\/\*$/, '')]);
  user = { edge: userEdge, api: userApi, protectedPatterns: patterns };
}, 180_000);

afterAll(async () => {
  for (const t of [reference, user]) {
    await t?.edge.close();
    await t?.api.close();
  }
  await site?.close();
});

const raw = (t: Target, path: string): Promise<Reply> => requestPath(t.edge.url, path, {});

/** Each protected route filled in (`/api/me/*` -> `/api/me/x`), spelled by every model. */
function attacks(patterns: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const p of patterns) for (const [model, spelled] of modelSpellings(p.replace(/\*$/, 'x').replace(/\?/g, '1'))) out.push([model, spelled]);
  return out.filter(([, spelled]) => protectedReadings(spelled, patterns, matchesPathPattern).length > 0);
}

describe.each([
  ['the reference app', () => reference],
  ['an app with user-defined protected routes', () => user],
])('%s: model spellings of protected routes never reach the origin unauthenticated', (_name, target) => {
  test('every spelling, sent twice: refused without the origin, nothing cached for the next viewer', async () => {
    const t = target();
    const list = attacks(t.protectedPatterns);
    expect(list.length).toBeGreaterThan(60);
    const reached: string[] = [];
    const answers: Record<string, number> = {};
    for (const [model, spelled] of list) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const before = t.api.requests.length;
        const r = await raw(t, spelled);
        if (t.api.requests.length !== before) reached.push(`${model}: ${spelled} -> ${r.status} ${t.api.requests.at(-1)?.url}`);
        // A refusal is never stored for everyone, and never comes from the cache.
        if (r.status === 400) expect({ spelled, cc: r.headers['cache-control'] }).toEqual({ spelled, cc: 'no-store' });
        expect({ spelled, xcache: r.headers['x-cache'] }).not.toEqual({ spelled, xcache: expect.stringMatching(/^(Hit|RefreshHit)/) });
        // What is not refused went to another origin (the reference app's site bucket, for `/Api/...`).
        const answer = r.status === 200 ? `200 from ${r.text.startsWith('site ') ? 'site' : 'api'}` : String(r.status);
        answers[answer] = (answers[answer] ?? 0) + 1;
      }
    }
    expect(reached).toEqual([]);
    expect(Object.keys(answers).filter((s) => !['400', '401', '200 from site'].includes(s))).toEqual([]);
  }, 120_000);
});

describe('legitimate paths next to protected ones still reach the origin as sent', () => {
  test.each(['/api/search/what%3F', '/api/search/a%20b', '/api/search/a%2Bb', '/api/caf%C3%A9', '/api/configs', '/api/config-v2', '/api/config-v2.json', '/api/products/42.json'])('%s', async (p) => {
    const r = await raw(reference, p);
    expect(r.status).toBe(200);
    expect(reference.api.requests.at(-1)?.url).toBe(p);
  });

  test('a content-hashed asset is served from the site', async () => {
    const r = await raw(reference, '/assets/app.5a4476ea.js');
    expect(r.status).toBe(200);
    expect(site.requests.at(-1)?.url).toMatch(/\/assets\/app\.5a4476ea\.js$/);
  });
});
