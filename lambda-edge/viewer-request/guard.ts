// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import { pathProblem, type GuardConfig, type PathProblem } from '../shared/path-guard';
import { edgeJsonResponse } from '../shared/responses';

/** The body of the 400, also built by the CloudFront Function in its own response shape. */
export function nonCanonicalBody(problem: PathProblem): { error: string; error_description: string } {
  return { error: 'non_canonical_path', error_description: problem };
}

/**
 * Step 0 of a guarded behavior: a URI that is not in canonical form is answered 400 (with
 * `Cache-Control: no-store`) before the cache lookup, so no spelling of a protected path reaches
 * an origin through a behavior without auth, and origins only ever see canonical paths.
 *
 * 400 rather than a redirect to the canonical path: which path a spelling means depends on the
 * origin (does it merge `//`? decode `%2F`? ignore case?), so no canonical target is unambiguous.
 *
 * Used by the Lambda@Edge and the CloudFront Function viewer-request alike: the 400, and its reason
 * code for the log line.
 */
export function refuseNonCanonical(request: CloudFrontRequest, config: GuardConfig): { response: CloudFrontResultResponse; reason: `path-${PathProblem}` } | undefined {
  const problem = pathProblem(request.uri, config);
  if (problem === null) return undefined;
  return { response: edgeJsonResponse(400, nonCanonicalBody(problem)), reason: `path-${problem}` };
}
