import type { PlanDocument, PlanDocumentBehavior } from '../../lib/plan';
import { PLAN_METADATA_KEY } from '../../lib/metadata-keys';
import { plansOf } from '../plan';
import type { Template } from './compare';

/*
 * What changed per route, read from the plan each TieredCdn writes into its template. The
 * template alone misleads a reviewer: routes with equal settings share one cache policy, so when
 * one route's settings change, policies swap contents and the resource diff names the routes that
 * moved between policies, not the route that changed. The plan names the route.
 */

/** One route (behavior) that was added, removed or changed, and how, in words. */
export interface RouteChange {
  /** Logical id of the distribution it belongs to. */
  readonly distribution: string;
  readonly pathPattern: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Sentences, e.g. `cache key no longer varies on Accept-Language`. */
  readonly details: readonly string[];
}

/** Route changes between two templates, for every distribution whose plan is in both or either. */
export function routeChanges(oldTemplate: Template, newTemplate: Template): RouteChange[] {
  const oldPlans = distributions(plansOf(oldTemplate));
  const newPlans = distributions(plansOf(newTemplate));
  const out: RouteChange[] = [];
  for (const id of [...new Set([...oldPlans.keys(), ...newPlans.keys()])].sort()) {
    const before = new Map((oldPlans.get(id) ?? []).map((b) => [b.pathPattern, b]));
    const after = new Map((newPlans.get(id) ?? []).map((b) => [b.pathPattern, b]));
    for (const pattern of [...new Set([...before.keys(), ...after.keys()])]) {
      const o = before.get(pattern);
      const n = after.get(pattern);
      if (!o) out.push({ distribution: id, pathPattern: pattern, change: 'added', details: [summary(n!)] });
      else if (!n) out.push({ distribution: id, pathPattern: pattern, change: 'removed', details: [`was ${summary(o)}`] });
      else {
        const details = behaviorChanges(o, n);
        if (details.length > 0) out.push({ distribution: id, pathPattern: pattern, change: 'changed', details });
      }
    }
  }
  return out;
}

/** Behaviors per distribution logical id (primary and staging). */
function distributions(plans: readonly PlanDocument[]): Map<string, readonly PlanDocumentBehavior[]> {
  const out = new Map<string, readonly PlanDocumentBehavior[]>();
  for (const p of plans) {
    out.set(p.distribution, p.behaviors);
    if (p.staging?.distribution) out.set(p.staging.distribution, p.staging.behaviors);
  }
  return out;
}

function summary(b: PlanDocumentBehavior): string {
  const steps = Object.entries(edgeOf(b)).map(([event, e]) => `${event}: ${(e.steps ?? []).join(', ')}`);
  return `${b.tier} tier, origin ${b.origin ?? '?'}${steps.length > 0 ? `, edge ${steps.join('; ')}` : ''}`;
}

interface CacheDoc {
  readonly minTtl?: number;
  readonly defaultTtl?: number;
  readonly maxTtl?: number;
  readonly headers?: readonly string[];
  readonly queryStrings?: 'all' | 'none' | readonly string[];
}

interface EdgeDoc {
  readonly steps?: readonly string[];
  readonly runtime?: string;
  readonly config?: unknown;
}

function edgeOf(b: PlanDocumentBehavior): Record<string, EdgeDoc> {
  return (b.edge ?? {}) as Record<string, EdgeDoc>;
}

/** Every way two plans of one route differ, in words. */
export function behaviorChanges(o: PlanDocumentBehavior, n: PlanDocumentBehavior): string[] {
  const out: string[] = [];
  if (o.tier !== n.tier) out.push(`tier ${o.tier} -> ${n.tier}`);
  if (o.origin !== n.origin) out.push(`origin ${o.origin} -> ${n.origin}`);
  if (o.methods !== n.methods) out.push(`methods ${o.methods} -> ${n.methods}`);
  out.push(...cacheChanges(o.cache as CacheDoc | undefined, n.cache as CacheDoc | undefined));
  if (!same(o.originRequestPolicy, n.originRequestPolicy)) {
    out.push(`what reaches the origin beyond the cache key: ${short(o.originRequestPolicy)} -> ${short(n.originRequestPolicy)}`);
  }
  if (o.responseHeadersPolicy !== n.responseHeadersPolicy) out.push(`response headers policy ${o.responseHeadersPolicy} -> ${n.responseHeadersPolicy}`);
  out.push(...edgeChanges(edgeOf(o), edgeOf(n)));
  if (!same(o.customEdgeLambdas, n.customEdgeLambdas)) out.push(`own edge functions ${short(o.customEdgeLambdas)} -> ${short(n.customEdgeLambdas)}`);
  return out;
}

function cacheChanges(o: CacheDoc | undefined, n: CacheDoc | undefined): string[] {
  if (!o && !n) return [];
  if (!o || !n) return [`${o ? 'no longer cached' : 'now cached'} (cache ${short(o)} -> ${short(n)})`];
  const out: string[] = [];
  for (const [key, label] of [['minTtl', 'MinTTL'], ['defaultTtl', 'DefaultTTL'], ['maxTtl', 'MaxTTL']] as const) {
    if (o[key] !== n[key]) out.push(`${label} ${o[key]} s -> ${n[key]} s`);
  }
  const oh = o.headers ?? [];
  const nh = n.headers ?? [];
  const dropped = oh.filter((h) => !nh.includes(h));
  const added = nh.filter((h) => !oh.includes(h));
  if (dropped.length > 0) out.push(`cache key no longer varies on ${dropped.join(', ')}`);
  if (added.length > 0) out.push(`cache key now varies on ${added.join(', ')}`);
  if (!same(o.queryStrings, n.queryStrings)) out.push(`query strings in the cache key: ${queryStrings(o.queryStrings)} -> ${queryStrings(n.queryStrings)}`);
  return out;
}

function queryStrings(q: CacheDoc['queryStrings']): string {
  if (q === undefined || q === 'none') return 'none';
  if (q === 'all') return 'all';
  return q.join(', ');
}

function edgeChanges(o: Record<string, EdgeDoc>, n: Record<string, EdgeDoc>): string[] {
  const out: string[] = [];
  for (const event of [...new Set([...Object.keys(o), ...Object.keys(n)])]) {
    const a = o[event];
    const b = n[event];
    if (!a) out.push(`${event} now runs ${(b.steps ?? []).join(', ')} (${b.runtime ?? 'edge function'})`);
    else if (!b) out.push(`${event} no longer runs ${(a.steps ?? []).join(', ')}`);
    else {
      if (!same(a.steps, b.steps)) out.push(`${event} steps ${(a.steps ?? []).join(', ')} -> ${(b.steps ?? []).join(', ')}`);
      if (a.runtime !== b.runtime) out.push(`${event} runs on ${a.runtime} -> ${b.runtime}`);
      for (const [p, before, after] of leafChanges(a.config, b.config, '')) out.push(`${event} ${p || 'configuration'}: ${short(before)} -> ${short(after)}`);
    }
  }
  return out;
}

/** The leaves of two JSON values that differ, by dotted path (a list counts as one leaf). */
function leafChanges(a: unknown, b: unknown, at: string): Array<[string, unknown, unknown]> {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => leafChanges(a[k], b[k], at ? `${at}.${k}` : k));
  }
  return same(a, b) ? [] : [[at, a, b]];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A value in a sentence: short, never a page of JSON. */
function short(v: unknown): string {
  if (v === undefined) return '(none)';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length === 0 ? '(none)' : v.join(', ');
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The template without its plan metadata: the plan is read into route changes above, and as a
 * template difference it would print as two one-line JSON documents of several kilobytes.
 */
export function withoutPlans(template: Template): Template {
  const metadata = template.Metadata;
  if (!metadata || typeof metadata !== 'object') return template;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== PLAN_METADATA_KEY && !k.startsWith(`${PLAN_METADATA_KEY}/`)));
  const { Metadata: _dropped, ...rest } = template;
  return Object.keys(kept).length > 0 ? { ...rest, Metadata: kept } : rest;
}

/** The route changes as report lines. */
export function formatRouteChanges(changes: readonly RouteChange[]): string[] {
  if (changes.length === 0) return [];
  const multi = new Set(changes.map((c) => c.distribution)).size > 1;
  const out = ['  Route changes (from the TieredCdn plan):'];
  for (const c of changes) {
    const where = `${c.pathPattern}${multi ? ` (${c.distribution})` : ''}`;
    if (c.change === 'changed' && c.details.length === 1) out.push(`    ${where}: ${c.details[0]}`);
    else if (c.change !== 'changed') out.push(`    ${where}: ${c.change}, ${c.details.join('; ')}`);
    else {
      out.push(`    ${where}:`);
      for (const d of c.details) out.push(`      ${d}`);
    }
  }
  return out;
}
