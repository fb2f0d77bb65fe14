import * as http from 'http';
import { runCli } from './invalidate-moto-server';

/** `tiered-cdn audit` on cache tags and targeted TTLs, against an origin on loopback. */
const REPLIES: Record<string, Record<string, string>> = {
  '/api/tagged': { 'cache-control': 'public, s-maxage=60', 'x-amz-meta-cache-tag': 'product:1' },
  '/api/untagged': { 'cache-control': 'public, s-maxage=60' },
  '/api/short-cdn': { 'cache-control': 'public, max-age=600', 'cdn-cache-control': 'max-age=60', 'x-amz-meta-cache-tag': 'product:2' },
  // As CloudFront answers viewers: the tag header removed by the response headers policy.
  '/api/via-edge': { 'cache-control': 'public, s-maxage=60', 'x-cache': 'Hit from cloudfront', via: '1.1 abc.cloudfront.net (CloudFront)' },
};

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => res.writeHead(200, REPLIES[req.url ?? ''] ?? { 'cache-control': 'no-store' }).end('{}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

test('flags cacheable responses without tags and CDN TTLs shorter than the browser, with the header to send', async () => {
  const run = await runCli(['audit', '--base', base, '--paths', '/api/tagged', '/api/untagged', '/api/short-cdn', '/api/via-edge', '--tier', 'api', '--cache-tag-header', 'x-amz-meta-cache-tag', '--json']);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout);
  const byPath = Object.fromEntries(report.rows.map((r: any) => [r.path, r.findings.map((f: any) => f.rule)]));
  expect(byPath).toEqual({ '/api/tagged': [], '/api/untagged': ['cacheable-without-tags'], '/api/short-cdn': ['cdn-ttl-shorter-than-browser'], '/api/via-edge': [] });
  expect(report.rows.find((r: any) => r.path === '/api/untagged').sendInstead).toEqual([expect.stringMatching(/^x-amz-meta-cache-tag: <kind>:<id>/)]);
  expect(report.notes).toEqual([expect.stringMatching(/^cache tags not graded on 1 response\(s\) served by CloudFront, which removes x-amz-meta-cache-tag/)]);
  const strict = await runCli(['audit', '--base', base, '--paths', '/api/untagged', '--tier', 'api', '--cache-tag-header', 'x-amz-meta-cache-tag', '--strict']);
  expect(strict.code).toBe(1);
  expect(strict.stdout).toContain('send instead: x-amz-meta-cache-tag: <kind>:<id>');
});
