import type { ViewerResponseConfig } from '../shared/config';
import { decide } from '../viewer-response/index';
import { type CfEvent, addSetCookies, toLambdaRequest } from './adapter';

/** The experiment cookies of a behavior without auth, as a CloudFront Function (runs on cache hits too). */
declare const __TIERED_CDN_CONFIG__: ViewerResponseConfig;

export function handler(event: CfEvent) {
  const setCookies = decide(toLambdaRequest(event), __TIERED_CDN_CONFIG__);
  return addSetCookies(event.response!, setCookies);
}
