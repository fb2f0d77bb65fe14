// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * Header and cookie names shared by the construct (cache keys, origin request policies) and the
 * edge handlers. Written once here so the two can never disagree.
 *
 * All header names are lower case, as CloudFront presents them in Lambda@Edge events.
 */

/** Identity headers the edge asserts after a token is verified. Viewer-supplied copies are stripped. */
export const AUTH_SUB_HEADER = 'x-auth-sub';
export const AUTH_SCOPE_HEADER = 'x-auth-scope';
/** Prefix for verified claims forwarded to the origin (`x-auth-claim-<claim>`). */
export const AUTH_CLAIM_HEADER_PREFIX = 'x-auth-claim-';

/** Every header the edge asserts; the viewer can never supply one of these. */
export const ASSERTED_HEADER_PREFIXES: readonly string[] = ['x-auth-'];

/** Request header carrying an experiment's variant: `x-experiment-<name>`. Part of the cache key. */
export const EXPERIMENT_HEADER_PREFIX = 'x-experiment-';
/** Cookie that pins a viewer to a variant: `tcdn-exp-<name>`. */
export const EXPERIMENT_COOKIE_PREFIX = 'tcdn-exp-';
/** Cookie holding a stable, random viewer id used for bucketing. */
export const VIEWER_ID_COOKIE = 'tcdn-vid';

/** CloudFront viewer headers used for geo and device routing. */
export const VIEWER_COUNTRY_HEADER = 'cloudfront-viewer-country';
export const DEVICE_HEADERS = {
  mobile: 'cloudfront-is-mobile-viewer',
  tablet: 'cloudfront-is-tablet-viewer',
  desktop: 'cloudfront-is-desktop-viewer',
  smarttv: 'cloudfront-is-smarttv-viewer',
} as const;

/**
 * `DEVICE_HEADERS[device]` built from its name, for the edge functions: the map itself costs a
 * CloudFront Function about 170 of its 10,240 bytes. Only for the devices of DEVICE_HEADERS (synth
 * refuses any other in a routing rule).
 */
export function deviceHeader(device: keyof typeof DEVICE_HEADERS): string {
  return `cloudfront-is-${device}-viewer`;
}

/** The protocol the viewer used (`http` or `https`). */
export const FORWARDED_PROTO_HEADER = 'cloudfront-forwarded-proto';
/** The viewer's address and port (`203.0.113.7:5050`). */
export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';

export function experimentHeader(experiment: string): string {
  return `${EXPERIMENT_HEADER_PREFIX}${experiment.toLowerCase()}`;
}

export function experimentCookie(experiment: string): string {
  return `${EXPERIMENT_COOKIE_PREFIX}${experiment.toLowerCase()}`;
}

/**
 * Request header the viewer-request function leaves for the viewer-response function of the same
 * request: the experiment cookies to set, as `name=value` pairs joined by `&`. CloudFront hands the
 * viewer-response function the request as the viewer-request function modified it, on cache hits
 * too, so this is how an assignment made before the cache lookup reaches the viewer's response.
 * Always overwritten in viewer-request; never taken from the viewer.
 */
export const EXPERIMENT_SET_COOKIE_HEADER = 'x-tcdn-set-cookie';

/**
 * Member of the JWKS `tiered-cdn token --print-jwks` writes (a JWK Set may carry members of its
 * own, RFC 7517 section 5): it says the keys are a development key pair whose private half sits in
 * the project's `.tiered-cdn/`, so a stack baking them in warns on every synth.
 */
export const DEV_JWKS_MEMBER = 'x-tiered-cdn-development-key';
