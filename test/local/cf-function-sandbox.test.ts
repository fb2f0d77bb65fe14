import * as nodeCrypto from 'crypto';
import { FunctionCodeError, FunctionFailure, FunctionSandbox } from '../../tools/local/cf-function';
import { functionEvent, requestFromFunction, requestToFunction, responseFromFunction, responseToFunction } from '../../tools/local/cf-function-event';
import type { EdgeRequest, EdgeResponse } from '../../tools/local/http-types';
import { LocalKeyValueStore } from '../../tools/local/kvs';
import type { CloudFrontFunctionModel } from '../../tools/local/model';

/** CloudFront Functions in the local sandbox, on the Developer Guide's event examples. */

const ctx = { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', requestId: 'req-1' };

function fn(code: string, eventType: 'viewer-request' | 'viewer-response' = 'viewer-request', extra: Partial<CloudFrontFunctionModel> = {}): CloudFrontFunctionModel {
  return { eventType, name: 'TestFn', runtime: 'cloudfront-js-2.0', code, keyValueStores: [], ...extra };
}

function viewerRequest(uri: string, querystring = '', headers: Record<string, string> = {}): EdgeRequest {
  const h: EdgeRequest['headers'] = { host: [{ key: 'Host', value: 'www.example.com' }] };
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = [{ key: k, value: v }];
  return { method: 'GET', uri, querystring, headers: h, clientIp: '198.51.100.11', body: Buffer.alloc(0) };
}

const store = new LocalKeyValueStore({
  logicalId: 'Store',
  name: 'routes',
  id: '0a1b2c3d-0000-0000-0000-000000000000',
  arn: 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-0000-0000-0000-000000000000',
  data: [
    { key: 'greeting', value: 'hello' },
    { key: 'config', value: '{"weight":30}' },
  ],
  source: 'test',
});

function run(model: CloudFrontFunctionModel, req: EdgeRequest, res?: EdgeResponse) {
  const sandbox = new FunctionSandbox(model, { stores: new Map([['Store', store]]), originIds: new Set(['api', 'eu']) });
  const event = functionEvent(model.eventType, ctx, req.clientIp, requestToFunction(req), res ? responseToFunction(res) : undefined);
  return sandbox.invoke(event);
}

function failure(f: () => unknown): FunctionFailure {
  try {
    f();
  } catch (e) {
    if (e instanceof FunctionFailure) return e;
    throw e;
  }
  throw new Error('expected a FunctionFailure');
}

describe('event shape', () => {
  it('gives the request with querystring, headers and cookies as name -> { value, multiValue }', () => {
    const model = fn('function handler(event) { return { statusCode: 200, body: JSON.stringify(event) }; }');
    const req = viewerRequest('/a', 'x=1&y=2&x=3', { Cookie: 'id=abc; theme=dark', 'User-Agent': 'curl' });
    const inv = run(model, req);
    const event = JSON.parse((inv.result as { body: string }).body);
    expect(event.version).toBe('1.0');
    expect(event.context).toEqual({ ...ctx, eventType: 'viewer-request' });
    expect(event.viewer).toEqual({ ip: '198.51.100.11' });
    expect(event.request.querystring).toEqual({ x: { value: '1', multiValue: [{ value: '1' }, { value: '3' }] }, y: { value: '2' } });
    expect(event.request.cookies).toEqual({ id: { value: 'abc' }, theme: { value: 'dark' } });
    expect(event.request.headers['user-agent']).toEqual({ value: 'curl' });
    expect(event.request.headers.cookie).toBeUndefined();
  });
});

describe('documented examples', () => {
  it('adds index.html to URLs without a file name (URI rewrite)', () => {
    const model = fn(`function handler(event) {
      var request = event.request; var uri = request.uri;
      if (uri.endsWith('/')) { request.uri += 'index.html'; } else if (!uri.includes('.')) { request.uri += '/index.html'; }
      return request; }`);
    const req = viewerRequest('/docs/');
    expect(requestFromFunction(model, run(model, req).result, req).uri).toBe('/docs/index.html');
    const req2 = viewerRequest('/docs');
    expect(requestFromFunction(model, run(model, req2).result, req2).uri).toBe('/docs/index.html');
  });

  it('generates a redirect response', () => {
    const model = fn(`function handler(event) {
      return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://example.org' + event.request.uri } } }; }`);
    const res = responseFromFunction(model, run(model, viewerRequest('/old')).result);
    expect(res.status).toBe(302);
    expect(res.headers.location[0].value).toBe('https://example.org/old');
  });

  it('adds a security header and a cookie on viewer response', () => {
    const model = fn(
      `function handler(event) { var r = event.response;
        r.headers['strict-transport-security'] = { value: 'max-age=63072000' };
        r.cookies['seen'] = { value: '1', attributes: 'Path=/; Secure' };
        return r; }`,
      'viewer-response',
    );
    const req = viewerRequest('/');
    const res: EdgeResponse = { status: 200, statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/html' }] }, body: Buffer.from('hi') };
    const out = responseFromFunction(model, run(model, req, res).result, res);
    expect(out.headers['strict-transport-security'][0].value).toBe('max-age=63072000');
    expect(out.headers['set-cookie'][0].value).toBe('seen=1; Path=/; Secure');
    expect(out.body.toString()).toBe('hi');
  });
});

describe('cloudfront-js-2.0 modules', () => {
  it('reads the associated key value store with get (string, json), exists and meta', () => {
    const model = fn(
      `import cf from 'cloudfront';
      const kvs = cf.kvs();
      async function handler(event) {
        const g = await kvs.get('greeting');
        const c = await kvs.get('config', { format: 'json' });
        const e = await kvs.exists('nope');
        const m = await kvs.meta();
        let missing = 'no error';
        try { await kvs.get('nope'); } catch (err) { missing = 'rejected'; }
        return { statusCode: 200, body: [g, c.weight, e, m.keyCount, missing].join(',') };
      }`,
      'viewer-request',
      { keyValueStores: ['Store'] },
    );
    expect((run(model, viewerRequest('/')).result as { body: string }).body).toBe('hello,30,false,2,rejected');
  });

  it('records updateRequestOrigin and selectRequestOriginById', () => {
    const update = fn(`import cf from 'cloudfront'; function handler(event) { cf.updateRequestOrigin({ domainName: 'eu.example.com' }); return event.request; }`);
    expect(run(update, viewerRequest('/')).originChange).toEqual({ kind: 'update', params: { domainName: 'eu.example.com' } });
    const select = fn(`import cf from 'cloudfront'; function handler(event) { cf.selectRequestOriginById('eu'); return event.request; }`);
    expect(run(select, viewerRequest('/')).originChange).toEqual({ kind: 'select', originId: 'eu' });
    const unknown = fn(`import cf from 'cloudfront'; function handler(event) { cf.selectRequestOriginById('nowhere'); return event.request; }`);
    expect(failure(() => run(unknown, viewerRequest('/'))).message).toMatch(/'nowhere' is not an origin of the distribution; origins: api, eu/);
  });

  it('hashes with md5, sha1 and sha256 and HMACs; digest() without encoding is a Buffer', () => {
    const model = fn(`import crypto from 'crypto';
      function handler(event) {
        var h = crypto.createHash('sha256').update('abc').digest('hex');
        var m = crypto.createHmac('sha1', 'key').update('abc').digest('base64');
        var b = crypto.createHash('md5').update('abc').digest();
        return { statusCode: 200, body: [h.slice(0, 8), m, Buffer.isBuffer(b), b.length].join(',') };
      }`);
    const hmac = nodeCrypto.createHmac('sha1', 'key').update('abc').digest('base64');
    expect((run(model, viewerRequest('/')).result as { body: string }).body).toBe(`ba7816bf,${hmac},true,16`);
  });
});

describe('a function that breaks the runtime rules fails as on CloudFront', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['eval', `function handler(e) { return eval('e.request'); }`, 'FunctionExecutionError', /EvalError/],
    ['the Function constructor', `function handler(e) { return new Function('return 1')(); }`, 'FunctionExecutionError', /EvalError/],
    ['timers', `function handler(e) { setTimeout(function () {}, 1); return e.request; }`, 'FunctionExecutionError', /setTimeout is not defined/],
    ['process', `function handler(e) { return process.env; }`, 'FunctionExecutionError', /process is not defined/],
    ['the network', `async function handler(e) { await fetch('http://127.0.0.1/'); return e.request; }`, 'FunctionExecutionError', /fetch is not defined/],
    ['fs', `import fs from 'fs'; function handler(e) { return e.request; }`, 'FunctionExecutionError', /Cannot find module 'fs'/],
    ['RSA verification', `import crypto from 'crypto'; function handler(e) { crypto.createVerify('RSA-SHA256'); return e.request; }`, 'FunctionExecutionError', /createVerify is not a function/],
    ['a promise that waits forever', `async function handler(e) { await new Promise(function () {}); return e.request; }`, 'FunctionExecutionError', /never settled/],
    ['a loop that never ends', `function handler(e) { for (;;) {} }`, 'FunctionThrottledError', /was stopped/],
    ['a thrown error', `function handler(e) { throw new Error('boom'); }`, 'FunctionExecutionError', /boom/],
  ];
  it.each(cases)('%s', (_name, code, kind, message) => {
    const f = failure(() => run(fn(code), viewerRequest('/')));
    expect(f.kind).toBe(kind);
    expect(f.status).toBe(503);
    expect(f.message).toMatch(message);
  });

  it('answers 502 for a result CloudFront cannot use', () => {
    const cases = [
      ['function handler(e) { return "nope"; }', /must return the request or a response object/],
      ["function handler(e) { e.request.uri = 'no-slash'; return e.request; }", /request.uri must be a string starting with '\/'/],
      ["function handler(e) { e.request.headers['x-amz-cf-id'] = { value: 'x' }; return e.request; }", /x-amz-cf-id' may not be added/],
      ["function handler(e) { e.request.headers['host'] = { value: 'evil' }; return e.request; }", /'host' is read-only/],
      ["function handler(e) { e.request.method = 'POST'; return e.request; }", /request.method cannot be changed/],
      ["function handler(e) { e.request.headers['x-a'] = 'plain'; return e.request; }", /must be { value }, got: "plain"/],
    ] as const;
    for (const [code, message] of cases) {
      const model = fn(code);
      const req = viewerRequest('/');
      const f = failure(() => requestFromFunction(model, run(model, req).result, req));
      expect(f.kind).toBe('FunctionValidationError');
      expect(f.status).toBe(502);
      expect(f.message).toMatch(message);
    }
  });

  it('refuses code over 10 KB, naming the size, as CloudFront refuses to create it', () => {
    const big = `function handler(e) { return e.request; }\n// ${'x'.repeat(10 * 1024)}`;
    expect(() => new FunctionSandbox(fn(big))).toThrow(FunctionCodeError);
    expect(() => new FunctionSandbox(fn(big))).toThrow(/FunctionCode is 10285 bytes; the limit is 10240 bytes/);
  });

  it('refuses code that does not compile', () => {
    expect(() => new FunctionSandbox(fn('function handler(e) { return e.request; '))).toThrow(/does not compile/);
  });

  it('has no cloudfront or buffer module in cloudfront-js-1.0', () => {
    const f = failure(() => run(fn(`var cf = require('cloudfront'); function handler(e) { return e.request; }`, 'viewer-request', { runtime: 'cloudfront-js-1.0' }), viewerRequest('/')));
    expect(f.message).toMatch(/cloudfront-js-1.0 has the modules crypto, querystring only/);
  });
});

describe("the runtime's language and built-ins", () => {
  /** What `typeof <expr>` is inside the sandbox, through a function that reads it dynamically (no static reference to report). */
  function typeOf(expr: string): string {
    const path = expr.split('.');
    const code = `function handler(e) { var v = globalThis; var p = ${JSON.stringify(path)}; for (var i = 0; i < p.length && v !== undefined; i++) v = v[p[i]]; e.request.headers['x-type'] = { value: typeof v }; return e.request; }`;
    return (run(fn(code), viewerRequest('/')).result as { request?: unknown; headers: Record<string, { value: string }> }).headers['x-type'].value;
  }

  it.each(['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Reflect', 'Proxy', 'Intl', 'BigInt', 'SharedArrayBuffer', 'WebAssembly', 'Array.from', 'Object.fromEntries', 'Object.hasOwn', 'Array.prototype.flat', 'Array.prototype.at', 'String.prototype.matchAll', 'require'])(
    'has no %s',
    (expr) => {
      expect(typeOf(expr)).toBe('undefined');
    },
  );

  it.each(['Object.assign', 'Object.entries', 'Object.values', 'Array.of', 'Array.isArray', 'String.prototype.padStart', 'String.prototype.replaceAll', 'Number.isInteger', 'Promise', 'Symbol', 'TextEncoder', 'TextDecoder', 'Buffer', 'Uint8Array', 'JSON.parse', 'Math.trunc', 'Date.now', 'encodeURIComponent', 'InternalError', 'MemoryError'])(
    'has %s, which the page lists',
    (expr) => {
      expect(typeOf(expr)).not.toBe('undefined');
    },
  );

  it('a request that reaches a missing built-in fails as on CloudFront: 503 FunctionExecutionError', () => {
    const f = failure(() => run(fn('function handler(e) { var m = new Map(); return e.request; }'), viewerRequest('/')));
    expect([f.kind, f.status]).toEqual(['FunctionExecutionError', 503]);
    expect(f.message).toMatch(/ReferenceError: Map is not defined/);
  });

  it('code with a construct outside the language fails every invocation, naming the construct and its line', () => {
    const sandbox = new FunctionSandbox(fn('function handler(e) {\n  var h = e.request.headers;\n  for (const k of Object.keys(h)) h[k];\n  return e.request;\n}'));
    expect(sandbox.languageFindings.map((x) => [x.feature, x.line])).toEqual([['for...of', 3]]);
    for (let i = 0; i < 2; i++) {
      const f = failure(() => sandbox.invoke(functionEvent('viewer-request', ctx, '198.51.100.11', requestToFunction(viewerRequest('/')))));
      expect([f.kind, f.status]).toEqual(['FunctionExecutionError', 503]);
      expect(f.message).toMatch(/SyntaxError: for\.\.\.of is not supported in cloudfront-js-2\.0 \(line 3, column 3/);
    }
  });

  it('console.log logs its one argument', () => {
    const inv = run(fn("function handler(e) { console.log('first', 'second'); console.log({ a: 1 }); return e.request; }"), viewerRequest('/'));
    expect(inv.logs).toEqual(['first', '{"a":1}']);
  });
});

describe('strict mode ("Functions operate in strict mode by default")', () => {
  it('an assignment to an undeclared name throws: 503 FunctionExecutionError', () => {
    const f = failure(() => run(fn('function handler(e) { leaked = 1; return e.request; }'), viewerRequest('/')));
    expect([f.kind, f.status]).toEqual(['FunctionExecutionError', 503]);
    expect(f.message).toMatch(/ReferenceError: leaked is not defined/);
  });

  it('this is undefined in a plain call', () => {
    const inv = run(fn("function who() { return typeof this; }\nfunction handler(e) { e.request.headers['x-this'] = { value: who() }; return e.request; }"), viewerRequest('/'));
    expect((inv.result as { headers: Record<string, { value: string }> }).headers['x-this'].value).toBe('undefined');
  });
});
