import * as crypto from 'crypto';
import * as fs from 'fs';
import type { Tier } from '../../lib/routes';
import { TIERS } from '../../lib/routes';
import { compareSpecificity, matchesPathPattern } from '../../lambda-edge/shared/path-pattern';
import { distributionsOf } from '../diagram/model';
import { loadTemplates } from '../diff/synth';
import { EDGE_SET_COOKIES_METADATA_KEY } from '../../lib/metadata-keys';
import type { EdgeSetCookies } from '../../lib/edge-metadata';
import { listSiteFiles } from '../../lib/variant-documents';
import { readDistribution } from '../local/assembly';
import { type FunctionLanguageRow, formatFunctionLanguage } from './functions';
import { Finding, ObservedResponse, gradeResponse } from './rules';
import { CliError, UsageError } from '../errors';

/** The routes, paths or tokens asked for cannot be audited as given (exit 2). */
export class AuditInputError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'AuditInputError';
  }
}

/** A request of the audit failed (exit 1): the base does not answer. */
export class AuditRequestError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'AuditRequestError';
  }
}

/** One route to audit: a CloudFront path pattern, its tier, and sample paths to request. */
export interface AuditRoute {
  readonly pathPattern: string;
  readonly tier: Tier;
  /** Paths to request; default: the pattern with its wildcards dropped. */
  readonly paths?: readonly string[];
  /** Cookies the distribution's own edge functions set on this route's responses (from `--app`). */
  readonly edgeSetCookies?: readonly string[];
}

/**
 * Reads a route list: `[{ "pathPattern": "/assets/*", "tier": "static", "paths": ["/assets/app.3f9c2a1b.js"] }]`
 * (or the same under `{ "routes": [...] }`). Every problem is reported at once.
 */
export function parseRoutes(json: unknown, source: string): AuditRoute[] {
  const list = Array.isArray(json) ? json : (json as { routes?: unknown })?.routes;
  if (!Array.isArray(list)) {
    throw new AuditInputError(`${source}: expected an array of { "pathPattern", "tier", "paths"? } (or { "routes": [...] })`);
  }
  const problems: string[] = [];
  const routes: AuditRoute[] = [];
  list.forEach((r: unknown, i) => {
    const route = r as Partial<AuditRoute>;
    if (typeof route?.pathPattern !== 'string') problems.push(`routes[${i}].pathPattern must be a string, got: ${JSON.stringify(route?.pathPattern)}`);
    if (!TIERS.includes(route?.tier as Tier)) problems.push(`routes[${i}].tier must be one of ${TIERS.join(', ')}, got: ${JSON.stringify(route?.tier)}`);
    if (route?.paths !== undefined && !(Array.isArray(route.paths) && route.paths.every((p) => typeof p === 'string' && p.startsWith('/')))) {
      problems.push(`routes[${i}].paths must be an array of paths starting with /, got: ${JSON.stringify(route.paths)}`);
    }
    if (problems.length === 0) routes.push(route as AuditRoute);
  });
  if (problems.length > 0) throw new AuditInputError(`${source}:\n  ${problems.join('\n  ')}`);
  return routes;
}

export function loadRoutes(file: string): AuditRoute[] {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AuditInputError(`--routes '${file}' cannot be read as JSON: ${(err as Error).message}`);
  }
  return parseRoutes(json, file);
}

/**
 * Routes read from a synthesized distribution (`cdk.out`): each behavior's path pattern and the tier
 * the construct's policies name. Behaviors with policies not made by the construct are left out.
 */
export function routesFromAssembly(dir: string): AuditRoute[] {
  let templates;
  try {
    templates = loadTemplates(dir);
  } catch (err) {
    throw new AuditInputError(`--app: ${(err as Error).message}`);
  }
  const distributions = Object.entries(templates).flatMap(([stack, t]) => distributionsOf(stack, t));
  if (distributions.length !== 1) {
    throw new AuditInputError(
      `--app '${dir}' holds ${distributions.length} distributions (${distributions.map((d) => `${d.stack}/${d.name}`).join(', ') || 'none'}); pass --routes <file> instead`,
    );
  }
  const cookies = edgeSetCookiesOf(templates[distributions[0].stack]);
  const samples = bucketSamples(dir, distributions[0].behaviors.map((b) => b.pathPattern));
  return distributions[0].behaviors
    .filter((b) => (TIERS as readonly string[]).includes(b.tier))
    .map((b) => ({
      pathPattern: b.pathPattern,
      tier: b.tier as Tier,
      ...(samples[b.pathPattern] ? { paths: [samples[b.pathPattern]] } : {}),
      ...(cookies[b.pathPattern] ? { edgeSetCookies: cookies[b.pathPattern] } : {}),
    }));
}

/**
 * A real object for each behavior served from a bucket whose content the assembly holds (a
 * BucketDeployment's source): `/assets/*` is audited with `/assets/app.df385d03.css`, not with
 * `/assets/`, which no bucket holds. Only objects CloudFront would route to that behavior count;
 * `*` keeps `/`. Empty when the assembly cannot be read that way.
 */
function bucketSamples(dir: string, patterns: readonly string[]): Record<string, string> {
  let model;
  try {
    model = readDistribution(dir);
  } catch {
    return {};
  }
  const routes = patterns.map((p) => ({ pathPattern: p, tier: 'static' as Tier }));
  const out: Record<string, string> = {};
  for (const b of model.behaviors) {
    const origin = model.origins[b.targetOriginId] ?? model.origins[model.originGroups?.[b.targetOriginId]?.members[0] ?? ''];
    if (!origin || origin.kind !== 's3' || b.pathPattern === '*') continue;
    const keys = origin.s3Content.flatMap((c) => c.folders.flatMap((f) => listSiteFiles(f).map((k) => `/${c.keyPrefix}${k.slice(1)}`)));
    const sample = keys.sort().find((k) => matchesPathPattern(b.pathPattern, k) && tierForPath(routes, k)?.pathPattern === b.pathPattern);
    if (sample) out[b.pathPattern] = sample;
  }
  return out;
}

/** The `CacheTagConfig.HeaderName` of the one distribution in a synthesized assembly, if it has one. */
export function cacheTagHeaderFromAssembly(dir: string): string | undefined {
  let templates;
  try {
    templates = loadTemplates(dir);
  } catch (err) {
    throw new AuditInputError(`--app: ${(err as Error).message}`);
  }
  for (const t of Object.values(templates)) {
    for (const res of Object.values<any>((t as { Resources?: Record<string, any> }).Resources ?? {})) {
      const name = res?.Type === 'AWS::CloudFront::Distribution' ? res.Properties?.DistributionConfig?.CacheTagConfig?.HeaderName : undefined;
      if (typeof name === 'string') return name.toLowerCase();
    }
  }
  return undefined;
}

/** The cookies the construct recorded its edge functions set, per path pattern (see lib/edge-metadata.ts). */
function edgeSetCookiesOf(template: { Resources?: Record<string, any> }): EdgeSetCookies {
  for (const res of Object.values(template.Resources ?? {})) {
    const recorded = res?.Type === 'AWS::CloudFront::Distribution' ? res.Metadata?.[EDGE_SET_COOKIES_METADATA_KEY] : undefined;
    if (recorded && typeof recorded === 'object') return recorded as EdgeSetCookies;
  }
  return {};
}

/** The tier of the route CloudFront would pick for `path`: most specific pattern first, `*` last. */
export function tierForPath(routes: readonly AuditRoute[], path: string): AuditRoute | undefined {
  const ordered = [...routes].sort((a, b) =>
    a.pathPattern === '*' ? 1 : b.pathPattern === '*' ? -1 : compareSpecificity(a.pathPattern, b.pathPattern),
  );
  return ordered.find((r) => matchesPathPattern(r.pathPattern, path.split('?')[0]));
}

export interface Target {
  readonly path: string;
  readonly tier: Tier;
  readonly pathPattern?: string;
  readonly edgeSetCookies?: readonly string[];
}

/** What to request: explicit paths mapped to their route's tier, else each route's sample paths. */
export function auditTargets(routes: readonly AuditRoute[], paths: readonly string[] | undefined, tier: Tier | undefined): Target[] {
  if (paths && paths.length > 0) {
    const unmatched: string[] = [];
    const targets = paths.map((p) => {
      const route = tierForPath(routes, p);
      if (tier) return { path: p, tier, ...(route?.edgeSetCookies ? { edgeSetCookies: route.edgeSetCookies } : {}) };
      if (!route) {
        unmatched.push(p);
        return undefined;
      }
      return { path: p, tier: route.tier, pathPattern: route.pathPattern, ...(route.edgeSetCookies ? { edgeSetCookies: route.edgeSetCookies } : {}) };
    });
    if (unmatched.length > 0) {
      throw new AuditInputError(
        `no route (and no --tier) for ${unmatched.join(', ')}; pass --routes <file> or --app cdk.out with a pattern that matches, or --tier static|html|api|dynamic`,
      );
    }
    return targets as Target[];
  }
  if (routes.length === 0) throw new AuditInputError('nothing to audit: pass --routes <file> or --app cdk.out, and/or --paths <paths...>');
  return routes.flatMap((r) =>
    (r.paths && r.paths.length > 0 ? r.paths : [samplePath(r.pathPattern)]).map((p) => ({
      path: p,
      tier: r.tier,
      pathPattern: r.pathPattern,
      ...(r.edgeSetCookies ? { edgeSetCookies: r.edgeSetCookies } : {}),
    })),
  );
}

function samplePath(pattern: string): string {
  const p = pattern.replace(/[*?]/g, '');
  return p.startsWith('/') ? p : `/${p}`;
}

export interface AuditRow extends ObservedResponse {
  readonly tier: Tier;
  readonly pathPattern?: string;
  /** `anonymous`, `sub=<subject>` of a JWT, or `token <n>` for an opaque one. */
  readonly viewer: string;
  readonly findings: readonly Finding[];
  readonly sendInstead: readonly string[];
  readonly cacheControl?: string;
  /** Set-Cookie names left out of the grading: the distribution's own edge functions set them. */
  readonly edgeSetCookies?: readonly string[];
}

export interface AuditReport {
  readonly base: string;
  readonly rows: readonly AuditRow[];
  readonly errors: number;
  readonly warnings: number;
  /** What the audit could not check, and how to check it. */
  readonly notes: readonly string[];
  /** CloudFront Functions of the app outside the runtime's language (with --app); each finding counts as an error. */
  readonly functions: readonly FunctionLanguageRow[];
}

export interface AuditOptions {
  readonly base: string;
  readonly targets: readonly Target[];
  /** Viewers' tokens: each path is requested without a token and once per token. */
  readonly tokens?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** The distribution's cache tag header: cacheable api/html responses without tags are flagged. @default - not graded */
  readonly cacheTagHeader?: string;
  /** Functions of the app whose code is outside the CloudFront Functions language (functionLanguageFromAssembly). */
  readonly functions?: readonly FunctionLanguageRow[];
}

interface Fetched {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly bodyHash: string;
}

async function fetchOnce(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Fetched> {
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AuditRequestError(`request to ${url} failed: ${cause?.code ?? (err as Error).name}: ${cause?.message ?? (err as Error).message}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  const out: Record<string, string | string[]> = {};
  res.headers.forEach((value, name) => {
    out[name] = value;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return { status: res.status, headers: out, bodyHash: crypto.createHash('sha256').update(body).digest('hex') };
}

/** The `sub` claim of a JWT, read without verifying it (only to name and tell viewers apart). */
export function subjectOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const sub = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))?.sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

interface Viewer {
  readonly label: string;
  readonly token?: string;
}

function viewersOf(tokens: readonly string[]): Viewer[] {
  const seen = new Map<string, number>();
  const viewers: Viewer[] = [{ label: 'anonymous' }];
  tokens.forEach((token, i) => {
    const sub = subjectOf(token);
    if (sub !== undefined && seen.has(sub)) {
      throw new AuditInputError(
        `--token ${i + 1} and --token ${seen.get(sub)! + 1} both have sub '${sub}': to check that a shared route answers every user alike, pass tokens of two different subjects (tiered-cdn token --sub alice, --sub bob)`,
      );
    }
    if (sub !== undefined) seen.set(sub, i);
    viewers.push({ label: sub !== undefined ? `sub=${sub}` : `token ${i + 1}`, token });
  });
  return viewers;
}

/** A response a viewer was refused with: auth doing its job, not a response that differs per user. */
const refused = (f: Fetched) => f.status === 401 || f.status === 403;

/**
 * Viewers (by index) whose answers differ from another viewer's. Only viewers that were served are
 * compared: 401 without a token against 200 with one is authentication, so an authenticated route
 * is checked by comparing two authenticated viewers with different subjects.
 */
function differingViewers(answers: readonly Fetched[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < answers.length; i++) {
    for (let j = i + 1; j < answers.length; j++) {
      const [a, b] = [answers[i], answers[j]];
      if (refused(a) || refused(b)) continue;
      if (a.status !== b.status || a.bodyHash !== b.bodyHash) out.add(i).add(j);
    }
  }
  return out;
}

/** Set-Cookie headers without those the distribution's own edge functions set. */
function originHeaders(headers: Record<string, string | string[]>, edgeCookies: readonly string[]): Record<string, string | string[]> {
  const cookies = headers['set-cookie'];
  if (!cookies || edgeCookies.length === 0) return headers;
  const kept = (Array.isArray(cookies) ? cookies : [cookies]).filter((c) => !edgeCookies.includes(c.split('=')[0].trim()));
  const { 'set-cookie': _dropped, ...rest } = headers;
  return kept.length > 0 ? { ...rest, 'set-cookie': kept } : rest;
}

/** `--base` as a URL: http or https only, so a `javascript:` or `file:` base is a one-line usage error. */
export function auditBase(value: string): URL {
  let base: URL | undefined;
  try {
    base = new URL(value);
  } catch {
    // reported below
  }
  if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:') || base.hostname === '') {
    throw new AuditInputError(`--base must be an http(s) URL such as https://d111111abcdef8.cloudfront.net, got: ${JSON.stringify(value)}`);
  }
  return base;
}

/**
 * The URL of every target, all on `base`'s own origin. The audit sends tokens, so a path that
 * resolves elsewhere (`//other-host/x`, `https://other/x`, a backslash trick) is refused before
 * any request is made, with the path named.
 */
export function sameOriginUrls(base: URL, targets: readonly Target[]): string[] {
  const urls: string[] = [];
  const foreign: string[] = [];
  for (const t of targets) {
    let url: URL | undefined;
    try {
      url = new URL(t.path, base);
    } catch {
      // reported with the foreign ones
    }
    if (!url || url.origin !== base.origin || !t.path.startsWith('/') || t.path.startsWith('//') || t.path.includes('\\')) foreign.push(t.path);
    else urls.push(url.toString());
  }
  if (foreign.length > 0) {
    throw new AuditInputError(
      `refusing to audit ${foreign.map((p) => JSON.stringify(p)).join(', ')}: every path must stay on ${base.origin} (a path starting with '/', not '//'), so the audit token is never sent to another host`,
    );
  }
  return urls;
}

/** Requests every target as each viewer (anonymous, then one per token) and grades each answer. */
export async function runAudit(opts: AuditOptions): Promise<AuditReport> {
  const base = auditBase(opts.base);
  const urls = sameOriginUrls(base, opts.targets);
  const viewers = viewersOf(opts.tokens ?? []);
  const rows: AuditRow[] = [];
  const notes: string[] = [];
  const hiddenTags = new Set<string>();
  for (const [i, t] of opts.targets.entries()) {
    const url = urls[i];
    const answers: Fetched[] = [];
    for (const v of viewers) {
      const headers = { ...opts.headers, ...(v.token !== undefined ? { authorization: `Bearer ${v.token}` } : {}) };
      answers.push(await fetchOnce(url, headers, opts.timeoutMs ?? 10_000));
    }
    const differs = differingViewers(answers);
    const served = answers.filter((a) => !refused(a)).length;
    if (viewers.length === 2 && refused(answers[0]) && !refused(answers[1])) {
      notes.push(`${t.path} refuses anonymous viewers: pass a second --token with another subject to check that every user gets the same response.`);
    }
    const edgeCookies = t.edgeSetCookies ?? [];
    viewers.forEach((v, i) => {
      const headers = originHeaders(answers[i].headers, edgeCookies);
      const observed: ObservedResponse = {
        path: t.path,
        status: answers[i].status,
        headers,
        withToken: v.token !== undefined,
        differsPerUser: served > 1 && differs.has(i),
      };
      // CloudFront removes the tag header from viewer responses (unless sendToViewers): through the
      // edge, its absence says nothing, so tags are graded only where the header can be seen.
      const tagHeader = opts.cacheTagHeader?.toLowerCase();
      const throughEdge = /cloudfront/i.test(String(headers['x-cache'] ?? '')) || /cloudfront/i.test(String(headers.via ?? ''));
      const tagsVisible = tagHeader !== undefined && (!throughEdge || headers[tagHeader] !== undefined);
      if (tagHeader && !tagsVisible) hiddenTags.add(t.path);
      const grade = gradeResponse(t.tier, observed, tagsVisible ? { cacheTagHeader: tagHeader } : {});
      const ignored = headers === answers[i].headers ? [] : edgeCookies.filter((c) => JSON.stringify(answers[i].headers['set-cookie'] ?? '').includes(`${c}=`));
      rows.push({
        ...observed,
        headers: answers[i].headers,
        tier: t.tier,
        pathPattern: t.pathPattern,
        viewer: v.label,
        findings: grade.findings,
        sendInstead: grade.sendInstead,
        cacheControl: typeof answers[i].headers['cache-control'] === 'string' ? (answers[i].headers['cache-control'] as string) : undefined,
        ...(ignored.length > 0 ? { edgeSetCookies: ignored } : {}),
      });
    });
  }
  if (hiddenTags.size > 0) {
    notes.push(
      `cache tags not graded on ${hiddenTags.size} response(s) served by CloudFront, which removes ${opts.cacheTagHeader} from viewer responses: audit the origin (--base <origin URL>) to grade them.`,
    );
  }
  const all = rows.flatMap((r) => r.findings);
  const functions = opts.functions ?? [];
  return {
    base: base.toString(),
    rows,
    errors: all.filter((f) => f.severity === 'error').length + functions.reduce((n, f) => n + f.findings.length, 0),
    warnings: all.filter((f) => f.severity === 'warning').length,
    notes,
    functions,
  };
}

/** A plain-text table: one line per finding (or `ok`), then what to send instead. */
export function formatReport(report: AuditReport): string {
  const header = ['PATH', 'TOKEN', 'STATUS', 'TIER', 'RESULT', 'RULE', 'CACHE-CONTROL RECEIVED'];
  const lines: string[][] = [];
  const fixes: string[] = [];
  for (const r of report.rows) {
    const cells = [r.path, r.withToken ? r.viewer : 'no', String(r.status), r.tier];
    const received = r.cacheControl ?? '(none)';
    if (r.findings.length === 0) lines.push([...cells, 'ok', '', received]);
    for (const f of r.findings) lines.push([...cells, f.severity, f.rule, received]);
    if (r.findings.length > 0) {
      fixes.push(`${r.path}${r.withToken ? ` (${r.viewer})` : ''} [${r.tier}]:`);
      for (const f of r.findings) fixes.push(`  ${f.severity}: ${f.message}`);
      for (const h of r.sendInstead) fixes.push(`  send instead: ${h}`);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [fmt(header), ...lines.map(fmt)];
  if (fixes.length > 0) out.push('', ...fixes);
  const edgeCookies = [...new Set(report.rows.flatMap((r) => r.edgeSetCookies ?? []))];
  if (edgeCookies.length > 0 || report.notes.length > 0) out.push('');
  if (edgeCookies.length > 0) out.push(`not graded: Set-Cookie ${edgeCookies.join(', ')}, set by the distribution's own edge functions after the cache`);
  for (const n of report.notes) out.push(`note: ${n}`);
  const fnLines = formatFunctionLanguage(report.functions ?? []);
  if (fnLines.length > 0) out.push('', ...fnLines);
  out.push('', `${report.errors} error(s), ${report.warnings} warning(s) in ${report.rows.length} response(s) from ${report.base}`);
  return `${out.join('\n')}\n`;
}
