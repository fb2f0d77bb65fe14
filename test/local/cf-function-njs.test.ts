import { execFileSync } from 'child_process';
import type { CloudFrontFunctionModel } from '../../tools/local/model';
import { comparable, type EngineCase, njsDriver, runInNjs, runInSandbox, viewerRequestEvent, viewerResponseEvent } from '../helpers/njs';
import { describeWithTool } from '../helpers/python-tools';

/**
 * The two-engine harness (test/helpers/njs.ts) on small hand-written cloudfront-js-2.0 functions:
 * njs and the local edge's sandbox must return the same thing for the same event and store. These
 * also show that the harness can fail: a function whose result depends on something the two
 * engines do differently gives two different outcomes.
 */

function fn(name: string, code: string, eventType: 'viewer-request' | 'viewer-response' = 'viewer-request', store = false): CloudFrontFunctionModel {
  return { name, code, eventType, runtime: 'cloudfront-js-2.0', keyValueStores: store ? ['Store'] : [] };
}

const REWRITE = fn(
  'Rewrite',
  `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) request.uri += 'index.html';
  else if (!uri.includes('.')) request.uri += '/index.html';
  return request;
}`,
);

const REDIRECT = fn(
  'Redirect',
  `function handler(event) {
  var country = event.request.headers['cloudfront-viewer-country'];
  if (country && country.value === 'DE') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://example.de' + event.request.uri } } };
  }
  return event.request;
}`,
);

const KVS_ROUTER = fn(
  'KvsRouter',
  `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const request = event.request;
  const h = request.headers['cloudfront-viewer-country'];
  const country = h ? h.value : 'none';
  if (await kvs.exists('origin:' + country)) {
    const target = await kvs.get('origin:' + country, { format: 'json' });
    cf.updateRequestOrigin({ domainName: target.domainName, originPath: target.path || '' });
  }
  let banner;
  try {
    banner = await kvs.get('banner');
  } catch (e) {
    banner = 'none';
  }
  request.headers['x-banner'] = { value: banner };
  return request;
}`,
  'viewer-request',
  true,
);

const STAMP = fn(
  'Stamp',
  `function handler(event) {
  const response = event.response;
  const cookies = event.request.cookies;
  response.headers['x-served-for'] = { value: event.request.uri };
  delete response.headers['x-internal'];
  if (!cookies.seen) response.cookies.seen = { value: '1', attributes: 'Path=/; Max-Age=60; Secure' };
  response.cookies.theme = { value: 'dark', attributes: 'Path=/', multiValue: [{ value: 'dark', attributes: 'Path=/' }, { value: 'light', attributes: 'Path=/docs' }] };
  return response;
}`,
  'viewer-response',
);

const CRYPTO = fn(
  'Crypto',
  `import crypto from 'crypto';
import qs from 'querystring';
function handler(event) {
  const uri = event.request.uri;
  const digest = crypto.createHash('sha256').update(uri).digest();
  const q = qs.parse('a=1&b=%20x&a=2');
  const headers = {
    'x-sha1': { value: crypto.createHash('sha1').update(uri).digest('hex') },
    'x-md5': { value: crypto.createHash('md5').update(uri).digest('base64') },
    'x-hmac': { value: crypto.createHmac('sha256', 'secret').update(uri).digest('base64url') },
    'x-bucket': { value: String(digest.readUIntBE(0, 6) / 2 ** 48) },
    'x-qs': { value: JSON.stringify(q) + ' ' + qs.stringify({ b: 'x y', a: '1' }) },
  };
  return { statusCode: 200, statusDescription: 'OK', headers: headers };
}`,
);

const VIEWER_ID = fn(
  'ViewerId',
  `import crypto from 'crypto';
function handler(event) {
  const request = event.request;
  if (!request.cookies.vid) {
    const id = crypto.createHash('sha256').update(Math.random() + ':' + Math.random() + ':' + Date.now()).digest('hex').slice(0, 16);
    request.headers['x-new-viewer'] = { value: id };
  }
  console.log('viewer ' + (request.cookies.vid ? request.cookies.vid.value : 'new'));
  return request;
}`,
);

const THROWS = fn('Throws', `function handler(event) { if (event.request.uri === '/boom') throw new Error('boom at ' + event.request.uri); return event.request; }`);
const REJECTS = fn('Rejects', `async function handler(event) { const v = await Promise.resolve(event.request.uri); throw new TypeError('rejected ' + v); }`);

/** Runs both engines on a case and requires the same outcome. */
async function same(njs: string, f: CloudFrontFunctionModel, c: EngineCase) {
  const a = await runInNjs(njs, f, c);
  const b = runInSandbox(f, c);
  expect(comparable(a)).toEqual(comparable(b));
  return a;
}

const get = (uri: string, extra: Omit<Parameters<typeof viewerRequestEvent>[0], 'uri'> = {}) => viewerRequestEvent({ uri, ...extra });

describeWithTool('njs', 'hand-written CloudFront Functions: njs and the local sandbox agree', (njs) => {
  test('a URI rewrite returns the same request in both engines', async () => {
    const out = await same(njs, REWRITE, { event: get('/docs/', { querystring: 'b=2&a=1&a=3', headers: { Cookie: 'id=abc; theme=dark', 'Accept-Language': 'de' } }) });
    expect(out.result.uri).toBe('/docs/index.html');
    await same(njs, REWRITE, { event: get('/app.js') });
  });

  test('a generated redirect is the same response in both engines', async () => {
    const out = await same(njs, REDIRECT, { event: get('/shop', { headers: { 'CloudFront-Viewer-Country': 'DE' } }) });
    expect(out.result).toMatchObject({ statusCode: 302, headers: { location: { value: 'https://example.de/shop' } } });
    await same(njs, REDIRECT, { event: get('/shop', { headers: { 'CloudFront-Viewer-Country': 'FR' } }) });
  });

  test('key value store reads (exists, json, a missing key caught) and cf.updateRequestOrigin agree', async () => {
    const kvs = { 'origin:DE': '{"domainName":"eu.example.com","path":"/v2"}', banner: 'winter sale' };
    const routed = await same(njs, KVS_ROUTER, { event: get('/api/x', { headers: { 'CloudFront-Viewer-Country': 'DE' } }), kvs });
    expect(routed.originChange).toEqual({ kind: 'update', params: { domainName: 'eu.example.com', originPath: '/v2' } });
    expect(routed.result.headers['x-banner']).toEqual({ value: 'winter sale' });
    const plain = await same(njs, KVS_ROUTER, { event: get('/api/x', { headers: { 'CloudFront-Viewer-Country': 'FR' } }), kvs: { 'origin:DE': kvs['origin:DE'] } });
    expect(plain.originChange).toBeUndefined();
    expect(plain.result.headers['x-banner']).toEqual({ value: 'none' });
  });

  test('a malformed JSON value in the store fails the function the same way in both engines', async () => {
    const out = await same(njs, KVS_ROUTER, { event: get('/api/x', { headers: { 'CloudFront-Viewer-Country': 'DE' } }), kvs: { 'origin:DE': '{not json' } });
    expect(out.error).toMatch(/^SyntaxError/);
  });

  test('a viewer-response function changes headers and cookies (attributes, multiValue) alike', async () => {
    const event = viewerResponseEvent(
      { uri: '/docs/a', headers: { Cookie: 'theme=light' } },
      { headers: { 'Content-Type': 'text/html', 'X-Internal': 'secret', 'Set-Cookie': ['a=1; Path=/', 'b=2; Secure'] } },
    );
    const out = await same(njs, STAMP, { event });
    const res = out.result;
    expect(res.headers['x-internal']).toBeUndefined();
    expect(res.cookies.seen).toEqual({ value: '1', attributes: 'Path=/; Max-Age=60; Secure' });
  });

  test('crypto hashes and HMACs (hex, base64, base64url, Buffer digests) and querystring agree', async () => {
    const out = await same(njs, CRYPTO, { event: get('/p/ünïcode') });
    expect(out.result.headers['x-sha1'].value).toMatch(/^[0-9a-f]{40}$/);
  });

  test('Math.random and Date.now are the same in both engines (seeded), so a new viewer id is too; console.log lines agree', async () => {
    const a = await same(njs, VIEWER_ID, { event: get('/') });
    expect(a.result.headers['x-new-viewer'].value).toMatch(/^[0-9a-f]{16}$/);
    expect(a.logs).toEqual(['viewer new']);
    await same(njs, VIEWER_ID, { event: get('/', { headers: { Cookie: 'vid=v1' } }) });
  });

  test('a thrown error and a rejected promise are the same failure in both engines', async () => {
    expect((await same(njs, THROWS, { event: get('/boom') })).error).toBe('Error: boom at /boom');
    await same(njs, THROWS, { event: get('/fine') });
    expect((await same(njs, REJECTS, { event: get('/r') })).error).toBe('TypeError: rejected /r');
    expect(comparable({ error: 'TypeError: rejected /r' })).toEqual({ error: 'TypeError: (message worded by the engine)' });
  });

  test('the harness tells the engines apart: a result that depends on the engine differs', async () => {
    const engine = fn('Engine', `function handler(event) { return { statusCode: 200, statusDescription: 'OK', headers: { 'x-replace-all': { value: typeof ''.replaceAll } } }; }`);
    const a = await runInNjs(njs, engine, { event: get('/') });
    const b = runInSandbox(engine, { event: get('/') });
    expect(a).not.toEqual(b);
  });

  test('known difference: query parameters with integer-like names keep the viewer\'s order in njs; the local sandbox (V8) moves them first', async () => {
    // V8 enumerates integer-like keys first, in ascending order, whatever the insertion order; njs
    // keeps insertion order. A function returning the request unchanged sends \`b=1&2=x&a=3\` on in
    // njs and \`2=x&b=1&a=3\` from the local edge: the same values, another cache key and origin URL.
    // (The local edge's own event builder, requestToFunction, makes the same V8 object first.)
    const event = get('/list');
    const eventJson = JSON.stringify(event).replace('"querystring":{}', '"querystring":{"b":{"value":"1"},"2":{"value":"x"},"a":{"value":"3"}}');
    const c = { event, eventJson };
    const a = await runInNjs(njs, REWRITE, c);
    const b = runInSandbox(REWRITE, c);
    expect(a.result).toEqual(b.result);
    expect(a.queryOrder).toEqual(['b', '2', 'a']);
    expect(b.queryOrder).toEqual(['2', 'b', 'a']);
    expect(comparable(a)).not.toEqual(comparable(b));
  });

  test('known difference: njs 0.7.9 enumerates an object of 11 or more keys in hash order, not in the order the keys were added', async () => {
    // The language (ES 2015+) orders string keys by creation; V8 does, njs 0.7.9 does up to 10 keys.
    // A function that builds or passes on a query string of 11 or more names sends it on in another
    // order in njs than in the local edge: whether CloudFront's runtime does as njs is not known here.
    const build = fn('Build', `function handler(event) { var r = event.request; r.querystring = {}; 'abcdefghijkl'.split('').forEach(function (k) { r.querystring[k] = { value: '1' }; }); return r; }`);
    const c = { event: get('/') };
    const a = await runInNjs(njs, build, c);
    const b = runInSandbox(build, c);
    expect(b.queryOrder).toEqual('abcdefghijkl'.split(''));
    expect(a.queryOrder).not.toEqual(b.queryOrder);
    expect([...a.queryOrder!].sort()).toEqual(b.queryOrder);
    const ten = fn('Ten', build.code.replace("'abcdefghijkl'", "'abcdefghij'"));
    expect((await runInNjs(njs, ten, c)).queryOrder).toEqual('abcdefghij'.split(''));
  });

  test('known difference, not compared: njs puts a deleted and re-added key back in its old place, V8 (as ES 2015+ says) at the end', async () => {
    // Only the order of header names changes, which HTTP does not care about; comparable() leaves
    // \`json\` out for this. Generated functions do this when they restore Cache-Control.
    const readd = fn('Readd', `function handler(event) { var r = event.response; var cc = r.headers['cache-control']; delete r.headers['cache-control']; r.headers['cache-control'] = cc; return r; }`, 'viewer-response');
    const c = { event: viewerResponseEvent({ uri: '/' }, { headers: { 'Cache-Control': 'max-age=60', 'Content-Type': 'text/plain' } }) };
    const a = await runInNjs(njs, readd, c);
    const b = runInSandbox(readd, c);
    expect(Object.keys(JSON.parse(a.json!).headers)).toEqual(['cache-control', 'content-type']);
    expect(Object.keys(JSON.parse(b.json!).headers)).toEqual(['content-type', 'cache-control']);
    expect(comparable(a)).toEqual(comparable(b));
  });

  test('njs refuses code outside the runtime language when it loads it, with the line, as CloudFront does at request time', async () => {
    const forOf = fn('ForOf', `function handler(event) {\n  var n = 0;\n  for (const k of Object.keys(event.request.headers)) n++;\n  return event.request;\n}`);
    expect((await runInNjs(njs, forOf, { event: get('/') })).error).toBe('SyntaxError: Token "of" not supported in this version in ForOf:3');
    const destructuring = fn('Destructuring', `function handler(event) { const { request } = event; return request; }`);
    expect((await runInNjs(njs, destructuring, { event: get('/') })).error).toMatch(/^SyntaxError: Token "request" not supported in this version in Destructuring:1/);
    const optionalCatch = fn('OptionalCatch', `function handler(event) { try { JSON.parse('x'); } catch { } return event.request; }`);
    expect((await runInNjs(njs, optionalCatch, { event: get('/') })).error).toMatch(/^SyntaxError: Token "\{" not supported in this version/);
    const map = fn('UsesMap', `function handler(event) { var m = new Map(); m.set('a', 1); return event.request; }`);
    expect((await runInNjs(njs, map, { event: get('/') })).error).toBe('ReferenceError: "Map" is not defined');
  });
});

/**
 * Built-ins the runtime documents ("JavaScript runtime 2.0 features") that njs 0.7.9 lacks. A
 * function using one cannot be compared in njs as it is: the comparison below injects a polyfill into
 * the njs driver only, and says so.
 */
const DOCUMENTED_BUILTINS = [
  'Object.assign', 'Object.entries', 'Object.values', 'Array.isArray', 'Array.of',
  'Array.prototype.find', 'Array.prototype.findIndex', 'Array.prototype.includes', 'Array.prototype.fill', 'Array.prototype.copyWithin',
  'String.fromCodePoint', 'String.prototype.codePointAt', 'String.prototype.includes', 'String.prototype.startsWith', 'String.prototype.endsWith',
  'String.prototype.repeat', 'String.prototype.padStart', 'String.prototype.padEnd', 'String.prototype.trimStart', 'String.prototype.trimEnd',
  'String.prototype.replaceAll',
  'Number.isInteger', 'Number.isSafeInteger', 'Number.isNaN', 'Number.isFinite', 'Number.parseInt', 'Number.parseFloat', 'Number.EPSILON',
  'Math.trunc', 'Math.sign', 'Math.imul', 'Math.log2', 'Math.clz32',
  'Promise.all', 'Promise.race', 'Promise.resolve', 'Promise.reject', 'Promise.prototype.finally',
  'Symbol', 'JSON.parse', 'JSON.stringify', 'TextEncoder', 'TextDecoder', 'ArrayBuffer', 'Uint8Array', 'Float64Array', 'globalThis', 'Buffer.from',
];
/** What njs 0.7.9 lacks of that list: the runtime documents it, so a function may use it. */
const NJS_GAPS = ['String.prototype.replaceAll'];

/** Injected before a function's code in the njs driver only: `replaceAll` with a string pattern, as ES 2021 defines it. */
const REPLACE_ALL_POLYFILL = `if (!String.prototype.replaceAll) String.prototype.replaceAll = function (s, r) { return this.split(s).join(r); };`;

describeWithTool('njs', 'built-ins the runtime documents that njs lacks', (njs) => {
  test(`njs 0.7.9 lacks exactly ${NJS_GAPS.join(', ')} of the documented built-ins probed here`, () => {
    const probe = `var names = ${JSON.stringify(DOCUMENTED_BUILTINS)}; var missing = [];
for (var i = 0; i < names.length; i++) { var v = globalThis, p = names[i].split('.');
  for (var j = 0; j < p.length && v !== undefined; j++) v = v[p[j]];
  if (v === undefined) missing.push(names[i]); }
console.log(JSON.stringify(missing));`;
    expect(JSON.parse(execFileSync(njs, ['-c', probe], { encoding: 'utf8' }))).toEqual(NJS_GAPS);
  });

  test('String.prototype.replaceAll (documented, missing in njs 0.7.9): compared with a polyfill injected into the njs driver only', async () => {
    const f = fn('ReplaceAll', `function handler(event) { event.request.uri = event.request.uri.replaceAll('//', '/'); return event.request; }`);
    const c = { event: get('/a//b//c') };
    // As written, njs fails where the runtime would not: the gap, not a bug of the function.
    expect((await runInNjs(njs, f, c)).error).toMatch(/^TypeError: .*replaceAll.* is not a function/);
    const polyfilled = await runInNjs(njs, { ...f, code: `${REPLACE_ALL_POLYFILL}\n${f.code}` }, c);
    expect(polyfilled).toEqual(runInSandbox(f, c));
    expect(polyfilled.result.uri).toBe('/a/b/c');
  });

  test('njs 0.7.9 prints some 17-digit numbers differently from V8 (both read back to the same number); the seeded Math.random draws six decimals for this', () => {
    const out = execFileSync(njs, ['-c', 'var x = 0.1 + 0.2; console.log(String(x) + " " + (Number(String(x)) === x))'], { encoding: 'utf8' }).trim();
    expect(out).toBe('0.30000000000000007 true');
    expect(String(0.1 + 0.2)).toBe('0.30000000000000004');
  });

  test('njs 0.7.9 cuts a console.log call at 2048 bytes; the driver sends its outcome in short ASCII lines, so a large result comes back whole', async () => {
    const out = execFileSync(njs, ['-c', 'var s = "x"; while (s.length < 3000) s += s; console.log(s)'], { encoding: 'utf8' });
    expect(out.trimEnd().length).toBe(2048);
    const big = fn('Big', `function handler(event) { var b = ''; while (b.length < 6000) b += 'Grüße, 世界 ' + b.length + ' '; return { statusCode: 200, statusDescription: 'OK', headers: {}, body: b }; }`);
    const a = await same(njs, big, { event: get('/') });
    expect(a.result.body.length).toBeGreaterThan(6000);
  });

  test('the driver runs the function\'s code as written, its import of the cloudfront module included', () => {
    const driver = njsDriver(KVS_ROUTER.code, { event: get('/') });
    expect(driver.startsWith(`${KVS_ROUTER.code}\n`)).toBe(true);
  });
});
