// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
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

function handler(event: CfEvent) {
  const config = __TIERED_CDN_CONFIG__;
  let response = event.response!;
  if (config.targetedCacheControl) {
    response = Object.assign({}, response, { headers: headersFromLambda(toViewer(headersToLambda(response.headers) as CfHeaders) as CloudFrontHeaders) });
  }
  return addSetCookies(response, decide(toLambdaRequest(event), config));
}

// The generated code's top-level `handler` calls this (lib/edge/cloudfront-function.ts): a global
// instead of an export spares the bundle esbuild's export wrapper, about 400 of the 10,240 bytes.
declare let __tcdn: typeof handler;
__tcdn = handler;
