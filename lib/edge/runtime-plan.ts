import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { ExperimentConfig, ViewerRequestConfig, ViewerResponseConfig } from '../../lambda-edge/shared/config';
import { kvsExperimentKey, type KvsExperimentValue, kvsOriginKey, type KvsOriginValue } from '../../lambda-edge/shared/experiment-kvs';
import { kvsItemProblem } from '../../lambda-edge/shared/kvs-limits';
import type { RouteProps } from '../routes';
import { bakedViewerRequestConfig, buildCloudFrontFunctionCode, CLOUDFRONT_FUNCTION_CODE_LIMIT, type CloudFrontFunctionCode } from './cloudfront-function';
import { unpackPatterns } from '../../lambda-edge/shared/pattern-pack';

/**
 * Which runtime runs each edge step of a route: the cheapest that can. CloudFront Functions
 * ($0.10 per million, no cold start) run every viewer step that needs no network and no RSA/ECDSA;
 * JWT verification (RS256/ES256) needs Lambda@Edge, and CloudFront cannot combine the two kinds on
 * a behavior's viewer events, so a route with auth keeps all its viewer steps on Lambda@Edge.
 * Origin routing stays an origin-request Lambda@Edge: it runs on cache misses only.
 */
export type StepRuntime = 'cloudfront-function' | 'lambda@edge';

export interface ViewerStepPlan {
  readonly runtime: StepRuntime;
  /** Why, in a sentence (for `tiered-cdn diagram` and docs). */
  readonly reason: string;
}

const VIEWER_EVENTS: readonly string[] = [cloudfront.LambdaEdgeEventType.VIEWER_REQUEST, cloudfront.LambdaEdgeEventType.VIEWER_RESPONSE];

/** The runtime of a route's viewer-request and viewer-response steps; undefined when it has none. */
export function viewerStepPlan(route: RouteProps, viewerRequest?: ViewerRequestConfig, viewerResponse?: ViewerResponseConfig): ViewerStepPlan | undefined {
  if (!viewerRequest && !viewerResponse) return undefined;
  if (viewerRequest?.auth) return { runtime: 'lambda@edge', reason: 'auth verifies RS256/ES256 tokens, which CloudFront Functions cannot (hash and HMAC only)' };
  if ((route.edgeLambdas ?? []).some((l) => VIEWER_EVENTS.includes(l.eventType))) {
    return { runtime: 'lambda@edge', reason: "the route's own edgeLambdas use a viewer event, and CloudFront cannot combine Lambda@Edge and CloudFront Functions on viewer events" };
  }
  return { runtime: 'cloudfront-function', reason: 'no network and no RSA/ECDSA needed' };
}

const built = new Map<string, CloudFrontFunctionCode>();

/**
 * The generated code, built once per synth for each distinct configuration. `behavior` names the
 * behavior in the error thrown when a step module uses JavaScript the runtime does not run.
 */
export function cloudFrontFunctionCode(kind: 'viewer-request' | 'viewer-response', config: unknown, keyValueStore: boolean, behavior?: string): CloudFrontFunctionCode {
  const key = `${kind} ${keyValueStore} ${JSON.stringify(config)}`;
  let code = built.get(key);
  if (!code) built.set(key, (code = buildCloudFrontFunctionCode(kind, config, { keyValueStore, behavior })));
  return code;
}

/** Problems with a route's generated CloudFront Functions: CloudFront refuses code over 10 KB. */
export function cloudFrontFunctionProblems(where: string, viewerRequest?: ViewerRequestConfig, viewerResponse?: ViewerResponseConfig): string[] {
  const out: string[] = [];
  const check = (kind: 'viewer-request' | 'viewer-response', config: unknown, steps: string, kvs: boolean) => {
    const { bytes } = cloudFrontFunctionCode(kind, config, kvs, where);
    if (bytes > CLOUDFRONT_FUNCTION_CODE_LIMIT) {
      const parts = sizeParts(kind, config as ViewerRequestConfig | ViewerResponseConfig);
      const code = bytes - parts.reduce((sum, p) => sum + p.bytes, 0);
      const held = [...parts, { what: "the steps' code", bytes: code }].sort((a, b) => b.bytes - a.bytes).map((p) => `${p.what} ${p.bytes} bytes`);
      out.push(
        `${where}: its ${kind} steps (${steps}) are ${bytes} bytes as a CloudFront Function; CloudFront allows ${CLOUDFRONT_FUNCTION_CODE_LIMIT} bytes. It holds ${held.join(', ')}. Use fewer experiments, give protected routes an origin of their own (the path guard runs on every behavior reaching their origin), or split the route.`,
      );
    }
  };
  if (viewerRequest) {
    const steps = [viewerRequest.guard && 'path guard', viewerRequest.normalize && 'query normalization', viewerRequest.experiments.length > 0 && 'experiments'].filter(Boolean).join(', ') || 'header strip';
    check('viewer-request', viewerRequest, steps, usesStore(viewerRequest));
  }
  if (viewerResponse) check('viewer-response', viewerResponse, 'experiment cookies', false);
  return out;
}

/**
 * What a function's configuration adds to its code, as baked: the protected patterns its guard
 * keeps (packed), the path patterns of the behaviors sharing it (for the rejection log), the
 * experiments, routing rules and query normalization. The rest of the bytes are the steps' code.
 */
function sizeParts(kind: 'viewer-request' | 'viewer-response', config: ViewerRequestConfig | ViewerResponseConfig): Array<{ what: string; bytes: number }> {
  const parts: Array<{ what: string; bytes: number }> = [];
  const add = (what: string, value: unknown) => {
    if (value !== undefined) parts.push({ what, bytes: Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value)) });
  };
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  if (config.experiments.length > 0) add(n(config.experiments.length, 'experiment', 'experiments'), config.experiments);
  if (kind === 'viewer-response') return parts;
  const baked = bakedViewerRequestConfig(config as ViewerRequestConfig);
  if (baked.guard) add(`${n(unpackPatterns(baked.guard.protectedPatterns).length, 'protected path pattern', 'protected path patterns')} (packed)`, baked.guard.protectedPatterns);
  if (baked.routes !== undefined) add(`the path patterns of the ${n(unpackPatterns(baked.routes).length, 'behavior', 'behaviors')} sharing it (packed, for its log line)`, baked.routes);
  if (baked.routing) add(n(baked.routing.rules.length, 'routing rule', 'routing rules'), baked.routing);
  if (baked.normalize) add('query normalization', baked.normalize);
  return parts;
}

/** Whether a viewer-request CloudFront Function reads the store: for experiment weights or routing targets. */
export function usesStore(viewerRequest: ViewerRequestConfig): boolean {
  return viewerRequest.experiments.length > 0 || viewerRequest.routing !== undefined;
}

/**
 * The initial contents of the store: each experiment's deployed weights, and each routing target's
 * deployed domain (`origin:<id>`), one key each.
 */
export function experimentStoreData(
  experiments: ReadonlyArray<Pick<ExperimentConfig, 'name' | 'variants'>>,
  routingTargets: Readonly<Record<string, string>> = {},
): { data: Array<{ key: string; value: string }>; problems: string[] } {
  const data: Array<{ key: string; value: string }> = [];
  const problems: string[] = [];
  for (const [id, domainName] of Object.entries(routingTargets)) {
    const value: KvsOriginValue = { domainName };
    data.push({ key: kvsOriginKey(id), value: JSON.stringify(value) });
  }
  const seen = new Set<string>();
  for (const e of experiments) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    const value: KvsExperimentValue = { weights: Object.fromEntries(e.variants.map((v) => [v.name, v.weight])) };
    const item = { key: kvsExperimentKey(e.name), value: JSON.stringify(value) };
    const problem = kvsItemProblem(item.key, item.value);
    if (problem) problems.push(`experiment '${e.name}': ${problem} in the KeyValueStore; use shorter variant names or fewer variants.`);
    data.push(item);
  }
  return { data, problems };
}
