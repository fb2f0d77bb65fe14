import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as zlib from 'zlib';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { LOG_FIELDS } from '../../tools/local/access-log';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/**
 * One synthesized distribution exercising the parts of CloudFront the local edge reproduces:
 * cache keys, forwarding, Origin Shield, collapsing, edge functions, response headers policies,
 * compression, the S3 site from a BucketDeployment, methods, viewer protocol and the access log.
 */

const VIEWER_REQUEST = `
exports.handler = async (event) => {
  const req = event.Records[0].cf.request;
  const h = (k, v) => [{ key: k, value: v }];
  if (req.uri.startsWith('/fn/gen')) return { status: '200', statusDescription: 'OK', headers: { 'content-type': h('Content-Type', 'text/plain'), 'cache-control': h('Cache-Control', 'no-store') }, body: 'generated at the edge' };
  if (req.uri.startsWith('/fn/disallowed')) { req.headers['x-amz-cf-smuggle'] = h('X-Amz-Cf-Smuggle', '1'); return req; }
  if (req.uri.startsWith('/fn/readonly')) { req.headers.host = h('Host', 'evil.example'); return req; }
  if (req.uri.startsWith('/fn/throw')) throw new Error('boom');
  if (req.uri.startsWith('/fn/hang')) { console.log('hanging'); return new Promise(() => {}); }
  if (req.uri.startsWith('/fn/big')) return { status: '200', body: 'x'.repeat(41 * 1024) };
  const m = /variant=(\\w+)/.exec((req.headers.cookie || []).map((c) => c.value).join(';'));
  req.headers['x-variant'] = h('X-Variant', m ? m[1] : 'a');
  return req;
};`;
const ORIGIN_REQUEST = `
exports.handler = (event, context, callback) => {
  const req = event.Records[0].cf.request;
  req.headers['x-origin-request-fn'] = [{ key: 'X-Origin-Request-Fn', value: req.origin.custom.domainName }];
  callback(null, req);
};`;
const ORIGIN_RESPONSE = `
exports.handler = async (event) => {
  const res = event.Records[0].cf.response;
  res.headers['x-origin-response-fn'] = [{ key: 'X-Origin-Response-Fn', value: 'status ' + res.status }];
  return res;
};`;
const VIEWER_RESPONSE = `
exports.handler = async (event) => {
  const res = event.Records[0].cf.response;
  res.headers['x-viewer-response-fn'] = [{ key: 'X-Viewer-Response-Fn', value: 'yes' }];
  if (event.Records[0].cf.request.uri === '/fn/teapot') res.status = '418';
  return res;
};`;

function codeDir(source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-fn-'));
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  return dir;
}

let app: string;
let origin: TestOrigin;
let edge: LocalEdge;
const logLines: string[] = [];
/** What the edge functions' console lines go to. */
let onEdgeLine: (line: string) => void = () => {};
const INDEX_HTML = `<!doctype html><title>site</title>${'<p>hello from the site bucket</p>\n'.repeat(60)}`;

beforeAll(async () => {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-site-'));
  fs.writeFileSync(path.join(site, 'index.html'), INDEX_HTML);
  fs.mkdirSync(path.join(site, 'assets'));
  fs.writeFileSync(path.join(site, 'assets', 'tiny.css'), 'body{color:red}');
  app = synthApp((stack) => {
    const fn = (id: string, source: string) =>
      new cloudfront.experimental.EdgeFunction(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(codeDir(source)) });
    const vrq = fn('ViewerRequest', VIEWER_REQUEST);
    const orq = fn('OriginRequest', ORIGIN_REQUEST);
    const ors = fn('OriginResponse', ORIGIN_RESPONSE);
    const vrs = fn('ViewerResponse', VIEWER_RESPONSE);
    const shielded = new origins.HttpOrigin('api.example.com', { originShieldRegion: 'us-east-1', customHeaders: { 'x-origin-secret': 's3cr3t' } });
    const unshielded = new origins.HttpOrigin('direct.example.com');
    const bucket = new s3.Bucket(stack, 'Site');
    new s3deploy.BucketDeployment(stack, 'Deploy', { destinationBucket: bucket, sources: [s3deploy.Source.asset(site)] });
    const apiPolicy = new cloudfront.CachePolicy(stack, 'Api', {
      minTtl: Duration.seconds(0), defaultTtl: Duration.seconds(0), maxTtl: Duration.days(1),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList('page'),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Accept-Language'),
      enableAcceptEncodingGzip: true, enableAcceptEncodingBrotli: true,
    });
    const variantPolicy = new cloudfront.CachePolicy(stack, 'Variant', {
      minTtl: Duration.seconds(0), defaultTtl: Duration.seconds(60), maxTtl: Duration.days(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('x-variant'),
    });
    const rhp = new cloudfront.ResponseHeadersPolicy(stack, 'Headers', {
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cache-Control', value: 'public, max-age=31536000, immutable', override: false },
          { header: 'X-Team', value: 'edge', override: true },
        ],
      },
      securityHeadersBehavior: { contentTypeOptions: { override: true }, frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true } },
    });
    const edgeLambdas = [
      { functionVersion: vrq.currentVersion, eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST },
      { functionVersion: orq.currentVersion, eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST },
      { functionVersion: ors.currentVersion, eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE },
      { functionVersion: vrs.currentVersion, eventType: cloudfront.LambdaEdgeEventType.VIEWER_RESPONSE },
    ];
    new cloudfront.Distribution(stack, 'Dist', {
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: rhp,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      },
      additionalBehaviors: {
        '/api/*': { origin: shielded, cachePolicy: apiPolicy, allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS },
        '/direct/*': { origin: unshielded, cachePolicy: apiPolicy },
        '/fn/*': { origin: shielded, cachePolicy: variantPolicy, edgeLambdas },
        '/me/*': {
          origin: shielded,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        },
      },
    });
  });
  origin = await startOrigin(async (req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname.startsWith('/api/slow')) await new Promise((r) => setTimeout(r, 150));
    if (u.pathname.startsWith('/api/private')) {
      await new Promise((r) => setTimeout(r, 100));
      return send(res, 200, { 'cache-control': 'private, no-store' }, `for ${req.headers['x-user']}`);
    }
    if (u.pathname.startsWith('/fn/missing')) return send(res, 404, {}, 'not here');
    if (u.pathname === '/api/vary') return send(res, 200, { 'cache-control': 's-maxage=30', vary: 'User-Agent' }, `for ${req.headers['user-agent']}`);
    const n = origin.requests.filter((r) => r.url === req.url).length;
    send(res, 200, { 'cache-control': 's-maxage=30', 'set-cookie': 'tracking=1' }, `${req.url} #${n} ${req.headers['x-variant'] ?? ''}`);
  });
  edge = await startLocalEdge({
    app,
    port: 0,
    pops: 3,
    clock: 'virtual',
    origins: { 'api.example.com': origin.url, 'direct.example.com': origin.url },
    log: (line) => logLines.push(line),
    onWarning: () => {},
    onEdgeLog: (line) => onEdgeLine(line),
  });
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => request(`${edge.url}${p}`, { headers: { 'x-tiered-cdn-pop': '0', ...headers }, method });
/** Origin requests for one path, whatever their query string. */
const originCount = (p: string) => origin.requests.filter((r) => r.url.split('?')[0] === p).length;

describe('cache key and forwarding', () => {
  test('only the allow-listed query string and header make the key', async () => {
    expect((await get('/api/items?page=1&utm_source=a')).headers['x-cache']).toBe('Miss from cloudfront');
    expect((await get('/api/items?utm_source=b&page=1')).headers['x-cache']).toBe('Hit from cloudfront');
    expect((await get('/api/items?page=2')).headers['x-cache']).toBe('Miss from cloudfront');
    expect((await get('/api/items?page=1', { 'accept-language': 'de' })).headers['x-cache']).toBe('Miss from cloudfront');
    expect((await get('/api/items?page=1', { cookie: 'session=abc' })).headers['x-cache']).toBe('Hit from cloudfront');
  });

  test('the origin receives the key items, its own Host, custom origin headers, and no cookies or Set-Cookie back', async () => {
    const r = await get('/api/forwarded?page=3&utm_source=x', { cookie: 'session=abc', 'x-secret-viewer': '1' });
    expect(r.headers['set-cookie']).toBeUndefined();
    const seen = origin.requests.find((q) => q.url.startsWith('/api/forwarded'))!;
    expect(seen.url).toBe('/api/forwarded?page=3');
    expect(seen.headers.host).toBe('api.example.com');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-secret-viewer']).toBeUndefined();
    expect(seen.headers['x-origin-secret']).toBe('s3cr3t');
    expect(seen.headers['user-agent']).toBe('Amazon CloudFront');
    expect(seen.headers.via).toMatch(/^1\.1 [0-9a-f]+\.cloudfront\.net \(CloudFront\)$/);
    expect(seen.headers['x-amz-cf-id']).toBe(r.headers['x-amz-cf-id']);
  });

  test("the origin's Vary does not split the cache: only the cache policy makes the key", async () => {
    const a = await get('/api/vary', { 'user-agent': 'agent-a' });
    const b = await get('/api/vary', { 'user-agent': 'agent-b' });
    expect(b.headers['x-cache']).toBe('Hit from cloudfront');
    expect(b.text).toBe(a.text);
  });

  test('an origin request policy forwards every viewer header but Host, cookies and query strings', async () => {
    await get('/me/profile?a=1&b=2', { cookie: 'session=abc', 'x-custom': 'v', 'user-agent': 'curl/8' });
    const seen = origin.requests.find((q) => q.url.startsWith('/me/profile'))!;
    expect(seen.url).toBe('/me/profile?a=1&b=2');
    expect(seen.headers.cookie).toBe('session=abc');
    expect(seen.headers['x-custom']).toBe('v');
    expect(seen.headers['user-agent']).toBe('curl/8');
    expect(seen.headers.host).toBe('api.example.com');
  });
});

describe('response headers as CloudFront sends them', () => {
  test('x-cache, via, x-amz-cf-pop, x-amz-cf-id and age', async () => {
    const miss = await get('/api/headers');
    expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
    expect(miss.headers.via).toMatch(/1\.1 [0-9a-f]+\.cloudfront\.net \(CloudFront\)/);
    expect(miss.headers['x-amz-cf-pop']).toBe(edge.pops[0]);
    expect(miss.headers['x-amz-cf-id']).toMatch(/^[A-Za-z0-9_-]{56}$/);
    expect(miss.headers.age).toBeUndefined();
    edge.clock.advance!(7);
    const hit = await get('/api/headers');
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.headers.age).toBe('7');
    expect(hit.headers['x-amz-cf-id']).not.toBe(miss.headers['x-amz-cf-id']);
  });

  test('hits on one object each get their own request id and age, past a batch of 256 ids', async () => {
    const first = Number((await get('/api/headers')).headers.age ?? 0);
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) {
      if (i === 150) edge.clock.advance!(3);
      const hit = await get('/api/headers');
      expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
      expect(hit.headers['x-amz-cf-id']).toMatch(/^[A-Za-z0-9_-]{56}$/);
      expect(hit.headers.age).toBe(String(i < 150 ? first : first + 3));
      ids.add(String(hit.headers['x-amz-cf-id']));
    }
    expect(ids.size).toBe(300);
  });

  test('response headers policy: override replaces, non-override only fills in, security headers added', async () => {
    const r = await get('/index.html');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['x-team']).toBe('edge');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('S3 site from the BucketDeployment source', () => {
  test('the default root object and a missing key (403 AccessDenied, as S3 behind OAC answers)', async () => {
    const root = await get('/');
    expect(root.status).toBe(200);
    expect(root.text).toBe(INDEX_HTML);
    expect(root.headers['content-type']).toBe('text/html');
    const missing = await get('/nope.html');
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('<Code>AccessDenied</Code>');
    expect(missing.headers['x-cache']).toBe('Error from cloudfront');
  });

  test('compression: br preferred, gzip otherwise, none under 1,000 bytes or when not accepted', async () => {
    const br = await get('/index.html', { 'accept-encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(INDEX_HTML);
    const gz = await get('/index.html', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(INDEX_HTML);
    expect((await get('/index.html')).headers['content-encoding']).toBeUndefined();
    const tiny = await get('/assets/tiny.css', { 'accept-encoding': 'br' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.text).toBe('body{color:red}');
  });
});

describe('methods and protocol', () => {
  test('a method the behavior does not allow: 403 from CloudFront', async () => {
    const r = await get('/api/items', {}, 'POST');
    expect(r.status).toBe(403);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect(r.text).toContain('not configured to allow the HTTP request method');
  });

  test('a write on an all-methods behavior reaches the origin with its body, never cached', async () => {
    const post = (body: string) => request(`${edge.url}/me/cart`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const r = await post('{"item":1}');
    expect(r.status).toBe(200);
    expect(r.headers['x-cache']).toBe('Miss from cloudfront');
    await post('{"item":2}');
    const seen = origin.requests.filter((q) => q.url === '/me/cart');
    expect(seen.map((q) => [q.method, q.body, q.headers['content-length']])).toEqual([
      ['POST', '{"item":1}', '10'],
      ['POST', '{"item":2}', '10'],
    ]);
  });

  test('redirect-to-https answers an http viewer with 301, https-only with 403', async () => {
    const r = await get('/index.html?x=1', { 'x-tiered-cdn-viewer-protocol': 'http', host: 'www.example.com' });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://www.example.com/index.html?x=1');
    expect((await get('/me/x', { 'x-tiered-cdn-viewer-protocol': 'http' })).status).toBe(403);
  });
});

describe('request collapsing', () => {
  test('20 concurrent misses for one key make one origin request', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => get('/api/slow')));
    expect(originCount('/api/slow')).toBe(1);
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(replies.every((r) => r.status === 200)).toBe(true);
  });

  test('concurrent requests whose response turns out private each get their own', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const replies = await Promise.all(users.map((u) => get('/api/private', { 'x-user': u, 'accept-language': 'en' })));
    // x-user is not forwarded by this behavior, so the origin cannot tell them apart; what matters is
    // that each viewer got an answer of its own request, fetched separately.
    expect(originCount('/api/private')).toBe(users.length);
    expect(replies.every((r) => r.headers['x-cache'] === 'Miss from cloudfront')).toBe(true);
  });
});

describe('Origin Shield', () => {
  test('several edge locations miss into one shield: one origin fetch per key per TTL', async () => {
    const pops = ['0', '1', '2'];
    const first = [];
    for (const pop of pops) first.push(await get('/api/shielded', { 'x-tiered-cdn-pop': pop }));
    expect(new Set(first.map((r) => r.headers['x-amz-cf-pop'])).size).toBe(3);
    expect(first[0].headers['x-cache']).toBe('Miss from cloudfront');
    expect(first[1].headers['x-cache']).toBe('Hit from cloudfront');
    expect(originCount('/api/shielded')).toBe(1);
    edge.clock.advance!(30);
    for (const pop of pops) await get('/api/shielded', { 'x-tiered-cdn-pop': pop });
    expect(originCount('/api/shielded')).toBe(2);
  });

  test('concurrent misses from every edge location collapse in the shield into one origin fetch', async () => {
    const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => get('/api/slow-shared', { 'x-tiered-cdn-pop': String(i % 3) })));
    expect(originCount('/api/slow-shared')).toBe(1);
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(new Set(replies.map((r) => r.headers['x-amz-cf-pop'])).size).toBe(3);
  });

  test('HEAD: a hit answers from the stored GET object, without a body', async () => {
    await get('/api/head-me');
    const head = await get('/api/head-me', {}, 'HEAD');
    expect(head.headers['x-cache']).toBe('Hit from cloudfront');
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(originCount('/api/head-me')).toBe(1);
  });

  test('without Origin Shield each edge location fetches from the origin', async () => {
    for (const pop of ['0', '1', '2']) await get('/direct/x', { 'x-tiered-cdn-pop': pop });
    expect(originCount('/direct/x')).toBe(3);
  });

  test('an object from the shield keeps its age: the edge copy expires with the shield copy', async () => {
    await get('/api/aged', { 'x-tiered-cdn-pop': '0' });
    edge.clock.advance!(20);
    const second = await get('/api/aged', { 'x-tiered-cdn-pop': '1' });
    expect(second.headers.age).toBe('20');
    edge.clock.advance!(10);
    await get('/api/aged', { 'x-tiered-cdn-pop': '1' });
    expect(originCount('/api/aged')).toBe(2);
  });
});

describe('edge functions from cdk.out', () => {
  test('a viewer-request function generating a response: LambdaGeneratedResponse, origin untouched', async () => {
    const r = await get('/fn/gen');
    expect(r.status).toBe(200);
    expect(r.text).toBe('generated at the edge');
    expect(r.headers['x-cache']).toBe('LambdaGeneratedResponse from cloudfront');
    expect(originCount('/fn/gen')).toBe(0);
  });

  test('adding a disallowed header: 502 LambdaValidationError', async () => {
    const r = await get('/fn/disallowed');
    expect(r.status).toBe(502);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect(originCount('/fn/disallowed')).toBe(0);
  });

  test('changing a read-only header (Host in viewer-request): 502', async () => {
    const r = await get('/fn/readonly');
    expect(r.status).toBe(502);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
  });

  test('a generated body over 40 KB in a viewer event: 502', async () => {
    expect((await get('/fn/big')).status).toBe(502);
  });

  test('a function that throws: 503 LambdaExecutionError', async () => {
    const r = await get('/fn/throw');
    expect(r.status).toBe(503);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
  });

  test('a viewer-request function that never answers: 503 at the 5 s viewer timeout, not before', async () => {
    // The edge's timers run on jest's clock here, so the test does not sleep 5 s; sockets and
    // the I/O of the request run as ever (node's own timers).
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    try {
      // The function logs as it starts; the edge sets its timeout in the same turn.
      const hanging = new Promise<void>((resolve) => (onEdgeLine = (line) => line === 'hanging' && resolve()));
      let answered = false;
      const reply = get('/fn/hang').then((r) => {
        answered = true;
        return r;
      });
      // When an expectation below fails, the request is still open as the edge closes: not an unhandled rejection.
      reply.catch(() => undefined);
      await hanging;
      jest.advanceTimersByTime(4999);
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(answered).toBe(false);
      jest.advanceTimersByTime(1);
      // The timeout fired (no timer left): the 503 is on its way.
      expect(jest.getTimerCount()).toBe(0);
      const r = await reply;
      expect(r.status).toBe(503);
      expect(r.headers['x-cache']).toBe('Error from cloudfront');
    } finally {
      jest.useRealTimers();
      onEdgeLine = () => {};
    }
  });


  test('origin events run on misses only; viewer-response on hits too; variants from the viewer-request header cached apart', async () => {
    const before = { ...edge.stats.edgeFunctionInvocations };
    const a1 = await get('/fn/page', { cookie: 'variant=a' });
    const b1 = await get('/fn/page', { cookie: 'variant=b' });
    const a2 = await get('/fn/page', { cookie: 'variant=a' });
    const b2 = await get('/fn/page', { cookie: 'variant=b' });
    expect(a1.text).toMatch(/ a$/);
    expect(b1.text).toMatch(/ b$/);
    expect(a2.text).toBe(a1.text);
    expect(b2.text).toBe(b1.text);
    expect(a2.headers['x-cache']).toBe('Hit from cloudfront');
    expect(originCount('/fn/page')).toBe(2);
    const seen = origin.requests.filter((q) => q.url === '/fn/page');
    expect(seen[0].headers['x-origin-request-fn']).toBe('api.example.com');
    expect(a1.headers['x-origin-response-fn']).toBe('status 200');
    expect(a2.headers['x-viewer-response-fn']).toBe('yes');
    const after = edge.stats.edgeFunctionInvocations;
    expect(after['origin-request'] - (before['origin-request'] ?? 0)).toBe(2);
    expect(after['viewer-response'] - (before['viewer-response'] ?? 0)).toBe(4);
  });

  test('a viewer-response function cannot change the status code', async () => {
    const r = await get('/fn/teapot');
    expect(r.status).toBe(200);
    expect(r.headers['x-viewer-response-fn']).toBe('yes');
  });

  test('viewer-response does not run for an origin status >= 400; origin-response does', async () => {
    const r = await get('/fn/missing');
    expect(r.status).toBe(404);
    expect(r.headers['x-viewer-response-fn']).toBeUndefined();
    expect(r.headers['x-origin-response-fn']).toBe('status 404');
  });
});

test('access log lines carry the CloudFront standard log fields in order', async () => {
  await get('/api/logged?page=1', { 'user-agent': 'test agent/1.0' });
  const line = logLines.find((l) => l.includes('/api/logged'))!;
  const fields = line.split('\t');
  expect(fields).toHaveLength(LOG_FIELDS.length);
  const f = (name: (typeof LOG_FIELDS)[number]) => fields[LOG_FIELDS.indexOf(name)];
  expect(f('date')).toMatch(/^\d{4}-\d\d-\d\d$/);
  expect(f('time')).toMatch(/^\d\d:\d\d:\d\d$/);
  expect(f('x-edge-location')).toBe(edge.pops[0]);
  expect(f('cs-method')).toBe('GET');
  expect(f('cs-uri-stem')).toBe('/api/logged');
  expect(f('cs-uri-query')).toBe('page=1');
  expect(f('sc-status')).toBe('200');
  expect(f('x-edge-result-type')).toBe('Miss');
  expect(f('cs(User-Agent)')).toBe('test%20agent/1.0');
  expect(f('cs-protocol')).toBe('https');
});
