import type { CloudFrontRequest } from 'aws-lambda';
import type { NormalizeConfig } from '../shared/config';

/**
 * Click and campaign identifiers that never change what an origin returns but make every link a
 * distinct cache key. Always dropped; `NormalizeConfig` adds to these, it cannot remove them
 * (list a parameter in `allowlist` to keep it).
 */
export const BUILTIN_TRACKING_PARAMS: readonly string[] = [
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'igshid',
  'yclid',
  'ttclid',
  'twclid',
  '_ga',
  '_gl',
];
export const BUILTIN_TRACKING_PREFIXES: readonly string[] = ['utm_'];

interface CompiledNormalizer {
  readonly drop: ReadonlySet<string>;
  readonly dropPrefixes: readonly string[];
  readonly allow?: ReadonlySet<string>;
  readonly sort: boolean;
}

// The baked config is one constant object per bundle: compile it once, not per request.
const compiled = new WeakMap<NormalizeConfig, CompiledNormalizer>();

function compile(config: NormalizeConfig): CompiledNormalizer {
  let c = compiled.get(config);
  if (!c) {
    c = {
      drop: new Set([...BUILTIN_TRACKING_PARAMS, ...config.dropParams].map((p) => p.toLowerCase())),
      dropPrefixes: [...BUILTIN_TRACKING_PREFIXES, ...config.dropPrefixes].map((p) => p.toLowerCase()),
      allow: config.allowlist ? new Set(config.allowlist) : undefined,
      sort: config.sort,
    };
    compiled.set(config, c);
  }
  return c;
}

/** The parameter name as the application reads it; matching only, the raw text is what is kept. */
function decodeName(raw: string): string {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

interface Param {
  readonly raw: string;
  readonly name: string;
}

/**
 * Rewrites the query string CloudFront uses for the cache lookup: tracking parameters dropped,
 * only `allowlist` parameters kept when one is given, parameters sorted by name. Each kept
 * `name=value` segment is copied byte for byte (no decode/re-encode), repeated names keep their
 * relative order (the sort is stable), and empty segments (`a=1&&b=2`) go. Tracking names match
 * case-insensitively (`UTM_Source` is still tracking); allowlist names match exactly, as an
 * application reads them. Pure: returns a new request, the input is not touched.
 */
export function normalizeRequest(request: CloudFrontRequest, config: NormalizeConfig): CloudFrontRequest {
  const qs = request.querystring;
  if (!qs) return request;
  const c = compile(config);
  const kept: Param[] = [];
  for (const raw of qs.split('&')) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    const name = decodeName(eq === -1 ? raw : raw.slice(0, eq));
    if (c.allow) {
      if (!c.allow.has(name)) continue;
    } else if (isTracking(name, c)) {
      continue;
    }
    kept.push({ raw, name });
  }
  if (c.sort) kept.sort(byName);
  const querystring = kept.map((p) => p.raw).join('&');
  return querystring === qs ? request : { ...request, querystring };
}

function isTracking(name: string, c: CompiledNormalizer): boolean {
  const lower = name.toLowerCase();
  if (c.drop.has(lower)) return true;
  for (const prefix of c.dropPrefixes) if (lower.startsWith(prefix)) return true;
  return false;
}

// Code-unit order, not locale order: the key must not depend on the edge location's locale.
function byName(a: Param, b: Param): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
