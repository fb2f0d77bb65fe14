import type { CloudFrontKeyValueStoreClient } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { kvsExperimentKey, type KvsExperimentValue, kvsOriginKey, type KvsOriginValue } from '../../lambda-edge/shared/experiment-kvs';
import { kvsItemProblem } from '../../lambda-edge/shared/kvs-limits';
import type { KvsValuePlan } from '../../lambda-edge/shared/kvs-values';
import type { PlanDocument, PlannedExperiment } from '../../lib/plan';
import { CliError } from '../errors';
import { readStacks } from '../local/assembly';
import { plansOf } from '../plan';

/** `tiered-cdn experiment`: experiment weights and the off switch, in the KeyValueStore the generated CloudFront Functions read. */

export class ExperimentError extends CliError {}

export interface StoreTarget {
  readonly kvsArn: string;
  /** A local edge's `kvsEndpoint` (tests); absent: CloudFront's own endpoint for the ARN. */
  readonly endpoint?: string;
}

/** `variant=weight` arguments as weights; every problem named at once. */
export function parseWeights(args: readonly string[]): Record<string, number> {
  const problems: string[] = [];
  const weights: Record<string, number> = {};
  for (const a of args) {
    const m = /^([A-Za-z0-9_-]{1,32})=(\d+(?:\.\d+)?)$/.exec(a);
    if (!m) problems.push(`'${a}' is not VARIANT=WEIGHT (a variant name of 1-32 letters, digits, '_' or '-', and a number >= 0, e.g. redesign=20)`);
    else weights[m[1]] = Number(m[2]);
  }
  if (args.length === 0) problems.push('give at least one VARIANT=WEIGHT');
  if (problems.length === 0 && Object.values(weights).every((w) => w === 0)) problems.push('at least one weight must be above 0 (use `tiered-cdn experiment off NAME` to stop the experiment)');
  if (problems.length) throw new ExperimentError(problems.join('\n'), { exitCode: 2 });
  return weights;
}

/**
 * The experiment as the synthesized app declares it (TieredCdn::Plan in the templates of `appDir`),
 * to check names against; undefined when there is no assembly to read.
 */
export function plannedExperiment(appDir: string | undefined, name: string): PlannedExperiment | undefined {
  const plans = appPlans(appDir);
  if (!plans) return undefined;
  const all = plans.flatMap((p) => p.experiments ?? []);
  const found = all.find((e) => e.name === name);
  if (!found) {
    throw new ExperimentError(`experiment '${name}' is not in the app (${appDir ?? 'cdk.out'}); experiments: ${[...new Set(all.map((e) => e.name))].join(', ') || 'none'}`, { exitCode: 2 });
  }
  return found;
}

/** The plans of the app's templates; undefined when there is no assembly to read and none was named. */
export function appPlans(appDir: string | undefined): PlanDocument[] | undefined {
  let stacks: ReturnType<typeof readStacks>;
  try {
    stacks = readStacks(appDir ?? 'cdk.out');
  } catch (e) {
    if (appDir) throw new ExperimentError(e instanceof Error ? e.message : String(e));
    return undefined;
  }
  return stacks.flatMap((s) => plansOf(s.template));
}

/**
 * What store values may say, from the plans: each routing target may be sent to any domain the app
 * declares for a custom origin (its own, its failover, another origin's), each experiment only to
 * its deployed variants.
 */
export function kvsValuePlan(plans: readonly PlanDocument[]): KvsValuePlan {
  const domains = new Set<string>();
  for (const p of plans) {
    for (const o of p.origins ?? []) {
      if (o.domainName) domains.add(o.domainName);
      if (o.failover?.domainName) domains.add(o.failover.domainName);
    }
    for (const d of p.routedDomains ?? []) domains.add(d);
  }
  const origins: Record<string, string[]> = {};
  const experiments: Record<string, string[]> = {};
  for (const p of plans) {
    for (const o of p.origins ?? []) if (o.routedBy && o.routedBy.length > 0) origins[o.id] = [...domains].sort();
    for (const e of p.experiments ?? []) experiments[e.name] = e.variants.map((v) => v.name);
  }
  return { origins, experiments };
}

/** Checks weights against the variants the app deployed: a variant the functions do not know would never be served. */
export function checkVariants(weights: Record<string, number>, planned: PlannedExperiment | undefined): void {
  if (!planned) return;
  const known = planned.variants.map((v) => v.name);
  const unknown = Object.keys(weights).filter((v) => !known.includes(v));
  if (unknown.length) throw new ExperimentError(`experiment '${planned.name}' has no variant ${unknown.map((u) => `'${u}'`).join(', ')}; its variants: ${known.join(', ')}`, { exitCode: 2 });
}

/**
 * The KeyValueStore SDK, loaded by the first write rather than when the CLI starts (with the SigV4A
 * signer, some 40 ms that reading a plan, `--help` and a usage error do not need).
 */
function kvsSdk(): typeof import('@aws-sdk/client-cloudfront-keyvaluestore') {
  // Registers the JS SigV4A signer the KeyValueStore API requires (no native CRT module needed).
  require('@aws-sdk/signature-v4a');
  return require('@aws-sdk/client-cloudfront-keyvaluestore') as typeof import('@aws-sdk/client-cloudfront-keyvaluestore');
}

function client(target: StoreTarget): CloudFrontKeyValueStoreClient {
  const { CloudFrontKeyValueStoreClient } = kvsSdk();
  // The store is global; SigV4A signs for every Region ('*'). A local endpoint needs no real keys.
  const local = target.endpoint !== undefined && !process.env.AWS_ACCESS_KEY_ID;
  return new CloudFrontKeyValueStoreClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    // The service's endpoint rules put the account id in front of the host (`<account>.<host>`),
    // which a local endpoint (127.0.0.1) has no name for: a given endpoint is used as it is.
    ...(target.endpoint ? { endpointProvider: () => ({ url: new URL(target.endpoint!) }) } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}

export interface WriteResult {
  readonly key: string;
  readonly value: KvsExperimentValue;
  readonly previous?: KvsExperimentValue;
  readonly etag: string;
}

/**
 * Writes one experiment's entry: reads the store's ETag, then PutKey with IfMatch, so a change made
 * by someone else in between fails (ConflictException) instead of being overwritten.
 */
export async function writeExperiment(target: StoreTarget, name: string, value: KvsExperimentValue): Promise<WriteResult> {
  return writeKey(target, kvsExperimentKey(name), value);
}

/** Writes a routing target's live domain (`origin:<id>`), as writeExperiment does. */
export async function writeOrigin(target: StoreTarget, id: string, value: KvsOriginValue): Promise<{ key: string; value: KvsOriginValue; previous?: KvsOriginValue; etag: string }> {
  return writeKey(target, kvsOriginKey(id), value);
}

async function writeKey<V>(target: StoreTarget, key: string, value: V): Promise<{ key: string; value: V; previous?: V; etag: string }> {
  const text = JSON.stringify(value);
  const problem = kvsItemProblem(key, text);
  if (problem) throw new ExperimentError(`${problem}; the KeyValueStore refuses it`, { exitCode: 2 });
  const { ConflictException, DescribeKeyValueStoreCommand, GetKeyCommand, PutKeyCommand, ResourceNotFoundException } = kvsSdk();
  const kvs = client(target);
  try {
    const described = await kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: target.kvsArn }));
    let previous: V | undefined;
    try {
      const got = await kvs.send(new GetKeyCommand({ KvsARN: target.kvsArn, Key: key }));
      previous = got.Value ? (JSON.parse(got.Value) as V) : undefined;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) throw e;
    }
    const put = await kvs.send(new PutKeyCommand({ KvsARN: target.kvsArn, Key: key, Value: text, IfMatch: described.ETag! }));
    return { key, value, previous, etag: put.ETag ?? '' };
  } catch (e) {
    if (e instanceof ConflictException) throw new ExperimentError(`the store changed while this ran (ETag mismatch): nothing was written; run the command again. ${e.message}`);
    if (e instanceof ResourceNotFoundException) throw new ExperimentError(`no key value store ${target.kvsArn}: ${e.message}`);
    if (e instanceof Error && e.name !== 'Error') throw new ExperimentError(`KeyValueStore ${target.kvsArn}: ${e.name}: ${e.message}`);
    throw e;
  } finally {
    kvs.destroy();
  }
}
