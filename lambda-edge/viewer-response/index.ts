import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResponse, CloudFrontResponseEvent } from 'aws-lambda';
import type { ExperimentConfig, ViewerResponseConfig } from '../shared/config';
import { decodeSetCookieInstruction } from '../shared/experiment-cookies';
import { EXPERIMENT_SET_COOKIE_HEADER, experimentCookie, VIEWER_ID_COOKIE } from '../shared/names';
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
  const instruction = request.headers[EXPERIMENT_SET_COOKIE_HEADER]?.[0]?.value;
  if (!instruction || config.experiments.length === 0) return [];
  return decodeSetCookieInstruction(instruction, config.experiments).map(([name, value]) => {
    const maxAge = name === VIEWER_ID_COOKIE ? viewerIdMaxAge(config.experiments) : maxAgeOf(name, config);
    const httpOnly = name === VIEWER_ID_COOKIE ? '; HttpOnly' : '';
    return `${name}=${value}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Lax${httpOnly}`;
  });
}

function viewerIdMaxAge(experiments: readonly ExperimentConfig[]): number {
  return Math.max(...experiments.map((e) => e.cookieMaxAgeSeconds));
}

function maxAgeOf(cookie: string, config: ViewerResponseConfig): number {
  const e = config.experiments.find((x) => experimentCookie(x.name) === cookie);
  return e ? e.cookieMaxAgeSeconds : viewerIdMaxAge(config.experiments);
}

/** Appends the cookies to the response, keeping any `Set-Cookie` the origin sent. Pure. */
export function applyCookies(response: CloudFrontResponse, setCookies: readonly string[]): CloudFrontResponse {
  if (setCookies.length === 0) return response;
  const headers: CloudFrontHeaders = { ...response.headers };
  headers['set-cookie'] = [
    ...(response.headers['set-cookie'] ?? []),
    ...setCookies.map((value) => ({ key: 'Set-Cookie', value })),
  ];
  return { ...response, headers };
}

export function createHandler(config: ViewerResponseConfig) {
  return async (event: CloudFrontResponseEvent): Promise<CloudFrontResponse> => {
    const { request, response } = event.Records[0].cf;
    const restored = config.targetedCacheControl ? { ...response, headers: toViewer(response.headers as CfHeaders) as CloudFrontHeaders } : response;
    return applyCookies(restored, decide(request, config));
  };
}
