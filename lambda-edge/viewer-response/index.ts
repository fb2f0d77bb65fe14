// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResponse, CloudFrontResponseEvent } from 'aws-lambda';
import type { ExperimentConfig, ViewerResponseConfig } from '../shared/config';
import { decodeSetCookieInstruction, experimentByCookie } from '../shared/experiment-cookies';
import { EXPERIMENT_SET_COOKIE_HEADER, VIEWER_ID_COOKIE } from '../shared/names';
import { type CfHeaders, toViewer } from '../shared/targeted-cache-control';

/**
 * The `Set-Cookie` values for the cookies the viewer-request step asked for. Runs on cache hits
 * too, which is the point: the assignment is made before the cache lookup, so a cached response
 * could never carry it. Attributes: the whole site (`Path=/`), HTTPS only, sent on top-level
 * navigation from other sites (`SameSite=Lax`) so a viewer arriving from a link keeps the variant.
 * The viewer id is `HttpOnly`; the variant cookies are not, so page scripts can report the
 * variant to analytics.
 */
export function decide(request: CloudFrontRequest, config: ViewerResponseConfig): string[] {
  const sent = request.headers[EXPERIMENT_SET_COOKIE_HEADER];
  const instruction = sent && sent.length > 0 ? sent[0].value : undefined;
  if (!instruction || config.experiments.length === 0) return [];
  return decodeSetCookieInstruction(instruction, config.experiments).map((cookie) => {
    const name = cookie[0];
    const value = cookie[1];
    const maxAge = name === VIEWER_ID_COOKIE ? viewerIdMaxAge(config.experiments) : maxAgeOf(name, config);
    const httpOnly = name === VIEWER_ID_COOKIE ? '; HttpOnly' : '';
    return `${name}=${value}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Lax${httpOnly}`;
  });
}

function viewerIdMaxAge(experiments: readonly ExperimentConfig[]): number {
  let max = -Infinity;
  for (let i = 0; i < experiments.length; i++) max = Math.max(max, experiments[i].cookieMaxAgeSeconds);
  return max;
}

function maxAgeOf(cookie: string, config: ViewerResponseConfig): number {
  const e = experimentByCookie(config.experiments, cookie);
  return e ? e.cookieMaxAgeSeconds : viewerIdMaxAge(config.experiments);
}

/** Appends the cookies to the response, keeping any `Set-Cookie` the origin sent. Pure. */
export function applyCookies(response: CloudFrontResponse, setCookies: readonly string[]): CloudFrontResponse {
  if (setCookies.length === 0) return response;
  const headers: CloudFrontHeaders = Object.assign({}, response.headers);
  headers['set-cookie'] = (response.headers['set-cookie'] || []).concat(setCookies.map((value) => ({ key: 'Set-Cookie', value })));
  return Object.assign({}, response, { headers });
}

/** The Lambda@Edge handler. No async closure (the CloudFront Functions language has none): a throw still rejects. */
export function createHandler(config: ViewerResponseConfig) {
  return (event: CloudFrontResponseEvent): Promise<CloudFrontResponse> => new Promise((resolve) => resolve(respond(event, config)));
}

function respond(event: CloudFrontResponseEvent, config: ViewerResponseConfig): CloudFrontResponse {
  const cf = event.Records[0].cf;
  const response = cf.response;
  const restored = config.targetedCacheControl ? Object.assign({}, response, { headers: toViewer(response.headers as CfHeaders) as CloudFrontHeaders }) : response;
  return applyCookies(restored, decide(cf.request, config));
}
