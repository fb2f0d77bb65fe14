import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { FunctionFailure, FunctionSandbox } from '../../tools/local/cf-function';
import { type FnEventContext, functionEvent, requestToFunction, responseToFunction } from '../../tools/local/cf-function-event';
import type { CfHeaders } from '../../tools/local/http-types';
import { LocalKeyValueStore } from '../../tools/local/kvs';
import type { CloudFrontFunctionModel } from '../../tools/local/model';

/**
 * One CloudFront Function run by two engines on the same event and the same stub state: njs
 * (nginx's JavaScript engine, whose language is close to the cloudfront-js-2.0 runtime's) and the
 * local edge's sandbox (tools/local/cf-function.ts, node:vm). What each returns is put in one shape,
 * `EngineOutcome`, so a test can require them to be equal.
 *
 * Both engines run the same code: the function's `FunctionCode`, then `DETERMINISM` (a seeded
 * `Math.random` and a fixed `Date.now`, so a new viewer's random id is the same in both; in the
 * sandbox it runs in the function's context, outside the code whose size and language it checks),
 * then, in njs only, the call of `handler(event)`. In njs the `cloudfront` module is `CLOUDFRONT_STUB`, a file
 * named `cloudfront` beside the driver, where njs looks for `import cf from 'cloudfront'` first: the
 * function's code runs as the template holds it, byte for byte.
 */

export type FunctionEvent = ReturnType<typeof functionEvent>;

export interface EngineCase {
  readonly event: FunctionEvent;
  /**
   * The event as JSON text, when its key order matters: njs reads it as written, while any object
   * built in node (and the sandbox) puts integer-like keys first. @default - JSON.stringify(event)
   */
  readonly eventJson?: string;
  /** What the function's key value store holds (key -> value), read through `cf.kvs()`. @default - empty */
  readonly kvs?: Readonly<Record<string, string>>;
  /** Origin ids of the distribution, which `cf.selectRequestOriginById()` may name. @default - none */
  readonly originIds?: readonly string[];
}

export interface EngineOutcome {
  /** What the handler returned (or its promise resolved to), read back from `json`; absent when nothing. */
  readonly result?: any;
  /**
   * `JSON.stringify(result)` as the engine itself writes it, key order and number format included.
   * Not compared (see `comparable`): njs and V8 order some keys differently where HTTP does not care.
   */
  readonly json?: string;
  /**
   * The names of a returned request's query parameters in the order of the engine's object: the
   * order CloudFront sends them to the origin in and keys its cache on, so this order is compared.
   */
  readonly queryOrder?: readonly string[];
  /** What `cf.updateRequestOrigin()` (or `selectRequestOriginById`, `createRequestOriginGroup`) asked for. */
  readonly originChange?: unknown;
  /** The function's `console.log` lines. */
  readonly logs?: readonly string[];
  /** What the handler threw or its promise rejected with (`Error: message`); or why the code did not run. */
  readonly error?: string;
}

/** Appended to the function's code in both engines: random draws and the clock, the same in each. */
export const DETERMINISM = [
  // Park-Miller "minimal standard" generator: every product stays below 2^53, so both engines compute
  // the same draws; each draw has six decimals, so both engines print it alike (njs 0.7.9 prints some
  // 17-digit doubles differently from V8: String(0.1 + 0.2) is 0.30000000000000007 there).
  'var __njsSeed = 20261206;',
  'Math.random = function () { __njsSeed = (__njsSeed * 48271) % 2147483647; return (__njsSeed % 1000000) / 1000000; };',
  'Date.now = function () { return 1767225600000; };',
].join('\n');

/** The `cloudfront` module for njs, as "Helper methods for key value stores" and "Helper methods for origin modification" describe it. */
export const CLOUDFRONT_STUB = `// cloudfront-js-2.0's 'cloudfront' module, stubbed: reads come from globalThis.__cfStub.kvs and
// origin changes are recorded in globalThis.__cfStub.originChange (set by the driver).
function state() { return globalThis.__cfStub; }
function has(key) { return Object.prototype.hasOwnProperty.call(state().kvs, key); }
function copy(v) { return v === undefined ? null : JSON.parse(JSON.stringify(v)); }
function kvs() {
  return {
    get: function (key, options) {
      var format = (options && options.format) || 'string';
      if (!has(String(key))) return Promise.reject(new Error('KeyValueStore: key not found: ' + key));
      var value = state().kvs[String(key)];
      if (format === 'json') { try { return Promise.resolve(JSON.parse(value)); } catch (e) { return Promise.reject(e); } }
      if (format === 'bytes') return Promise.resolve(Buffer.from(value));
      if (format !== 'string') return Promise.reject(new Error('KeyValueStore get: unknown format ' + format));
      return Promise.resolve(value);
    },
    exists: function (key) { return Promise.resolve(has(String(key))); }
  };
}
function updateRequestOrigin(params) { state().originChange = { kind: 'update', params: copy(params) }; }
function selectRequestOriginById(id) { state().originChange = { kind: 'select', originId: id }; }
function createRequestOriginGroup(p) {
  state().originChange = { kind: 'group', originIds: copy(p.originIds), failoverStatusCodes: copy((p.failoverCriteria && p.failoverCriteria.statusCodes) || []) };
}
export default { kvs: kvs, updateRequestOrigin: updateRequestOrigin, selectRequestOriginById: selectRequestOriginById, createRequestOriginGroup: createRequestOriginGroup };
`;

/** Marks the driver's output lines among the function's own console.log lines. */
const MARK = '@@njs-outcome@@ ';

/** The njs script for one case: the function, the stub state, DETERMINISM, the call. */
export function njsDriver(code: string, c: EngineCase): string {
  return [
    code,
    ';',
    `globalThis.__cfStub = { kvs: ${JSON.stringify(c.kvs ?? {})} };`,
    DETERMINISM,
    `(function () {
  var event = ${c.eventJson ?? JSON.stringify(c.event)};
  // njs 0.7.9 cuts a console.log call at 2048 bytes: the outcome goes out as ASCII in short lines.
  function report(o) {
    o.originChange = globalThis.__cfStub.originChange;
    var text = JSON.stringify(o).replace(/[\\u0080-\\uffff]/g, function (c) { return '\\\\u' + ('0000' + c.charCodeAt(0).toString(16)).slice(-4); });
    for (var i = 0; i < text.length; i += 1000) console.log(${JSON.stringify(MARK)} + text.slice(i, i + 1000));
  }
  function settle(v) {
    var o = v === undefined ? {} : { json: JSON.stringify(v) };
    if (v && v.querystring && typeof v.querystring === 'object') o.queryOrder = Object.keys(v.querystring);
    report(o);
  }
  function fail(e) { report({ error: String(e) }); }
  var r;
  try { r = handler(event); } catch (e) { fail(e); return; }
  if (r && typeof r.then === 'function') r.then(settle, fail); else settle(r);
})();`,
  ].join('\n');
}

/** The function run by njs (`bin`) on the case's event; a load or syntax error is an `error` naming the line. */
export function runInNjs(bin: string, fn: Pick<CloudFrontFunctionModel, 'name' | 'code'>, c: EngineCase): Promise<EngineOutcome> {
  // njs looks for a module beside the script first: the stub goes in the script's own folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-njs-'));
  const file = path.join(dir, `${fn.name}.js`);
  fs.writeFileSync(path.join(dir, 'cloudfront'), CLOUDFRONT_STUB);
  fs.writeFileSync(file, njsDriver(fn.code, c));
  return new Promise((resolve, reject) => {
    execFile(bin, [file], { timeout: 20000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (err && (err as { killed?: boolean }).killed) return reject(new Error(`njs did not finish ${fn.name} within 20 s`));
      const lines = stdout.split('\n').filter((l) => l !== '');
      const parts = lines.filter((l) => l.startsWith(MARK));
      const logs = lines.filter((l) => !l.startsWith(MARK));
      if (parts.length === 0) {
        // njs prints "Thrown:" then the error; the driver's file name stands for the function's.
        const thrown = stderr.replace(/^Thrown:\n/, '').split('\n')[0].split(file).join(fn.name);
        return resolve({ error: thrown || 'the handler returned a promise that never settled' });
      }
      let o: EngineOutcome;
      try {
        o = JSON.parse(parts.map((l) => l.slice(MARK.length)).join(''));
      } catch (e) {
        return reject(new Error(`njs's output for ${fn.name} is not the driver's JSON: ${String(e)}`));
      }
      if (o.error !== undefined) return resolve({ error: o.error, ...(o.originChange !== undefined ? { originChange: o.originChange } : {}) });
      resolve({
        ...(o.json !== undefined ? { result: JSON.parse(o.json), json: o.json } : {}),
        ...(o.queryOrder !== undefined ? { queryOrder: o.queryOrder } : {}),
        ...(o.originChange !== undefined ? { originChange: o.originChange } : {}),
        logs,
      });
    });
  });
}

/** The same case in the local edge's sandbox, the store being the function's associated one. */
export function runInSandbox(fn: CloudFrontFunctionModel, c: EngineCase): EngineOutcome {
  const stores = new Map<string, LocalKeyValueStore>();
  for (const id of fn.keyValueStores) {
    const data = Object.entries(c.kvs ?? {}).map(([key, value]) => ({ key, value }));
    stores.set(id, new LocalKeyValueStore({ logicalId: id, name: id, id, arn: `arn:aws:cloudfront::123456789012:key-value-store/${id}`, data, source: 'test' }));
  }
  let sandbox: FunctionSandbox;
  try {
    // The hard limit is for functions that never end; a loaded test machine must not trip it.
    sandbox = new FunctionSandbox(fn, { stores, originIds: new Set(c.originIds ?? []), hardLimitMs: 20000 });
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  // DETERMINISM runs in the function's own context after its code, as in njs, without becoming part
  // of the code the sandbox checks (a function 100 bytes under CloudFront's 10 KB must stay under it).
  const context = (sandbox as unknown as { context?: vm.Context }).context;
  if (!context || !vm.isContext(context)) throw new Error('FunctionSandbox keeps its vm context elsewhere now: update runInSandbox (test/helpers/njs.ts)');
  vm.runInContext(DETERMINISM, context);
  try {
    const inv = sandbox.invoke(c.eventJson !== undefined ? JSON.parse(c.eventJson) : c.event);
    const out: { result?: unknown; json?: string; queryOrder?: string[]; originChange?: unknown; logs: readonly string[] } = { logs: inv.logs };
    if (inv.result !== undefined) {
      out.result = inv.result;
      out.json = JSON.stringify(inv.result);
      const qs = (inv.result as { querystring?: unknown }).querystring;
      if (qs && typeof qs === 'object') out.queryOrder = Object.keys(qs);
    }
    if (inv.originChange !== undefined) out.originChange = JSON.parse(JSON.stringify(inv.originChange));
    return out;
  } catch (e) {
    if (!(e instanceof FunctionFailure)) throw e;
    const threw = e.message.indexOf(' threw ');
    return { error: threw >= 0 ? e.message.slice(threw + ' threw '.length) : e.message };
  }
}

/**
 * An outcome as the two engines can be held to it: the result as data, the query parameters' order,
 * the origin change and the log lines, but not `json`'s key order, where njs 0.7.9 and V8 differ
 * for objects whose keys were deleted and added again (njs puts a re-added key back in its old place;
 * V8, as ES 2015+ requires, at the end), which only reorders headers. An error the engine itself
 * raised (a JSON.parse failure, a TypeError) is worded by each engine its own way, so only its type
 * is compared; what the function throws itself (`new Error('...')`) keeps its message.
 */
export function comparable(o: EngineOutcome): EngineOutcome {
  o = { ...o };
  delete (o as { json?: string }).json;
  if (o.error === undefined) return o;
  const name = /^([A-Za-z]*Error):/.exec(o.error)?.[1];
  const engineWorded = name !== undefined && name !== 'Error';
  return { ...o, error: engineWorded ? `${name}: (message worded by the engine)` : o.error };
}

const CONTEXT: FnEventContext = { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==' };

export interface ViewerRequestSpec {
  readonly uri: string;
  /** Raw, without `?`. */
  readonly querystring?: string;
  /** Header name -> value; `Cookie` becomes the event's `cookies`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly method?: string;
  readonly ip?: string;
}

function headers(h: Readonly<Record<string, string>> = {}): CfHeaders {
  const out: CfHeaders = { host: [{ key: 'Host', value: 'www.example.com' }] };
  for (const [k, v] of Object.entries(h)) (out[k.toLowerCase()] ??= []).push({ key: k, value: v });
  return out;
}

function edgeRequest(r: ViewerRequestSpec) {
  return { method: r.method ?? 'GET', uri: r.uri, querystring: r.querystring ?? '', headers: headers(r.headers), clientIp: r.ip ?? '198.51.100.7', body: Buffer.alloc(0) };
}

/** A viewer-request event ("CloudFront Functions event structure"), as the local edge builds it. */
export function viewerRequestEvent(r: ViewerRequestSpec): FunctionEvent {
  const req = edgeRequest(r);
  return functionEvent('viewer-request', CONTEXT, req.clientIp, requestToFunction(req));
}

/** A viewer-response event: the request as the viewer-request step left it, and the response. */
export function viewerResponseEvent(r: ViewerRequestSpec, res: { status?: number; headers?: Readonly<Record<string, string | readonly string[]>> }): FunctionEvent {
  const req = edgeRequest(r);
  const h: CfHeaders = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) h[k.toLowerCase()] = (typeof v === 'string' ? [v] : v).map((value) => ({ key: k, value }));
  const response = { status: res.status ?? 200, statusDescription: 'OK', headers: h, body: Buffer.alloc(0) };
  return functionEvent('viewer-response', CONTEXT, req.clientIp, requestToFunction(req), responseToFunction(response));
}
