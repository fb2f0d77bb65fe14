import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, cliArgs, request, send, startOrigin } from './helpers';

/**
 * A plain aws-cdk-lib distribution through the local edge: functions outside the CloudFront
 * Functions language answer 503 as CloudFront answers them, with the reason at startup; functions
 * written in the Developer Guide's style run unchanged.
 */

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'cf-functions');
const fixture = (name: string) => cloudfront.FunctionCode.fromInline(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const inline = (body: string) => cloudfront.FunctionCode.fromInline(`function handler(event) {\n  var request = event.request;\n  ${body}\n  return request;\n}\n`);

/** Functions CloudFront publishes and then cannot run, by behavior. */
const OUTSIDE: Record<string, { id: string; code: string; feature: string; line: number }> = {
  '/for-of/*': { id: 'ForOf', code: "for (const name of Object.keys(request.headers)) { request.headers[name].value += ''; }", feature: 'for...of', line: 3 },
  '/destructuring/*': { id: 'Destructuring', code: 'const { uri } = request;\n  request.uri = uri;', feature: 'destructuring', line: 3 },
  '/catch/*': { id: 'CatchBinding', code: "try { request.uri = decodeURIComponent(request.uri); } catch { request.uri = '/'; }", feature: 'optional catch binding', line: 3 },
  '/map/*': { id: 'UsesMap', code: "var seen = new Map();\n  seen.set('uri', request.uri);", feature: 'Map', line: 3 },
  '/array-from/*': { id: 'ArrayFrom', code: "request.headers['x-names'] = { value: Array.from(Object.keys(request.headers)).join(',') };", feature: 'Array.from', line: 3 },
};

let origin: TestOrigin;
let edge: LocalEdge;
let app: string;
const notices: string[] = [];

function build(stack: Stack): void {
  const runtime = cloudfront.FunctionRuntime.JS_2_0;
  const api = new origins.HttpOrigin('api.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY });
  const vr = (f: cloudfront.IFunction) => [{ function: f, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }];
  const forward = new cloudfront.OriginRequestPolicy(stack, 'Forward', { headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('x-variant', 'x-names') });
  const country = new cloudfront.OriginRequestPolicy(stack, 'Country', { headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('CloudFront-Viewer-Country') });
  const store = new cloudfront.KeyValueStore(stack, 'Links', {
    source: cloudfront.ImportSource.fromInline(JSON.stringify({ data: [{ key: 'link:docs', value: 'https://docs.example.com/start' }] })),
  });
  const dist = new cloudfront.Distribution(stack, 'Dist', {
    defaultBehavior: { origin: api, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED },
  });
  const behavior = (pattern: string, f: cloudfront.IFunction, extra: Partial<cloudfront.BehaviorOptions> = {}) =>
    dist.addBehavior(pattern, api, { cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED, originRequestPolicy: forward, functionAssociations: vr(f), ...extra });
  for (const [pattern, o] of Object.entries(OUTSIDE)) {
    const f = new cloudfront.Function(stack, o.id, { runtime, code: inline(o.code) });
    behavior(pattern, f);
    // The same function on a second behavior fails there too.
    if (o.id === 'ForOf') behavior('/also-for-of/*', f);
  }
  behavior('/spa/*', new cloudfront.Function(stack, 'Spa', { runtime, code: fixture('spa-rewrite.js') }));
  behavior('/country/*', new cloudfront.Function(stack, 'CountryRedirect', { runtime, code: fixture('country-redirect.js') }), { originRequestPolicy: country });
  behavior('/go/*', new cloudfront.Function(stack, 'ShortLinks', { runtime, keyValueStore: store, code: fixture('kvs-redirect.js') }));
  behavior('/cookies/*', new cloudfront.Function(stack, 'Cookies', { runtime, code: fixture('cookies.js') }));
  dist.addBehavior('/secure/*', api, {
    cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
    functionAssociations: [{ function: new cloudfront.Function(stack, 'SecurityHeaders', { runtime, code: fixture('security-headers.js') }), eventType: cloudfront.FunctionEventType.VIEWER_RESPONSE }],
  });
}

beforeAll(async () => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-cf-language-'));
  // As `cdk synth` writes it: resources carry their construct path.
  const cdkApp = new App({ outdir: app, context: { 'aws:cdk:enable-path-metadata': true } });
  build(new Stack(cdkApp, 'CfLanguage', { env: { region: 'us-east-1' } }));
  cdkApp.synth();
  origin = await startOrigin((req, res) => send(res, 200, {}, `origin ${req.url} variant=${req.headers['x-variant'] ?? '-'} cookie=${req.headers.cookie ?? '-'}`));
  edge = await startLocalEdge({ app, port: 0, origins: { 'api.example.com': origin.url }, onWarning: (m) => notices.push(m), onFunctionLog: () => undefined });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const get = (p: string, headers: Record<string, string> = {}) => request(`${edge.url}${p}`, { headers });

describe('a function outside the language', () => {
  it.each(Object.entries(OUTSIDE))('%s answers 503 with x-cache: Error from cloudfront, and the origin never sees the request', async (pattern) => {
    const before = origin.requests.length;
    for (const p of ['/a', '/b/c.css']) {
      const r = await get(pattern.replace('*', p.slice(1)));
      expect(r.status).toBe(503);
      expect(r.headers['x-cache']).toBe('Error from cloudfront');
      expect(r.text).toMatch(/The CloudFront function associated with the CloudFront distribution failed to run/);
    }
    expect(origin.requests.length).toBe(before);
  });

  it('fails on every behavior that runs it', async () => {
    expect((await get('/also-for-of/x')).status).toBe(503);
  });

  it('is named at startup with its construct path, behaviors, line and feature', () => {
    for (const [pattern, o] of Object.entries(OUTSIDE)) {
      const notice = notices.find((n) => n.startsWith(`CloudFront Function ${o.id}`));
      expect(notice).toBeDefined();
      expect(notice).toContain(`(CfLanguage/${o.id}/Resource), viewer-request of ${pattern}`);
      expect(notice).toContain(`line ${o.line}, column`);
      expect(notice).toContain(`: ${o.feature} (`);
    }
    const forOf = notices.find((n) => n.startsWith('CloudFront Function ForOf'))!;
    expect(forOf).toContain('of /for-of/*, /also-for-of/* uses JavaScript cloudfront-js-2.0 does not run: CloudFront answers every request of these behaviors with 503');
    expect(notices.find((n) => n.startsWith('CloudFront Function UsesMap'))).toContain('uses built-ins cloudfront-js-2.0 does not have');
  });

  it('is in the edge report the --json startup line prints', () => {
    const byFn = Object.fromEntries(edge.functionLanguage.map((r) => [r.path!.split('/')[1], r]));
    expect(Object.keys(byFn).sort()).toEqual(Object.values(OUTSIDE).map((o) => o.id).sort());
    expect(byFn.ForOf).toEqual({
      function: expect.stringMatching(/^ForOf[0-9A-F]{8}$/),
      path: 'CfLanguage/ForOf/Resource',
      runtime: 'cloudfront-js-2.0',
      eventType: 'viewer-request',
      behaviors: ['/for-of/*', '/also-for-of/*'],
      failsEveryRequest: true,
      findings: [{ feature: 'for...of', kind: 'syntax', line: 3, column: 3, snippet: 'for (const name of Object.keys(request.headers)) { request.headers[name].valu...' }],
    });
    expect(byFn.ArrayFrom.failsEveryRequest).toBe(false);
    expect(byFn.ArrayFrom.findings.map((f) => f.feature)).toEqual(['Array.from']);
  });

  it('logs the reason of each 503 (a built-in the runtime lacks fails where it is reached)', async () => {
    notices.length = 0;
    await get('/map/x');
    await get('/array-from/x');
    await get('/catch/x');
    expect(notices.some((n) => /FunctionExecutionError: UsesMap\w+ \(viewer-request\) threw ReferenceError: Map is not defined/.test(n))).toBe(true);
    expect(notices.some((n) => /FunctionExecutionError: ArrayFrom\w+ \(viewer-request\) threw TypeError: .*Array.from is not a function/.test(n))).toBe(true);
    expect(notices.some((n) => /FunctionExecutionError: CatchBinding\w+ \(viewer-request\) failed: SyntaxError: optional catch binding is not supported in cloudfront-js-2.0 \(line 3/.test(n))).toBe(true);
  });
});

describe('functions written in the documented language run unchanged', () => {
  it('reports none of them at startup', () => {
    const named = edge.functionLanguage.map((r) => r.function);
    for (const id of ['Spa', 'CountryRedirect', 'ShortLinks', 'Cookies', 'SecurityHeaders']) expect(named).not.toContain(id);
  });

  it('SPA rewrite: routes get the index document, files stay', async () => {
    expect(await get('/spa/orders/42')).toMatchObject({ status: 200, text: expect.stringContaining('origin /index.html ') });
    expect(await get('/spa/app.js')).toMatchObject({ status: 200, text: expect.stringContaining('origin /spa/app.js ') });
    expect(await get('/spa/docs/')).toMatchObject({ status: 200, text: expect.stringContaining('origin /spa/docs/index.html ') });
  });

  it('redirect by country: CloudFront-Viewer-Country from the policy, a template literal in the Location', async () => {
    const de = await get('/country/shop', { 'x-tiered-cdn-viewer-country': 'DE' });
    expect(de.status).toBe(302);
    expect(de.headers.location).toBe('https://de.example.com/country/shop');
    expect((await get('/country/shop', { 'x-tiered-cdn-viewer-country': 'US' })).status).toBe(200);
  });

  it('KeyValueStore read with async/await: a short link redirects, an unknown one goes to the origin', async () => {
    const hit = await get('/go/docs');
    expect(hit.status).toBe(302);
    expect(hit.headers.location).toBe('https://docs.example.com/start');
    expect(await get('/go/nothing')).toMatchObject({ status: 200, text: expect.stringContaining('origin /go/nothing ') });
  });

  it('cookie handling: the variant cookie becomes a header, analytics cookies are dropped', async () => {
    const r = await get('/cookies/x', { cookie: 'variant=b; _ga=GA1.2.3; _gat=1' });
    expect(r.status).toBe(200);
    expect(r.text).toContain('variant=b');
    expect(r.text).not.toContain('_ga');
  });

  it('security headers on viewer-response', async () => {
    const r = await get('/secure/page');
    expect(r.status).toBe(200);
    expect(r.headers['strict-transport-security']).toBe('max-age=63072000; includeSubdomains; preload');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('tiered-cdn local', () => {
  it('prints each function outside the language on stderr and in the --json startup line', async () => {
    const child = spawn(process.execPath, cliArgs(['local', '--app', app, '--port', '0', '--json', '--no-log', '--origin', `api.example.com=${origin.url}`]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
        });
        child.on('close', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      const started = JSON.parse(line) as { functionLanguage: Array<{ path: string; behaviors: string[]; findings: Array<{ feature: string; line: number }> }> };
      const destructuring = started.functionLanguage.find((r) => r.path === 'CfLanguage/Destructuring/Resource');
      expect(destructuring).toMatchObject({ behaviors: ['/destructuring/*'], findings: [{ feature: 'destructuring', line: 3 }] });
      expect(started.functionLanguage).toHaveLength(Object.keys(OUTSIDE).length);
      expect(stderr).toMatch(/tiered-cdn local: CloudFront Function Destructuring\w+ \(CfLanguage\/Destructuring\/Resource\), viewer-request of \/destructuring\/\* uses JavaScript cloudfront-js-2.0 does not run/);
      expect(stderr).toContain('  line 3, column 9: destructuring ({ uri })');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
