import { Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import type { RouteAuthOptions } from './auth';
import type { CacheTagsOptions } from './cache-tags';
import type { LoggingOptions, S3LogDeliveryOptions } from './logging';
import type { MonitoringOptions } from './monitoring';
import type { OriginVerifyOptions } from './origin-verify';
import type { HttpOriginProps, RouteProps } from './routes';
import type { ExperimentProps, ExperimentVariantProps, OriginRoutingProps, OriginRoutingRuleProps, QueryNormalizationProps } from './routing';
import type { StagingOptions } from './staging';
import type { SecurityHeadersOptions } from './tier-policies';
import type { SiteProps, TieredCdnProps } from './tiered-cdn';
import { type Problem, show } from './validation';
import type { WafOptions } from './web-acl';

/*
 * The runtime type of every prop of a TieredCdn. TypeScript checks these at compile time, but a
 * plain JavaScript app (or a TypeScript runner that does not type-check, such as tsx) hands the
 * construct whatever it wrote: `maxTtl: 30` instead of `Duration.seconds(30)` would otherwise end
 * in `route.maxTtl.toSeconds is not a function`. Each wrong type is one coded problem naming the
 * prop, the value received and what it must be. Values of the right type are judged by the rules
 * in route-table.ts and the option modules; this module only says whether they can be read at all.
 */

/** What a prop may hold at run time. */
export type TypeSpec =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'duration' | 'plain-object' }
  | { readonly kind: 'false' | 'null' }
  /** A construct with `member` (what tells an IVersion from an IBucket). */
  | { readonly kind: 'construct'; readonly what: string; readonly member: string }
  | { readonly kind: 'array'; readonly of: TypeSpec }
  | { readonly kind: 'record'; readonly of: TypeSpec }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Field>>; readonly label?: (value: Record<string, unknown>) => string }
  | { readonly kind: 'union'; readonly of: readonly TypeSpec[] };

/** One member of an object: its type, and whether it must be present. */
export interface Field {
  readonly type: TypeSpec;
  /** The rules refuse the props without it (and say what to set). */
  readonly required?: boolean;
  /** The code of the rule that already reports this member's wrong type (kept stable). */
  readonly code?: string;
}

/** Every member of T, required or not: the compiler refuses a spec that forgets one. */
type FieldsOf<T> = { readonly [K in keyof Required<T>]-?: Field };

const string: TypeSpec = { kind: 'string' };
const number: TypeSpec = { kind: 'number' };
const boolean: TypeSpec = { kind: 'boolean' };
const duration: TypeSpec = { kind: 'duration' };
const no: TypeSpec = { kind: 'false' };
const strings: TypeSpec = { kind: 'array', of: string };
const construct = (what: string, member: string): TypeSpec => ({ kind: 'construct', what, member });
const union = (...of: TypeSpec[]): TypeSpec => ({ kind: 'union', of });
const object = <T>(fields: FieldsOf<T>, label?: (value: Record<string, unknown>) => string): TypeSpec => ({ kind: 'object', fields, label });
const opt = (type: TypeSpec): Field => ({ type });
const req = (type: TypeSpec): Field => ({ type, required: true });

/** `routes[2] ("/api/*")`: how the validation messages name a route. */
const routeLabel = (route: Record<string, unknown>): string => ` (${show(route.pathPattern)})`;

const AUTH = object<RouteAuthOptions>({
  issuer: req(string),
  audience: { type: union(string, strings, { kind: 'null' }), required: true, code: 'auth-audience-invalid' },
  algorithms: opt(strings),
  clockSkew: opt(union(duration, number)),
  requiredScopes: opt(strings),
  cookieName: opt(string),
  jwks: opt(object<{ keys: unknown }>({ keys: req({ kind: 'array', of: { kind: 'plain-object' } }) })),
  jwksFile: opt(string),
  jwksUri: opt(string),
  realm: opt(string),
  forwardClaims: opt(strings),
});

const VARIANT = object<ExperimentVariantProps>({ name: req(string), weight: req(number), pathPrefix: opt(string) });

const EXPERIMENT = object<ExperimentProps>({
  name: req(string),
  variants: req({ kind: 'array', of: VARIANT }),
  forceCookie: opt(string),
  forceQuery: opt(string),
  cookieMaxAge: opt(duration),
  missingVariantDocuments: opt(string),
});

const ROUTING_RULE = object<OriginRoutingRuleProps>({ countries: opt(strings), device: opt(string), origin: req(string), sameContent: opt(boolean) });

const ROUTE = object<RouteProps>(
  {
    pathPattern: { type: string, required: true, code: 'route-pattern-not-string' },
    tier: req(string),
    origin: req(string),
    varyHeaders: opt(strings),
    forwardHeaders: opt(union(string, strings)),
    sharedAcrossUsers: opt(boolean),
    queryStrings: opt(union(string, strings)),
    targetedCacheControl: opt(boolean),
    maxTtl: opt(duration),
    methods: opt(string),
    auth: opt(AUTH),
    edgeLambdas: opt({
      kind: 'array',
      of: object<{ functionVersion: unknown; eventType: unknown; includeBody: unknown }>({
        functionVersion: req(construct('a lambda.IVersion (e.g. fn.currentVersion)', 'lambda')),
        eventType: req(string),
        includeBody: opt(boolean),
      }),
    }),
    experiments: opt({ kind: 'array', of: EXPERIMENT }),
    originRouting: opt(object<OriginRoutingProps>({ rules: req({ kind: 'array', of: ROUTING_RULE }), routingCacheKey: opt(string) })),
    queryNormalization: opt(
      object<QueryNormalizationProps>({ dropParams: opt(strings), dropPrefixes: opt(strings), allowlist: opt(strings), sort: opt(boolean) }),
    ),
  },
  routeLabel,
);

const ROUTES: TypeSpec = { kind: 'array', of: ROUTE };

const ORIGIN = object<HttpOriginProps>({
  domainName: req(string),
  region: opt(string),
  originShield: opt(union(string, no)),
  originPath: opt(string),
  httpsPort: opt(number),
  failoverDomainName: opt(string),
  connectionTimeout: opt(duration),
  readTimeout: opt(duration),
  keepaliveTimeout: opt(duration),
});

const SITE = object<SiteProps>({
  source: req(string),
  entryDocuments: opt(strings),
  tags: opt({ kind: 'record', of: strings }),
  bucket: opt(construct('an s3.IBucket', 'bucketName')),
  failoverBucket: opt(construct('an s3.IBucket', 'bucketName')),
});

const WAF = object<WafOptions>({
  webAclArn: opt(string),
  rateLimit: opt(number),
  apiRateLimit: opt(union(number, no)),
  managedRules: opt(boolean),
  allowCountries: opt(strings),
  denyCountries: opt(strings),
});

const STAGING = object<StagingOptions>({
  header: opt(object<{ name: string; value: string }>({ name: req(string), value: req(string) })),
  weight: opt(number),
  stickiness: opt(object<{ idle: unknown; maxSession: unknown }>({ idle: req(duration), maxSession: req(duration) })),
  enabled: opt(boolean),
  routes: opt(ROUTES),
});

/** The props of a TieredCdn, member by member. */
export const TIERED_CDN_PROPS = object<TieredCdnProps>({
  routes: { type: ROUTES, required: true, code: 'routes-empty' },
  origins: opt({ kind: 'record', of: ORIGIN }),
  site: opt(SITE),
  originShield: opt(boolean),
  priceClass: opt(string),
  domainNames: opt(strings),
  certificate: opt(construct('an acm.ICertificate', 'certificateArn')),
  logBucket: opt(construct('an s3.IBucket', 'bucketName')),
  serverErrorCachingTtl: opt(duration),
  securityHeaders: opt(
    object<SecurityHeadersOptions>({ hstsMaxAge: opt(duration), frameOption: opt(string), referrerPolicy: opt(string), contentSecurityPolicy: opt(string) }),
  ),
  waf: opt(union(WAF, no)),
  originVerify: opt(union(object<OriginVerifyOptions>({ secret: opt(construct('a secretsmanager.ISecret', 'secretArn')), headerName: opt(string), secretVersionId: opt(string) }), no)),
  monitoring: opt(
    union(
      object<MonitoringOptions>({
        alarmTopic: opt(construct('an sns.ITopic', 'topicArn')),
        serverErrorRatePercent: opt(number),
        minCacheHitRatePercent: opt(union(number, no)),
        edgeLogRegions: opt(strings),
        edgeLogRetention: opt(number),
      }),
      no,
    ),
  ),
  staging: opt(STAGING),
  cacheTags: opt(union(object<CacheTagsOptions>({ headerName: opt(string), sendToViewers: opt(boolean) }), no)),
  retainEdgeFunctionsOnDelete: opt(boolean),
  logging: opt(
    union(
      object<LoggingOptions>({
        s3: opt(union(object<S3LogDeliveryOptions>({ outputFormat: opt(string), suffixPath: opt(string), hiveCompatiblePath: opt(boolean) }), no)),
        cloudWatchLogs: opt(construct('a logs.ILogGroup', 'logGroupArn')),
        firehoseArn: opt(string),
        fields: opt(strings),
        legacy: opt(boolean),
      }),
      no,
    ),
  ),
  policies: opt(construct('a TieredCdnPolicies (shared with other TieredCdns of the app)', 'securityHeaders')),
  distributionOverrides: opt({ kind: 'plain-object' }),
});

/** The problem code of a prop of the wrong runtime type. */
export const PROP_TYPE_CODE = 'prop-type-invalid';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Duration from any copy of aws-cdk-lib (a consumer may have two), or a token standing for one. */
function isDuration(value: unknown): boolean {
  return isPlainObject(value) && typeof value.toSeconds === 'function' && typeof value.toMilliseconds === 'function';
}

function matches(spec: TypeSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && (Token.isUnresolved(value) || Number.isFinite(value));
    case 'boolean':
      return typeof value === 'boolean';
    case 'false':
      return value === false;
    case 'null':
      return value === null;
    case 'duration':
      return isDuration(value);
    case 'construct':
      return Construct.isConstruct(value) && (value as unknown as Record<string, unknown>)[spec.member] !== undefined;
    case 'plain-object':
    case 'object':
    case 'record':
      return isPlainObject(value) && !Construct.isConstruct(value) && !isDuration(value);
    case 'array':
      return Array.isArray(value);
    case 'union':
      return spec.of.some((s) => matches(s, value));
  }
}

/** `a Duration such as Duration.seconds(30)`, `a list of strings`, `an object or false`. */
export function describe(spec: TypeSpec): string {
  switch (spec.kind) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a finite number';
    case 'boolean':
      return 'true or false';
    case 'false':
      return 'false';
    case 'null':
      return 'null';
    case 'duration':
      return 'a Duration such as Duration.seconds(30) (from aws-cdk-lib)';
    case 'construct':
      return spec.what;
    case 'plain-object':
    case 'object':
      return 'an object';
    case 'record':
      return `an object of ${describe(spec.of).replace(/^an? /, '')} values`;
    case 'array':
      return spec.of.kind === 'string' ? 'a list of strings' : `a list of ${describe(spec.of).replace(/^an? /, '')}s`;
    case 'union':
      return spec.of.map(describe).join(' or ');
  }
}

/** The JavaScript type of a received value, as a reader would name it. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isDuration(value)) return 'a Duration';
  if (Construct.isConstruct(value)) return `construct ${JSON.stringify(value.node.path)}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function received(value: unknown): string {
  if (Construct.isConstruct(value)) return typeOf(value);
  const shown = show(value);
  const short = shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
  return `${short} (${typeOf(value)})`;
}

/** Problems of `value` against `spec`; `path` is the prop path, `where` how messages name it. */
function check(spec: TypeSpec, value: unknown, path: string, where: string, out: Problem[], code = PROP_TYPE_CODE): void {
  if (!matches(spec, value)) {
    const hint = spec.kind === 'duration' && typeof value === 'number' ? ` Write Duration.seconds(${value}) for ${value} seconds.` : '';
    out.push({ code, path, message: `${where} must be ${describe(spec)}, got: ${received(value)}.${hint}` });
    return;
  }
  if (spec.kind === 'union') {
    const branch = spec.of.find((s) => matches(s, value))!;
    check(branch, value, path, where, out, code);
  } else if (spec.kind === 'array') {
    (value as unknown[]).forEach((item, i) => check(spec.of, item, `${path}[${i}]`, `${where}[${i}]`, out));
  } else if (spec.kind === 'record') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) check(spec.of, item, `${path}.${key}`, `${where}.${key}`, out);
  } else if (spec.kind === 'object') {
    const obj = value as Record<string, unknown>;
    const label = spec.label ? spec.label(obj) : '';
    for (const [name, field] of Object.entries(spec.fields)) {
      const member = obj[name];
      const memberPath = path ? `${path}.${name}` : name;
      const memberWhere = path ? `${where}${label}.${name}` : name;
      // A missing member is the rules' to report (`auth-audience-missing`...): they say what to set.
      if (member === undefined) continue;
      check(field.type, member, memberPath, memberWhere, out, field.code);
    }
  }
}

/**
 * Every prop of the wrong runtime type, as coded problems (`prop-type-invalid`, or the older code of
 * a rule that already covered the member). Empty when each prop can be read as its type says.
 */
export function propTypeProblems(props: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isPlainObject(props)) {
    return [{ code: PROP_TYPE_CODE, path: '', message: `TieredCdn props must be an object with at least 'routes', got: ${received(props)}.` }];
  }
  check(TIERED_CDN_PROPS, props, '', '', out);
  return out;
}
