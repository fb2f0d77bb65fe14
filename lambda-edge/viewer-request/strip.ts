// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type { CloudFrontRequest } from 'aws-lambda';
import { ASSERTED_HEADER_PREFIXES } from '../shared/names';

/**
 * Removes every header the edge asserts (`x-auth-*`) from a viewer request. Runs on every request
 * of every behavior, protected or not, so a viewer can never speak for the edge. Names are folded
 * as lenient origins fold them (case, and `_` read as `-`, as CGI and many frameworks do), so
 * `X_Auth_Sub` is removed too. Its own module: it has no crypto in it, so the CloudFront Functions
 * bundle it without the verifier.
 */
export function stripAssertedHeaders(request: CloudFrontRequest): CloudFrontRequest {
  const names = Object.keys(request.headers);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const lower = name.toLowerCase().replace(/_/g, '-');
    if (ASSERTED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix))) delete request.headers[name];
  }
  return request;
}
