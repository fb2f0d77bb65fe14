// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * What a KeyValueStore value may say, checked against the plan the template declared: routing
 * targets (`origin:<id>` -> `{"domainName":"..."}`) may only name a domain the template declares for
 * an origin, experiments (`experiment:<name>` -> `{"weights":{...}}` or `{"off":true}`) only the
 * variants the app deployed, with finite weights. One rule set for `tiered-cdn experiment` and
 * `tiered-cdn routing` (before they write) and for the viewer-request function (after it reads).
 *
 * Written in the CloudFront Functions language (ES 5.1 with const/let, arrow functions and template
 * literals): no for-of, destructuring, spread, default parameters, `catch {}`, Map or Set.
 */

/** The parts of the plan a store value is checked against. */
export interface KvsValuePlan {
  /** Routing target id -> the domains the template declares for origins (any of them may be named). */
  readonly origins: { readonly [id: string]: readonly string[] };
  /** Experiment name -> its variant names, control first. */
  readonly experiments: { readonly [name: string]: readonly string[] };
}

/** Experiment name -> variant names, from the experiments baked into a function. */
export function bakedVariants(experiments: ReadonlyArray<{ readonly name: string; readonly variants: ReadonlyArray<{ readonly name: string }> }>): { [name: string]: string[] } {
  const out: { [name: string]: string[] } = {};
  for (let i = 0; i < experiments.length; i++) out[experiments[i].name] = experiments[i].variants.map((v) => v.name);
  return out;
}

/** Routing target id -> the domains its live value may name (the domains the app declares, baked at synth). */
export function bakedTargets(origins: { readonly [id: string]: unknown }, domains: readonly string[]): { [id: string]: readonly string[] } {
  const out: { [id: string]: readonly string[] } = {};
  const ids = Object.keys(origins);
  for (let i = 0; i < ids.length; i++) out[ids[i]] = domains;
  return out;
}

/** The one log line a function writes when it falls back from a store value to the deployed one. */
export function storeFallbackLogLine(key: string, reason: string): string {
  return JSON.stringify({ event: 'tiered-cdn.store-value-refused', key: key, reason: reason });
}

/** Largest weight accepted: weights are relative shares; beyond this they stop adding precision. */
export const KVS_MAX_WEIGHT = 1000000;

/** A DNS name (letters, digits, '-', dots, a letter TLD): no IP literal, port, path or scheme. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function isPlainObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: { readonly [k: string]: unknown }, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function unknownKeys(o: { [k: string]: unknown }, allowed: readonly string[]): string[] {
  return Object.keys(o).filter((k) => allowed.indexOf(k) < 0);
}

/** Why a routing value is refused, as a short code (the function's log line carries it). */
export type OriginValueIssue = 'unknown-target' | 'not-an-object' | 'unknown-field' | 'undeclared-domain';

/** Why an experiment value is refused, as a short code. */
export type ExperimentValueIssue = 'unknown-experiment' | 'not-an-object' | 'unknown-field' | 'off-not-boolean' | 'no-weights' | 'unknown-variant' | 'weight-out-of-range' | 'all-weights-zero';

/** The rule the edge applies to `origin:<id>`: undefined when the value may be used. */
export function originValueIssue(id: string, value: unknown, plan: KvsValuePlan): OriginValueIssue | undefined {
  if (!own(plan.origins, id)) return 'unknown-target';
  if (!isPlainObject(value)) return 'not-an-object';
  const n = Object.keys(value).length;
  if (n > 1 || (n === 1 && !own(value, 'domainName'))) return 'unknown-field';
  // The declared domains are DNS names checked at synth: anything else (an IP address, a port, a
  // path, not a string) is not among them.
  return plan.origins[id].indexOf(value.domainName as string) < 0 ? 'undeclared-domain' : undefined;
}

/** The rule the edge applies to `experiment:<name>`: undefined when the value may be used. */
export function experimentValueIssue(name: string, value: unknown, plan: KvsValuePlan): ExperimentValueIssue | undefined {
  if (!own(plan.experiments, name)) return 'unknown-experiment';
  if (!isPlainObject(value)) return 'not-an-object';
  if (unknownKeys(value, ['weights', 'off']).length > 0) return 'unknown-field';
  if (own(value, 'off') && typeof value.off !== 'boolean') return 'off-not-boolean';
  if (value.off === true) return undefined;
  const weights = value.weights;
  if (!isPlainObject(weights) || Object.keys(weights).length === 0) return 'no-weights';
  const variants = plan.experiments[name];
  const names = Object.keys(weights);
  let positive = false;
  for (let i = 0; i < names.length; i++) {
    const w = weights[names[i]];
    if (variants.indexOf(names[i]) < 0) return 'unknown-variant';
    if (typeof w !== 'number' || !isFinite(w) || w < 0 || w > KVS_MAX_WEIGHT) return 'weight-out-of-range';
    if (w > 0) positive = true;
  }
  // Variants left out keep their deployed weights; all of them named at 0 leaves nobody to serve.
  return !positive && names.length === variants.length ? 'all-weights-zero' : undefined;
}

/** Why `value` cannot be the live domain of routing target `id`, for people; undefined when it can. */
export function originValueProblem(id: string, value: unknown, plan: KvsValuePlan): string | undefined {
  const issue = originValueIssue(id, value, plan);
  if (!issue) return undefined;
  const v: { [k: string]: unknown } = isPlainObject(value) ? value : {};
  switch (issue) {
    case 'unknown-target':
      return `'${id}' is not a routing target of the app (targets: ${Object.keys(plan.origins).join(', ') || 'none'})`;
    case 'not-an-object':
      return `the value of origin '${id}' must be an object {"domainName": "..."}`;
    case 'unknown-field':
      return `the value of origin '${id}' has unknown fields: ${unknownKeys(v, ['domainName']).join(', ')}`;
    default:
      if (typeof v.domainName !== 'string' || !DOMAIN.test(v.domainName)) {
        return `the domain of origin '${id}' must be a DNS name (no IP address, port, path or scheme), got: ${JSON.stringify(v.domainName)}`;
      }
      return `'${String(v.domainName)}' is not a domain the app declares for an origin; origin '${id}' may be sent to: ${plan.origins[id].join(', ')}`;
  }
}

/** Why `value` cannot be the live setting of experiment `name`, for people; undefined when it can. */
export function experimentValueProblem(name: string, value: unknown, plan: KvsValuePlan): string | undefined {
  const issue = experimentValueIssue(name, value, plan);
  if (!issue) return undefined;
  const v: { [k: string]: unknown } = isPlainObject(value) ? value : {};
  const weights = (v.weights || {}) as { [k: string]: unknown };
  const variants = plan.experiments[name] || [];
  const names = Object.keys(weights);
  switch (issue) {
    case 'unknown-experiment':
      return `'${name}' is not an experiment of the app (experiments: ${Object.keys(plan.experiments).join(', ') || 'none'})`;
    case 'not-an-object':
      return `the value of experiment '${name}' must be an object {"weights": {...}} or {"off": true}`;
    case 'unknown-field':
      return `the value of experiment '${name}' has unknown fields: ${unknownKeys(v, ['weights', 'off']).join(', ')}`;
    case 'off-not-boolean':
      return `'off' of experiment '${name}' must be true or false, got: ${JSON.stringify(v.off)}`;
    case 'no-weights':
      return `experiment '${name}' needs "weights": {"<variant>": <number>, ...} with at least one variant, or "off": true`;
    case 'unknown-variant': {
      let unknown = '';
      for (let i = 0; i < names.length; i++) if (!unknown && variants.indexOf(names[i]) < 0) unknown = names[i];
      return `experiment '${name}' has no variant '${unknown}'; its variants: ${variants.join(', ')}`;
    }
    case 'weight-out-of-range': {
      let bad = '';
      for (let i = 0; i < names.length; i++) {
        const w = weights[names[i]];
        if (!bad && (typeof w !== 'number' || !isFinite(w) || w < 0 || w > KVS_MAX_WEIGHT)) bad = names[i];
      }
      return `the weight of variant '${bad}' of experiment '${name}' must be a number from 0 to ${KVS_MAX_WEIGHT}, got: ${JSON.stringify(weights[bad])}`;
    }
    default:
      return `experiment '${name}': at least one weight must be above 0 (or set "off": true)`;
  }
}

/** What the viewer-request function does with a valid routing value. */
export function describeOriginValue(id: string, value: { readonly domainName: string }): string {
  return `requests the routing rules send to origin '${id}' go to ${value.domainName} (same path, protocol, port and custom headers), from the next request on, on every behavior that routes to it`;
}

/** What the viewer-request functions do with a valid experiment value, given the deployed variants. */
export function describeExperimentValue(name: string, value: { readonly weights?: { readonly [v: string]: number }; readonly off?: boolean }, deployed: ReadonlyArray<{ readonly name: string; readonly weight: number }>): string {
  if (value.off === true) {
    return `experiment '${name}' is off: new viewers all get '${deployed.length > 0 ? deployed[0].name : 'control'}'; viewers with a variant cookie keep theirs`;
  }
  const weights = value.weights || {};
  let total = 0;
  const effective: Array<{ name: string; weight: number }> = [];
  for (let i = 0; i < deployed.length; i++) {
    const w = typeof weights[deployed[i].name] === 'number' ? weights[deployed[i].name] : deployed[i].weight;
    effective.push({ name: deployed[i].name, weight: w });
    total += w;
  }
  const parts: string[] = [];
  for (let i = 0; i < effective.length; i++) {
    const share = total > 0 ? Math.round((effective[i].weight / total) * 1000) / 10 : 0;
    parts.push(`${effective[i].name} ${share}%${typeof weights[effective[i].name] === 'number' ? '' : ' (deployed weight)'}`);
  }
  return `new viewers of experiment '${name}' without a variant cookie get ${parts.join(', ')}; viewers with a cookie keep theirs; routes with auth (Lambda@Edge) keep the deployed weights`;
}
