import * as fs from 'fs';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { CONFIG_CONSTANT } from './bundle';

/** CloudFront's limit on a function's code ("Quotas on CloudFront Functions"). */
export const CLOUDFRONT_FUNCTION_CODE_LIMIT = 10 * 1024;

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
  const c = (config ?? {}) as { guard?: unknown; normalize?: unknown; experiments?: unknown[]; routing?: unknown };
  return {
    __TCDN_ROUTING__: JSON.stringify(c.routing !== undefined),
    __TCDN_GUARD__: JSON.stringify(c.guard !== undefined),
    __TCDN_NORMALIZE__: JSON.stringify(c.normalize !== undefined),
    __TCDN_EXPERIMENTS__: JSON.stringify((c.experiments ?? []).length > 0),
  };
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
export function buildCloudFrontFunctionCode(kind: CloudFrontFunctionKind, config: unknown, options: { keyValueStore?: boolean } = {}): CloudFrontFunctionCode {
  const result = esbuild.buildSync({
    entryPoints: [source(kind)],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'neutral',
    // The runtime implements ES 5.1 with parts of ES 6-12; esbuild lowers what es2019 lacks.
    target: 'es2019',
    write: false,
    legalComments: 'none',
    inject: [source('runtime')],
    // The steps' `import ... from 'crypto'` reads the runtime's own module through runtime.ts.
    alias: { crypto: source('runtime') },
    define: { [CONFIG_CONSTANT]: JSON.stringify(config), ...stepFlags(config) },
    logLevel: 'silent',
  });
  const body = result.outputFiles[0].text.trim();
  const routing = (config as { routing?: unknown } | undefined)?.routing !== undefined;
  const lines = [
    // The runtime wants module imports first in the code.
    ...(options.keyValueStore || routing ? ["import cf from 'cloudfront';"] : []),
    "import crypto from 'crypto';",
    'var __cfCrypto = crypto;',
    // The entry assigns its handler here (lambda-edge/cloudfront-function/viewer-*.ts).
    'var __tcdnHandler;',
    ...(options.keyValueStore ? ['var __cfKvs = function () { return cf.kvs(); };'] : []),
    ...(routing ? ['var __cfUpdateOrigin = function (p) { cf.updateRequestOrigin(p); };'] : []),
    body,
    options.keyValueStore ? 'async function handler(event) { return await __tcdnHandler(event); }' : 'function handler(event) { return __tcdnHandler(event); }',
  ];
  const code = `${lines.join('\n')}\n`;
  return { code, bytes: Buffer.byteLength(code, 'utf8') };
}
