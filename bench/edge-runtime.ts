/**
 * Edge compute per behavior of the reference app: which runtime runs each step, its local cost per
 * request, its code bytes, and the monthly edge-compute bill at a stated traffic mix, beside the
 * all-Lambda@Edge design it replaces (every viewer step a Lambda@Edge function).
 * Run: npm run bench:edge (its fourth part) or npx tsx bench/edge-runtime.ts
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import type { CloudFrontRequestEvent, CloudFrontResponseEvent } from 'aws-lambda';
import { buildEdgeCode, edgeEntry } from '../lib/edge/bundle';
import type { PlannedBehavior } from '../lib/plan';
import { ReferenceStack } from '../lib/reference-stack';
import { FunctionSandbox } from '../tools/local/cf-function';
import { functionEvent, requestFromFunction, requestToFunction, responseToFunction } from '../tools/local/cf-function-event';
import type { EdgeRequest, EdgeResponse } from '../tools/local/http-types';
import { LocalKeyValueStore } from '../tools/local/kvs';
import { PRICES, lambdaInvocationUsd } from '../tools/prices';

/** Public list prices, us-east-1 (tools/prices.ts, dated; docs/benchmarks.md states them with the date). */
const PRICE = PRICES;

/** The stated traffic mix: requests per month, each behavior's share and cache miss ratio. */
const MONTHLY_REQUESTS = 100_000_000;
const MIX: Record<string, { share: number; missRatio: number; uri: string; query?: string }> = {
  '*': { share: 0.3, missRatio: 0.05, uri: '/index.html' },
  '/assets/*': { share: 0.45, missRatio: 0.01, uri: '/assets/app.3f2a.js' },
  '/api/*': { share: 0.15, missRatio: 0.3, uri: '/api/products', query: 'utm_source=news&sort=price&page=2' },
  '/api/categories/*': { share: 0.05, missRatio: 0.05, uri: '/api/categories/shoes' },
  '/api/me/*': { share: 0.03, missRatio: 1, uri: '/api/me/profile' },
  '/api/me': { share: 0.005, missRatio: 1, uri: '/api/me' },
  '/api/config/*': { share: 0.01, missRatio: 0.1, uri: '/api/config/flags' },
  '/api/config': { share: 0.005, missRatio: 0.1, uri: '/api/config' },
};

/** Lambda@Edge cost of one invocation: the request plus 128 MB for the duration rounded up to 1 ms. */
const lambdaCost = lambdaInvocationUsd;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Microseconds per call, the median of rounds after a warm-up (the warm execution environment). */
async function timeIt(fn: () => unknown, iterations = 3000, rounds = 7): Promise<number> {
  for (let i = 0; i < iterations / 3; i++) await fn();
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    perOp.push(Number(process.hrtime.bigint() - start) / iterations / 1000);
  }
  return median(perOp);
}

function viewerRequest(uri: string, query = ''): EdgeRequest {
  return { method: 'GET', uri, querystring: query, headers: { host: [{ key: 'Host', value: 'shop.example.com' }], 'user-agent': [{ key: 'User-Agent', value: 'bench' }] }, clientIp: '198.51.100.7', body: Buffer.alloc(0) };
}

function lambdaRequestEvent(req: EdgeRequest): CloudFrontRequestEvent {
  return { Records: [{ cf: { config: { distributionDomainName: 'd1.cloudfront.net', distributionId: 'E1', eventType: 'viewer-request', requestId: 'r' }, request: { clientIp: req.clientIp, method: req.method, uri: req.uri, querystring: req.querystring, headers: structuredClone(req.headers) } } }] } as CloudFrontRequestEvent;
}

function lambdaResponseEvent(req: EdgeRequest, res: EdgeResponse): CloudFrontResponseEvent {
  const e = lambdaRequestEvent(req) as unknown as CloudFrontResponseEvent;
  (e.Records[0].cf as { response: unknown }).response = { status: String(res.status), statusDescription: 'OK', headers: structuredClone(res.headers) };
  return e;
}

/** A Lambda@Edge bundle built the way the construct builds it, loaded like Lambda loads it. */
function loadLambda(kind: 'viewer-request' | 'viewer-response', config: unknown): { handler: (e: unknown) => Promise<unknown>; bytes: number } {
  const code = buildEdgeCode(edgeEntry(kind), config);
  const file = path.join(os.tmpdir(), `tiered-cdn-bench-${kind}-${crypto.createHash('sha256').update(code).digest('hex').slice(0, 12)}.js`);
  fs.writeFileSync(file, code);
  return { handler: require(file).handler, bytes: code.byteLength };
}

interface StepRow {
  step: string;
  runtime: string;
  bytes: number;
  micros: number;
  costPerMillion: number;
}

async function main(): Promise<void> {
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'bench', alg: 'RS256', use: 'sig' };
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-bench-runtime-')) });
  const stack = new ReferenceStack(app, 'BenchRuntime', { env: { region: 'us-east-1' }, auth: { issuer: 'https://issuer.example/', audience: 'bench', jwks: { keys: [jwk as never] } } });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, any> };

  const ctx = { distributionDomainName: 'd1.cloudfront.net', distributionId: 'E1', requestId: 'r' };
  const store = new LocalKeyValueStore({ logicalId: 'Store', name: 'store', id: 'x', arn: 'arn:aws:cloudfront::1:key-value-store/x', data: [{ key: 'experiment:home', value: '{"weights":{"control":50,"redesign":50}}' }, { key: 'origin:apiEu', value: '{"domainName":"api-eu.example.com"}' }], source: 'bench' });
  const stores = new Map([['Store', store]]);
  const lines: string[] = [];
  let totalNew = 0;
  let totalOld = 0;
  const summary: string[] = [];
  const sandboxCalls: number[] = [];

  for (const b of stack.cdn.plan.behaviors as readonly PlannedBehavior[]) {
    const mix = MIX[b.pathPattern];
    if (!mix) continue;
    const req = viewerRequest(mix.uri, mix.query);
    const rows: StepRow[] = [];
    const oldRows: StepRow[] = [];
    const requests = MONTHLY_REQUESTS * mix.share;
    for (const kind of ['viewer-request', 'viewer-response'] as const) {
      const step = b.edge[kind];
      if (!step) continue;
      const lambda = loadLambda(kind, step.config);
      const res: EdgeResponse = { status: 200, statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/html' }] }, body: Buffer.alloc(0) };
      // The viewer-response step sees the request as the viewer-request step left it (cookie instruction and all).
      const vrq = b.edge['viewer-request'];
      const reqForResponse = kind === 'viewer-response' && vrq ? ((await loadLambda('viewer-request', vrq.config).handler(lambdaRequestEvent(req))) as { headers: EdgeRequest['headers'] }) : undefined;
      const seen: EdgeRequest = reqForResponse ? { ...req, headers: reqForResponse.headers } : req;
      const log = console.log;
      // The auth step logs each refusal (one line per request, as CloudWatch would get it): not here.
      console.log = () => undefined;
      const lambdaMicros = await timeIt(() => lambda.handler(kind === 'viewer-request' ? lambdaRequestEvent(seen) : lambdaResponseEvent(seen, res)));
      console.log = log;
      oldRows.push({ step: `${kind}: ${step.steps.join(', ')}`, runtime: 'Lambda@Edge', bytes: lambda.bytes, micros: lambdaMicros, costPerMillion: lambdaCost(lambdaMicros / 1000) * 1e6 });
      if (step.runtime === 'cloudfront-function') {
        const c = step.config as { experiments?: unknown[]; routing?: unknown };
        const kvs = kind === 'viewer-request' && (c.experiments?.length || c.routing) ? ['Store'] : [];
        const code = findCode(template, b.pathPattern, kind);
        if (!code) throw new Error(`${b.pathPattern}: the plan says ${kind} runs as a CloudFront Function, but the template associates none`);
        const model = { eventType: kind, name: `${kind} ${b.pathPattern}`, runtime: 'cloudfront-js-2.0', code, keyValueStores: kvs };
        const sandbox = new FunctionSandbox(model, { stores });
        const event = functionEvent(kind, ctx, req.clientIp, requestToFunction(seen), kind === 'viewer-response' ? responseToFunction(res) : undefined);
        if (kind === 'viewer-request') requestFromFunction(model, sandbox.invoke(event).result, seen);
        // The function's own time as the sandbox measures it (the compute-utilization figure),
        // and the whole sandbox call around it (event copy in and out, node:vm's watchdog).
        const own: number[] = [];
        const call = await timeIt(() => own.push(sandbox.invoke(event).computeMs * 1000));
        const micros = median(own);
        sandboxCalls.push(call);
        rows.push({ step: `${kind}: ${step.steps.join(', ')}`, runtime: 'CloudFront Function', bytes: Buffer.byteLength(model.code), micros, costPerMillion: PRICE.cloudFrontFunctionPerInvocation * 1e6 });
      } else {
        rows.push({ ...oldRows[oldRows.length - 1] });
      }
    }
    const orq = b.edge['origin-request'];
    const misses = requests * mix.missRatio;
    // Origin-request Lambda@Edge runs on misses only, the same in both designs; billed at 1 ms.
    const originCost = orq ? misses * lambdaCost(0.2) : 0;
    // Routing folded into the viewer-request CloudFront Function was an origin-request Lambda@Edge
    // in the all-Lambda@Edge design; origin-response steps are Lambda@Edge in both (on misses).
    const foldedRouting = (b.edge['viewer-request']?.config as { routing?: unknown } | undefined)?.routing ? misses * lambdaCost(0.2) : 0;
    const originResponse = (b.edge as Record<string, unknown>)['origin-response'] ? misses * lambdaCost(0.2) : 0;
    const monthlyNew = rows.reduce((n, r) => n + (requests * r.costPerMillion) / 1e6, 0) + originCost + originResponse;
    const monthlyOld = oldRows.reduce((n, r) => n + (requests * r.costPerMillion) / 1e6, 0) + originCost + originResponse + foldedRouting;
    totalNew += monthlyNew;
    totalOld += monthlyOld;
    for (const r of rows) {
      const old = oldRows.find((o) => o.step === r.step)!;
      lines.push(
        `| \`${b.pathPattern}\` | ${r.step} | ${r.runtime} | ${r.bytes} | ${r.micros.toFixed(1)} | ${old.micros.toFixed(1)} | $${r.costPerMillion.toFixed(3)} | $${old.costPerMillion.toFixed(3)} |`,
      );
    }
    if (foldedRouting) lines.push(`| \`${b.pathPattern}\` | origin-request: routing (misses only, ${(mix.missRatio * 100).toFixed(0)}%) | in the viewer-request CloudFront Function | - | - | - | $0 | $${(lambdaCost(0.2) * 1e6).toFixed(3)} |`);
    if (originResponse) lines.push(`| \`${b.pathPattern}\` | origin-response (misses only, ${(mix.missRatio * 100).toFixed(0)}%) | Lambda@Edge | - | - | - | $${(lambdaCost(0.2) * 1e6).toFixed(3)} | same |`);
    if (orq) lines.push(`| \`${b.pathPattern}\` | origin-request: ${orq.steps.join(', ')} (misses only, ${(mix.missRatio * 100).toFixed(0)}%) | Lambda@Edge | - | - | - | $${(lambdaCost(0.2) * 1e6).toFixed(3)} | same |`);
    const ratio = monthlyOld > 0 ? monthlyNew / monthlyOld : 1;
    summary.push(`| \`${b.pathPattern}\` | ${(mix.share * 100).toFixed(1)}% | ${(requests / 1e6).toFixed(1)}M | $${monthlyNew.toFixed(2)} | $${monthlyOld.toFixed(2)} | ${monthlyOld > 0 ? `${(ratio * 100).toFixed(0)}%` : '-'} |`);
  }

  console.log('Per step (warm, median of 7 rounds; local µs on this machine; cost per 1M invocations at list price)');
  console.log('| behavior | step | runtime | code bytes | local µs (this design) | local µs (Lambda@Edge bundle) | cost / 1M (this design) | cost / 1M (all Lambda@Edge) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const l of lines) console.log(l);
  console.log(`\nMonthly edge compute at ${MONTHLY_REQUESTS / 1e6}M requests/month (viewer steps on every request, origin-request on misses)`);
  console.log('| behavior | share | requests | this design | all Lambda@Edge | ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const s of summary) console.log(s);
  console.log(`| total | 100% | ${MONTHLY_REQUESTS / 1e6}M | $${totalNew.toFixed(2)} | $${totalOld.toFixed(2)} | ${((totalNew / totalOld) * 100).toFixed(0)}% |`);
  console.log(`\nLocal sandbox call around a CloudFront Function (event copies, node:vm watchdog): median ${median(sandboxCalls).toFixed(0)} µs; the function's own time is in the table.`);
  console.log('\nPrices (us-east-1 list, 2026-12): CloudFront Functions $0.10 per 1M invocations; Lambda@Edge $0.60 per 1M requests + $0.00005001 per GB-second, 128 MB, billed in 1 ms steps (minimum 1 ms).');
}

/** The FunctionCode of the CloudFront Function a behavior associates for an event type. */
function findCode(template: { Resources: Record<string, any> }, pathPattern: string, eventType: string): string | undefined {
  const dist = Object.values(template.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig;
  const b = pathPattern === '*' ? dist.DefaultCacheBehavior : dist.CacheBehaviors.find((x: { PathPattern: string }) => x.PathPattern === pathPattern);
  const a = (b.FunctionAssociations ?? []).find((x: { EventType: string }) => x.EventType === eventType);
  return a ? template.Resources[a.FunctionARN['Fn::GetAtt'][0]].Properties.FunctionCode : undefined;
}

void main();
