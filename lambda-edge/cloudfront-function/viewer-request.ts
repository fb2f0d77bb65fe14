import type { ExperimentConfig, ViewerRequestConfig } from '../shared/config';
import type { OriginTarget } from '../shared/config';
import { kvsExperimentKey, type KvsExperimentValue, kvsOriginKey, type KvsOriginValue } from '../shared/experiment-kvs';
import type { CloudFrontRequest } from 'aws-lambda';
import { decide } from '../origin-request/index';
import { assignExperiments, stripExperimentHeaders } from '../viewer-request/experiments';
import { rejectionLogLine, routeOf } from '../shared/rejections';
import { refuseNonCanonical } from '../viewer-request/guard';
import { normalizeRequest } from '../viewer-request/normalize';
import { stripAssertedHeaders } from '../viewer-request/strip';
import { type CfEvent, fromLambdaRequest, fromLambdaResponse, toLambdaRequest } from './adapter';

/**
 * The viewer-request steps of a behavior without auth, as a CloudFront Function: guard, strip,
 * normalize, experiments, the same pure modules the Lambda@Edge bundle runs, in the same order.
 * With a key value store, each experiment's weights (or its off switch) are read from it first.
 */
declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
// Inlined by lib/edge/cloudfront-function.ts: a step the behavior does not use is dropped from the
// code at bundle time, which is what keeps each function under CloudFront's 10 KB.
declare const __TCDN_GUARD__: boolean;
declare const __TCDN_NORMALIZE__: boolean;
declare const __TCDN_EXPERIMENTS__: boolean;
declare const __TCDN_ROUTING__: boolean;
declare const __cfUpdateOrigin: (params: Record<string, unknown>) => void;
declare const __cfKvs: undefined | (() => { get(key: string, options?: { format: 'json' }): Promise<unknown>; exists(key: string): Promise<boolean> });

const config = __TIERED_CDN_CONFIG__;
const kvs = (__TCDN_EXPERIMENTS__ || __TCDN_ROUTING__) && typeof __cfKvs === 'function' ? __cfKvs() : undefined;

/** Each experiment with the weights the store holds now; a missing or unreadable entry keeps the baked weights. */
async function liveExperiments(): Promise<readonly ExperimentConfig[]> {
  if (!kvs) return config.experiments;
  const out: ExperimentConfig[] = [];
  for (let i = 0; i < config.experiments.length; i++) {
    const e = config.experiments[i];
    let live: KvsExperimentValue | undefined;
    try {
      if (await kvs.exists(kvsExperimentKey(e.name))) live = (await kvs.get(kvsExperimentKey(e.name), { format: 'json' })) as KvsExperimentValue;
    } catch (err) {
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

type Target = Extract<OriginTarget, { kind: 'custom' }>;

function run(event: CfEvent, experiments: readonly ExperimentConfig[]): { out: ReturnType<typeof fromLambdaRequest> | ReturnType<typeof fromLambdaResponse>; id?: string; target?: Target } {
  let request = toLambdaRequest(event);
  // One `if` on the bundle-time flag, so a function without the guard carries none of its code.
  if (__TCDN_GUARD__ && config.guard) {
    const refused = refuseNonCanonical(request, config.guard);
    if (refused) {
      // The one JSON line per refusal, as the Lambda@Edge viewer-request writes it; CloudFront sends
      // a function's console.log lines to CloudWatch Logs (us-east-1, /aws/cloudfront/function/<name>).
      console.log(rejectionLogLine({ reason: refused.reason, route: routeOf(request.uri, config.routes), status: 400 }));
      return { out: fromLambdaResponse(refused.response) };
    }
  }
  request = stripAssertedHeaders(request);
  if (__TCDN_NORMALIZE__ && config.normalize) request = normalizeRequest(request, config.normalize);
  // Without experiments the step still removes viewer-sent x-experiment-* headers.
  request = __TCDN_EXPERIMENTS__ ? assignExperiments(request, experiments) : stripExperimentHeaders(request);
  const routed = __TCDN_ROUTING__ && config.routing ? route(request, config.routing) : undefined;
  const out = fromLambdaRequest(request, event.request);
  return routed ? { out, id: routed.id, target: routed.target } : { out };
}

/** The origin-request step's decision (same rules, same module). */
function route(request: CloudFrontRequest, routing: NonNullable<ViewerRequestConfig['routing']>): { id: string; target: Target } | undefined {
  const decision = decide(request, { rules: routing.rules, origins: routing.origins });
  const target = decision && routing.origins[decision.originId];
  return target && target.kind === 'custom' ? { id: decision.originId, target } : undefined;
}

/** The target's domain as the store holds it now (`origin:<id>`); the baked one when it holds none. */
async function liveTarget(id: string, target: Target): Promise<Target> {
  try {
    if (kvs && (await kvs.exists(kvsOriginKey(id)))) {
      const live = (await kvs.get(kvsOriginKey(id), { format: 'json' })) as KvsOriginValue;
      if (live && typeof live.domainName === 'string' && live.domainName) return Object.assign({}, target, { domainName: live.domainName });
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
  __cfUpdateOrigin(params);
}

function handler(event: CfEvent) {
  if (!kvs) {
    const r = run(event, config.experiments);
    if (r.target) updateOrigin(r.target);
    return r.out;
  }
  return liveExperiments().then((experiments) => {
    const r = run(event, experiments);
    if (!r.target || !r.id) return r.out;
    return liveTarget(r.id, r.target).then((t) => {
      updateOrigin(t);
      return r.out;
    });
  });
}

// The generated code's top-level `handler` calls this (lib/edge/cloudfront-function.ts): a global
// instead of an export spares the bundle esbuild's export wrapper, about 400 of the 10,240 bytes.
declare let __tcdnHandler: typeof handler;
__tcdnHandler = handler;
