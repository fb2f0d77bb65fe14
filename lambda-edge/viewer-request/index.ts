import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import type { ViewerRequestConfig } from '../shared/config';
import { createAuthenticator, stripAssertedHeaders, type AuthRuntimeOptions, type AuthOutcome } from './auth';
import { assignExperiments } from './experiments';
import { refuseNonCanonical } from './guard';
import { rejectionLogLine, routeOf } from '../shared/rejections';
import { normalizeRequest } from './normalize';

export { stripAssertedHeaders } from './auth';

/**
 * The viewer-request function of one cache behavior. CloudFront allows one function per event
 * type and behavior, so the steps that behavior needs are composed here, always in this order:
 *
 * 0. guard: a non-canonical URI (`//`, `/./`, `%6D`, `;`, a protected prefix in another case) is
 *    answered 400 before anything else, on every behavior whose origin serves a protected route;
 * 1. strip viewer-supplied identity headers (`x-auth-*`), on every behavior, protected or not;
 * 2. normalize the query string (the cache key), so auth and bucketing see the final request;
 * 3. auth: a missing or invalid token is answered here and never reaches the origin;
 * 4. experiments: only requests that passed auth are bucketed. It runs even with no experiment
 *    configured, because it also removes viewer-supplied `x-experiment-*` headers.
 *
 * Guard, normalize and auth are skipped when the behavior does not configure them. Each refusal
 * (guard or auth) logs one JSON line with its reason code (lambda-edge/shared/rejections.ts).
 */
export function createHandler(
  config: ViewerRequestConfig,
  options: AuthRuntimeOptions = {},
): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  return composeHandler(config, createAuthenticator, options, refuseNonCanonical);
}

/**
 * `createHandler` with the auth and guard steps passed in. The bundle entry passes each only when
 * the behavior uses it, so a bundle without auth carries none of the verifier, and one without the
 * guard none of the path rules (see entry.ts).
 */
export function composeHandler(
  config: ViewerRequestConfig,
  makeAuthenticator: typeof createAuthenticator | undefined,
  options: AuthRuntimeOptions = {},
  guard?: typeof refuseNonCanonical,
): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  if (config.auth && !makeAuthenticator) throw new Error('viewer-request: auth is configured but the bundle was built without it');
  if (config.guard && !guard) throw new Error('viewer-request: the path guard is configured but the bundle was built without it');
  // One JSON line per refusal on stdout, which Lambda@Edge sends to CloudWatch Logs.
  const log = options.log ?? ((line: string) => console.log(line));
  // Built once per container: keys are imported and warmed before the first request arrives.
  const auth = config.auth && makeAuthenticator ? makeAuthenticator(config.auth, options) : undefined;

  return async (event) => {
    const request = event.Records[0].cf.request;
    const refused = config.guard && guard ? guard(request, config.guard) : undefined;
    if (refused) {
      log(rejectionLogLine({ reason: refused.reason, route: routeOf(request.uri, config.routes), status: 400 }));
      return refused.response;
    }
    const before = decideBeforeAuth(request, config);
    if (!auth) return decideAfterAuth(before, config);
    const pending = auth.authenticate(before);
    // Awaiting only a real promise (a JWKS fetch) keeps the common path free of an extra microtask.
    const outcome: AuthOutcome = pending instanceof Promise ? await pending : pending;
    if (outcome.allow) return decideAfterAuth(outcome.request, config);
    if (outcome.rejection) {
      const { reason, kid } = outcome.rejection;
      log(rejectionLogLine({ reason, route: routeOf(request.uri, config.routes), kid, status: Number(outcome.response.status) }));
    }
    return outcome.response;
  };
}

/** Steps 1 and 2: pure request rewrites. */
export function decideBeforeAuth(request: CloudFrontRequest, config: ViewerRequestConfig): CloudFrontRequest {
  const stripped = stripAssertedHeaders(request);
  return config.normalize ? normalizeRequest(stripped, config.normalize) : stripped;
}

/** Step 4: pure request rewrites for requests that passed auth. */
export function decideAfterAuth(request: CloudFrontRequest, config: ViewerRequestConfig): CloudFrontRequest {
  return assignExperiments(request, config.experiments);
}
