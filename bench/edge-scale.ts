/**
 * Room at scale: the bytes of every generated CloudFront Function for route tables of 10, 25 and 75
 * cache behaviors (75 is CloudFront's quota), half the written routes protected under 40-character
 * prefixes, two experiments (bench/route-tables.ts), and what the path guard bakes into each
 * function (the protected patterns its behaviors can reach, packed) beside the full list as JSON.
 * Then the largest function a table can make: the experiments on a behavior that also runs the guard.
 * Run: npm run bench:edge (its fifth part) or npx tsx bench/edge-scale.ts
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import type { ViewerRequestConfig } from '../lambda-edge/shared/config';
import { unpackPatterns } from '../lambda-edge/shared/pattern-pack';
import { TieredCdn, TieredCdnValidationError } from '../lib';
import { bakedViewerRequestConfig, CLOUDFRONT_FUNCTION_CODE_LIMIT } from '../lib/edge/cloudfront-function';
import { scaleRouteTable, type ScaleTableOptions } from './route-tables';

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'bench', alg: 'RS256' } as never;
const TARGET = 8700;

interface Row {
  behaviors: number;
  routes: number;
  protectedRoutes: number;
  functions: Array<{ name: string; bytes: number; patterns: string }>;
  error?: string;
}

function measure(behaviors: number, options: ScaleTableOptions): Row {
  const props = scaleRouteTable(behaviors, { keys: [jwk] }, options);
  const row: Row = { behaviors, routes: props.routes.length, protectedRoutes: props.routes.filter((r) => r.auth).length, functions: [] };
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-scale-')) });
  const stack = new Stack(app, 'Scale', { env: { region: 'us-east-1' } });
  let cdn: TieredCdn;
  try {
    cdn = new TieredCdn(stack, 'Cdn', props);
  } catch (e) {
    if (!(e instanceof TieredCdnValidationError)) throw e;
    row.error = e.problems.map((p) => p.message).join(' / ');
    return row;
  }
  const template = app.synth().getStackByName('Scale').template as { Resources: Record<string, any> };
  const configs = new Map<string, ViewerRequestConfig>();
  for (const b of cdn.plan.behaviors) {
    const vrq = b.edge['viewer-request'];
    if (vrq?.runtime === 'cloudfront-function') configs.set(b.pathPattern, vrq.config as ViewerRequestConfig);
  }
  for (const r of Object.values(template.Resources).filter((x) => x.Type === 'AWS::CloudFront::Function')) {
    const comment: string = r.Properties.FunctionConfig.Comment;
    const config = comment.startsWith('tiered-cdn viewer-request for ') ? configs.get(comment.slice('tiered-cdn viewer-request for '.length)) : undefined;
    let patterns = '-';
    if (config?.guard) {
      const baked = bakedViewerRequestConfig(config).guard!.protectedPatterns;
      patterns = `${unpackPatterns(baked).length} of ${config.guard.protectedPatterns.length}: ${baked.length} B packed (${JSON.stringify(config.guard.protectedPatterns).length} B as JSON)`;
    }
    row.functions.push({ name: comment.replace('tiered-cdn ', ''), bytes: Buffer.byteLength(r.Properties.FunctionCode), patterns });
  }
  return row;
}

function print(title: string, rows: Row[]): void {
  console.log(`\n${title}\n`);
  console.log('| behaviors | routes (protected) | function | bytes | share of 10,240 | protected patterns baked |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.error) {
      console.log(`| ${r.behaviors} | ${r.routes} (${r.protectedRoutes}) | synth fails | - | - | ${r.error.slice(0, 300)} |`);
      continue;
    }
    for (const f of r.functions.sort((a, b) => b.bytes - a.bytes)) {
      console.log(`| ${r.behaviors} | ${r.routes} (${r.protectedRoutes}) | ${f.name} | ${f.bytes} | ${((f.bytes / CLOUDFRONT_FUNCTION_CODE_LIMIT) * 100).toFixed(0)}% | ${f.patterns} |`);
    }
  }
  const largest = Math.max(...rows.flatMap((r) => r.functions.map((f) => f.bytes)));
  console.log(`\nLargest function: ${largest} B (${largest <= TARGET ? 'within' : 'over'} the ${TARGET} B target, 15% under CloudFront's ${CLOUDFRONT_FUNCTION_CODE_LIMIT} B).`);
}

function main(): void {
  console.log(`# Generated CloudFront Functions at scale: node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`);
  print('Pages and their two experiments on their own origin (as in the reference app); every API behavior runs the path guard:', [10, 25, 75].map((n) => measure(n, {})));
  print('Worst case: the two experiments on the default behavior of the API origin, so one function runs the guard with every protected pattern, the experiments and the store reads:', [10, 25, 75].map((n) => measure(n, { experimentsOnGuardedOrigin: true })));
}

main();
