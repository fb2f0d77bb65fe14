import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import type { ViewerRequestConfig } from '../shared/config';
import { createAuthenticator, stripAssertedHeaders, type AuthRuntimeOptions, type AuthOutcome } from './auth';
import { assignExperiments, stripExperimentHeaders } from './experiments';
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
  return composeHandler(config, createAuthenticator, options, refuseNonCanonical, ALL_STEPS);
}

/** The request rewrites around auth, passed in so that a bundle carries only those its behavior uses. */
export interface RewriteSteps {
  /** Step 2; required when the behavior configures `normalize`. */
  readonly normalize?: typeof normalizeRequest;
  /**
   * Step 4: `assignExperiments`, or, for a behavior with no experiment, `stripExperimentHeaders`
   * (what `assignExperiments` does with none).
   */
  readonly experiments: typeof assignExperiments;
}

const ALL_STEPS: RewriteSteps = { normalize: normalizeRequest, experiments: assignExperiments };

/** The steps for a behavior without experiments: the header strip alone, none of the bucketing. */
export const NO_EXPERIMENTS: typeof assignExperiments = (request) => stripExperimentHeaders(request);

/**
 * `createHandler` with the steps passed in. The bundle entry passes each only when the behavior
 * uses it, so a bundle without auth carries none of the verifier, one without the guard none of
 * the path rules, and one without normalize or experiments none of their code (see entry.ts). A
 * step left out while the configuration asks for it fails at load, never serving without it.
 */
export function composeHandler(
  config: ViewerRequestConfig,
  makeAuthenticator: typeof createAuthenticator | undefined,
  options: AuthRuntimeOptions = {},
  guard?: typeof refuseNonCanonical,
  steps: RewriteSteps = { experiments: NO_EXPERIMENTS },
): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  if (config.auth && !makeAuthenticator) throw new Error('viewer-request: auth is configured but the bundle was built without it');
  if (config.guard && !guard) throw new Error('viewer-request: the path guard is configured but the bundle was built without it');
  if (config.normalize && !steps.normalize) throw new Error('viewer-request: normalize is configured but the bundle was built without it');
  if (config.experiments.length > 0 && steps.experiments === NO_EXPERIMENTS) {
    throw new Error('viewer-request: experiments are configured but the bundle was built without them');
  }
  const before = (request: CloudFrontRequest): CloudFrontRequest => {
    const stripped = stripAssertedHeaders(request);
    return config.normalize && steps.normalize ? steps.normalize(stripped, config.normalize) : stripped;
  };
  const after = (request: CloudFrontRequest): CloudFrontRequest => steps.experiments(request, config.experiments);
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
    const rewritten = before(request);
    if (!auth) return after(rewritten);
    const pending = auth.authenticate(rewritten);
    // Awaiting only a real promise (a JWKS fetch) keeps the common path free of an extra microtask.
    const outcome: AuthOutcome = pending instanceof Promise ? await pending : pending;
    if (outcome.allow) return after(outcome.request);
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
