// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * Configuration baked into the edge bundles at synth time. Lambda@Edge takes no environment
 * variables, so the construct resolves these objects from the route table and esbuild inlines them
 * as the constant `__TIERED_CDN_CONFIG__` in each bundle (see lib/edge/bundle.ts).
 *
 * Plain JSON only: these objects cross the synth/runtime boundary.
 */
import type { GuardConfig } from './path-guard';

export type { GuardConfig } from './path-guard';

/** A public JSON Web Key (RSA, EC or OKP). */
export interface Jwk {
  /** Key type: `RSA`, `EC` or `OKP`. */
  readonly kty: string;
  /** Key id; tokens name their key with it. */
  readonly kid?: string;
  /** The one algorithm the key signs with, when the issuer says. */
  readonly alg?: string;
  /** `sig` for a signing key. */
  readonly use?: string;
  /** The key type's public members (`n`, `e`; `crv`, `x`, `y`). */
  readonly [k: string]: unknown;
}

/** A JSON Web Key Set: the public keys tokens are verified with. */
export interface Jwks {
  /** The keys; each needs its own `kid`. */
  readonly keys: readonly Jwk[];
}

/** Asymmetric JWS algorithms the edge verifies (never HS* or none). */
export type JwtAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

/** The auth step of one behavior as baked into its viewer-request function. */
export interface AuthConfig {
  /** The accepted `iss`, exactly. */
  readonly issuer: string;
  /** Accepted audiences; `null` means the audience is deliberately not checked. */
  readonly audience: readonly string[] | null;
  /** Accepted `alg` values. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Tolerance on `exp` and `nbf`, in seconds. */
  readonly clockSkewSeconds: number;
  /** Scopes every token must carry (403 otherwise). */
  readonly requiredScopes: readonly string[];
  /** Cookie to read the token from when there is no Authorization header. */
  readonly cookieName?: string;
  /** Realm of the `WWW-Authenticate` challenge. */
  readonly realm: string;
  /** The public keys baked in at synth time. */
  readonly jwks: Jwks;
  /** Fetched only for an unknown `kid`, rate-limited, fail closed. */
  readonly jwksUri?: string;
  /** Claims copied to `x-auth-claim-<name>` on success. */
  readonly forwardClaims: readonly string[];
}

/** Query-string normalization of the cache key, as baked into the viewer-request function. */
export interface NormalizeConfig {
  /** Exact query parameter names dropped from the cache key (tracking noise). */
  readonly dropParams: readonly string[];
  /** Query parameter name prefixes dropped (e.g. `utm_`). */
  readonly dropPrefixes: readonly string[];
  /** When set, only these parameters are kept. */
  readonly allowlist?: readonly string[];
  /** Sort the remaining parameters, so their order does not split the cache. */
  readonly sort: boolean;
}

/** One variant and its relative weight. */
export interface ExperimentVariant {
  /** Variant name. */
  readonly name: string;
  /** Relative share of viewers. */
  readonly weight: number;
}

/** One A/B experiment as baked into the edge functions. */
export interface ExperimentConfig {
  /** Experiment name (lower case; names the header and cookie). */
  readonly name: string;
  /** The variants, at least two. */
  readonly variants: readonly ExperimentVariant[];
  /** QA override cookie / query parameter names; absent means forcing is off. */
  readonly forceCookie?: string;
  /** QA override query parameter; absent means forcing by query is off. */
  readonly forceQuery?: string;
  /** Cookie lifetime in seconds. */
  readonly cookieMaxAgeSeconds: number;
}

/** What the viewer-request steps read of an experiment: the cookie lifetime is the viewer-response's. */
export type RequestExperimentConfig = Omit<ExperimentConfig, 'cookieMaxAgeSeconds'>;

/** Composed viewer-request function of one cache behavior. Steps run: guard, normalize, auth, experiments. */
export interface ViewerRequestConfig {
  /**
   * Path patterns of the behaviors that share this function, in distribution order, so a
   * rejection log line can name the route (lambda-edge/shared/rejections.ts).
   */
  readonly routes?: readonly string[];
  /** Present on every behavior through which a spelling of a protected path could reach its origin. */
  readonly guard?: GuardConfig;
  /** Query normalization of the cache key. */
  readonly normalize?: NormalizeConfig;
  /** Token verification. */
  readonly auth?: AuthConfig;
  /** Variant assignment (also strips viewer-sent experiment headers). */
  readonly experiments: readonly ExperimentConfig[];
  /**
   * Origin routing done by a viewer-request CloudFront Function (`cf.updateRequestOrigin`) instead
   * of an origin-request Lambda@Edge: only where the behavior runs a CloudFront Function anyway.
   */
  readonly routing?: {
    /** The route's routing rules in order; the first that matches the viewer picks the origin. */
    readonly rules: readonly RoutingRule[];
    /** The origins the rules name, by origin id, as the function hands them to `cf.updateRequestOrigin`. */
    readonly origins: Readonly<Record<string, OriginTarget>>;
    /**
     * The custom origin domains the app declares: a routing target's live domain read from the
     * KeyValueStore is used only when it is one of them. Absent: only the targets' own domains.
     */
    readonly domains?: readonly string[];
  };
}

/**
 * A `ViewerRequestConfig` as baked into a CloudFront Function, where every byte counts against 10 KB:
 * the pattern lists packed (lambda-edge/shared/pattern-pack.ts), and the guard's reduced at synth to
 * the protected patterns the function's behaviors can reach (`reachablePatterns` in path-guard.ts).
 */
export interface FunctionViewerRequestConfig extends Omit<ViewerRequestConfig, 'guard' | 'routes' | 'experiments' | 'routing'> {
  /** `ViewerRequestConfig.routing` with each target reduced to what `cf.updateRequestOrigin` is given. */
  readonly routing?: Omit<NonNullable<ViewerRequestConfig['routing']>, 'origins'> & { readonly origins: Readonly<Record<string, FunctionRoutingTarget>> };
  /** Without `cookieMaxAgeSeconds`, which only the viewer-response function reads. */
  readonly experiments: readonly RequestExperimentConfig[];
  /** `ViewerRequestConfig.routes`, packed. */
  readonly routes?: string;
  /** `GuardConfig.protectedPatterns`, reduced and packed. */
  readonly guard?: { readonly protectedPatterns: string };
}

/**
 * A routing target as a viewer-request CloudFront Function holds it: a custom origin's fields the
 * function hands to `cf.updateRequestOrigin`; an S3 target only as such (the function routes to
 * custom origins only). Protocol, port and TLS settings stay the behavior origin's.
 */
export type FunctionRoutingTarget =
  | Pick<Extract<OriginTarget, { kind: 'custom' }>, 'kind' | 'domainName' | 'path' | 'readTimeout' | 'customHeaders'>
  | { readonly kind: 's3' };

/** Viewer-response function of one cache behavior (sets experiment cookies, even on cache hits). */
export interface ViewerResponseConfig {
  /** The experiments whose cookies are set. */
  readonly experiments: readonly ExperimentConfig[];
  /** Gives viewers back the origin's Cache-Control after a targeted field set the edge's. @default false */
  readonly targetedCacheControl?: boolean;
}

/** Where the origin-request function may send a request: a custom origin or an S3 bucket. */
export type OriginTarget =
  | {
      /** A custom HTTPS (or HTTP) origin. */
      readonly kind: 'custom';
      /** The origin's domain name. */
      readonly domainName: string;
      /** Protocol CloudFront uses to the origin. */
      readonly protocol: 'https' | 'http';
      /** Port CloudFront connects to. */
      readonly port: number;
      /** Origin path prefix (`` or `/prefix`). */
      readonly path: string;
      /** Seconds; absent keeps the behavior origin's value when it is a custom origin, else 30. */
      readonly readTimeout?: number;
      /** Seconds; absent keeps the behavior origin's value when it is a custom origin, else 5. */
      readonly keepaliveTimeout?: number;
      /** Absent keeps the behavior origin's value when it is a custom origin, else `['TLSv1.2']`. */
      readonly sslProtocols?: readonly string[];
      /** Headers CloudFront adds for this origin, on top of the behavior origin's (kept custom to custom). */
      readonly customHeaders?: Readonly<Record<string, string>>;
    }
  | {
      /** An S3 bucket origin. */
      readonly kind: 's3';
      /** The bucket's regional domain name. */
      readonly domainName: string;
      /** Origin path prefix. */
      readonly path: string;
      /** Bucket region; required by CloudFront when the request is signed with an origin access identity. */
      readonly region?: string;
      /** Headers CloudFront adds for this origin. */
      readonly customHeaders?: Readonly<Record<string, string>>;
    };

/** One origin-routing rule: viewers from these countries or this device class go to `origin`. */
export interface RoutingRule {
  /** ISO 3166-1 alpha-2 country codes. */
  readonly countries?: readonly string[];
  /** Device class. */
  readonly device?: 'mobile' | 'tablet' | 'desktop' | 'smarttv';
  /** Key into `origins`. */
  readonly origin: string;
}

/**
 * Variant path prefixes of one experiment: an origin that cannot read the variant header (an S3
 * bucket) is asked for `<prefix><uri>` instead, so each variant is its own object.
 */
export interface VariantPathConfig {
  /** The experiment the prefixes are for. */
  readonly experiment: string;
  /** Variant name -> path prefix (`/variants/hero`); a variant without one keeps the URI. */
  readonly prefixes: Readonly<Record<string, string>>;
}

/** Origin-request function of one cache behavior: first matching rule wins, else the behavior's origin. */
export interface OriginRequestConfig {
  /** Tried in order; the first match wins. */
  readonly rules: readonly RoutingRule[];
  /** The routing targets by origin id. */
  readonly origins: Readonly<Record<string, OriginTarget>>;
  /** Absent or empty: the URI goes to the origin unchanged. */
  readonly variantPaths?: readonly VariantPathConfig[];
  /**
   * The variant copies of documents the origin holds (`/variants/redesign/index.html`), listed at
   * synth from the site folder; a document missing here is served as the control document. Absent
   * when the origin cannot be listed: the variant's copy is always asked for.
   */
  readonly variantDocuments?: readonly string[];
}

/**
 * Origin-response function of one cache behavior: CDN-Cache-Control / Surrogate-Control become the
 * Cache-Control CloudFront caches by (see shared/targeted-cache-control.ts).
 */
export interface OriginResponseConfig {
  /** Restore the origin's Cache-Control for viewers. */
  readonly targetedCacheControl: boolean;
}

export type EdgeFunctionKind = 'viewer-request' | 'viewer-response' | 'origin-request' | 'origin-response';
