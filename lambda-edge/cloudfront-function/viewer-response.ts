import type { CloudFrontHeaders } from 'aws-lambda';
import type { ViewerResponseConfig } from '../shared/config';
import { type CfHeaders, toViewer } from '../shared/targeted-cache-control';
import { decide } from '../viewer-response/index';
import { type CfEvent, addSetCookies, headersFromLambda, headersToLambda, toLambdaRequest } from './adapter';

/**
 * The viewer-response steps of a behavior without auth, as a CloudFront Function (runs on cache
 * hits too): the origin's Cache-Control restored for viewers (targeted cache control), then the
 * experiment cookies, the same pure modules the Lambda@Edge bundle runs.
 */
declare const __TIERED_CDN_CONFIG__: ViewerResponseConfig;

export function handler(event: CfEvent) {
  const config = __TIERED_CDN_CONFIG__;
  let response = event.response!;
  if (config.targetedCacheControl) {
    response = { ...response, headers: headersFromLambda(toViewer(headersToLambda(response.headers) as CfHeaders) as CloudFrontHeaders) };
  }
  return addSetCookies(response, decide(toLambdaRequest(event), config));
}
