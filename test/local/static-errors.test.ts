import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type ReferenceAssembly, referenceAssembly } from './reference-assembly';
import { request } from './helpers';

/*
 * The reference app's static tier through the local edge: an asset carries the year-long browser
 * lifetime it was uploaded with (S3 object metadata), a missing asset (S3's 403 for a key it does not
 * hold) carries none, so a deploy that publishes HTML before its assets, or a typo, is never kept
 * by browsers for a year. A response headers policy cannot vary by status, so the static tier's adds
 * no Cache-Control (lib/tier-policies.ts).
 */
let assembly: ReferenceAssembly;
let edge: LocalEdge;

beforeAll(async () => {
  assembly = referenceAssembly();
  edge = await startLocalEdge({ app: assembly.dir, port: 0, origins: { 'api.example.com': 'http://127.0.0.1:9', 'api-eu.example.com': 'http://127.0.0.1:9' }, onWarning: () => {}, onFunctionLog: () => {} });
}, 120_000);

afterAll(async () => {
  await edge?.close();
});

test('a content-hashed asset is immutable for a year in browsers', async () => {
  const r = await request(`${edge.url}/assets/app.df385d03.css`);
  expect(r.status).toBe(200);
  expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
});

test.each(['/assets/app.00000000.css', '/assets/missing.js', '/assets/'])('a missing asset (%s) is an error browsers do not keep', async (p) => {
  for (let i = 0; i < 2; i++) {
    const r = await request(`${edge.url}${p}`);
    expect(r.status).toBe(403);
    expect(r.headers['cache-control'] ?? '').not.toMatch(/max-age=[1-9]|immutable/);
  }
});

test('entry documents keep the html tier default (revalidated by browsers)', async () => {
  const r = await request(`${edge.url}/about.html`);
  expect(r.status).toBe(200);
  expect(r.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
});
