import type { ExperimentConfig, ViewerRequestConfig } from '../shared/config';
import { kvsExperimentKey, type KvsExperimentValue } from '../shared/experiment-kvs';
import { assignExperiments } from '../viewer-request/experiments';
import { guardRequest } from '../viewer-request/guard';
import { normalizeRequest } from '../viewer-request/normalize';
import { stripAssertedHeaders } from '../viewer-request/strip';
import { type CfEvent, fromLambdaRequest, fromLambdaResponse, toLambdaRequest } from './adapter';

/**
 * The viewer-request steps of a behavior without auth, as a CloudFront Function: guard, strip,
 * normalize, experiments, the same pure modules the Lambda@Edge bundle runs, in the same order.
 * With a key value store, each experiment's weights (or its off switch) are read from it first.
 */
declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
declare const __cfKvs: undefined | (() => { get(key: string, options?: { format: 'json' }): Promise<unknown>; exists(key: string): Promise<boolean> });

const config = __TIERED_CDN_CONFIG__;
const kvs = typeof __cfKvs === 'function' && config.experiments.length > 0 ? __cfKvs() : undefined;

/** Each experiment with the weights the store holds now; a missing or unreadable entry keeps the baked weights. */
async function liveExperiments(): Promise<readonly ExperimentConfig[]> {
  if (!kvs) return config.experiments;
  const out: ExperimentConfig[] = [];
  for (const e of config.experiments) {
    let live: KvsExperimentValue | undefined;
    try {
      if (await kvs.exists(kvsExperimentKey(e.name))) live = (await kvs.get(kvsExperimentKey(e.name), { format: 'json' })) as KvsExperimentValue;
    } catch {
      live = undefined;
    }
    out.push(withLiveWeights(e, live));
  }
  return out;
}

function withLiveWeights(e: ExperimentConfig, live: KvsExperimentValue | undefined): ExperimentConfig {
  if (!live) return e;
  // Off: every new viewer gets the first (control) variant; viewers with a cookie keep theirs.
  if (live.off) return { ...e, variants: e.variants.map((v, i) => ({ name: v.name, weight: i === 0 ? 1 : 0 })) };
  const weights = live.weights ?? {};
  const variants = e.variants.map((v) => ({ name: v.name, weight: typeof weights[v.name] === 'number' ? weights[v.name] : v.weight }));
  return variants.some((v) => v.weight > 0) ? { ...e, variants } : e;
}

function run(event: CfEvent, experiments: readonly ExperimentConfig[]) {
  let request = toLambdaRequest(event);
  const refused = config.guard ? guardRequest(request, config.guard) : undefined;
  if (refused) return fromLambdaResponse(refused);
  request = stripAssertedHeaders(request);
  if (config.normalize) request = normalizeRequest(request, config.normalize);
  request = assignExperiments(request, experiments);
  return fromLambdaRequest(request, event.request);
}

export function handler(event: CfEvent) {
  if (!kvs) return run(event, config.experiments);
  return liveExperiments().then((experiments) => run(event, experiments));
}
