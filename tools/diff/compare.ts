import { Writable } from 'stream';
import { ResourceImpact, TemplateDiff, formatDifferences, fullDiff } from '@aws-cdk/cloudformation-diff';
import { formatRouteChanges, type RouteChange, routeChanges, withoutPlans } from './routes';

/** A CloudFormation template as JSON. */
export type Template = { [key: string]: any };

export interface Replacement {
  readonly logicalId: string;
  readonly type: string;
  /** Construct path from `aws:cdk:path` metadata, when the template has it. */
  readonly path?: string;
  readonly impact: 'WILL_REPLACE' | 'MAY_REPLACE' | 'WILL_DESTROY' | 'WILL_ORPHAN';
  /** Properties whose change causes the replacement. */
  readonly causes: readonly string[];
}

/** A change to how long something is cached, or to what is in the cache key. */
export interface CacheChange {
  readonly logicalId: string;
  readonly type: string;
  /** Where in the resource, e.g. `CachePolicyConfig.MaxTTL` or `CacheBehaviors[/api/*].CachePolicyId`. */
  readonly property: string;
  readonly kind: 'ttl' | 'cache-key' | 'behavior' | 'edge-code';
  /** Construct path, for edge functions (their logical ids say little). */
  readonly path?: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
}

export interface StackDiff {
  readonly stack: string;
  readonly diff: TemplateDiff;
  readonly replacements: readonly Replacement[];
  readonly cacheChanges: readonly CacheChange[];
  /** Routes added, removed or changed, from the TieredCdn plans in the templates. */
  readonly routeChanges: readonly RouteChange[];
  /** Number of resources added, removed or changed. */
  readonly resourceChanges: number;
}

const REPLACING = new Set<string>([ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE, ResourceImpact.WILL_DESTROY, ResourceImpact.WILL_ORPHAN]);

/** Diffs stacks by name; a stack on one side only is diffed against an empty template. */
export function diffStacks(oldStacks: Readonly<Record<string, Template>>, newStacks: Readonly<Record<string, Template>>): StackDiff[] {
  const oldNames = Object.keys(oldStacks);
  const newNames = Object.keys(newStacks);
  if (oldNames.length === 1 && newNames.length === 1 && oldNames[0] !== newNames[0]) {
    // Two single templates (e.g. before.json and after.json) are two versions of one stack.
    return [diffTemplates(newNames[0], oldStacks[oldNames[0]], newStacks[newNames[0]])];
  }
  const names = [...new Set([...Object.keys(oldStacks), ...Object.keys(newStacks)])].sort();
  return names.map((stack) => diffTemplates(stack, oldStacks[stack] ?? {}, newStacks[stack] ?? {}));
}

export function diffTemplates(stack: string, oldTemplate: Template, newTemplate: Template): StackDiff {
  // The plan is reported route by route, not as a metadata difference.
  const diff = fullDiff(withoutPlans(oldTemplate), withoutPlans(newTemplate));
  const replacements: Replacement[] = [];
  let resourceChanges = 0;
  diff.resources.forEachDifference((logicalId, change) => {
    if (!change.isDifferent) return;
    resourceChanges++;
    if (!REPLACING.has(change.changeImpact)) return;
    const causes = Object.entries(change.propertyUpdates)
      .filter(([, p]) => p.changeImpact === ResourceImpact.WILL_REPLACE || p.changeImpact === ResourceImpact.MAY_REPLACE)
      .map(([name]) => name);
    if (change.oldResourceType !== change.newResourceType && change.oldResourceType && change.newResourceType) causes.push('Type');
    replacements.push({
      logicalId,
      type: change.newResourceType ?? change.oldResourceType ?? 'unknown',
      path: (change.newValue ?? change.oldValue)?.Metadata?.['aws:cdk:path'],
      impact: change.changeImpact as Replacement['impact'],
      causes,
    });
  });
  return { stack, diff, replacements, cacheChanges: cacheChanges(oldTemplate, newTemplate), routeChanges: routeChanges(oldTemplate, newTemplate), resourceChanges };
}

const TTL_KEYS = ['MinTTL', 'DefaultTTL', 'MaxTTL'];
const BEHAVIOR_CACHE_KEYS: Record<string, CacheChange['kind']> = {
  CachePolicyId: 'cache-key',
  ForwardedValues: 'cache-key',
  MinTTL: 'ttl',
  DefaultTTL: 'ttl',
  MaxTTL: 'ttl',
  TargetOriginId: 'behavior',
  LambdaFunctionAssociations: 'behavior',
  FunctionAssociations: 'behavior',
};

/**
 * Finds the changes a reviewer of a CDN must not miss: cache policy TTLs and cache keys, and per
 * path pattern the behavior's cache policy, legacy TTLs, target origin and edge functions.
 */
export function cacheChanges(oldTemplate: Template, newTemplate: Template): CacheChange[] {
  const out: CacheChange[] = [];
  const oldRes = oldTemplate.Resources ?? {};
  const newRes = newTemplate.Resources ?? {};
  const ids = [...new Set([...Object.keys(oldRes), ...Object.keys(newRes)])].sort();
  // Edge functions carry their configuration baked into the code, so a new bundle is a behavior change.
  const edgeFunctions = new Set([...edgeFunctionIds(oldRes), ...edgeFunctionIds(newRes)]);
  for (const id of ids) {
    const before = oldRes[id];
    const after = newRes[id];
    const type: string = after?.Type ?? before?.Type;
    const push = (property: string, kind: CacheChange['kind'], oldValue: unknown, newValue: unknown) => {
      if (!sameJson(oldValue, newValue)) out.push({ logicalId: id, type, property, kind, oldValue, newValue });
    };
    // A resource on one side only shows in the full difference; its settings are not "changes".
    if (!before || !after) continue;
    if (edgeFunctions.has(id) && !sameJson(before.Properties?.Code, after.Properties?.Code)) {
      out.push({
        logicalId: id,
        type,
        path: after.Metadata?.['aws:cdk:path'],
        property: 'Code (edge bundle and its baked configuration)',
        kind: 'edge-code',
        oldValue: codeKey(before),
        newValue: codeKey(after),
      });
    }
    if (type === 'AWS::CloudFront::CachePolicy') {
      const o = before?.Properties?.CachePolicyConfig ?? {};
      const n = after?.Properties?.CachePolicyConfig ?? {};
      for (const k of TTL_KEYS) push(`CachePolicyConfig.${k}`, 'ttl', o[k], n[k]);
      const ok = o.ParametersInCacheKeyAndForwardedToOrigin ?? {};
      const nk = n.ParametersInCacheKeyAndForwardedToOrigin ?? {};
      for (const k of [...new Set([...Object.keys(ok), ...Object.keys(nk)])].sort()) {
        push(`CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.${k}`, 'cache-key', ok[k], nk[k]);
      }
    } else if (type === 'AWS::CloudFront::Distribution') {
      const o = behaviors(before?.Properties?.DistributionConfig);
      const n = behaviors(after?.Properties?.DistributionConfig);
      for (const pattern of [...new Set([...o.keys(), ...n.keys()])]) {
        const ob = o.get(pattern);
        const nb = n.get(pattern);
        const where = pattern === '*' ? 'DefaultCacheBehavior' : `CacheBehaviors[${pattern}]`;
        if (!ob || !nb) {
          push(where, 'behavior', ob ? 'present' : undefined, nb ? 'present' : undefined);
          continue;
        }
        for (const [k, kind] of Object.entries(BEHAVIOR_CACHE_KEYS)) push(`${where}.${k}`, kind, ob[k], nb[k]);
      }
      const oldOrder = [...o.keys()].filter((p) => n.has(p));
      const newOrder = [...n.keys()].filter((p) => o.has(p));
      if (!sameJson(oldOrder, newOrder)) push('CacheBehaviors (order: first match wins)', 'behavior', oldOrder, newOrder);
    }
  }
  return out;
}

/** Logical ids of the Lambda functions a distribution in these resources associates with a behavior. */
function edgeFunctionIds(resources: Record<string, any>): string[] {
  const ids: string[] = [];
  const refOf = (v: any): string | undefined => (v && typeof v === 'object' && typeof v.Ref === 'string' ? v.Ref : undefined);
  for (const res of Object.values(resources)) {
    if (res?.Type !== 'AWS::CloudFront::Distribution') continue;
    const config = res.Properties?.DistributionConfig ?? {};
    for (const b of [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])]) {
      for (const a of b?.LambdaFunctionAssociations ?? []) {
        const version = refOf(a.LambdaFunctionARN);
        const fn = version ? refOf(resources[version]?.Properties?.FunctionName) : undefined;
        if (fn) ids.push(fn);
      }
    }
  }
  return ids;
}

function codeKey(resource: any): unknown {
  const code = resource?.Properties?.Code;
  return code?.S3Key ?? code?.ZipFile ?? code;
}

function behaviors(config: any): Map<string, any> {
  const map = new Map<string, any>();
  if (!config) return map;
  for (const b of config.CacheBehaviors ?? []) map.set(String(b.PathPattern), b);
  if (config.DefaultCacheBehavior) map.set('*', config.DefaultCacheBehavior);
  return map;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Compact rendering of a template value: `{"Ref":"X"}` -> `Ref X`. */
export function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref') return `Ref ${(value as { Ref: string }).Ref}`;
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') return `GetAtt ${((value as { 'Fn::GetAtt': string[] })['Fn::GetAtt']).join('.')}`;
  }
  return JSON.stringify(value);
}

/** The report: replacements and cache changes first, then the full CloudFormation difference. */
export function formatStackDiffs(diffs: readonly StackDiff[], opts: { color?: boolean; context?: number } = {}): string {
  const out: string[] = [];
  const changed = diffs.filter((d) => d.resourceChanges > 0 || !d.diff.isEmpty || d.routeChanges.length > 0);
  if (changed.length === 0) return 'no differences\n';
  for (const d of changed) {
    out.push(
      `Stack ${d.stack}: ${d.routeChanges.length > 0 ? `${d.routeChanges.length} route change(s), ` : ''}${d.resourceChanges} resource change(s), ${d.replacements.length} replacement(s), ${d.cacheChanges.length} cache or behavior change(s)`,
    );
    out.push(...formatRouteChanges(d.routeChanges));
    if (d.replacements.length > 0) {
      out.push('  Replacements (the resource is deleted and created again):');
      for (const r of d.replacements) {
        out.push(`    ${r.impact.padEnd(12)} ${r.type} ${r.logicalId}${r.path ? ` (${r.path})` : ''}${r.causes.length > 0 ? `: ${r.causes.join(', ')} changed` : ''}`);
      }
    }
    if (d.cacheChanges.length > 0) {
      out.push(
        d.routeChanges.length > 0
          ? '  TTL, cache-key and behavior changes by resource (routes with equal settings share a policy, so a policy names the routes it now serves):'
          : '  TTL, cache-key and behavior changes:',
      );
      for (const c of d.cacheChanges) {
        out.push(`    ${c.kind.padEnd(9)} ${c.logicalId}${c.path ? ` (${c.path})` : ''} ${c.property}: ${show(c.oldValue)} -> ${show(c.newValue)}`);
      }
    }
    out.push('');
    out.push(indent(renderFull(d.diff, opts), '  '));
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function renderFull(diff: TemplateDiff, opts: { color?: boolean; context?: number }): string {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  formatDifferences(sink, diff, undefined, opts.context ?? 3);
  // The formatter colours unconditionally; strip the escapes for logs, files and PR comments.
  return opts.color ? text : text.replace(/\u001b\[[0-9;]*m/g, '');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : prefix + l))
    .join('\n');
}
