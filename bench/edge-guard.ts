/**
 * The path guard: its per-request cost and its bytes, beside a baseline doing the same job the
 * obvious way (`new URL` + `decodeURIComponent` + regular expressions), and the whole
 * viewer-request function of the reference app's `/api/*` behavior with and without the guard.
 * Run: npm run bench:edge (its third part) or npx tsx bench/edge-guard.ts
 */
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as esbuild from 'esbuild';
import type { CloudFrontRequestEvent } from 'aws-lambda';
import type { ViewerRequestConfig } from '../lambda-edge/shared/config';
import { pathProblem, reachablePatterns, type GuardConfig } from '../lambda-edge/shared/path-guard';
import { createHandler } from '../lambda-edge/viewer-request';
import { buildEdgeCode, edgeEntry } from '../lib/edge/bundle';
import { CLOUDFRONT_FUNCTIONS_SUPPORTED, CLOUDFRONT_FUNCTIONS_TARGET } from '../lib/edge/cloudfront-function';
import { bench as benchAt, benchAsync } from './micro';

/** This file's calls are cheap: twice the default iterations. */
const bench = (fn: () => unknown) => benchAt(fn, 200_000);

const GUARD: GuardConfig = { protectedPatterns: ['/api/config/*', '/api/me/*', '/api/config', '/api/me'] };

/** The obvious way: let the URL parser canonicalize, then compare. Misses `%6D`, `;` and case. */
function obviousGuard(uri: string): boolean {
  const canonical = new URL(uri, 'https://x').pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(canonical);
  } catch (e) {
    return false;
  }
  return canonical === uri && !/\/\/|\\|;/.test(decoded) && !/^\/api\/(me|config)(\/|$)/i.test(decoded.toLowerCase()) === !/^\/api\/(me|config)(\/|$)/.test(uri);
}

function event(uri: string): CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'E1', eventType: 'viewer-request', requestId: 'r' },
          request: {
            clientIp: '203.0.113.9',
            method: 'GET',
            uri,
            querystring: 'utm_source=x&page=2',
            headers: {
              host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }],
              'user-agent': [{ key: 'User-Agent', value: 'Mozilla/5.0' }],
              'accept-language': [{ key: 'Accept-Language', value: 'de-DE' }],
            },
          },
        },
      },
    ],
  };
}

const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const gz = (code: Uint8Array) => zlib.gzipSync(code, { level: 9 }).length;

async function main(): Promise<void> {
  console.log(`# Path guard benchmark: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}\n`);
  const uris: Record<string, string> = {
    'canonical API path (passes)': '/api/products/42/reviews',
    'canonical, long (12 segments, escapes)': '/api/search/caf%C3%A9/a%20b/c/d/e/f/g/h/i/j/k',
    'case variant of a protected prefix (refused)': '/api/ME/profile',
    'dot segment (refused early)': '/api/./me/profile',
  };
  console.log('Per call, fastest of 9 rounds of 200,000 (after warm-up):\n');
  console.log('| URI | pathProblem (shipped) | obvious way (URL + decode + RegExp) |\n|---|---|---|');
  for (const [name, uri] of Object.entries(uris)) {
    console.log(`| ${name} \`${uri}\` | ${fmt(bench(() => pathProblem(uri, GUARD)))} | ${fmt(bench(() => obviousGuard(uri)))} |`);
  }

  // A 75-behavior table (bench/route-tables.ts): 50 protected patterns under 40-character prefixes.
  const scale: string[] = [];
  for (let i = 1; i <= 25; i++) {
    const id = String(i).padStart(4, '0');
    scale.push(`/api/v2/customer-accounts/service-${id}/*`, `/api/v2/customer-accounts/service-${id}`);
  }
  const all: GuardConfig = { protectedPatterns: scale };
  const reduced: GuardConfig = { protectedPatterns: reachablePatterns(scale, ['/api/v2/public-catalogues/service-0001/*']) };
  const scaleUris: Record<string, string> = {
    'canonical (passes)': '/api/v2/public-catalogues/service-0001/items/42',
    'capitalized (compared with every pattern)': '/api/v2/public-catalogues/service-0001/Items/42',
    'escaped (compared with every pattern)': '/api/v2/public-catalogues/service-0001/caf%C3%A9',
  };
  console.log(`\nWith ${scale.length} protected patterns (75-behavior table), on a public behavior: the full list (a Lambda@Edge guard) and the ${reduced.protectedPatterns.length} its CloudFront Function keeps (reachablePatterns):\n`);
  console.log('| URI | all patterns | reduced | ratio |\n|---|---|---|---|');
  for (const [name, uri] of Object.entries(scaleUris)) {
    const a = bench(() => pathProblem(uri, all));
    const r = bench(() => pathProblem(uri, reduced));
    console.log(`| ${name} \`${uri}\` | ${fmt(a)} | ${fmt(r)} | ${(a / r).toFixed(1)}x |`);
  }

  const apiConfig: ViewerRequestConfig = { normalize: { dropParams: [], dropPrefixes: [], sort: true }, experiments: [] };
  const withGuard = createHandler({ guard: GUARD, ...apiConfig });
  const without = createHandler(apiConfig);
  const ev = () => event('/api/products/42');
  const a = await benchAsync(() => without(ev()));
  const b = await benchAsync(() => withGuard(ev()));
  console.log('\nWhole viewer-request handler of `/api/*` (normalize, no auth), one canonical request, event built per call:\n');
  console.log(`| handler | per request |\n|---|---|\n| without guard | ${fmt(a)} |\n| with guard | ${fmt(b)} |\n| guard's share | ${fmt(b - a)} |`);

  // What a CloudFront Function carries of the guard: `pathProblem` and what it calls, built as the
  // functions are (es5 plus the runtime's documented features).
  const standalone = esbuild.buildSync({
    stdin: { contents: "export { pathProblem } from './path-guard';", resolveDir: path.join(__dirname, '..', 'lambda-edge', 'shared'), loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: CLOUDFRONT_FUNCTIONS_TARGET,
    supported: { ...CLOUDFRONT_FUNCTIONS_SUPPORTED },
    platform: 'neutral',
    legalComments: 'none',
  }).outputFiles[0].contents;
  const entry = edgeEntry('viewer-request');
  const bundleWith = buildEdgeCode(entry, { guard: GUARD, ...apiConfig });
  const bundleWithout = buildEdgeCode(entry, apiConfig);
  console.log('\nBytes (esbuild, minified; gzip level 9):\n');
  console.log('| code | minified | gzipped |\n|---|---|---|');
  console.log(`| path guard alone (\`pathProblem\`, es5 + the runtime 2.0 features, as a CloudFront Function carries it) | ${standalone.length} B | ${gz(standalone)} B |`);
  console.log(`| Lambda@Edge viewer-request \`/api/*\` with guard (config baked) | ${bundleWith.length} B | ${gz(bundleWith)} B |`);
  console.log(`| same config without guard | ${bundleWithout.length} B | ${gz(bundleWithout)} B |`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
