/**
 * Viewer headers that must not reach the origin of a cached tier outside the cache key. A header in
 * an origin request policy is seen by the origin on a miss, but the cached answer is served to every
 * viewer whatever their value: when the origin's answer depends on such a header, one viewer decides
 * what everyone gets.
 */

/**
 * Headers that change what the origin does with a request (its method, host, path or scheme) in
 * common frameworks and proxies: forwarded without being keyed on, one viewer's value decides the
 * copy every viewer receives (web cache poisoning). `host`: CloudFront answers on each of the
 * distribution's domain names, so an origin that builds links from Host would cache one domain's
 * links for all of them.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
 */
export const REQUEST_REWRITING_HEADERS: readonly string[] = [
  'forwarded',
  'host',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-proto',
  'x-forwarded-scheme',
  'x-forwarded-server',
  'x-host',
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
  'x-original-host',
  'x-original-method',
  'x-original-url',
  'x-override-url',
  'x-rewrite-url',
];

/**
 * Headers that carry a viewer's credentials or identity (besides `Authorization` and `Cookie`, which
 * have rules of their own): an origin that sees them may answer for that viewer, and the answer is
 * then cached for everyone.
 */
export const PER_USER_HEADERS: readonly string[] = [
  'proxy-authorization',
  'remote-user',
  'x-access-token',
  'x-amz-security-token',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
  'x-forwarded-access-token',
  'x-forwarded-email',
  'x-forwarded-user',
  'x-remote-user',
  'x-session-id',
  'x-user',
  'x-user-id',
  'x-xsrf-token',
];

/** A header name as CGI-style origins read it: lower case, `_` for `-`. */
export function foldHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

export function isRequestRewritingHeader(name: string): boolean {
  return REQUEST_REWRITING_HEADERS.includes(foldHeaderName(name));
}

export function isPerUserHeader(name: string): boolean {
  return PER_USER_HEADERS.includes(foldHeaderName(name));
}
