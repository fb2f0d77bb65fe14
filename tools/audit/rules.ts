import type { Tier } from '../../lib/routes';
import { parseTagHeader } from '../../lambda-edge/shared/invalidation';

/**
 * Grades an origin's caching headers against the tier of the route that serves them. Pure: a
 * response goes in, findings and the header to send instead come out.
 */

export type Severity = 'error' | 'warning';

export type RuleId =
  | 'missing-cache-control'
  | 'public-with-set-cookie'
  | 'public-differs-per-user'
  | 'static-no-store'
  | 'hashed-not-immutable'
  | 'api-neither-s-maxage-nor-private'
  | 'vary-star'
  | 'vary-high-cardinality'
  | 'max-age-exceeds-s-maxage'
  | 'cacheable-without-tags'
  | 'cdn-ttl-shorter-than-browser';

/** What the audit knows about the distribution beyond the tier. */
export interface GradeContext {
  /**
   * The distribution's cache tag header (CacheTagConfig), when the response as observed would show
   * it (fetched from the origin, or with the header sent to viewers). @default - tags not graded
   */
  readonly cacheTagHeader?: string;
}

export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly message: string;
}

/** What was observed for one request. Header names lower case. */
export interface ObservedResponse {
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The request carried the viewer's token. */
  readonly withToken: boolean;
  /** Two viewers that were both served (not 401/403) got different answers (status or body). */
  readonly differsPerUser: boolean;
}

export interface Grade {
  readonly findings: readonly Finding[];
  /** Headers the origin should send instead (`Name: value`), empty when nothing is wrong. */
  readonly sendInstead: readonly string[];
}

/** `Cache-Control` directives: lower-case name -> value (`true` for a bare directive). */
export type Directives = ReadonlyMap<string, string | true>;

export function parseCacheControl(value: string | undefined): Directives {
  const out = new Map<string, string | true>();
  if (value === undefined) return out;
  for (const part of value.split(',')) {
    const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^\s,]*))?\s*$/.exec(part);
    if (!m) continue;
    const name = m[1].toLowerCase();
    if (out.has(name)) continue;
    out.set(name, m[2] === undefined ? true : m[2].replace(/^"|"$/g, ''));
  }
  return out;
}

function seconds(d: Directives, name: string): number | undefined {
  const v = d.get(name);
  if (v === undefined || v === true) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Could a shared cache (CloudFront, a proxy) store this response? */
export function sharedCacheable(d: Directives): boolean {
  if (d.has('private') || d.has('no-store') || d.has('no-cache')) return false;
  if (d.has('public')) return true;
  if ((seconds(d, 's-maxage') ?? 0) > 0) return true;
  return (seconds(d, 'max-age') ?? 0) > 0;
}

// Content hashes as bundlers write them: `app.3f9c2a1b.js`, `index-BxZ3kQ9a.js`, `chunk_8d41e0c7.css`.
const HASHED = /[.\-_](?:[0-9a-f]{8,}|(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,12})\.[A-Za-z0-9]+$/;

export function looksHashed(path: string): boolean {
  return HASHED.test(path.split('?')[0]);
}

const HIGH_CARDINALITY_VARY = ['cookie', 'user-agent', 'authorization'];

function header(res: ObservedResponse, name: string): string | undefined {
  const v = res.headers[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(', ');
}

/** The Cache-Control a route of this tier should send for this response. */
export function recommendedCacheControl(tier: Tier, res: ObservedResponse): string {
  const perUser = res.differsPerUser || header(res, 'set-cookie') !== undefined;
  switch (tier) {
    case 'static':
      return looksHashed(res.path) ? 'public, max-age=31536000, immutable' : 'public, max-age=0, s-maxage=86400, must-revalidate';
    case 'html':
      return perUser ? 'private, no-store' : 'public, max-age=0, s-maxage=60, must-revalidate';
    case 'api':
      return perUser ? 'private, no-store' : 'public, max-age=0, s-maxage=60, stale-while-revalidate=30';
    case 'dynamic':
      return 'private, no-store';
  }
}

/** The targeted field (CDN-Cache-Control, else Surrogate-Control) an edge honouring them would cache by. */
function targetedDirectives(res: ObservedResponse): { name: string; directives: Directives } | undefined {
  for (const name of ['cdn-cache-control', 'surrogate-control']) {
    const v = header(res, name);
    if (v !== undefined && v.trim() !== '') return { name, directives: parseCacheControl(v) };
  }
  return undefined;
}

/** Findings about cache tags and targeted TTLs (CDN-Cache-Control / Surrogate-Control). */
function gradeTagsAndTargets(tier: Tier, res: ObservedResponse, d: Directives, ctx: GradeContext, add: (rule: RuleId, severity: Severity, message: string) => void): string[] {
  const sendInstead: string[] = [];
  const targeted = targetedDirectives(res);
  const edgeDirectives = targeted?.directives ?? d;
  // The html tier caches for its DefaultTTL when the origin says nothing; the api tier only when told.
  const refused = edgeDirectives.has('private') || edgeDirectives.has('no-store') || edgeDirectives.has('no-cache');
  const edgeCacheable = tier === 'html' ? !refused : tier === 'api' && sharedCacheable(edgeDirectives);
  if (ctx.cacheTagHeader && edgeCacheable && res.status >= 200 && res.status < 300 && parseTagHeader(header(res, ctx.cacheTagHeader)).length === 0) {
    add(
      'cacheable-without-tags',
      'warning',
      `cacheable ${tier} response without cache tags: only a path invalidation (or purge-all) reaches it; name what it shows in ${ctx.cacheTagHeader} so 'tiered-cdn invalidate --tags' can`,
    );
    sendInstead.push(`${ctx.cacheTagHeader}: <kind>:<id>, ... (e.g. product:42, category:tv: each thing this response shows)`);
  }
  if (targeted) {
    const edgeTtl = seconds(targeted.directives, 's-maxage') ?? seconds(targeted.directives, 'max-age');
    const browserTtl = seconds(d, 'max-age');
    if (edgeTtl !== undefined && browserTtl !== undefined && edgeTtl < browserTtl) {
      add(
        'cdn-ttl-shorter-than-browser',
        'warning',
        `${targeted.name} keeps it ${edgeTtl} s at the edge but browsers keep it ${browserTtl} s: a refresh or an invalidation at the edge cannot reach browsers for up to ${browserTtl} s`,
      );
      sendInstead.push(`Cache-Control: ${header(res, 'cache-control')!.replace(/max-age\s*=\s*\d+/i, `max-age=${edgeTtl}`)}`);
    }
  }
  return sendInstead;
}

export function gradeResponse(tier: Tier, res: ObservedResponse, ctx: GradeContext = {}): Grade {
  const findings: Finding[] = [];
  const add = (rule: RuleId, severity: Severity, message: string) => findings.push({ rule, severity, message });
  const cc = header(res, 'cache-control');
  const d = parseCacheControl(cc);
  const shared = sharedCacheable(d);
  const cached = tier !== 'dynamic';

  if (cc === undefined || cc.trim() === '') {
    add(
      'missing-cache-control',
      tier === 'dynamic' ? 'warning' : 'error',
      tier === 'api'
        ? 'no Cache-Control: the api tier caches nothing and browsers guess a lifetime heuristically'
        : 'no Cache-Control: browsers and proxies guess a lifetime heuristically',
    );
  }
  if (shared && header(res, 'set-cookie') !== undefined) {
    add('public-with-set-cookie', 'error', 'a shared cache may store this response together with its Set-Cookie and hand the cookie to other viewers');
  }
  if (shared && res.differsPerUser) {
    add('public-differs-per-user', 'error', 'the response differs with and without a token but is publicly cacheable: one viewer may be served another\'s response');
  }
  if (tier === 'static' && d.has('no-store')) {
    add('static-no-store', 'error', 'no-store on a static asset: every request goes to the origin');
  }
  if (tier === 'static' && looksHashed(res.path) && !d.has('immutable') && res.status < 300) {
    add('hashed-not-immutable', 'warning', 'content-hashed asset without immutable: browsers revalidate it on reload although it can never change');
  }
  // A CDN-Cache-Control / Surrogate-Control already tells the edge what to do.
  if (tier === 'api' && cc !== undefined && !targetedDirectives(res) && !d.has('s-maxage') && !d.has('private') && !d.has('no-store') && !d.has('no-cache')) {
    add('api-neither-s-maxage-nor-private', 'warning', 'api response with neither s-maxage nor private: say whether the edge may share it (s-maxage) or not (private)');
  }
  const vary = (header(res, 'vary') ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  if (cached && vary.includes('*')) {
    add('vary-star', 'error', 'Vary: * makes the response uncacheable for every cache');
  }
  const high = vary.filter((v) => HIGH_CARDINALITY_VARY.includes(v));
  if (cached && high.length > 0) {
    add('vary-high-cardinality', 'warning', `Vary: ${high.join(', ')} keys the cache per viewer: almost every request misses`);
  }
  const maxAge = seconds(d, 'max-age');
  const sMaxAge = seconds(d, 's-maxage');
  if (maxAge !== undefined && sMaxAge !== undefined && maxAge > sMaxAge) {
    add('max-age-exceeds-s-maxage', 'warning', `max-age=${maxAge} outlives s-maxage=${sMaxAge}: browsers keep a copy an invalidation cannot reach`);
  }
  const sendInstead: string[] = [];
  if (findings.some((f) => !f.rule.startsWith('vary-'))) sendInstead.push(`Cache-Control: ${recommendedCacheControl(tier, res)}`);
  // After the Cache-Control recommendation: these rules bring their own header to send.
  sendInstead.push(...gradeTagsAndTargets(tier, res, d, ctx, add));
  if (findings.some((f) => f.rule.startsWith('vary-'))) {
    const kept = vary.filter((v) => v !== '*' && !HIGH_CARDINALITY_VARY.includes(v));
    sendInstead.push(`Vary: ${kept.length > 0 ? kept.map(canonicalHeaderName).join(', ') : 'Accept-Encoding'}`);
  }
  return { findings, sendInstead };
}

function canonicalHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
