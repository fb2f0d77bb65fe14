// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { RequestExperimentConfig as ExperimentConfig, FunctionViewerRequestConfig, GuardConfig } from '../shared/config';
import type { FunctionRoutingTarget } from '../shared/config';
import { kvsExperimentKey, type KvsExperimentValue, kvsOriginKey, type KvsOriginValue } from '../shared/experiment-kvs';
import { bakedTargets, bakedVariants, experimentValueIssue, type KvsValuePlan, originValueIssue, storeFallbackLogLine } from '../shared/kvs-values';
import type { CloudFrontRequest } from 'aws-lambda';
import { decide } from '../origin-request/index';
import { assignExperiments, stripExperimentHeaders } from '../viewer-request/experiments';
import { unpackPatterns } from '../shared/pattern-pack';
import { rejectionLogLine, routeOf } from '../shared/rejections';
import { pathProblem } from '../shared/path-guard';
import { EDGE_CACHE_CONTROL, EDGE_CONTENT_TYPE } from '../shared/responses';
import { nonCanonicalBody } from '../viewer-request/guard';
import { normalizeRequest } from '../viewer-request/normalize';
import { stripAssertedHeaders } from '../viewer-request/strip';
import { type CfEvent, type CfResponse, fromLambdaRequest, toLambdaRequest, withLambdaHeaders } from './adapter';

/**
 * The viewer-request steps of a behavior without auth, as a CloudFront Function: guard, strip,
 * normalize, experiments, the same pure modules the Lambda@Edge bundle runs, in the same order.
 * With a key value store, each experiment's weights (or its off switch) are read from it first.
 */
declare const __TIERED_CDN_CONFIG__: FunctionViewerRequestConfig;
// Inlined by lib/edge/cloudfront-function.ts: a step the behavior does not use is dropped from the
// code at bundle time, which is what keeps each function under CloudFront's 10 KB.
declare const __TCDN_GUARD__: boolean;
declare const __TCDN_NORMALIZE__: boolean;
declare const __TCDN_EXPERIMENTS__: boolean;
declare const __TCDN_ROUTING__: boolean;
declare const __TCDN_KVS__: boolean;
// The runtime's `cloudfront` module, imported as `cf` on the first line of the generated code
// (lib/edge/cloudfront-function.ts) when the function reads a store or routes.
declare const cf: {
  kvs(): { get(key: string, options?: { format: 'json' }): Promise<unknown>; exists(key: string): Promise<boolean> };
  updateRequestOrigin(params: Record<string, unknown>): void;
};

const config = __TIERED_CDN_CONFIG__;
// Unpacked once, when CloudFront loads the function, not per request.
const guard: GuardConfig | undefined = __TCDN_GUARD__ && config.guard ? { protectedPatterns: unpackPatterns(config.guard.protectedPatterns) } : undefined;
const routes = __TCDN_GUARD__ && config.routes !== undefined ? unpackPatterns(config.routes) : undefined;
const kvs = __TCDN_KVS__ ? cf.kvs() : undefined;
// What a store value may say, from what is baked in (built once, when CloudFront loads the function).
// Each half only where its flag is on, so a function without experiments or routing carries none of it.
const valuePlan: KvsValuePlan | undefined = __TCDN_KVS__
  ? { experiments: __TCDN_EXPERIMENTS__ ? bakedVariants(config.experiments) : {}, origins: __TCDN_ROUTING__ && config.routing ? bakedTargets(config.routing.origins, config.routing.domains || []) : {} }
  : undefined;

/** Each experiment with the weights the store holds now; a missing or unreadable entry keeps the baked weights. */
async function liveExperiments(): Promise<readonly ExperimentConfig[]> {
  if (!kvs) return config.experiments;
  const out: ExperimentConfig[] = [];
  for (let i = 0; i < config.experiments.length; i++) {
    const e = config.experiments[i];
    const key = kvsExperimentKey(e.name);
    let live: KvsExperimentValue | undefined;
    try {
      if (await kvs.exists(key)) live = (await kvs.get(key, { format: 'json' })) as KvsExperimentValue;
    } catch (err) {
      // live stays undefined: nothing is assigned when exists() or get() throws.
    }
    // A value the plan does not allow (unknown variant, weight out of range, extra fields) is never
    // used: the deployed weights are, with one log line saying why.
    const problem = __TCDN_EXPERIMENTS__ && live !== undefined && valuePlan ? experimentValueIssue(e.name, live, valuePlan) : undefined;
    if (problem) {
      console.log(storeFallbackLogLine(key, problem));
      live = undefined;
    }
    out.push(withLiveWeights(e, live));
  }
  return out;
}

function withLiveWeights(e: ExperimentConfig, live: KvsExperimentValue | undefined): ExperimentConfig {
  if (!live) return e;
  // Off: every new viewer gets the first (control) variant; viewers with a cookie keep theirs.
  if (live.off) return withVariants(e, e.variants.map((v, i) => ({ name: v.name, weight: i === 0 ? 1 : 0 })));
  const weights = live.weights || {};
  const variants = e.variants.map((v) => ({ name: v.name, weight: typeof weights[v.name] === 'number' ? weights[v.name] : v.weight }));
  return variants.some((v) => v.weight > 0) ? withVariants(e, variants) : e;
}

function withVariants(e: ExperimentConfig, variants: ExperimentConfig['variants']): ExperimentConfig {
  return Object.assign({}, e, { variants });
}

type Target = Extract<FunctionRoutingTarget, { kind: 'custom' }>;
/** The origin a routing rule picked: its id (the store's key) and its deployed settings. */
interface Routed {
  readonly id: string;
  readonly target: Target;
}

function run(event: CfEvent, experiments: readonly ExperimentConfig[]): { out: ReturnType<typeof fromLambdaRequest> | CfResponse; routed?: Routed } {
  let request = toLambdaRequest(event);
  // One `if` on the bundle-time flag, so a function without the guard carries none of its code.
  if (__TCDN_GUARD__ && guard) {
    const problem = pathProblem(request.uri, guard);
    if (problem !== null) {
      // The one JSON line per refusal, as the Lambda@Edge viewer-request writes it; CloudFront sends
      // a function's console.log lines to CloudWatch Logs (us-east-1, /aws/cloudfront/function/<name>).
      console.log(rejectionLogLine({ reason: `path-${problem}`, route: routeOf(request.uri, routes), status: 400 }));
      // The Lambda@Edge guard's 400 (viewer-request/guard.ts), built in the function's shape directly.
      const headers = { 'content-type': { value: EDGE_CONTENT_TYPE }, 'cache-control': { value: EDGE_CACHE_CONTROL } };
      return { out: { statusCode: 400, statusDescription: 'Bad Request', headers, cookies: {}, body: JSON.stringify(nonCanonicalBody(problem)) } };
    }
  }
  request = stripAssertedHeaders(request);
  if (__TCDN_NORMALIZE__ && config.normalize) request = normalizeRequest(request, config.normalize);
  // Without experiments the step still removes viewer-sent x-experiment-* headers.
  request = __TCDN_EXPERIMENTS__ ? assignExperiments(request, experiments) : stripExperimentHeaders(request);
  // Only the normalize step rewrites the query string or the cookie header; without it they go back as sent.
  const out = __TCDN_NORMALIZE__ ? fromLambdaRequest(request, event.request) : withLambdaHeaders(request, event.request);
  // Behind the flag, so a function without routing carries none of it.
  if (__TCDN_ROUTING__ && config.routing) {
    return { out, routed: route(request, config.routing) };
  }
  return { out };
}

/** The origin-request step's decision (same rules, same module). */
function route(request: CloudFrontRequest, routing: NonNullable<FunctionViewerRequestConfig['routing']>): Routed | undefined {
  const decision = decide(request, routing);
  const target = decision && routing.origins[decision.originId];
  return target && target.kind === 'custom' ? { id: decision.originId, target } : undefined;
}

/** The target's domain as the store holds it now (`origin:<id>`); the baked one when it holds none. */
async function liveTarget(id: string, target: Target): Promise<Target> {
  try {
    if (await kvs!.exists(kvsOriginKey(id))) {
      const live = (await kvs!.get(kvsOriginKey(id), { format: 'json' })) as KvsOriginValue;
      // Only a domain the app declares: the origin-verify secret goes wherever this sends the request.
      const problem = originValueIssue(id, live, valuePlan!);
      if (!problem) return Object.assign({}, target, { domainName: live.domainName });
      console.log(storeFallbackLogLine(kvsOriginKey(id), problem));
    }
  } catch (e) {
    // An unreadable entry keeps the deployed target.
  }
  return target;
}

/** Applied with cf.updateRequestOrigin: the origin's other settings (custom headers included) stay. */
function updateOrigin(target: Target): void {
  const params: Record<string, unknown> = { domainName: target.domainName, originPath: target.path };
  if (target.readTimeout) params.timeouts = { readTimeout: target.readTimeout };
  if (target.customHeaders) params.customHeaders = target.customHeaders;
  cf.updateRequestOrigin(params);
}

// Each `__TCDN_*__` condition below is decided at bundle time: a function without a store or without
// routing carries none of the code behind it.
function handler(event: CfEvent) {
  const r = run(event, config.experiments);
  if (__TCDN_ROUTING__ && r.routed) updateOrigin(r.routed.target);
  return r.out;
}

/**
 * The same, with the experiments' weights and the routing target read from the store first. A
 * function without experiments reads nothing for them, and carries none of that code (the
 * condition is decided at bundle time).
 */
function handleWithStore(event: CfEvent) {
  return (__TCDN_EXPERIMENTS__ ? liveExperiments() : Promise.resolve(config.experiments)).then((experiments) => {
    const r = run(event, experiments);
    if (__TCDN_ROUTING__ && r.routed) {
      return liveTarget(r.routed.id, r.routed.target).then((t) => {
        updateOrigin(t);
        return r.out;
      });
    }
    return r.out;
  });
}

// The generated code's top-level `handler` calls this (lib/edge/cloudfront-function.ts): a global
// instead of an export spares the bundle esbuild's export wrapper, about 400 of the 10,240 bytes.
declare let __tcdn: (event: CfEvent) => unknown;
__tcdn = __TCDN_KVS__ ? handleWithStore : handler;
