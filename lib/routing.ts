import { Duration, Token } from 'aws-cdk-lib/core';
import type {
  ExperimentConfig,
  VariantPathConfig,
  NormalizeConfig,
  OriginRequestConfig,
  OriginTarget,
  RoutingRule,
  ViewerResponseConfig,
} from '../lambda-edge/shared/config';
import {
  DEVICE_HEADERS,
  EXPERIMENT_COOKIE_PREFIX,
  experimentHeader,
  VIEWER_COUNTRY_HEADER,
  VIEWER_ID_COOKIE,
} from '../lambda-edge/shared/names';
import { show, Problem, problem } from './validation';

/*
 * Route-table options for A/B experiments, geo/device origin routing and query normalization,
 * and the pure functions that validate them and resolve them into the configuration baked into
 * the edge bundles. Every function collects all problems instead of stopping at the first.
 */

/** One arm of an experiment. */
export interface ExperimentVariantProps {
  /**
   * Sent to the origin as the value of `x-experiment-<experiment>` and stored in the viewer's
   * cookie: letters, digits, `_` and `-`, up to 32 characters.
   */
  readonly name: string;

  /** Relative share of viewers (positive, finite); `{a: 1, b: 1}` and `{a: 50, b: 50}` are the same split. */
  readonly weight: number;

  /**
   * Path the origin-request function puts in front of the URI for this variant, for origins that
   * cannot read the variant header (an S3 bucket): with `/variants/hero`, `/index.html` is fetched
   * as `/variants/hero/index.html`. Starts with `/`, no trailing `/`.
   * @default - the URI is unchanged; the origin tells variants apart by the `x-experiment-<name>` header
   */
  readonly pathPrefix?: string;
}

/**
 * An A/B experiment on a route. The viewer-request function assigns each viewer one variant,
 * once (a cookie keeps it), from the hash of a random viewer id; the variant travels to the
 * origin as the request header `x-experiment-<name>`, which is part of the route's cache key so
 * each variant is cached apart.
 */
export interface ExperimentProps {
  /**
   * Names the request header `x-experiment-<name>` and the cookie `tcdn-exp-<name>`: lower-case
   * letters, digits and single hyphens, up to 32 characters.
   */
  readonly name: string;

  /** At least two variants with unique names. */
  readonly variants: readonly ExperimentVariantProps[];

  /**
   * Cookie whose value, when it names a variant, overrides the assignment (for QA). A forced
   * variant is not persisted.
   * @default - forcing by cookie is off
   */
  readonly forceCookie?: string;

  /**
   * Query parameter whose value, when it names a variant, overrides the assignment (for QA),
   * e.g. `?force-homepage=hero`. A forced variant is not persisted. When the route normalizes
   * query strings with an allowlist, this parameter is added to it.
   * @default - forcing by query parameter is off
   */
  readonly forceQuery?: string;

  /**
   * How long the viewer keeps its assignment. Browsers cap cookies at 400 days.
   * @default Duration.days(30)
   */
  readonly cookieMaxAge?: Duration;

  /**
   * What a variant with a `pathPrefix` does for a document its folder in `site.source` lacks.
   * `'fallback'`: its viewers get the control document for that path, and synth warns with the
   * missing files. `'error'`: synth fails, listing them. Applies to routes whose origin is the
   * site bucket, the only origin whose files are known at synth.
   * @default 'fallback'
   */
  readonly missingVariantDocuments?: 'fallback' | 'error';
}

/**
 * CloudFront's device classes, each read from its `CloudFront-Is-<Device>-Viewer` header.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html#cloudfront-headers-device-type
 */
export type ViewerDevice = 'mobile' | 'tablet' | 'desktop' | 'smarttv';

// The device classes are the keys of the header table the edge reads, and only those.
const DEVICES_MATCH_HEADERS: Record<ViewerDevice, string> & Record<keyof typeof DEVICE_HEADERS, string> = DEVICE_HEADERS;
void DEVICES_MATCH_HEADERS;

/**
 * Sends matching requests to another origin at origin-request (cache misses only). All
 * conditions given must hold; at least one is required.
 */
export interface OriginRoutingRuleProps {
  /**
   * ISO 3166-1 alpha-2 codes, upper case (`['DE', 'FR']`), matched against CloudFront-Viewer-Country.
   * @default - any country
   */
  readonly countries?: readonly string[];

  /**
   * Device class, matched against CloudFront-Is-Mobile-Viewer and its siblings.
   * @default - any device
   */
  readonly device?: ViewerDevice;

  /** Id of the origin matching requests go to. */
  readonly origin: string;

  /**
   * Whether `origin` serves the same content as the route's own origin (a regional replica).
   * When it does not, the cache must keep its responses apart, so the header that decides this
   * rule has to be in the route's cache key (`routingCacheKey`).
   * @default false - the origin is taken to serve different content
   */
  readonly sameContent?: boolean;
}

/**
 * Which deciding viewer headers go in the route's cache key, so responses of routed origins that
 * serve different content are cached apart: `country` adds CloudFront-Viewer-Country, `device`
 * the CloudFront-Is-<Device>-Viewer headers the rules use.
 */
export type RoutingCacheKey = 'none' | 'country' | 'device' | 'country-and-device';

/** Geo and device origin routing of one route. */
export interface OriginRoutingProps {
  /** Tried in order; the first match wins. No match keeps the route's own origin. */
  readonly rules: readonly OriginRoutingRuleProps[];

  /**
   * Deciding headers added to the cache key. Required whenever a rule's origin serves different
   * content (`sameContent` is not `true`); refused when no rule decides by that header.
   * @default 'none' - routed origins must all be declared `sameContent: true`
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html
   */
  readonly routingCacheKey?: RoutingCacheKey;
}

/**
 * Query-string normalization in viewer-request, before the cache lookup: tracking parameters
 * (`utm_*`, `fbclid`, `gclid` and the other built-in ones) are always dropped, the rest sorted.
 */
export interface QueryNormalizationProps {
  /**
   * More parameter names to drop (matched case-insensitively).
   * @default - only the built-in tracking parameters
   */
  readonly dropParams?: readonly string[];

  /**
   * More parameter name prefixes to drop (matched case-insensitively).
   * @default - only `utm_`
   */
  readonly dropPrefixes?: readonly string[];

  /**
   * Keep only these parameters (exact names); an allowlisted tracking parameter is kept.
   * @default - every parameter that is not tracking is kept
   */
  readonly allowlist?: readonly string[];

  /**
   * Sort parameters by name, so `?a=1&b=2` and `?b=2&a=1` share a cache entry.
   * @default true
   */
  readonly sort?: boolean;
}

/** What validation and resolution return: the baked configuration when `errors` is empty. */
export interface Resolution<T> {
  readonly config?: T;
  readonly errors: Problem[];
}

/** Cookie lifetime used when `cookieMaxAge` is not set. */
export const DEFAULT_EXPERIMENT_COOKIE_MAX_AGE = Duration.days(30);
const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 3600;

const EXPERIMENT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const VARIANT_NAME = /^[A-Za-z0-9_-]{1,32}$/;
/** RFC 6265 cookie-name token characters. */
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** RFC 3986 unreserved characters: the parameter reads the same encoded or not. */
const QUERY_NAME = /^[A-Za-z0-9._~-]+$/;
const PATH_PREFIX = /^(?:\/[A-Za-z0-9._~-]+)+$/;

/** ISO 3166-1 alpha-2, officially assigned codes (ISO/TC 46 N1108, 2023-04-05; tzdata iso3166.tab). */
const ISO_COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
    'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
    'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
    'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
    'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);
/** Codes people reach for that ISO spells otherwise. */
const COUNTRY_HINTS: Readonly<Record<string, string>> = {
  UK: "the United Kingdom is 'GB'",
  EU: "'EU' is not a country: list the member states",
  EL: "Greece is 'GR'",
};

function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
}

/** Checks one route's experiments and resolves them to the baked `ExperimentConfig`s. */
export function resolveExperiments(
  experiments: readonly ExperimentProps[] | undefined,
  where = 'experiments',
): Resolution<ExperimentConfig[]> {
  const errors: Problem[] = [];
  const configs: ExperimentConfig[] = [];
  const seen = new Map<string, number>();
  (experiments ?? []).forEach((e, i) => {
    const at = `${where}[${i}]`;
    if (typeof e.name !== 'string' || Token.isUnresolved(e.name) || !EXPERIMENT_NAME.test(e.name) || e.name.length > 32) {
      const suggestion = typeof e.name === 'string' && slug(e.name) ? ` such as ${show(slug(e.name))}` : '';
      errors.push(problem('experiment-name-invalid', `${at}.name must be lower-case letters, digits and single hyphens, at most 32 characters ` +
          `(it names the header x-experiment-<name> and the cookie ${EXPERIMENT_COOKIE_PREFIX}<name>), ` +
          `got: ${show(e.name)}. Use a name${suggestion}.`,
      ));
    } else if (seen.has(e.name)) {
      errors.push(problem('experiment-name-duplicate', `${at}.name ${show(e.name)} is already used by ${where}[${seen.get(e.name)}]: both would write the ` +
          `same header and cookie. Give each experiment of a route its own name.`,
      ));
    } else {
      seen.set(e.name, i);
    }

    const variants = e.variants ?? [];
    if (variants.length < 2) {
      errors.push(problem('experiment-variants-too-few', `${at}.variants needs at least two variants to split viewers between, got ${variants.length}: ` +
          `${show(variants.map((v) => v.name))}. Add a control variant.`,
      ));
    }
    const variantNames = new Set<string>();
    variants.forEach((v, j) => {
      const vat = `${at}.variants[${j}]`;
      if (typeof v.name !== 'string' || !VARIANT_NAME.test(v.name)) {
        errors.push(problem('variant-name-invalid', `${vat}.name must be 1-32 letters, digits, '_' or '-' (it is sent as a header value and ` +
            `stored in a cookie), got: ${show(v.name)}.`,
        ));
      } else if (variantNames.has(v.name)) {
        errors.push(problem('variant-name-duplicate', `${vat}.name ${show(v.name)} appears twice in ${at}.variants: variant names must be unique.`));
      }
      variantNames.add(v.name);
      if (v.pathPrefix !== undefined && (typeof v.pathPrefix !== 'string' || !PATH_PREFIX.test(v.pathPrefix))) {
        errors.push(problem('variant-path-prefix-invalid', `${vat}.pathPrefix must start with '/', not end with '/', and hold only letters, digits, ` +
            `'.', '_', '~', '-' and '/' between segments, got: ${show(v.pathPrefix)}. Example: '/variants/${v.name}'.`,
        ));
      }
      if (typeof v.weight !== 'number' || Token.isUnresolved(v.weight) || !Number.isFinite(v.weight) || v.weight <= 0) {
        errors.push(problem('variant-weight-invalid', `${vat}.weight must be a positive, finite number known at synth (weights are baked into the ` +
            `edge function), got: ${show(v.weight)}. Use a relative share such as 50.`,
        ));
      }
    });

    if (e.forceCookie !== undefined) {
      if (!COOKIE_NAME.test(e.forceCookie)) {
        errors.push(problem('experiment-force-cookie-invalid', `${at}.forceCookie must be a cookie name (letters, digits, '-', '_', '.'), got: ${show(e.forceCookie)}.`));
      } else if (e.forceCookie.startsWith(EXPERIMENT_COOKIE_PREFIX) || e.forceCookie === VIEWER_ID_COOKIE) {
        errors.push(problem('experiment-force-cookie-reserved', `${at}.forceCookie ${show(e.forceCookie)} collides with the cookies the edge sets ` +
            `(${EXPERIMENT_COOKIE_PREFIX}*, ${VIEWER_ID_COOKIE}). Use another name such as ${show(`qa-${e.name}`)}.`,
        ));
      }
    }
    if (e.forceQuery !== undefined && !QUERY_NAME.test(e.forceQuery)) {
      errors.push(problem('experiment-force-query-invalid', `${at}.forceQuery must be a query parameter name of letters, digits, '.', '_', '~' or '-', ` +
          `got: ${show(e.forceQuery)}.`,
      ));
    }

    if (e.missingVariantDocuments !== undefined && e.missingVariantDocuments !== 'fallback' && e.missingVariantDocuments !== 'error') {
      errors.push(problem('experiment-missing-variant-documents-invalid', `${at}.missingVariantDocuments must be 'fallback' or 'error', got: ${show(e.missingVariantDocuments)}.`));
    }

    const maxAge = e.cookieMaxAge ?? DEFAULT_EXPERIMENT_COOKIE_MAX_AGE;
    let seconds = NaN;
    if (maxAge.isUnresolved()) {
      errors.push(problem('experiment-cookie-max-age-token', `${at}.cookieMaxAge must be known at synth (it is baked into the edge function), got: <token>.`));
    } else {
      seconds = maxAge.toSeconds({ integral: false });
      if (!(seconds >= 1 && seconds <= MAX_COOKIE_AGE_SECONDS && Number.isInteger(seconds))) {
        errors.push(problem('experiment-cookie-max-age-range', `${at}.cookieMaxAge must be a whole number of seconds between 1 second and 400 days ` +
            `(browsers cap cookies at 400 days), got: ${seconds} seconds.`,
        ));
      }
    }

    configs.push({
      name: e.name,
      variants: variants.map((v) => ({ name: v.name, weight: v.weight })),
      ...(e.forceCookie !== undefined ? { forceCookie: e.forceCookie } : {}),
      ...(e.forceQuery !== undefined ? { forceQuery: e.forceQuery } : {}),
      cookieMaxAgeSeconds: seconds,
    });
  });
  return errors.length > 0 ? { errors } : { config: configs, errors };
}

function decidesBy(rules: readonly OriginRoutingRuleProps[]): { country: boolean; devices: ViewerDevice[] } {
  const devices = new Set<ViewerDevice>();
  let country = false;
  for (const rule of rules) {
    if (rule.countries !== undefined) country = true;
    if (rule.device !== undefined && rule.device in DEVICE_HEADERS) devices.add(rule.device);
  }
  return { country, devices: [...devices] };
}

function keysCountry(key: RoutingCacheKey): boolean {
  return key === 'country' || key === 'country-and-device';
}

function keysDevice(key: RoutingCacheKey): boolean {
  return key === 'device' || key === 'country-and-device';
}

function cacheKeyOf(country: boolean, device: boolean): RoutingCacheKey {
  return country ? (device ? 'country-and-device' : 'country') : device ? 'device' : 'none';
}

function checkTarget(id: string, target: OriginTarget, at: string, errors: Problem[]): void {
  const where = `${at} (origin ${show(id)})`;
  if (typeof target.domainName !== 'string' || Token.isUnresolved(target.domainName)) {
    errors.push(problem('routing-target-domain-token', `${where}: domainName is a deploy-time value (${show(target.domainName)}); routed origins are baked into ` +
        `the edge function at synth, so give the origin a literal domain name.`,
    ));
  } else if (target.domainName === '' || target.domainName.includes(':') || target.domainName.includes('/')) {
    errors.push(problem('routing-target-domain-invalid', `${where}: domainName must be a host name without scheme, port or path, got: ${show(target.domainName)}.`));
  }
  if (target.path !== '' && (!target.path.startsWith('/') || target.path.endsWith('/'))) {
    errors.push(problem('routing-target-path-invalid', `${where}: path must be empty or start with '/' and not end with '/', got: ${show(target.path)}.`));
  }
  if (target.kind === 'custom') {
    const p = target.port;
    if (!(p === 80 || p === 443 || (Number.isInteger(p) && p >= 1024 && p <= 65535))) {
      errors.push(problem('routing-target-port-invalid', `${where}: port must be 80, 443 or 1024-65535 (CloudFront's rule for origins), got: ${show(p)}.`));
    }
  }
}

/**
 * Checks one route's origin routing against the known origins (id -> where it is) and resolves
 * it to the baked `OriginRequestConfig`. `cached: false` (a route that is never cached) skips the
 * cache-key rule: there is no cache to mix.
 */
export function resolveOriginRouting(
  props: OriginRoutingProps,
  origins: Readonly<Record<string, OriginTarget>>,
  options: {
    readonly where?: string;
    readonly cached?: boolean;
    /** Origins that exist but that an edge function cannot send a request to, with the reason. */
    readonly unroutable?: Readonly<Record<string, string>>;
  } = {},
): Resolution<OriginRequestConfig> {
  const where = options.where ?? 'originRouting';
  const cached = options.cached ?? true;
  const errors: Problem[] = [];
  const key: RoutingCacheKey = props.routingCacheKey ?? 'none';
  const validKeys: readonly RoutingCacheKey[] = ['none', 'country', 'device', 'country-and-device'];
  if (!validKeys.includes(key)) {
    errors.push(problem('routing-cache-key-invalid', `${where}.routingCacheKey must be one of ${validKeys.map((k) => `'${k}'`).join(', ')}, got: ${show(key)}.`));
  }
  if (!props.rules || props.rules.length === 0) {
    errors.push(problem('routing-rules-empty', `${where}.rules is empty: give at least one rule, or drop originRouting from the route.`));
  }
  const rules: RoutingRule[] = [];
  const used = new Set<string>();
  (props.rules ?? []).forEach((rule, i) => {
    const at = `${where}.rules[${i}]`;
    if (rule.countries === undefined && rule.device === undefined) {
      errors.push(problem('routing-rule-matches-nothing', `${at} has neither countries nor device, so it would match nothing. Give one of them.`));
    }
    const countries: string[] = [];
    if (rule.countries !== undefined) {
      if (rule.countries.length === 0) errors.push(problem('routing-rule-countries-empty', `${at}.countries is empty: list at least one country code, e.g. ['DE'].`));
      for (const code of rule.countries) {
        if (typeof code === 'string' && ISO_COUNTRIES.has(code)) {
          countries.push(code);
          continue;
        }
        const upper = typeof code === 'string' ? code.toUpperCase() : '';
        const hint = COUNTRY_HINTS[upper]
          ? `; ${COUNTRY_HINTS[upper]}`
          : ISO_COUNTRIES.has(upper)
            ? `; write it in upper case: '${upper}'`
            : '';
        errors.push(problem('routing-rule-country-invalid', `${at}.countries: ${show(code)} is not an ISO 3166-1 alpha-2 country code${hint}.`));
      }
    }
    if (rule.device !== undefined && !(rule.device in DEVICE_HEADERS)) {
      errors.push(problem('routing-rule-device-invalid', `${at}.device must be one of ${Object.keys(DEVICE_HEADERS).map((d) => `'${d}'`).join(', ')}, got: ${show(rule.device)}.`));
    }
    const unroutable = options.unroutable?.[rule.origin];
    if (unroutable !== undefined) {
      errors.push(problem('routing-rule-origin-unroutable', `${at}.origin ${show(rule.origin)} cannot be a routing target: ${unroutable}. ` +
          `Give that path a route of its own to the origin, or route to a custom origin with a literal domain name.`,
      ));
    } else if (!(rule.origin in origins)) {
      errors.push(problem('routing-rule-origin-unknown', `${at}.origin ${show(rule.origin)} is not a known origin. Known origins: ` +
          `${Object.keys(origins).map((o) => `'${o}'`).join(', ') || 'none'}. Add it to the origins or fix the id.`,
      ));
    } else {
      used.add(rule.origin);
    }
    if (cached && rule.sameContent !== true) {
      const missing: string[] = [];
      if (rule.countries !== undefined && !keysCountry(key)) missing.push('country');
      if (rule.device !== undefined && !keysDevice(key)) missing.push('device');
      if (missing.length > 0) {
        const needed = cacheKeyOf(
          keysCountry(key) || rule.countries !== undefined,
          keysDevice(key) || rule.device !== undefined,
        );
        errors.push(problem('routing-cache-key-missing', `${at} sends ${describeRule(rule)} to origin ${show(rule.origin)}, which is taken to serve different ` +
            `content, but ${where}.routingCacheKey is '${key}': its responses and the route origin's would share ` +
            `cache entries and be served to the wrong viewers. Set routingCacheKey: '${needed}', or set ` +
            `sameContent: true on the rule if ${show(rule.origin)} serves the same content.`,
        ));
      }
    }
    rules.push({
      ...(rule.countries !== undefined ? { countries } : {}),
      ...(rule.device !== undefined ? { device: rule.device } : {}),
      origin: rule.origin,
    });
  });

  const by = decidesBy(props.rules ?? []);
  if (keysCountry(key) && !by.country) {
    errors.push(problem('routing-cache-key-country-unused', `${where}.routingCacheKey '${key}' keys the cache by country, but no rule decides by country: it would split the cache for nothing. Drop 'country' from it.`));
  }
  if (keysDevice(key) && by.devices.length === 0) {
    errors.push(problem('routing-cache-key-device-unused', `${where}.routingCacheKey '${key}' keys the cache by device, but no rule decides by device: it would split the cache for nothing. Drop 'device' from it.`));
  }

  const targets: Record<string, OriginTarget> = {};
  for (const id of used) {
    checkTarget(id, origins[id], `${where}`, errors);
    targets[id] = origins[id];
  }
  return errors.length > 0 ? { errors } : { config: { rules, origins: targets }, errors };
}

function describeRule(rule: OriginRoutingRuleProps): string {
  const parts: string[] = [];
  if (rule.countries) parts.push(`viewers from ${rule.countries.join(', ')}`);
  if (rule.device) parts.push(`${rule.device} viewers`);
  return parts.join(' who are ') || 'requests';
}

/** The variant path prefixes of validated experiments, for the origin-request function. */
export function variantPaths(experiments: readonly ExperimentProps[] | undefined): VariantPathConfig[] {
  const out: VariantPathConfig[] = [];
  for (const e of experiments ?? []) {
    const prefixes: Record<string, string> = {};
    for (const v of e.variants) if (v.pathPrefix) prefixes[v.name] = v.pathPrefix;
    if (Object.keys(prefixes).length > 0) out.push({ experiment: e.name, prefixes });
  }
  return out;
}

/** Checks query normalization and resolves it; experiments' `forceQuery` joins an allowlist. */
export function resolveQueryNormalization(
  props: QueryNormalizationProps,
  experiments: readonly ExperimentProps[] = [],
  where = 'queryNormalization',
): Resolution<NormalizeConfig> {
  const errors: Problem[] = [];
  const checkNames = (names: readonly string[] | undefined, prop: string): void => {
    (names ?? []).forEach((n, i) => {
      if (typeof n !== 'string' || n === '' || /[&=#?\s]/.test(n)) {
        errors.push(problem('query-param-name-invalid', `${where}.${prop}[${i}] must be a non-empty parameter name without '&', '=', '#', '?' or spaces, got: ${show(n)}.`));
      }
    });
  };
  checkNames(props.dropParams, 'dropParams');
  checkNames(props.dropPrefixes, 'dropPrefixes');
  checkNames(props.allowlist, 'allowlist');
  if (props.allowlist !== undefined && props.allowlist.length === 0) {
    errors.push(problem('query-allowlist-empty', `${where}.allowlist is empty, which would drop every parameter. Omit it to keep all non-tracking parameters.`));
  }
  let allowlist = props.allowlist ? [...props.allowlist] : undefined;
  if (allowlist) {
    for (const e of experiments) if (e.forceQuery && !allowlist.includes(e.forceQuery)) allowlist.push(e.forceQuery);
  }
  const config: NormalizeConfig = {
    dropParams: [...(props.dropParams ?? [])],
    dropPrefixes: [...(props.dropPrefixes ?? [])],
    ...(allowlist ? { allowlist } : {}),
    sort: props.sort ?? true,
  };
  return errors.length > 0 ? { errors } : { config, errors };
}

/** The headers a route adds to its CloudFront policies. */
export interface RoutingHeaders {
  /** Headers the cache policy must include (variants and deciding headers cached apart). */
  readonly cacheKeyHeaders: string[];
  /**
   * Headers the origin request policy must include so the origin-request function (and the origin)
   * sees them. Cache-key headers reach the origin anyway and are not repeated here.
   */
  readonly originRequestHeaders: string[];
}

/**
 * Which headers the construct adds to the route's cache policy and origin request policy. For a
 * route that is never cached (`cached: false`) everything goes to the origin request policy.
 * Names are lower case as in the edge events; CloudFront compares header names case-insensitively.
 */
export function routingHeaders(
  route: { readonly experiments?: readonly Pick<ExperimentProps, 'name'>[]; readonly originRouting?: OriginRoutingProps },
  options: { readonly cached?: boolean } = {},
): RoutingHeaders {
  const cached = options.cached ?? true;
  const cacheKey: string[] = [];
  const forward: string[] = [];
  for (const e of route.experiments ?? []) (cached ? cacheKey : forward).push(experimentHeader(e.name));
  if (route.originRouting) {
    const key = route.originRouting.routingCacheKey ?? 'none';
    const by = decidesBy(route.originRouting.rules);
    if (by.country) (cached && keysCountry(key) ? cacheKey : forward).push(VIEWER_COUNTRY_HEADER);
    for (const d of by.devices) (cached && keysDevice(key) ? cacheKey : forward).push(DEVICE_HEADERS[d]);
  }
  return { cacheKeyHeaders: unique(cacheKey), originRequestHeaders: unique(forward).filter((h) => !cacheKey.includes(h)) };
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Everything one route contributes to the edge: routing options of a route-table row. */
export interface RouteRoutingProps {
  /** @default - no experiments */
  readonly experiments?: readonly ExperimentProps[];
  /** @default - the route's own origin serves every request */
  readonly originRouting?: OriginRoutingProps;
  /** @default - the query string reaches the cache key as the viewer sent it */
  readonly queryNormalization?: QueryNormalizationProps;
}

/** One route's routing, resolved: the pieces of each edge bundle's configuration and the policy headers. */
export interface ResolvedRouteRouting extends RoutingHeaders {
  /** `ViewerRequestConfig.normalize` */
  readonly normalize?: NormalizeConfig;
  /** `ViewerRequestConfig.experiments` */
  readonly experiments: ExperimentConfig[];
  /** Present when the route runs experiments: attach a viewer-response function with this. */
  readonly viewerResponse?: ViewerResponseConfig;
  /**
   * Present when the route routes by geo or device, or a variant has a `pathPrefix`: attach an
   * origin-request function with this.
   */
  readonly originRequest?: OriginRequestConfig;
}

/**
 * Validates and resolves a route's experiments, origin routing and query normalization in one
 * call, collecting every problem. `where` prefixes messages (e.g. `routes[2] '/api/*'`).
 */
export function resolveRouteRouting(
  route: RouteRoutingProps,
  origins: Readonly<Record<string, OriginTarget>>,
  options: { readonly where?: string; readonly cached?: boolean; readonly unroutable?: Readonly<Record<string, string>> } = {},
): Resolution<ResolvedRouteRouting> {
  const prefix = options.where ? `${options.where}.` : '';
  const experiments = resolveExperiments(route.experiments, `${prefix}experiments`);
  const routing = route.originRouting
    ? resolveOriginRouting(route.originRouting, origins, { where: `${prefix}originRouting`, cached: options.cached, unroutable: options.unroutable })
    : undefined;
  const normalize = route.queryNormalization
    ? resolveQueryNormalization(route.queryNormalization, route.experiments, `${prefix}queryNormalization`)
    : undefined;
  const errors = [...experiments.errors, ...(routing?.errors ?? []), ...(normalize?.errors ?? [])];
  if (errors.length > 0) return { errors };
  const exp = experiments.config ?? [];
  const paths = variantPaths(route.experiments);
  const originRequest: OriginRequestConfig | undefined =
    routing?.config || paths.length > 0
      ? { ...(routing?.config ?? { rules: [], origins: {} }), ...(paths.length > 0 ? { variantPaths: paths } : {}) }
      : undefined;
  return {
    config: {
      ...routingHeaders(route, { cached: options.cached }),
      experiments: exp,
      ...(normalize?.config ? { normalize: normalize.config } : {}),
      ...(exp.length > 0 ? { viewerResponse: { experiments: exp } } : {}),
      ...(originRequest ? { originRequest } : {}),
    },
    errors,
  };
}
