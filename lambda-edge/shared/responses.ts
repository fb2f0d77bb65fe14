// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontHeaders, CloudFrontResultResponse } from 'aws-lambda';

/** The headers of every response the edge generates (see edgeJsonResponse). */
export const EDGE_CONTENT_TYPE = 'application/json; charset=utf-8';
export const EDGE_CACHE_CONTROL = 'no-store';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/**
 * A response generated at the edge. It never reaches the origin and must never be stored by a
 * cache on the way back (a 401 cached for one viewer would be served to the next), hence no-store.
 */
export function edgeJsonResponse(
  status: number,
  body: Readonly<Record<string, string>>,
  extraHeaders?: Readonly<Record<string, string>>,
): CloudFrontResultResponse {
  const headers: CloudFrontHeaders = {
    'content-type': [{ key: 'Content-Type', value: EDGE_CONTENT_TYPE }],
    'cache-control': [{ key: 'Cache-Control', value: EDGE_CACHE_CONTROL }],
  };
  const names = extraHeaders ? Object.keys(extraHeaders) : [];
  for (let i = 0; i < names.length; i++) headers[names[i].toLowerCase()] = [{ key: names[i], value: extraHeaders![names[i]] }];
  return {
    status: String(status),
    statusDescription: STATUS_TEXT[status] || 'Error',
    headers,
    body: JSON.stringify(body),
  };
}

/** True when the value CloudFront hands back is a generated response rather than a request. */
export function isResponse(value: unknown): value is CloudFrontResultResponse {
  return typeof value === 'object' && value !== null && 'status' in value && !('uri' in value);
}
