// Bench-only: the shipped auth step (node:crypto) alone, without the other viewer-request steps,
// so the three auth handlers compare like for like.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import type { ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { createAuthenticator, stripAssertedHeaders } from '../../lambda-edge/viewer-request/auth';

declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
const auth = createAuthenticator(__TIERED_CDN_CONFIG__.auth!);

export const handler = async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  const pending = auth.authenticate(stripAssertedHeaders(event.Records[0].cf.request));
  const outcome = pending instanceof Promise ? await pending : pending;
  return outcome.allow ? outcome.request : outcome.response;
};
