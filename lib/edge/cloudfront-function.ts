import * as fs from 'fs';
import * as path from 'path';
import type * as esbuild from 'esbuild';
import type { FunctionRoutingTarget, FunctionViewerRequestConfig, OriginTarget, ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { reachablePatterns } from '../../lambda-edge/shared/path-guard';
import { packPatterns } from '../../lambda-edge/shared/pattern-pack';
import { CONFIG_CONSTANT } from './bundle';
import { type BuiltCode, buildOnce } from './build-cache';

/** CloudFront's limit on a function's code ("Quotas on CloudFront Functions"). */
export const CLOUDFRONT_FUNCTION_CODE_LIMIT = 10 * 1024;

/**
 * The language of cloudfront-js-2.0, as esbuild settings: ES 5.1 plus exactly what the Developer
 * Guide's "JavaScript runtime 2.0 features" page lists (const/let, arrow functions, template
 * literals, rest parameters, `**`, async/await, named capture groups). Everything else (for-of,
 * destructuring, spread, default parameters, classes, generators...) is not promised by the page:
 * CloudFront accepts such code at publish time and then answers 503 on every request. esbuild
 * refuses to emit what it cannot lower to this, so the build fails instead, naming file and line.
 */
export const CLOUDFRONT_FUNCTIONS_TARGET = 'es5';
export const CLOUDFRONT_FUNCTIONS_SUPPORTED: Readonly<Record<string, boolean>> = {
  'const-and-let': true,
  arrow: true,
  'template-literal': true,
  'rest-argument': true,
  'exponent-operator': true,
  'async-await': true,
  'regexp-named-capture-groups': true,
};

/** One construct the runtime's language lacks, where the source has it. */
export interface LanguageFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** esbuild's name for it, e.g. `for-of loops`, `destructuring`, `array spread`. */
  readonly feature: string;
}

/**
 * A step module uses JavaScript that cloudfront-js-2.0 does not run. Thrown at synth: the
 * alternative is a function CloudFront publishes and then fails on every request (503).
 */
export class CloudFrontFunctionLanguageError extends Error {
  constructor(
    readonly kind: CloudFrontFunctionKind,
    readonly behavior: string | undefined,
    readonly findings: readonly LanguageFinding[],
  ) {
    super(
      [
        `tiered-cdn: the ${kind} CloudFront Function${behavior ? ` of ${behavior}` : ''} uses JavaScript the CloudFront Functions runtime (cloudfront-js-2.0) does not run:`,
        ...findings.map((f) => `  ${f.file}:${f.line}:${f.column}: ${f.feature}`),
        'Edge step modules are written in ES 5.1 plus the features of the Developer Guide\'s "JavaScript runtime 2.0 features" page (see docs/routing.md); rewrite these lines in that subset.',
      ].join('\n'),
    );
    this.name = 'CloudFrontFunctionLanguageError';
  }
}

/** esbuild's "Transforming X to the configured target environment ... is not supported yet" as findings; other errors as they are. */
export function languageFindings(errors: readonly esbuild.Message[]): LanguageFinding[] {
  return errors.map((e) => {
    const m = /^Transforming (.+?) to the configured target environment/.exec(e.text);
    return { file: e.location?.file ?? '(unknown file)', line: e.location?.line ?? 0, column: (e.location?.column ?? 0) + 1, feature: m ? m[1] : e.text };
  });
}

export type CloudFrontFunctionKind = 'viewer-request' | 'viewer-response';

/**
 * The TypeScript sources of the steps: `lambda-edge/` beside `lib/` in a checkout, and beside
 * `dist/` in the package (which ships them for this). Bundled from ES modules, esbuild drops every
 * step a function does not use; from the compiled CommonJS it could not (the path guard alone came
 * to 14 KB, over CloudFront's 10 KB).
 */
const ROOTS = [path.resolve(__dirname, '..', '..', 'lambda-edge', 'cloudfront-function'), path.resolve(__dirname, '..', '..', '..', 'lambda-edge', 'cloudfront-function')];

function source(name: string): string {
  for (const root of ROOTS) {
    const candidate = path.join(root, `${name}.ts`);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`tiered-cdn: CloudFront Function source '${name}.ts' not found under ${ROOTS.join(' or ')}`);
}

/** Which steps the configuration uses, as constants esbuild folds (dead steps leave the bundle). */
function stepFlags(config: unknown): Record<string, string> {
  const c = (config ?? {}) as { guard?: unknown; normalize?: unknown; experiments?: Array<{ forceQuery?: string }>; routing?: unknown };
  return {
    // Only the normalize step and an experiment forced by query parameter read the query string.
    __TCDN_QUERY__: JSON.stringify(c.normalize !== undefined || (c.experiments ?? []).some((e) => e.forceQuery !== undefined)),
    __TCDN_ROUTING__: JSON.stringify(c.routing !== undefined),
    __TCDN_GUARD__: JSON.stringify(c.guard !== undefined),
    __TCDN_NORMALIZE__: JSON.stringify(c.normalize !== undefined),
    __TCDN_EXPERIMENTS__: JSON.stringify((c.experiments ?? []).length > 0),
  };
}

export interface CloudFrontFunctionBuildOptions {
  /** The function reads a KeyValueStore (experiment weights, routing targets). */
  readonly keyValueStore?: boolean;
  /** Names the behavior in a language error, e.g. `route '/api/*'`. */
  readonly behavior?: string;
  /** Another entry module than `lambda-edge/cloudfront-function/<kind>.ts` (tests of the language check). */
  readonly entry?: string;
}

export interface CloudFrontFunctionCode {
  readonly code: string;
  readonly bytes: number;
}

/**
 * The code of one generated CloudFront Function (cloudfront-js-2.0): the same pure step modules the
 * Lambda@Edge bundles run, bundled by esbuild with `config` inlined, behind a top-level `handler`.
 * `keyValueStore` adds the `cloudfront` module import the function reads its store through.
 */
export function buildCloudFrontFunctionCode(kind: CloudFrontFunctionKind, config: unknown, options: CloudFrontFunctionBuildOptions = {}): CloudFrontFunctionCode {
  let result: BuiltCode;
  try {
    result = bundle(kind, options.entry ?? source(kind), config, options.keyValueStore === true);
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors;
    if (!errors || errors.length === 0) throw e;
    throw new CloudFrontFunctionLanguageError(kind, options.behavior, languageFindings(errors));
  }
  const body = result.text.trim();
  return assemble(body, config, options);
}

/**
 * What a viewer-request function bakes: its guard reduced to the protected patterns its behaviors
 * can reach (the default behavior `*`, or a function without `routes`, keeps them all), sorted so
 * shared prefixes sit together, and both pattern lists packed.
 */
export function bakedViewerRequestConfig(config: ViewerRequestConfig): FunctionViewerRequestConfig {
  const { guard, routes, experiments, routing, ...rest } = config;
  // The cookie lifetime is the viewer-response function's: 28 bytes less per experiment here.
  const out: { -readonly [K in keyof FunctionViewerRequestConfig]: FunctionViewerRequestConfig[K] } = {
    ...rest,
    experiments: experiments.map(({ cookieMaxAgeSeconds: _unused, ...e }) => e),
  };
  if (routes !== undefined) out.routes = packPatterns(routes);
  if (routing) out.routing = { ...routing, origins: functionTargets(routing.origins) };
  if (guard) {
    const reachable = routes === undefined ? [...guard.protectedPatterns] : reachablePatterns(guard.protectedPatterns, routes);
    out.guard = { protectedPatterns: packPatterns(reachable.sort()) };
  }
  return out;
}

/** Each target with only the fields the function reads (lambda-edge/cloudfront-function/viewer-request.ts, updateOrigin). */
function functionTargets(origins: Readonly<Record<string, OriginTarget>>): Record<string, FunctionRoutingTarget> {
  const out: Record<string, FunctionRoutingTarget> = {};
  for (const [id, t] of Object.entries(origins)) {
    out[id] = t.kind === 'custom' ? { kind: t.kind, domainName: t.domainName, path: t.path, readTimeout: t.readTimeout, customHeaders: t.customHeaders } : { kind: t.kind };
  }
  return out;
}

function bundle(kind: CloudFrontFunctionKind, entry: string, config: unknown, keyValueStore: boolean): BuiltCode {
  return buildOnce({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'neutral',
    target: CLOUDFRONT_FUNCTIONS_TARGET,
    supported: { ...CLOUDFRONT_FUNCTIONS_SUPPORTED },
    write: false,
    legalComments: 'none',
    inject: [source('runtime')],
    // The steps' `import ... from 'crypto'` reads the runtime's own module through runtime.ts.
    alias: { crypto: source('runtime') },
    define: { [CONFIG_CONSTANT]: JSON.stringify(kind === 'viewer-request' ? bakedViewerRequestConfig(config as ViewerRequestConfig) : config), ...stepFlags(config), __TCDN_KVS__: JSON.stringify(keyValueStore) },
    logLevel: 'silent',
  });
}

function assemble(body: string, config: unknown, options: { keyValueStore?: boolean }): CloudFrontFunctionCode {
  const routing = (config as { routing?: unknown } | undefined)?.routing !== undefined;
  // Written as tight as the body: at 75 behaviors with experiments on a guarded behavior every byte counts.
  // The runtime's crypto module only where a step hashes (experiments, viewer ids): about 45 bytes.
  const hashes = /\b__cfCrypto\b/.test(body);
  const globals = hashes ? ['__tcdn', '__cfCrypto=crypto'] : ['__tcdn'];
  const lines = [
    // The runtime wants module imports first in the code. The body calls `cf.kvs()` and
    // `cf.updateRequestOrigin()` itself: esbuild never gives a minified name to a global it reads.
    ...(options.keyValueStore || routing ? ["import cf from 'cloudfront';"] : []),
    ...(hashes ? ["import crypto from 'crypto';"] : []),
    // The entry assigns its handler to __tcdn (lambda-edge/cloudfront-function/viewer-*.ts).
    `var ${globals.join(',')};`,
    body,
    options.keyValueStore ? 'async function handler(e){return await __tcdn(e)}' : 'function handler(e){return __tcdn(e)}',
  ];
  const code = `${lines.join('\n')}\n`;
  return { code, bytes: Buffer.byteLength(code, 'utf8') };
}
