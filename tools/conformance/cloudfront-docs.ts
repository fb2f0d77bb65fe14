/**
 * What CloudFront's documentation says about the tests of the HTTP caching test suite, under the
 * configuration the suite runs against (tools/conformance/distribution.ts: an api-tier catch-all,
 * MinTTL 0, DefaultTTL 0, MaxTTL 1 day, all query strings in the key, every viewer header
 * forwarded outside the key, no cookies, GET/HEAD/OPTIONS allowed, ErrorCachingMinTTL 10 s).
 *
 * A documented entry says whether CloudFront passes or fails the tests it covers; the local edge
 * must do the same. An undocumented entry says what the local edge does and why; it is not checked.
 */

export interface DocPage {
  readonly title: string;
  readonly url: string;
}

export interface Documented {
  readonly ids: RegExp;
  readonly page: DocPage;
  readonly quote: string;
  /** The suite's verdict on CloudFront, as the quote implies it. */
  readonly cloudfront: 'pass' | 'fail';
}

export interface Undocumented {
  readonly ids: RegExp;
  /** What the tests are about, as the list in docs/local-edge.md names it. */
  readonly topic: string;
  /** What the local edge does, and on what it bases that. */
  readonly note: string;
}

const guide = (title: string, file: string): DocPage => ({ title, url: `https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/${file}` });

export const PAGES = {
  statusCodes: guide('How CloudFront processes HTTP 4xx and 5xx status codes from your origin', 'HTTPStatusCodes.html'),
  errorTtl: guide('Control how long CloudFront caches errors', 'custom-error-pages-expiration.html'),
  expiration: guide('Manage how long content stays in the cache (expiration)', 'Expiration.html'),
  customOrigin: guide('Request and response behavior for custom origins', 'RequestAndResponseBehaviorCustomOrigin.html'),
  authorization: { title: 'AWS knowledge center: forward the Authorization header to the origin', url: 'https://repost.aws/knowledge-center/cloudfront-authorization-header' },
  redirects: guide('How CloudFront processes HTTP 3xx status codes from your origin', 'http-3xx-status-codes.html'),
  ranges: guide('How CloudFront processes partial requests for an object (range GETs)', 'RangeGETs.html'),
  cacheKey: guide('Understand the cache key', 'understanding-the-cache-key.html'),
  frameOptions: { title: 'CloudFront API Reference: ResponseHeadersPolicyFrameOptions', url: 'https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyFrameOptions.html' },
  cachePolicyApi: { title: 'CloudFront API Reference: CachePolicy', url: 'https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicy.html' },
  allowedMethods: { title: 'CloudFront API Reference: AllowedMethods', url: 'https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_AllowedMethods.html' },
} as const;

const Q = {
  requestCc:
    'You cannot use the HTTP Cache-Control or Pragma header fields in a GET request from a viewer to force CloudFront to go back to the origin server for the object. CloudFront ignores those header fields in viewer requests.',
  defaultTtl: 'The origin does not add a Cache-Control max-age directive to objects: CloudFront caches objects for the value of the CloudFront default TTL.',
  noCache: 'Origin adds Cache-Control: no-cache, no-store, and/or private directives to objects [Minimum TTL = 0]: CloudFront and browsers respect the headers.',
  alwaysCached: 'CloudFront always caches the following HTTP 4xx and 5xx status codes returned by your origin: 404, 414, 500, 501, 502, 503, 504 [405 moved to the next list in the current guide].',
  maxAgeCached:
    'CloudFront only caches the following HTTP 4xx status codes returned by your origin if your origin returns a Cache-Control max-age or Cache-Control s-maxage header: 400, 403, 405, 412, 415.',
  greaterOf: 'If the origin adds a Cache-Control max-age or Cache-Control s-maxage directive, or an Expires header: CloudFront caches error responses for the greater of the value in the header or the value of Error Caching Minimum TTL.',
  staleOn5xx: 'If your origin returns a 5xx status code, CloudFront serves the object even though it has expired.',
  unavailable:
    'If the origin doesn\'t respond, the CloudFront request to the origin times out which is considered an HTTP 5xx error from the origin, even though the origin didn\'t respond with that error. In that scenario, CloudFront continues to serve cached content.',
  varyStar:
    'If your origin returns Vary:* in the response, and if the value of Minimum TTL for the corresponding cache behavior is 0, CloudFront caches the object but still forwards every subsequent request for the object to the origin.',
  cacheKey:
    'A cache hit occurs when a viewer request generates the same cache key as a prior request, and the object for that cache key is in the edge location\'s cache and valid. [API Reference, CachePolicy:] If you want to send values to the origin but not include them in the cache key, use OriginRequestPolicy.',
  contentLength: 'If the value of the Content-Length header doesn\'t match the size of the object, CloudFront doesn\'t cache the object.',
  setCookie: 'Set-Cookie – If you configure CloudFront to forward cookies, it will forward the Set-Cookie header field to clients. [The suite\'s configuration forwards none.]',
  overrideHeaders:
    'A Boolean that determines whether CloudFront overrides the X-Frame-Options HTTP response header received from the origin with the one specified in this response headers policy. [The api tier sets X-Frame-Options: DENY with Override.]',
  ranges:
    'If the cache in that edge location already contains the entire object or the requested portion of the object, CloudFront immediately serves the requested range from the cache. ... If the origin supports Range GET requests: It returns the requested range. CloudFront serves the requested range and also caches it for future requests.',
  authorization:
    'You can\'t use an origin request policy to forward the Authorization header. The header must be a part of the cache key to prevent the cache from satisfying unauthorized requests. [The api tier keys on no Authorization: the origin never sees it and the cached copy answers.]',
  redirects: 'CloudFront caches 307 and 308 responses only when you include the Cache-Control header in responses from the origin. [These have only Expires.]',
  methods: 'CloudFront forwards only GET, HEAD, and OPTIONS requests. [The api tier allows GET, HEAD, OPTIONS; any other method is answered 403 by CloudFront.]',
};

export const DOCUMENTED: readonly Documented[] = [
  { ids: /^ccreq-/, page: PAGES.expiration, quote: Q.requestCc, cloudfront: 'fail' },
  { ids: /^pragma-request-/, page: PAGES.expiration, quote: Q.requestCc, cloudfront: 'pass' },
  { ids: /^heuristic-(200|203|204|410|599)-cached$|^heuristic-delta-|^other-heuristic-|^pragma-response-no-cache-heuristic$/, page: PAGES.expiration, quote: Q.defaultTtl, cloudfront: 'fail' },
  { ids: /^heuristic-403-not_cached$|^status-400-stale$/, page: PAGES.statusCodes, quote: Q.maxAgeCached, cloudfront: 'pass' },
  { ids: /^heuristic-405-cached$|^status-400-fresh$/, page: PAGES.statusCodes, quote: `${Q.maxAgeCached} [These responses have only Expires.]`, cloudfront: 'fail' },
  { ids: /^status-(410|499|599)-fresh$/, page: PAGES.statusCodes, quote: `${Q.alwaysCached} ${Q.maxAgeCached} [Other codes are on neither list.]`, cloudfront: 'fail' },
  { ids: /^heuristic-50[234]-not_cached$|^status-(404|500|502|503|504)-stale$/, page: PAGES.errorTtl, quote: `${Q.alwaysCached} ${Q.greaterOf}`, cloudfront: 'fail' },
  { ids: /^stale-503$|^stale-close$/, page: PAGES.statusCodes, quote: `${Q.staleOn5xx} ${Q.unavailable}`, cloudfront: 'pass' },
  { ids: /^stale-close-(must-revalidate|no-cache|proxy-revalidate|s-maxage=2)$/, page: PAGES.statusCodes, quote: Q.staleOn5xx, cloudfront: 'fail' },
  { ids: /^cc-resp-no-cache-revalidate|^headers-omit-headers-listed-in-Cache-Control-no-cache/, page: PAGES.expiration, quote: Q.noCache, cloudfront: 'fail' },
  { ids: /^vary-(star|syntax-.*star.*)$/, page: PAGES.customOrigin, quote: Q.varyStar, cloudfront: 'pass' },
  { ids: /^vary-(2-match-omit|2-no-match|3-no-match|3-order|invalidate|no-match|omit|omit-stored)$/, page: PAGES.cacheKey, quote: Q.cacheKey, cloudfront: 'fail' },
  { ids: /Content-Length$/, page: PAGES.customOrigin, quote: Q.contentLength, cloudfront: 'fail' },
  { ids: /Set-Cookie$|^other-set-cookie$/, page: PAGES.customOrigin, quote: Q.setCookie, cloudfront: 'fail' },
  { ids: /X-Frame-Options$/, page: PAGES.frameOptions, quote: Q.overrideHeaders, cloudfront: 'fail' },
  { ids: /^partial-store-partial-reuse-partial$|^partial-store-complete-reuse-/, page: PAGES.ranges, quote: Q.ranges, cloudfront: 'pass' },
  { ids: /^other-authorization/, page: PAGES.authorization, quote: Q.authorization, cloudfront: 'fail' },
  { ids: /^status-30[78]-fresh$/, page: PAGES.redirects, quote: Q.redirects, cloudfront: 'fail' },
  { ids: /^status-30[78]-stale$/, page: PAGES.redirects, quote: Q.redirects, cloudfront: 'pass' },
  { ids: /^invalidate-|^method-POST$/, page: PAGES.allowedMethods, quote: Q.methods, cloudfront: 'fail' },
];

export const UNDOCUMENTED: readonly Undocumented[] = [
  { ids: /^freshness-expires-/, topic: 'Expires formats', note: 'The guide asks for the RFC 2616 full-date format and does not say what happens to others; the local edge follows RFC 9110 5.6.7 and RFC 9111 5.3: only IMF-fixdate, RFC 850 and asctime, case-sensitive; anything else is already expired.' },
  { ids: /^age-parse-|^other-age-|^freshness-max-age-age$/, topic: 'Age', note: 'Age is not documented; the local edge follows RFC 9111 5.1: the first member of Age counts toward the stored age, and one that is not a non-negative integer makes the response stale. (Node keeps only the first of two Age lines, so two lines read as one.)' },
  { ids: /^freshness-max-age-date$/, topic: 'Age from Date', note: 'Not documented; the local edge does not derive an age from Date (its clock may be virtual), only from Age.' },
  { ids: /^freshness-max-age-/, topic: 'max-age spellings', note: 'How CloudFront parses unusual max-age spellings is not documented; the local edge reads `name=value` pairs, the last duplicate winning.' },
  { ids: /^conditional-/, topic: 'Unusual validators', note: 'How CloudFront compares validators that are not well-formed entity tags, or answers conditional requests without Last-Modified, is not documented; the local edge forwards them as received and compares opaque tags.' },
  { ids: /^304-etag-update-response-/, topic: 'Headers updated by a 304', note: 'Which stored headers a 304 updates is not documented; the local edge follows RFC 9111 3.2: every header the 304 carries replaces the stored one, but Content-Length, Content-Encoding, Content-Range, Content-MD5 and ETag.' },
  { ids: /^head-/, topic: 'HEAD responses', note: 'How CloudFront updates a stored GET from a HEAD response is not documented; the local edge forwards a HEAD miss and does not store it.' },
  { ids: /^partial-/, topic: 'Partial objects', note: 'The stored 206 in these tests is inconsistent (Content-Range bytes 4-9 with a 5-byte body) or asks CloudFront to complete a partial object; the guide says neither. The local edge never serves from a 206 whose body disagrees with its Content-Range.' },
  { ids: /^stale-warning-/, topic: 'Warning', note: 'Warning headers are not documented; the local edge adds none.' },
  { ids: /^surrogate-/, topic: 'Surrogate-Control', note: 'The Expiration page names only Cache-Control and Expires; CloudFront does not document reading Surrogate-Control or sending Surrogate-Capability, and the local edge does neither. (A route can opt in with `targetedCacheControl`, edge functions that make CDN-Cache-Control or Surrogate-Control the TTL; the configuration above does not.)' },
];

export type Verdict =
  | { readonly kind: 'documented'; readonly doc: Documented; readonly agrees: boolean }
  | { readonly kind: 'undocumented'; readonly topic: string; readonly note: string };

/** The documentation entry for a test (first match wins), and whether the local edge agrees with it. */
export function verdictFor(id: string, passed: boolean): Verdict {
  const doc = DOCUMENTED.find((d) => d.ids.test(id));
  if (doc) return { kind: 'documented', doc, agrees: passed === (doc.cloudfront === 'pass') };
  const u = UNDOCUMENTED.find((d) => d.ids.test(id));
  return { kind: 'undocumented', topic: u?.topic ?? 'Other', note: u?.note ?? 'Not documented.' };
}
