import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { freePort, runCli } from './invalidate-moto-server';

/** An origin with known good and bad caching headers, one path per case. */
const ORIGIN: Record<string, (req: http.IncomingMessage) => { status?: number; headers: Record<string, string | string[]>; body: string }> = {
  '/assets/app.3f9c2a1b.js': () => ({ headers: { 'cache-control': 'public, max-age=31536000, immutable' }, body: 'js' }),
  '/assets/app.8d41e0c7.css': () => ({ headers: { 'cache-control': 'public, max-age=3600' }, body: 'css' }),
  '/assets/logo.png': () => ({ headers: { 'cache-control': 'no-store' }, body: 'png' }),
  '/index.html': () => ({ headers: {}, body: '<html>' }),
  '/api/config/flags': () => ({ headers: { 'cache-control': 'public, max-age=0, s-maxage=60' }, body: '{}' }),
  '/api/items': () => ({ headers: { 'cache-control': 'public, max-age=600', vary: 'Accept-Encoding, Cookie' }, body: '[]' }),
  '/api/session': () => ({ headers: { 'cache-control': 'public, s-maxage=60', 'set-cookie': ['sid=abc; Path=/', 'x=1'] }, body: 'ok' }),
  '/api/me/profile': (req) => ({ headers: { 'cache-control': 'private, no-store' }, body: req.headers.authorization ? 'alice' : 'anonymous' }),
  '/api/shared': (req) => (req.headers.authorization ? { headers: { 'cache-control': 'public, s-maxage=300' }, body: '{"flags":[]}' } : { status: 401, headers: { 'cache-control': 'no-store' }, body: '' }),
  '/api/whoami': (req) => ({ headers: { 'cache-control': 'public, s-maxage=60' }, body: `you are ${req.headers.authorization}` }),
  '/edge-cookie': () => ({ headers: { 'cache-control': 'public, max-age=0, s-maxage=60', 'set-cookie': ['tcdn-vid=v1; Path=/', 'sid=abc; Path=/'] }, body: '<html>' }),
  '/api/greeting': (req) => ({ headers: { 'cache-control': 'public, s-maxage=60' }, body: req.headers.authorization ? 'hello alice' : 'hello' }),
};

const ROUTES = [
  { pathPattern: '/assets/*', tier: 'static', paths: ['/assets/app.3f9c2a1b.js', '/assets/app.8d41e0c7.css', '/assets/logo.png'] },
  { pathPattern: '*', tier: 'html', paths: ['/index.html'] },
  { pathPattern: '/api/me/*', tier: 'dynamic', paths: ['/api/me/profile'] },
  { pathPattern: '/api/config/*', tier: 'api', paths: ['/api/config/flags'] },
  { pathPattern: '/api/*', tier: 'api', paths: ['/api/items', '/api/session'] },
];

let server: http.Server;
let base: string;
let tmp: string;
let routesFile: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname} ${req.headers.authorization ?? '-'}`);
    const handler = ORIGIN[url.pathname];
    if (!handler) {
      res.writeHead(404, { 'cache-control': 'no-store' }).end();
      return;
    }
    const { status, headers, body } = handler(req);
    res.writeHead(status ?? 200, headers).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-audit-'));
  routesFile = path.join(tmp, 'routes.json');
  fs.writeFileSync(routesFile, JSON.stringify(ROUTES));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('grades every route, prints a table with the header to send instead, and exits 1 on errors', async () => {
  const run = await runCli(['audit', '--base', base, '--routes', routesFile]);
  expect(run.code).toBe(1);
  const lines = run.stdout.split('\n');
  const row = (p: string, rule: string) => lines.find((l) => l.startsWith(`${p} `) && l.includes(` ${rule} `));
  expect(lines[0]).toMatch(/^PATH\s+TOKEN\s+STATUS\s+TIER\s+RESULT\s+RULE\s+CACHE-CONTROL RECEIVED$/);
  expect(lines.find((l) => l.startsWith('/assets/app.3f9c2a1b.js '))).toMatch(/no\s+200\s+static\s+ok\s+public, max-age=31536000, immutable$/);
  expect(row('/assets/app.8d41e0c7.css', 'hashed-not-immutable')).toMatch(/warning/);
  expect(row('/assets/logo.png', 'static-no-store')).toMatch(/error/);
  expect(row('/index.html', 'missing-cache-control')).toMatch(/html\s+error .*\(none\)$/);
  expect(lines.find((l) => l.startsWith('/api/config/flags '))).toMatch(/ok/);
  expect(row('/api/items', 'api-neither-s-maxage-nor-private')).toMatch(/warning/);
  expect(row('/api/items', 'vary-high-cardinality')).toMatch(/warning/);
  expect(row('/api/session', 'public-with-set-cookie')).toMatch(/error/);
  expect(lines.find((l) => l.startsWith('/api/me/profile '))).toMatch(/dynamic\s+ok/);
  expect(run.stdout).toContain('/assets/logo.png [static]:\n  error: no-store on a static asset: every request goes to the origin\n  send instead: Cache-Control: public, max-age=0, s-maxage=86400, must-revalidate');
  expect(run.stdout).toContain('/api/items [api]:');
  expect(run.stdout).toContain('  send instead: Vary: Accept-Encoding');
  expect(run.stdout).toContain(`3 error(s), 3 warning(s) in 8 response(s) from ${base}/`);
});

test('with --token, requests each path twice and flags a public response that differs per user', async () => {
  seen.length = 0;
  const run = await runCli(['audit', '--base', base, '--routes', routesFile, '--paths', '/api/greeting', '/api/me/profile', '--token', 'tok123', '--json']);
  expect(run.code).toBe(1);
  expect(seen).toEqual(['/api/greeting -', '/api/greeting Bearer tok123', '/api/me/profile -', '/api/me/profile Bearer tok123']);
  const report = JSON.parse(run.stdout);
  const greeting = report.rows.filter((r: { path: string }) => r.path === '/api/greeting');
  expect(greeting.map((r: { withToken: boolean; findings: { rule: string }[] }) => [r.withToken, r.findings.map((f) => f.rule)])).toEqual([
    [false, ['public-differs-per-user']],
    [true, ['public-differs-per-user']],
  ]);
  expect(greeting[0].sendInstead).toEqual(['Cache-Control: private, no-store']);
  const profile = report.rows.filter((r: { path: string }) => r.path === '/api/me/profile');
  expect(profile.every((r: { findings: unknown[] }) => r.findings.length === 0)).toBe(true);
  expect(report.errors).toBe(2);
});

test('exits 0 when only good headers are seen, and 1 on warnings with --strict', async () => {
  const good = await runCli(['audit', '--base', base, '--paths', '/assets/app.3f9c2a1b.js', '--tier', 'static']);
  expect(good.code).toBe(0);
  expect(good.stdout).toContain('0 error(s), 0 warning(s) in 1 response(s)');
  const warn = await runCli(['audit', '--base', base, '--paths', '/assets/app.8d41e0c7.css', '--tier', 'static']);
  expect(warn.code).toBe(0);
  const strict = await runCli(['audit', '--base', base, '--paths', '/assets/app.8d41e0c7.css', '--tier', 'static', '--strict']);
  expect(strict.code).toBe(1);
});

test('a path no route covers is a wrong value (exit 2), an unreachable base a failure (exit 1), each with a clear message', async () => {
  const routes = path.join(tmp, 'narrow.json');
  fs.writeFileSync(routes, JSON.stringify([{ pathPattern: '/api/*', tier: 'api' }]));
  const unmatched = await runCli(['audit', '--base', base, '--routes', routes, '--paths', '/other']);
  expect(unmatched.code).toBe(2);
  expect(unmatched.stderr).toContain('no route (and no --tier) for /other');
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify([{ pathPattern: '/x', tier: 'fast' }]));
  const invalid = await runCli(['audit', '--base', base, '--routes', bad]);
  expect(invalid.stderr).toContain('routes[0].tier must be one of static, html, api, dynamic, got: "fast"');
  const closed = await freePort();
  const down = await runCli(['audit', '--base', `http://127.0.0.1:${closed}`, '--paths', '/x', '--tier', 'api']);
  expect(down.code).toBe(1);
  expect(down.stderr).toContain(`request to http://127.0.0.1:${closed}/x failed: ECONNREFUSED`);
});

test('--app takes path patterns and tiers from a synthesized distribution (the plan in its Metadata)', async () => {
  const assembly = path.join(tmp, 'cdk.out');
  fs.mkdirSync(assembly);
  // Policy comments say other tiers on purpose: the tier comes from the plan, never from comment text.
  const policy = (tier: string) => ({ Type: 'AWS::CloudFront::ResponseHeadersPolicy', Properties: { ResponseHeadersPolicyConfig: { Name: tier, Comment: 'tiered-cdn dynamic tier: security headers' } } });
  const template = {
    Metadata: {
      'TieredCdn::Plan': {
        version: 1,
        distribution: 'Dist',
        behaviors: [
          { pathPattern: '/assets/*', tier: 'static' },
          { pathPattern: '/api/*', tier: 'api' },
          { pathPattern: '*', tier: 'html' },
        ],
      },
    },
    Resources: {
      StaticHeaders: policy('static'),
      ApiHeaders: policy('api'),
      HtmlHeaders: policy('html'),
      Dist: {
        Type: 'AWS::CloudFront::Distribution',
        Properties: {
          DistributionConfig: {
            DefaultCacheBehavior: { TargetOriginId: 'site', ResponseHeadersPolicyId: { Ref: 'HtmlHeaders' } },
            CacheBehaviors: [
              { PathPattern: '/assets/*', TargetOriginId: 'site', ResponseHeadersPolicyId: { Ref: 'StaticHeaders' } },
              { PathPattern: '/api/*', TargetOriginId: 'api', ResponseHeadersPolicyId: { Ref: 'ApiHeaders' } },
            ],
            Origins: [{ Id: 'site', DomainName: 'site.example.com' }, { Id: 'api', DomainName: 'api.example.com' }],
          },
        },
      },
    },
  };
  fs.writeFileSync(path.join(assembly, 'Web.template.json'), JSON.stringify(template));
  fs.writeFileSync(
    path.join(assembly, 'manifest.json'),
    JSON.stringify({ version: '48.0.0', artifacts: { Web: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Web.template.json' } } } }),
  );
  const run = await runCli(['audit', '--base', base, '--app', assembly, '--paths', '/assets/logo.png', '/api/items', '/index.html', '--json']);
  expect(run.code).toBe(1);
  const report = JSON.parse(run.stdout);
  expect(report.rows.map((r: { path: string; tier: string; pathPattern: string }) => [r.path, r.pathPattern, r.tier])).toEqual([
    ['/assets/logo.png', '/assets/*', 'static'],
    ['/api/items', '/api/*', 'api'],
    ['/index.html', '*', 'html'],
  ]);
});

/** A JWT-shaped token (unsigned: the audit only reads `sub` to tell viewers apart). */
function tokenOf(sub: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ sub })}.sig`;
}

describe('viewers compared by --token', () => {
  test('401 without a token against 200 with one is auth, not a per-user difference; with one token a note says to add another', async () => {
    const run = await runCli(['audit', '--base', base, '--paths', '/api/shared', '--tier', 'api', '--token', tokenOf('alice')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\/api\/shared\s+no\s+401\s+api\s+ok/m);
    expect(run.stdout).toMatch(/^\/api\/shared\s+sub=alice\s+200\s+api\s+ok/m);
    expect(run.stdout).toContain('note: /api/shared refuses anonymous viewers: pass a second --token with another subject');
  });

  test('two subjects that get the same shared response pass', async () => {
    const run = await runCli(['audit', '--base', base, '--paths', '/api/shared', '--tier', 'api', '--token', tokenOf('alice'), '--token', tokenOf('bob')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 error(s), 0 warning(s) in 3 response(s)');
    expect(run.stdout).not.toContain('note:');
  });

  test('fails when two subjects get different publicly cacheable responses', async () => {
    const run = await runCli(['audit', '--base', base, '--paths', '/api/whoami', '--tier', 'api', '--token', tokenOf('alice'), '--token', tokenOf('bob'), '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.rows.map((r: { viewer: string; findings: { rule: string }[] }) => `${r.viewer}: ${r.findings.map((f) => f.rule).join(',')}`)).toEqual([
      'anonymous: public-differs-per-user',
      'sub=alice: public-differs-per-user',
      'sub=bob: public-differs-per-user',
    ]);
  });

  test('fails with a usage message when both tokens name the same subject', async () => {
    const run = await runCli(['audit', '--base', base, '--paths', '/api/shared', '--tier', 'api', '--token', tokenOf('alice'), '--token', tokenOf('alice')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--token 2 and --token 1 both have sub 'alice': to check that a shared route answers every user alike, pass tokens of two different subjects");
  });
});

test('--app: cookies the metadata says the edge sets are not graded, an origin cookie on the same route still is', async () => {
  const assembly = path.join(tmp, 'cdk.out-cookies');
  fs.mkdirSync(assembly);
  const policy = { Type: 'AWS::CloudFront::ResponseHeadersPolicy', Properties: { ResponseHeadersPolicyConfig: { Name: 'html', Comment: 'tiered-cdn html tier: security headers' } } };
  const template = {
    Metadata: { 'TieredCdn::Plan': { version: 1, distribution: 'Dist', behaviors: [{ pathPattern: '*', tier: 'html' }] } },
    Resources: {
      HtmlHeaders: policy,
      Dist: {
        Type: 'AWS::CloudFront::Distribution',
        Metadata: { 'TieredCdn::EdgeSetCookies': { '*': ['tcdn-vid', 'tcdn-exp-home'] } },
        Properties: {
          DistributionConfig: {
            DefaultCacheBehavior: { TargetOriginId: 'site', ResponseHeadersPolicyId: { Ref: 'HtmlHeaders' } },
            Origins: [{ Id: 'site', DomainName: 'site.example.com' }],
          },
        },
      },
    },
  };
  fs.writeFileSync(path.join(assembly, 'Web.template.json'), JSON.stringify(template));
  fs.writeFileSync(
    path.join(assembly, 'manifest.json'),
    JSON.stringify({ version: '48.0.0', artifacts: { Web: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Web.template.json' } } } }),
  );
  const run = await runCli(['audit', '--base', base, '--app', assembly, '--paths', '/edge-cookie', '--json']);
  expect(run.code).toBe(1);
  const [row] = JSON.parse(run.stdout).rows;
  expect(row.edgeSetCookies).toEqual(['tcdn-vid']);
  expect(row.findings.map((f: { rule: string }) => f.rule)).toEqual(['public-with-set-cookie']);
});
