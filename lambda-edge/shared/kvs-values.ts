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
  const out: string[] = [];
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) if (allowed.indexOf(keys[i]) < 0) out.push(keys[i]);
  return out;
}

/** Why `value` cannot be the live domain of routing target `id`, or undefined when it can. */
export function originValueProblem(id: string, value: unknown, plan: KvsValuePlan): string | undefined {
  if (!own(plan.origins, id)) {
    return `'${id}' is not a routing target of the app (targets: ${Object.keys(plan.origins).join(', ') || 'none'})`;
  }
  if (!isPlainObject(value)) return `the value of origin '${id}' must be an object {"domainName": "..."}`;
  const extra = unknownKeys(value, ['domainName']);
  if (extra.length > 0) return `the value of origin '${id}' has unknown fields: ${extra.join(', ')}`;
  const domain = value.domainName;
  if (typeof domain !== 'string' || !DOMAIN.test(domain)) {
    return `the domain of origin '${id}' must be a DNS name (no IP address, port, path or scheme), got: ${JSON.stringify(domain)}`;
  }
  const allowed = plan.origins[id];
  if (allowed.indexOf(domain) < 0) {
    return `'${domain}' is not a domain the app declares for an origin; origin '${id}' may be sent to: ${allowed.join(', ')}`;
  }
  return undefined;
}

/** Why `value` cannot be the live setting of experiment `name`, or undefined when it can. */
export function experimentValueProblem(name: string, value: unknown, plan: KvsValuePlan): string | undefined {
  if (!own(plan.experiments, name)) {
    return `'${name}' is not an experiment of the app (experiments: ${Object.keys(plan.experiments).join(', ') || 'none'})`;
  }
  if (!isPlainObject(value)) return `the value of experiment '${name}' must be an object {"weights": {...}} or {"off": true}`;
  const extra = unknownKeys(value, ['weights', 'off']);
  if (extra.length > 0) return `the value of experiment '${name}' has unknown fields: ${extra.join(', ')}`;
  if (own(value, 'off') && typeof value.off !== 'boolean') return `'off' of experiment '${name}' must be true or false, got: ${JSON.stringify(value.off)}`;
  if (value.off === true) return undefined;
  const weights = value.weights;
  if (!isPlainObject(weights)) return `experiment '${name}' needs "weights": {"<variant>": <number>, ...} or "off": true`;
  const variants = plan.experiments[name];
  const names = Object.keys(weights);
  if (names.length === 0) return `experiment '${name}': give the weight of at least one variant`;
  let positive = false;
  for (let i = 0; i < names.length; i++) {
    const w = weights[names[i]];
    if (variants.indexOf(names[i]) < 0) return `experiment '${name}' has no variant '${names[i]}'; its variants: ${variants.join(', ')}`;
    if (typeof w !== 'number' || !isFinite(w) || w < 0 || w > KVS_MAX_WEIGHT) {
      return `the weight of variant '${names[i]}' of experiment '${name}' must be a number from 0 to ${KVS_MAX_WEIGHT}, got: ${JSON.stringify(w)}`;
    }
    if (w > 0) positive = true;
  }
  // Variants left out keep their deployed weights, which may be positive; all named ones at 0 with
  // every variant named leaves nobody to serve.
  if (!positive && names.length === variants.length) return `experiment '${name}': at least one weight must be above 0 (or set "off": true)`;
  return undefined;
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
