// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontRequest } from 'aws-lambda';
import type { NormalizeConfig } from '../shared/config';

/**
 * Click and campaign identifiers that never change what an origin returns but make every link a
 * distinct cache key. Always dropped; `NormalizeConfig` adds to these, it cannot remove them
 * (list a parameter in `allowlist` to keep it).
 */
// One string split at load: 20 bytes fewer in every CloudFront Function that normalizes (pure: a
// function without the normalize step drops it).
export const BUILTIN_TRACKING_PARAMS: readonly string[] = /* @__PURE__ */ 'fbclid gclid dclid gbraid wbraid msclkid mc_cid mc_eid igshid yclid ttclid twclid _ga _gl'.split(' ');
export const BUILTIN_TRACKING_PREFIXES: readonly string[] = ['utm_'];

/** Names as keys of an object without prototype: CloudFront Functions have no Set. */
type NameSet = Readonly<Record<string, true>>;

function nameSet(names: readonly string[]): NameSet {
  const out: Record<string, true> = Object.create(null);
  for (let i = 0; i < names.length; i++) out[names[i]] = true;
  return out;
}

interface CompiledNormalizer {
  readonly drop: NameSet;
  readonly dropPrefixes: readonly string[];
  readonly allow?: NameSet;
  readonly sort: boolean;
}

// The baked config is one constant object per bundle: compile it once, not per request (the last
// config compiled is kept; there is one per function).
let lastConfig: NormalizeConfig | undefined;
let lastCompiled: CompiledNormalizer | undefined;

function lowerAll(names: readonly string[]): string[] {
  return names.map((p) => p.toLowerCase());
}

function compile(config: NormalizeConfig): CompiledNormalizer {
  if (config !== lastConfig || !lastCompiled) {
    lastCompiled = {
      drop: nameSet(lowerAll(BUILTIN_TRACKING_PARAMS.concat(config.dropParams))),
      dropPrefixes: lowerAll(BUILTIN_TRACKING_PREFIXES.concat(config.dropPrefixes)),
      allow: config.allowlist ? nameSet(config.allowlist) : undefined,
      sort: config.sort,
    };
    lastConfig = config;
  }
  return lastCompiled;
}

/** The parameter name as the application reads it; matching only, the raw text is what is kept. */
function decodeName(raw: string): string {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch (e) {
    return raw;
  }
}

interface Param {
  readonly raw: string;
  readonly name: string;
  /** Position in the query: ES 5.1 does not promise a stable sort, so ties are broken by it. */
  readonly at: number;
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
  const parts = qs.split('&');
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i];
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    const name = decodeName(eq === -1 ? raw : raw.slice(0, eq));
    if (c.allow) {
      if (!(name in c.allow)) continue;
    } else if (isTracking(name, c)) {
      continue;
    }
    kept.push({ raw, name, at: i });
  }
  if (c.sort) kept.sort(byName);
  const querystring = kept.map((p) => p.raw).join('&');
  return querystring === qs ? request : Object.assign({}, request, { querystring });
}

function isTracking(name: string, c: CompiledNormalizer): boolean {
  const lower = name.toLowerCase();
  return lower in c.drop || c.dropPrefixes.some((p) => lower.startsWith(p));
}

// Code-unit order, not locale order: the key must not depend on the edge location's locale.
function byName(a: Param, b: Param): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.at - b.at;
}
