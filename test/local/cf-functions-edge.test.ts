import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/** Hand-written CloudFront Functions on a plain aws-cdk-lib Distribution, through the local edge. */

let main: TestOrigin;
let eu: TestOrigin;
let edge: LocalEdge;
let app: string;
const notices: string[] = [];

const fnCode = (code: string) => cloudfront.FunctionCode.fromInline(code);

function build(stack: import('aws-cdk-lib').Stack): void {
  const store = new cloudfront.KeyValueStore(stack, 'Routes', {
    source: cloudfront.ImportSource.fromInline(JSON.stringify({ data: [{ key: 'region:DE', value: 'eu.example.com' }, { key: 'banner', value: 'winter sale' }] })),
  });
  const runtime = cloudfront.FunctionRuntime.JS_2_0;
  const rewrite = new cloudfront.Function(stack, 'Rewrite', {
    runtime,
    code: fnCode(`function handler(event) { var r = event.request; if (r.uri.endsWith('/')) r.uri += 'index.html'; return r; }`),
  });
  const stamp = new cloudfront.Function(stack, 'Stamp', {
    runtime,
    code: fnCode(`function handler(event) { var r = event.response; r.headers['x-stamp'] = { value: 'viewer-response ' + r.statusCode }; delete r.headers['x-secret']; return r; }`),
  });
  const banner = new cloudfront.Function(stack, 'Banner', {
    runtime,
    keyValueStore: store,
    code: fnCode(`import cf from 'cloudfront';
      const kvs = cf.kvs();
      async function handler(event) {
        const text = await kvs.get('banner');
        return { statusCode: 200, statusDescription: 'OK', headers: { 'content-type': { value: 'text/plain' } }, body: text };
      }`),
  });
  const geo = new cloudfront.Function(stack, 'Geo', {
    runtime,
    keyValueStore: store,
    code: fnCode(`import cf from 'cloudfront';
      const kvs = cf.kvs();
      async function handler(event) {
        const h = event.request.headers['cloudfront-viewer-country'];
        const country = h ? h.value : 'none';
        event.request.headers['x-seen-country'] = { value: country };
        if (await kvs.exists('region:' + country)) cf.updateRequestOrigin({ domainName: await kvs.get('region:' + country) });
        return event.request;
      }`),
  });
  const blind = new cloudfront.Function(stack, 'Blind', {
    runtime,
    code: fnCode(`function handler(event) { var h = event.request.headers['cloudfront-viewer-country']; event.request.headers['x-seen-country'] = { value: h ? h.value : 'none' }; return event.request; }`),
  });
  const pick = new cloudfront.Function(stack, 'Pick', {
    runtime,
    code: fnCode(`import cf from 'cloudfront'; function handler(event) { if (event.request.querystring.to) cf.selectRequestOriginById(event.request.querystring.to.value); return event.request; }`),
  });
  const broken = new cloudfront.Function(stack, 'Broken', { runtime, code: fnCode(`function handler(event) { return eval('event.request'); }`) });
  const invalid = new cloudfront.Function(stack, 'Invalid', { runtime, code: fnCode(`function handler(event) { event.request.headers['x-amz-cf-id'] = { value: 'forged' }; return event.request; }`) });
  const api = new origins.HttpOrigin('api.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY });
  const countryPolicy = new cloudfront.CachePolicy(stack, 'ByCountry', { headerBehavior: cloudfront.CacheHeaderBehavior.allowList('CloudFront-Viewer-Country') });
  // Forwards what the functions set (policies decide what the origin sees, as on CloudFront).
  const forward = new cloudfront.OriginRequestPolicy(stack, 'Forward', {
    headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('x-seen-country'),
    queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
  });
  const vr = (f: cloudfront.IFunction) => [{ function: f, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }];
  const dist = new cloudfront.Distribution(stack, 'Dist', {
    defaultBehavior: {
      origin: api,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      functionAssociations: [...vr(rewrite), { function: stamp, eventType: cloudfront.FunctionEventType.VIEWER_RESPONSE }],
    },
    additionalBehaviors: {
      '/banner': { origin: api, functionAssociations: vr(banner) },
      '/geo/*': { origin: api, cachePolicy: countryPolicy, originRequestPolicy: forward, functionAssociations: vr(geo) },
      '/blind/*': { origin: api, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED, originRequestPolicy: forward, functionAssociations: vr(blind) },
      '/broken': { origin: api, functionAssociations: vr(broken) },
      '/invalid': { origin: api, functionAssociations: vr(invalid) },
    },
  });
  // A second origin of the distribution that a function can select by id.
  const other = new origins.HttpOrigin('other.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY, originId: 'other' });
  dist.addBehavior('/pick/*', api, { cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED, originRequestPolicy: forward, functionAssociations: vr(pick) });
  dist.addBehavior('/other-only/*', other);
}

beforeAll(async () => {
  app = synthApp(build, 'CfFunctions');
  main = await startOrigin((req, res) => send(res, 200, { 'x-secret': 'internal', 'cache-control': 'max-age=60' }, `main ${req.url} country=${req.headers['x-seen-country'] ?? '-'}`));
  eu = await startOrigin((req, res) => send(res, 200, {}, `eu ${req.url}`));
  edge = await startLocalEdge({
    app,
    port: 0,
    origins: { 'api.example.com': main.url, 'eu.example.com': eu.url, other: eu.url },
    onWarning: (m) => notices.push(m),
    onFunctionLog: () => undefined,
  });
});

afterAll(async () => {
  await edge?.close();
  await main?.close();
  await eu?.close();
});

const get = (p: string, headers: Record<string, string> = {}) => request(`${edge.url}${p}`, { headers });

test('a viewer-request function rewrites the URI before the origin sees it', async () => {
  const r = await get('/docs/');
  expect(r.status).toBe(200);
  expect(r.text).toContain('main /docs/index.html');
});

test('a viewer-response function adds and removes headers', async () => {
  const r = await get('/docs/');
  expect(r.headers['x-stamp']).toBe('viewer-response 200');
  expect(r.headers['x-secret']).toBeUndefined();
});

test('a function answers from the key value store imported from cdk.out: FunctionGeneratedResponse, origin untouched', async () => {
  const before = main.requests.length;
  const r = await get('/banner');
  expect(r.status).toBe(200);
  expect(r.text).toBe('winter sale');
  expect(r.headers['x-cache']).toBe('FunctionGeneratedResponse from cloudfront');
  expect(main.requests.length).toBe(before);
});

test('CloudFront-Viewer-Country reaches the function when the cache policy names it, and routes through updateRequestOrigin', async () => {
  const de = await get('/geo/page', { 'x-tiered-cdn-viewer-country': 'DE' });
  expect(de.text).toBe('eu /geo/page');
  const us = await get('/geo/page', { 'x-tiered-cdn-viewer-country': 'US' });
  expect(us.text).toBe('main /geo/page country=US');
});

test('CloudFront-Viewer-Country does not reach a function when no policy names it', async () => {
  const r = await get('/blind/x', { 'x-tiered-cdn-viewer-country': 'DE' });
  expect(r.text).toBe('main /blind/x country=none');
});

test('selectRequestOriginById sends the request to another origin of the distribution', async () => {
  expect((await get('/pick/a?to=other')).text).toBe('eu /pick/a?to=other');
  expect((await get('/pick/a')).text).toContain('main /pick/a');
});

test('a function using eval fails with 503 FunctionExecutionError, as on CloudFront', async () => {
  const r = await get('/broken');
  expect(r.status).toBe(503);
  expect(r.headers['x-cache']).toBe('Error from cloudfront');
  expect(notices.some((n) => /EvalError/.test(n))).toBe(true);
});

test('a function adding a disallowed header fails with 502 FunctionValidationError', async () => {
  const r = await get('/invalid');
  expect(r.status).toBe(502);
  expect(r.headers['x-cache']).toBe('Error from cloudfront');
});

test('stats count invocations per function', async () => {
  const res = await request(`${edge.url}/__tiered-cdn/stats`, { headers: { 'x-tiered-cdn-control': '1' } });
  const stats = JSON.parse(res.text);
  const names = Object.keys(stats.functions);
  expect(names.some((n) => n.startsWith('Rewrite'))).toBe(true);
  expect(stats.functions[names.find((n) => n.startsWith('Broken'))!].failures.FunctionExecutionError).toBeGreaterThan(0);
});

test('--origin for a domain no origin has: a notice, not an error, when functions can route', () => {
  expect(notices.some((n) => n.includes("--origin eu.example.com: not an origin of the distribution"))).toBe(true);
});

test('--kvs-file replaces the import source of a store', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-')), 'routes.json');
  fs.writeFileSync(file, JSON.stringify({ data: [{ key: 'banner', value: 'from a file' }] }));
  const store = Object.keys(edge.distribution.keyValueStores ?? {})[0];
  const other = await startLocalEdge({ app, port: 0, origins: { 'api.example.com': main.url }, kvsFiles: { [store]: file }, onWarning: () => undefined });
  try {
    expect((await request(`${other.url}/banner`)).text).toBe('from a file');
  } finally {
    await other.close();
  }
});

test('a function over 10 KB: the local edge refuses to start, naming the size', async () => {
  const big = synthApp((stack) => {
    const f = new cloudfront.Function(stack, 'Big', { runtime: cloudfront.FunctionRuntime.JS_2_0, code: fnCode(`function handler(e) { return e.request; } // ${'x'.repeat(11000)}`) });
    new cloudfront.Distribution(stack, 'Dist', { defaultBehavior: { origin: new origins.HttpOrigin('api.example.com'), functionAssociations: [{ function: f, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }] } });
  }, 'BigFn');
  await expect(startLocalEdge({ app: big, port: 0, onWarning: () => undefined })).rejects.toThrow(/FunctionCode is 110\d\d bytes; the limit is 10240 bytes/);
});

describe('--watch', () => {
  const fnApp = (body: string, outdir: string) => {
    const { App, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
    const a = new App({ outdir });
    const stack = new Stack(a, 'Watched', { env: { region: 'us-east-1' } });
    const f = new cloudfront.Function(stack, 'Answer', { runtime: cloudfront.FunctionRuntime.JS_2_0, code: fnCode(`function handler(e) { return { statusCode: 200, body: '${body}' }; }`) });
    new cloudfront.Distribution(stack, 'Dist', { defaultBehavior: { origin: new origins.HttpOrigin('api.example.com'), functionAssociations: [{ function: f, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }] } });
    a.synth();
  };

  test('a new synth into the watched folder swaps the function without a restart; a broken one keeps the running configuration', async () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-watch-'));
    fnApp('first', outdir);
    let reloaded: (r: { ok: boolean; error?: string }) => void = () => undefined;
    const warnings: string[] = [];
    const watched = await startLocalEdge({ app: outdir, port: 0, watch: true, onWarning: (m) => warnings.push(m), onReload: (r) => reloaded(r) });
    try {
      expect((await request(`${watched.url}/`)).text).toBe('first');
      const done = new Promise<{ ok: boolean; error?: string }>((resolve) => (reloaded = resolve));
      fnApp('second', outdir);
      expect((await done).ok).toBe(true);
      expect((await request(`${watched.url}/`)).text).toBe('second');
      expect(warnings.some((w) => /reloaded Watched\/Dist\w+ .*1 CloudFront Functions/.test(w))).toBe(true);
      fnApp(`big' + '${'x'.repeat(11000)}`, outdir);
      const r = watched.reload();
      expect(r).toEqual({ ok: false, error: expect.stringMatching(/limit is 10240 bytes/) });
      expect((await request(`${watched.url}/`)).text).toBe('second');
    } finally {
      await watched.close();
    }
  });
});
