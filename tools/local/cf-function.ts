import * as nodeCrypto from 'crypto';
import * as nodeQuerystring from 'querystring';
import * as vm from 'vm';
import { CF_GLOBALS_10, CF_GLOBALS_20, CF_STATIC_MEMBERS, CfFeature, type CfLanguageFinding, checkCloudFrontFunctionLanguage } from '../../lib/edge/cf-language';
import type { LocalKeyValueStore } from './kvs';
import type { CloudFrontFunctionModel } from './model';

/**
 * CloudFront Functions as CloudFront runs them: the template's `FunctionCode` in a context of its
 * own with the `cloudfront-js-2.0` globals and modules and none of what the runtime withholds
 * ("JavaScript runtime 2.0 features", "Restrictions on CloudFront Functions"): no `process`, no
 * timers, no network, no `fs`, no `eval` or `Function` constructor (code generation from strings
 * is switched off for the context), `crypto` with hashes and HMAC only, and of the language's own
 * built-ins only those the page lists (no Map, Set, WeakMap, Reflect, Proxy, Array.from,
 * Object.fromEntries...).
 *
 * Before the code runs, lib/edge/cf-language checks it against the runtime's language: code with a
 * construct the runtime does not compile (for...of, destructuring, spread, `catch {}`...) fails
 * every invocation, as CloudFront accepts it at publish and then fails each request with a
 * `FunctionExecutionError` (503).
 *
 * A thrown error or a rejected promise is a `FunctionExecutionError` (503), a result CloudFront
 * cannot use is a `FunctionValidationError` (502), a run past the hard compute limit is a
 * `FunctionThrottledError` (503), as the `x-edge-detailed-result-type` log field names them.
 */

export const FUNCTION_CODE_LIMIT_BYTES = 10 * 1024;
export const SUPPORTED_RUNTIMES = ['cloudfront-js-1.0', 'cloudfront-js-2.0'] as const;
/** Local CPU time one invocation may use before the local edge reports it (compute utilization 100). */
export const DEFAULT_COMPUTE_BUDGET_MS = 1;
/**
 * A run this long (wall clock) is stopped: a loop that never ends must not hang the local edge.
 * It is far above any real function's time so that a loaded machine never stops a healthy one;
 * the compute budget above, in CPU time, is what reports a slow function.
 */
export const DEFAULT_HARD_LIMIT_MS = 2000;

export type FunctionFailureKind = 'FunctionValidationError' | 'FunctionExecutionError' | 'FunctionThrottledError';

export class FunctionFailure extends Error {
  readonly status: 502 | 503;
  constructor(
    readonly kind: FunctionFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'FunctionFailure';
    this.status = kind === 'FunctionValidationError' ? 502 : 503;
  }
}

/** Code CloudFront would refuse to publish (size, runtime, syntax); the message names the fix. */
export class FunctionCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionCodeError';
  }
}

/** What `cf.updateRequestOrigin()`, `cf.selectRequestOriginById()` or `cf.createRequestOriginGroup()` asked for. */
export type OriginChange =
  | { readonly kind: 'select'; readonly originId: string }
  | { readonly kind: 'update'; readonly params: OriginUpdate }
  | { readonly kind: 'group'; readonly originIds: readonly string[]; readonly failoverStatusCodes: readonly number[] };

export interface OriginUpdate {
  readonly domainName?: string;
  readonly originPath?: string;
  readonly customHeaders?: Readonly<Record<string, string>>;
  readonly timeouts?: { readonly readTimeout?: number; readonly connectionTimeout?: number };
  readonly [other: string]: unknown;
}

export interface Invocation {
  /** The function's return value as plain data (JSON round trip), or undefined. */
  readonly result: unknown;
  readonly originChange?: OriginChange;
  readonly logs: readonly string[];
  /** Time the handler took in the sandbox (from its call until its promise settled), in milliseconds. */
  readonly computeMs: number;
  /** `computeMs` against the budget, as CloudFront's ComputeUtilization metric (100 = budget used). */
  readonly utilization: number;
}

export interface SandboxOptions {
  /** Stores by logical id; `cf.kvs(id)` also takes the store's ARN, id or name. */
  readonly stores?: ReadonlyMap<string, LocalKeyValueStore>;
  /** Origin and origin group ids of the distribution, which `selectRequestOriginById` and groups may name. */
  readonly originIds?: ReadonlySet<string>;
  /** @default DEFAULT_COMPUTE_BUDGET_MS */
  readonly budgetMs?: number;
  /** @default DEFAULT_HARD_LIMIT_MS */
  readonly hardLimitMs?: number;
}

const MODULES = ['crypto', 'querystring', 'buffer', 'cloudfront'] as const;
const HASHES = new Set(['md5', 'sha1', 'sha256']);
const DIGEST_ENCODINGS = new Set(['hex', 'base64', 'base64url']);

/** Checks what CloudFront checks when the function is created and published. */
export function checkFunctionCode(fn: CloudFrontFunctionModel): void {
  const bytes = Buffer.byteLength(fn.code, 'utf8');
  if (bytes > FUNCTION_CODE_LIMIT_BYTES) {
    throw new FunctionCodeError(`CloudFront Function ${fn.name}: FunctionCode is ${bytes} bytes; the limit is ${FUNCTION_CODE_LIMIT_BYTES} bytes (10 KB). Move work out of the function or minify it.`);
  }
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(fn.runtime)) {
    throw new FunctionCodeError(`CloudFront Function ${fn.name}: Runtime '${fn.runtime}' is not one of ${SUPPORTED_RUNTIMES.join(', ')}`);
  }
  if (fn.keyValueStores.length > 1) {
    throw new FunctionCodeError(`CloudFront Function ${fn.name}: ${fn.keyValueStores.length} KeyValueStoreAssociations; a function has at most one key value store`);
  }
}

/**
 * `import x from 'm'`, `import * as x from 'm'` and `import { a, b as c } from 'm'` become reads of
 * the runtime's modules; any other `import`/`export` is left for the compiler to reject.
 */
export function rewriteImports(code: string): string {
  const from = `\\s+from\\s*(['"])([^'"]+)['"]\\s*;?`;
  return code
    .replace(new RegExp(`\\bimport\\s+([A-Za-z_$][\\w$]*)${from}`, 'g'), (_m, name: string, _q, mod: string) => `const ${name} = __cfImport(${JSON.stringify(mod)});`)
    .replace(new RegExp(`\\bimport\\s*\\*\\s*as\\s+([A-Za-z_$][\\w$]*)${from}`, 'g'), (_m, name: string, _q, mod: string) => `const ${name} = __cfImport(${JSON.stringify(mod)});`)
    .replace(new RegExp(`\\bimport\\s*\\{([^}]*)\\}${from}`, 'g'), (_m, names: string, _q, mod: string) => {
      const list = names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .map((n) => n.replace(/\s+as\s+/, ': '));
      return `const { ${list.join(', ')} } = __cfImport(${JSON.stringify(mod)});`;
    });
}

function hashObject(make: () => nodeCrypto.Hash | nodeCrypto.Hmac) {
  const h = make();
  const api = {
    update(data: unknown, encoding?: BufferEncoding) {
      if (typeof data === 'string') h.update(data, encoding ?? 'utf8');
      else if (Buffer.isBuffer(data) || data instanceof Uint8Array) h.update(data);
      else throw new TypeError('data must be a string or a Buffer');
      return api;
    },
    digest(encoding?: string) {
      if (encoding === undefined) return h.digest();
      if (!DIGEST_ENCODINGS.has(encoding)) throw new TypeError(`unknown digest encoding '${encoding}'; use hex, base64 or base64url`);
      return h.digest(encoding as nodeCrypto.BinaryToTextEncoding);
    },
  };
  return api;
}

/** `crypto` of cloudfront-js-2.0: createHash and createHmac with md5, sha1 and sha256, nothing else. */
const cryptoModule = Object.freeze({
  createHash(alg: string) {
    if (!HASHES.has(alg)) throw new Error(`crypto.createHash: '${alg}' is not supported; CloudFront Functions offer md5, sha1 and sha256`);
    return hashObject(() => nodeCrypto.createHash(alg));
  },
  createHmac(alg: string, key: string | Buffer) {
    if (!HASHES.has(alg)) throw new Error(`crypto.createHmac: '${alg}' is not supported; CloudFront Functions offer md5, sha1 and sha256`);
    return hashObject(() => nodeCrypto.createHmac(alg, key));
  },
});

const querystringModule = Object.freeze({
  parse: nodeQuerystring.parse,
  decode: nodeQuerystring.decode,
  stringify: nodeQuerystring.stringify,
  encode: nodeQuerystring.encode,
  escape: nodeQuerystring.escape,
  unescape: nodeQuerystring.unescape,
});

/** The `cloudfront` module, written in the context's own realm so its promises settle there. */
const CLOUDFRONT_MODULE = `(function (host) {
  function handle(store) {
    return {
      get: function (key, options) {
        var format = (options && options.format) || 'string';
        return new Promise(function (resolve, reject) {
          var v = host.get(store, String(key));
          if (v === undefined) { reject(new Error('KeyValueStore: key not found: ' + key)); return; }
          if (format === 'json') { try { resolve(JSON.parse(v)); } catch (e) { reject(e); } return; }
          if (format === 'bytes') { resolve(host.bytes(v)); return; }
          if (format !== 'string') { reject(new Error("KeyValueStore get: format must be 'string', 'json' or 'bytes', got: " + format)); return; }
          resolve(v);
        });
      },
      exists: function (key) {
        return new Promise(function (resolve) { resolve(host.get(store, String(key)) !== undefined); });
      },
      meta: function () {
        return new Promise(function (resolve) { resolve(JSON.parse(host.meta(store))); });
      }
    };
  }
  return Object.freeze({
    kvs: function (id) { return handle(host.open(id === undefined ? '' : String(id))); },
    updateRequestOrigin: function (params) { host.origin('update', JSON.stringify(params === undefined ? null : params)); },
    selectRequestOriginById: function (id) { host.origin('select', JSON.stringify(id === undefined ? null : id)); },
    createRequestOriginGroup: function (params) { host.origin('group', JSON.stringify(params === undefined ? null : params)); }
  });
})`;

/** Runs one invocation and leaves its outcome on the context's global, read back as JSON. */
const RUNNER = `(function (handler, eventJson, now) {
  var out = { done: false };
  function end() { out.done = true; out.ms = now() - out.start; }
  function fail(e) { end(); out.error = (e && e.stack) ? String(e.stack) : String(e); }
  try {
    var event = JSON.parse(eventJson);
    out.start = now();
    var r = handler(event);
    if (r && typeof r.then === 'function') {
      r.then(function (v) { end(); out.json = v === undefined ? undefined : JSON.stringify(v); }, fail);
    } else {
      end();
      out.json = r === undefined ? undefined : JSON.stringify(r);
    }
  } catch (e) { fail(e); }
  return out;
})`;

/** Milliseconds, for the runner's own measurement of the handler (passed to it, never a global). */
const now = () => Number(process.hrtime.bigint()) / 1e6;

interface RunOutcome {
  done: boolean;
  json?: string;
  error?: string;
  /** The handler's own time, from its call to its promise settling. */
  ms?: number;
}

interface RunState {
  originChange?: OriginChange;
  logs: string[];
  eventType: string;
}

export class FunctionSandbox {
  private readonly context: vm.Context;
  private readonly run: (handler: unknown, eventJson: string, now: () => number) => RunOutcome;
  private readonly handler: unknown;
  private readonly loadError?: string;
  /** What lib/edge/cf-language found outside the runtime's language (none for a function CloudFront runs). */
  readonly languageFindings: readonly CfLanguageFinding[];
  private state: RunState = { logs: [], eventType: 'viewer-request' };
  private readonly budgetMs: number;
  private readonly call = new vm.Script('__cfRun(__cfHandler, __cfEvent, __cfNow)');
  private readonly hardLimitMs: number;

  constructor(
    readonly fn: CloudFrontFunctionModel,
    private readonly options: SandboxOptions = {},
  ) {
    checkFunctionCode(fn);
    this.budgetMs = options.budgetMs ?? DEFAULT_COMPUTE_BUDGET_MS;
    this.hardLimitMs = options.hardLimitMs ?? DEFAULT_HARD_LIMIT_MS;
    const v2 = fn.runtime === 'cloudfront-js-2.0';
    this.context = vm.createContext(Object.create(null), {
      name: `CloudFront Function ${fn.name}`,
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    // Node gives a fresh context the language's own globals; keep only those the runtime's page lists.
    withholdBuiltins(this.context, v2);
    // console.log takes one value, as the Developer Guide's examples call it; further arguments are not logged.
    const log = (message?: unknown) => {
      this.state.logs.push(typeof message === 'string' ? message : safeJson(message));
    };
    const cloudfront = v2 ? (vm.runInContext(CLOUDFRONT_MODULE, this.context) as (host: unknown) => unknown)(this.hostApi()) : undefined;
    const modules: Record<string, unknown> = { crypto: cryptoModule, querystring: querystringModule };
    if (v2) Object.assign(modules, { buffer: Object.freeze({ Buffer }), cloudfront });
    const load = (name: string) => {
      if (!(name in modules)) {
        const known = MODULES.filter((m) => m in modules).join(', ');
        throw new Error(`Cannot find module '${name}': ${fn.runtime} has the modules ${known} only`);
      }
      return modules[name];
    };
    const g = this.context as Record<string, unknown>;
    g.console = Object.freeze({ log, info: log, warn: log, error: log, debug: log });
    // cloudfront-js-1.0 loads modules with require(); 2.0 with import, which rewriteImports turns into __cfImport.
    if (!v2) g.require = load;
    g.__cfImport = load;
    if (v2) Object.assign(g, { Buffer, TextEncoder, TextDecoder });
    this.run = vm.runInContext(RUNNER, this.context) as typeof this.run;
    this.languageFindings = checkCloudFrontFunctionLanguage(fn.code, fn.runtime);
    const parseError = this.languageFindings.find((f) => f.feature.startsWith(CfFeature.syntaxError));
    if (parseError) throw new FunctionCodeError(`CloudFront Function ${fn.name} does not compile: ${parseError.feature} (line ${parseError.line}, column ${parseError.column})`);
    const unsupported = this.languageFindings.find((f) => f.kind === 'syntax');
    if (unsupported) {
      // CloudFront publishes such code and then fails every request that runs it.
      this.loadError = `SyntaxError: ${unsupported.feature} is not supported in ${fn.runtime} (line ${unsupported.line}, column ${unsupported.column}: ${unsupported.snippet})`;
      return;
    }
    let script: vm.Script;
    try {
      // "Strict mode": functions run in strict mode, and cannot change it (the directive shares line 1).
      script = new vm.Script(`'use strict';${rewriteImports(fn.code)}\n;typeof handler === 'function' ? handler : undefined;`, { filename: `${fn.name}.js` });
    } catch (e) {
      throw new FunctionCodeError(`CloudFront Function ${fn.name} does not compile: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      this.handler = script.runInContext(this.context, { timeout: this.hardLimitMs });
      if (typeof this.handler !== 'function') this.loadError = 'the code defines no function named handler';
    } catch (e) {
      // A failing module import or top-level statement fails every invocation, as on CloudFront.
      this.loadError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
  }

  private store(ref: string): LocalKeyValueStore {
    const stores = this.options.stores ?? new Map<string, LocalKeyValueStore>();
    const associated = this.fn.keyValueStores.map((id) => stores.get(id)).filter((s): s is LocalKeyValueStore => !!s);
    if (associated.length === 0) throw new Error(`cf.kvs(): no key value store is associated with function ${this.fn.name} (FunctionConfig.KeyValueStoreAssociations)`);
    if (ref === '') return associated[0];
    const found = associated.find((s) => [s.model.arn, s.model.id, s.model.name, s.model.logicalId].includes(ref));
    if (!found) throw new Error(`cf.kvs('${ref}'): not the key value store associated with function ${this.fn.name} (${associated[0].model.id})`);
    return found;
  }

  private hostApi() {
    const opened: LocalKeyValueStore[] = [];
    return Object.freeze({
      open: (ref: string) => opened.push(this.store(ref)) - 1,
      get: (i: number, key: string) => opened[i].get(key),
      meta: (i: number) => {
        const s = opened[i];
        return JSON.stringify({ creationDateTime: s.created.toISOString(), lastUpdatedDateTime: s.updated.toISOString(), keyCount: s.size });
      },
      bytes: (v: string) => Buffer.from(v, 'utf8'),
      origin: (kind: 'update' | 'select' | 'group', json: string) => {
        this.state.originChange = this.originChange(kind, JSON.parse(json));
      },
    });
  }

  private originChange(kind: 'update' | 'select' | 'group', arg: unknown): OriginChange {
    if (this.state.eventType !== 'viewer-request') throw new Error(`cf.${kind === 'update' ? 'updateRequestOrigin' : kind === 'select' ? 'selectRequestOriginById' : 'createRequestOriginGroup'}() works in viewer-request functions only`);
    const known = this.options.originIds ?? new Set<string>();
    const checkId = (id: unknown, what: string) => {
      if (typeof id !== 'string' || !known.has(id)) throw new Error(`${what}: '${String(id)}' is not an origin of the distribution; origins: ${[...known].join(', ')}`);
      return id;
    };
    if (kind === 'select') return { kind, originId: checkId(arg, 'cf.selectRequestOriginById()') };
    if (!arg || typeof arg !== 'object') throw new Error(`cf.${kind === 'update' ? 'updateRequestOrigin' : 'createRequestOriginGroup'}() takes an object, got: ${JSON.stringify(arg)}`);
    if (kind === 'update') {
      const p = arg as OriginUpdate;
      if (p.domainName !== undefined && (typeof p.domainName !== 'string' || !/^[A-Za-z0-9.-]+$/.test(p.domainName))) throw new Error(`cf.updateRequestOrigin(): domainName must be a host name, got: ${JSON.stringify(p.domainName)}`);
      return { kind, params: p };
    }
    const g = arg as { originIds?: unknown; failoverCriteria?: { statusCodes?: unknown } };
    if (!Array.isArray(g.originIds) || g.originIds.length !== 2) throw new Error(`cf.createRequestOriginGroup(): originIds must list two origin ids, got: ${JSON.stringify(g.originIds)}`);
    const codes = g.failoverCriteria?.statusCodes ?? [];
    if (!Array.isArray(codes) || codes.some((c) => !Number.isInteger(c))) throw new Error(`cf.createRequestOriginGroup(): failoverCriteria.statusCodes must be status codes, got: ${JSON.stringify(codes)}`);
    return { kind, originIds: g.originIds.map((id) => checkId(id, 'cf.createRequestOriginGroup()')), failoverStatusCodes: codes as number[] };
  }

  /** Runs the handler on an event object (plain data); throws a FunctionFailure as CloudFront would answer it. */
  invoke(event: { context: { eventType: string } } & Record<string, unknown>): Invocation {
    const where = `${this.fn.name} (${event.context.eventType})`;
    if (this.loadError) throw new FunctionFailure('FunctionExecutionError', `${where} failed: ${this.loadError}`);
    this.state = { logs: [], eventType: event.context.eventType };
    let out: RunOutcome;
    try {
      // The runner is called from a script in the context so that the timeout covers the microtasks
      // (awaits) too: with microtaskMode 'afterEvaluate' they run before runInContext returns.
      const g = this.context as Record<string, unknown>;
      g.__cfRun = this.run;
      g.__cfHandler = this.handler;
      g.__cfEvent = JSON.stringify(event);
      g.__cfNow = now;
      out = this.call.runInContext(this.context, { timeout: this.hardLimitMs }) as RunOutcome;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new FunctionFailure('FunctionThrottledError', `${where} ran past ${this.hardLimitMs} ms and was stopped`);
      throw new FunctionFailure('FunctionExecutionError', `${where} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    // The handler's own time, measured by the runner: the watchdog the hard limit needs costs
    // ~0.4 ms per call in node:vm, which is the sandbox's cost, not the function's.
    const computeMs = out.ms ?? 0;
    if (!out.done) throw new FunctionFailure('FunctionExecutionError', `${where} returned a promise that never settled (a function cannot wait on timers or the network)`);
    if (out.error !== undefined) throw new FunctionFailure('FunctionExecutionError', `${where} threw ${out.error.split('\n')[0]}`);
    return {
      result: out.json === undefined ? undefined : JSON.parse(out.json),
      originChange: this.state.originChange,
      logs: this.state.logs,
      computeMs,
      utilization: Math.round((computeMs / this.budgetMs) * 100),
    };
  }
}

/** Members the context's built-ins have beyond the page's lists (ES 2019 and later), removed from the sandbox. */
const UNLISTED_PROTOTYPE_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  Array: ['flat', 'flatMap', 'at', 'findLast', 'findLastIndex', 'toSorted', 'toReversed', 'toSpliced', 'with'],
  String: ['at', 'matchAll', 'isWellFormed', 'toWellFormed'],
};

/** Deletes from a fresh context every global and static member the runtime's page does not list. */
function withholdBuiltins(context: vm.Context, v2: boolean): void {
  // eval stays so that calling it throws EvalError (code generation is off), as "Restricted features" says.
  const globals = [...(v2 ? CF_GLOBALS_20 : CF_GLOBALS_10), 'eval'];
  const statics = Object.fromEntries(Object.entries(CF_STATIC_MEMBERS).map(([k, v]) => [k, [...v]]));
  vm.runInContext(
    `(function (allowed, statics, protos) {
      Object.getOwnPropertyNames(globalThis).forEach(function (name) { if (allowed.indexOf(name) < 0) delete globalThis[name]; });
      Object.keys(statics).forEach(function (name) {
        var target = globalThis[name];
        Object.getOwnPropertyNames(target).forEach(function (key) {
          if (statics[name].indexOf(key) < 0 && key !== 'length' && key !== 'name') delete target[key];
        });
      });
      Object.keys(protos).forEach(function (name) {
        protos[name].forEach(function (key) { delete globalThis[name].prototype[key]; });
      });
      // "Error types" lists two the language itself lacks.
      ['InternalError', 'MemoryError'].forEach(function (name) {
        function E(message) {
          if (!(this instanceof E)) return new E(message);
          this.message = message === undefined ? '' : String(message);
        }
        E.prototype = Object.create(Error.prototype);
        E.prototype.name = name;
        E.prototype.constructor = E;
        globalThis[name] = E;
      });
    })`,
    context,
  )(globals, statics, UNLISTED_PROTOTYPE_MEMBERS);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
