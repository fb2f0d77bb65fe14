import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { EdgeFunctionKind } from '../../lambda-edge/shared/config';
import { buildOnce, privateTempDir } from './build-cache';

/** The constant each edge entry point reads its configuration from. */
export const CONFIG_CONSTANT = '__TIERED_CDN_CONFIG__';

const EDGE_ROOT = path.resolve(__dirname, '..', '..', 'lambda-edge');

/** Where the entry point of an edge function lives: `.ts` in the source tree, `.js` once compiled. */
export function edgeEntry(kind: EdgeFunctionKind): string {
  for (const ext of ['.ts', '.js']) {
    const candidate = path.join(EDGE_ROOT, kind, `entry${ext}`);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`tiered-cdn: edge entry point for '${kind}' not found under ${EDGE_ROOT}`);
}

/**
 * The code of one edge function: `entry` bundled for Lambda@Edge (minified, node22, CommonJS)
 * with `config` inlined as `__TIERED_CDN_CONFIG__`.
 */
export function buildEdgeCode(entry: string, config: unknown): Uint8Array {
  return buildOnce({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    write: false,
    legalComments: 'none',
    define: {
      [CONFIG_CONSTANT]: JSON.stringify(config),
      // Lets an entry leave out a step the configuration does not use (dead code at bundle time).
      __TIERED_CDN_HAS_AUTH__: JSON.stringify(hasMember(config, 'auth')),
      __TIERED_CDN_HAS_GUARD__: JSON.stringify(hasMember(config, 'guard')),
      __TIERED_CDN_HAS_NORMALIZE__: JSON.stringify(hasMember(config, 'normalize')),
      __TIERED_CDN_HAS_EXPERIMENTS__: JSON.stringify(hasExperiments(config)),
    },
    logLevel: 'silent',
  }).contents;
}

function hasExperiments(config: unknown): boolean {
  const list = hasMember(config, 'experiments') ? (config as { experiments: unknown }).experiments : undefined;
  return !Array.isArray(list) || list.length > 0;
}

function hasMember(config: unknown, key: string): boolean {
  return typeof config === 'object' && config !== null && (config as Record<string, unknown>)[key] !== undefined;
}

export interface EdgeBundle {
  /** Folder holding `index.js` (handler `index.handler`), ready for `lambda.Code.fromAsset`. */
  readonly dir: string;
  readonly bytes: number;
}

/**
 * Bundles one edge function with its configuration inlined as a constant, so the configuration is
 * part of the code (Lambda@Edge has no environment variables) and dead steps are dropped.
 * The output folder is named by the content hash, so an unchanged function keeps its asset hash,
 * and lives in this user's private temporary folder (build-cache.ts), where no other user of the
 * machine can put a bundle of their own before the synth copies it into the cloud assembly.
 */
export function bundleEdgeFunction(kind: EdgeFunctionKind, config: unknown): EdgeBundle {
  const code = buildEdgeCode(edgeEntry(kind), config);
  const hash = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = path.join(privateTempDir(), 'edge', `${kind}-${hash}`);
  const file = path.join(dir, 'index.js');
  if (!fs.existsSync(file)) {
    // Written aside and renamed into place: another synth on this machine may be reading the file.
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, file);
  }
  return { dir, bytes: code.byteLength };
}
