import * as crypto from 'crypto';
import * as fs from 'fs';
import type { Tier } from '../../lib/routes';
import { TIERS } from '../../lib/routes';
import { compareSpecificity, matchesPathPattern } from '../../lib/path-pattern';
import { distributionsOf } from '../diagram/model';
import { loadTemplates } from '../diff/synth';
import { Finding, ObservedResponse, gradeResponse } from './rules';
import { CliError } from '../errors';

export class AuditInputError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'AuditInputError';
  }
}

/** One route to audit: a CloudFront path pattern, its tier, and sample paths to request. */
export interface AuditRoute {
  readonly pathPattern: string;
  readonly tier: Tier;
  /** Paths to request; default: the pattern with its wildcards dropped. */
  readonly paths?: readonly string[];
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
  return distributions[0].behaviors
    .filter((b) => (TIERS as readonly string[]).includes(b.tier))
    .map((b) => ({ pathPattern: b.pathPattern, tier: b.tier as Tier }));
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
}

/** What to request: explicit paths mapped to their route's tier, else each route's sample paths. */
export function auditTargets(routes: readonly AuditRoute[], paths: readonly string[] | undefined, tier: Tier | undefined): Target[] {
  if (paths && paths.length > 0) {
    const unmatched: string[] = [];
    const targets = paths.map((p) => {
      if (tier) return { path: p, tier };
      const route = tierForPath(routes, p);
      if (!route) {
        unmatched.push(p);
        return undefined;
      }
      return { path: p, tier: route.tier, pathPattern: route.pathPattern };
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
    (r.paths && r.paths.length > 0 ? r.paths : [samplePath(r.pathPattern)]).map((p) => ({ path: p, tier: r.tier, pathPattern: r.pathPattern })),
  );
}

function samplePath(pattern: string): string {
  const p = pattern.replace(/[*?]/g, '');
  return p.startsWith('/') ? p : `/${p}`;
}

export interface AuditRow extends ObservedResponse {
  readonly tier: Tier;
  readonly pathPattern?: string;
  readonly findings: readonly Finding[];
  readonly sendInstead: readonly string[];
  readonly cacheControl?: string;
}

export interface AuditReport {
  readonly base: string;
  readonly rows: readonly AuditRow[];
  readonly errors: number;
  readonly warnings: number;
}

export interface AuditOptions {
  readonly base: string;
  readonly targets: readonly Target[];
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
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
    throw new AuditInputError(`request to ${url} failed: ${cause?.code ?? (err as Error).name}: ${cause?.message ?? (err as Error).message}`);
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

/** Requests every target (with and without the token when one is given) and grades each answer. */
export async function runAudit(opts: AuditOptions): Promise<AuditReport> {
  let base: URL;
  try {
    base = new URL(opts.base);
  } catch {
    throw new AuditInputError(`--base must be an absolute URL such as https://d111111abcdef8.cloudfront.net, got: '${opts.base}'`);
  }
  const rows: AuditRow[] = [];
  for (const t of opts.targets) {
    const url = new URL(t.path, base).toString();
    const plain = await fetchOnce(url, { ...opts.headers }, opts.timeoutMs ?? 10_000);
    const variants: { withToken: boolean; fetched: Fetched }[] = [{ withToken: false, fetched: plain }];
    if (opts.token !== undefined) {
      const authed = await fetchOnce(url, { ...opts.headers, authorization: `Bearer ${opts.token}` }, opts.timeoutMs ?? 10_000);
      variants.push({ withToken: true, fetched: authed });
    }
    const differs =
      variants.length === 2 && (variants[0].fetched.status !== variants[1].fetched.status || variants[0].fetched.bodyHash !== variants[1].fetched.bodyHash);
    for (const v of variants) {
      const observed: ObservedResponse = {
        path: t.path,
        status: v.fetched.status,
        headers: v.fetched.headers,
        withToken: v.withToken,
        differsPerUser: differs,
      };
      const grade = gradeResponse(t.tier, observed);
      rows.push({
        ...observed,
        tier: t.tier,
        pathPattern: t.pathPattern,
        findings: grade.findings,
        sendInstead: grade.sendInstead,
        cacheControl: typeof v.fetched.headers['cache-control'] === 'string' ? v.fetched.headers['cache-control'] : undefined,
      });
    }
  }
  const all = rows.flatMap((r) => r.findings);
  return {
    base: base.toString(),
    rows,
    errors: all.filter((f) => f.severity === 'error').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
  };
}

/** A plain-text table: one line per finding (or `ok`), then what to send instead. */
export function formatReport(report: AuditReport): string {
  const header = ['PATH', 'TOKEN', 'STATUS', 'TIER', 'RESULT', 'RULE', 'CACHE-CONTROL RECEIVED'];
  const lines: string[][] = [];
  const fixes: string[] = [];
  for (const r of report.rows) {
    const cells = [r.path, r.withToken ? 'yes' : 'no', String(r.status), r.tier];
    const received = r.cacheControl ?? '(none)';
    if (r.findings.length === 0) lines.push([...cells, 'ok', '', received]);
    for (const f of r.findings) lines.push([...cells, f.severity, f.rule, received]);
    if (r.findings.length > 0) {
      fixes.push(`${r.path}${r.withToken ? ' (with token)' : ''} [${r.tier}]:`);
      for (const f of r.findings) fixes.push(`  ${f.severity}: ${f.message}`);
      for (const h of r.sendInstead) fixes.push(`  send instead: ${h}`);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [fmt(header), ...lines.map(fmt)];
  if (fixes.length > 0) out.push('', ...fixes);
  out.push('', `${report.errors} error(s), ${report.warnings} warning(s) in ${report.rows.length} response(s) from ${report.base}`);
  return `${out.join('\n')}\n`;
}
