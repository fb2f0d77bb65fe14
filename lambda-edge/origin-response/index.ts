import type { CloudFrontResponse, CloudFrontResponseEvent } from 'aws-lambda';
import type { OriginResponseConfig } from '../shared/config';
import { type CfHeaders, toEdge } from '../shared/targeted-cache-control';

/** The origin-response step of one behavior (runs on cache misses only). Pure. */
export function decide(response: CloudFrontResponse, config: OriginResponseConfig): CloudFrontResponse {
  if (!config.targetedCacheControl) return response;
  const headers = toEdge(Number(response.status), response.headers as CfHeaders);
  return headers === response.headers ? response : { ...response, headers };
}

export function createHandler(config: OriginResponseConfig) {
  return async (event: CloudFrontResponseEvent): Promise<CloudFrontResponse> => decide(event.Records[0].cf.response, config);
}
