// Bench-only: the same auth step on jose, keys imported at load, for comparison with aws-jwt-verify.
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { errors, importJWK, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { stripAssertedHeaders } from '../../lambda-edge/viewer-request/auth';
import { AUTH_SCOPE_HEADER, AUTH_SUB_HEADER } from '../../lambda-edge/shared/names';
import { edgeJsonResponse } from '../../lambda-edge/shared/responses';

declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
const cfg = __TIERED_CDN_CONFIG__.auth!;
type Key = Awaited<ReturnType<typeof importJWK>>;
const keys = new Map<string, Promise<Key>>(cfg.jwks.keys.map((k) => [k.kid as string, importJWK(k as never, (k.alg as string) ?? cfg.algorithms[0])]));
const options = { issuer: cfg.issuer, audience: cfg.audience ? [...cfg.audience] : undefined, algorithms: [...cfg.algorithms], clockTolerance: cfg.clockSkewSeconds, requiredClaims: ['exp'] };

function refuse(description: string) {
  return edgeJsonResponse(401, { error: 'invalid_token', error_description: description }, {
    'WWW-Authenticate': `Bearer realm="${cfg.realm}", error="invalid_token", error_description="${description}"`,
  });
}

async function getKey(header: JWTHeaderParameters): Promise<Key> {
  const key = header.kid === undefined ? undefined : keys.get(header.kid);
  if (!key) throw new errors.JWKSNoMatchingKey();
  return key;
}

export const handler = async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  const request: CloudFrontRequest = stripAssertedHeaders(event.Records[0].cf.request);
  const values = request.headers.authorization ?? [];
  if (values.length !== 1) return refuse(values.length ? 'more than one Authorization header' : 'a Bearer token is required');
  const match = /^Bearer +(\S+)$/i.exec(values[0].value);
  if (!match || match[1].length > 8192) return refuse('malformed token');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(match[1], getKey, options));
  } catch {
    return refuse('invalid token');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (cfg.requiredScopes.some((s) => !scopes.includes(s))) return edgeJsonResponse(403, { error: 'insufficient_scope' });
  if (payload.sub) request.headers[AUTH_SUB_HEADER] = [{ key: AUTH_SUB_HEADER, value: payload.sub }];
  if (scopes.length) request.headers[AUTH_SCOPE_HEADER] = [{ key: AUTH_SCOPE_HEADER, value: scopes.join(' ') }];
  return request;
};
