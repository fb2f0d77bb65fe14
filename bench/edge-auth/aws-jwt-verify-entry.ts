// Bench-only: the same auth step on aws-jwt-verify (smallest subpath import, keys cached and
// warmed at load), measured beside the shipped node:crypto step. See docs/benchmarks.md.
import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { ViewerRequestConfig } from '../../lambda-edge/shared/config';
import { stripAssertedHeaders } from '../../lambda-edge/viewer-request/auth';
import { AUTH_SCOPE_HEADER, AUTH_SUB_HEADER } from '../../lambda-edge/shared/names';
import { edgeJsonResponse } from '../../lambda-edge/shared/responses';

declare const __TIERED_CDN_CONFIG__: ViewerRequestConfig;
const cfg = __TIERED_CDN_CONFIG__.auth!;
const verifier = JwtVerifier.create({
  issuer: cfg.issuer,
  audience: cfg.audience === null ? null : [...cfg.audience],
  jwksUri: cfg.jwksUri ?? new URL('.well-known/jwks.json', cfg.issuer).href,
  graceSeconds: cfg.clockSkewSeconds,
  customJwtCheck: ({ header, payload }: { header: { alg?: string }; payload: { exp?: number } }) => {
    if (!cfg.algorithms.includes(header.alg as never)) throw new Error('algorithm not allowed');
    if ((header as { crit?: unknown }).crit !== undefined) throw new Error('unsupported critical header');
    if (payload.exp === undefined) throw new Error('token has no expiry');
  },
} as never);
verifier.cacheJwks(cfg.jwks as never);
// Warm: import each key and run the verification path once with a made-up signature.
for (const k of cfg.jwks.keys) {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  try {
    verifier.verifySync(`${part({ alg: k.alg ?? cfg.algorithms[0], kid: k.kid })}.${part({ iss: cfg.issuer, exp: 1 })}.${'A'.repeat(86)}` as never);
  } catch {
    // expected
  }
}

function refuse(description: string) {
  return edgeJsonResponse(401, { error: 'invalid_token', error_description: description }, {
    'WWW-Authenticate': `Bearer realm="${cfg.realm}", error="invalid_token", error_description="${description}"`,
  });
}

export const handler = async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  const request: CloudFrontRequest = stripAssertedHeaders(event.Records[0].cf.request);
  const values = request.headers.authorization ?? [];
  if (values.length !== 1) return refuse(values.length ? 'more than one Authorization header' : 'a Bearer token is required');
  const match = /^Bearer +(\S+)$/i.exec(values[0].value);
  if (!match || match[1].length > 8192) return refuse('malformed token');
  let payload: Record<string, unknown>;
  try {
    payload = verifier.verifySync(match[1] as never) as Record<string, unknown>;
  } catch {
    return refuse('invalid token');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (cfg.requiredScopes.some((s) => !scopes.includes(s))) return edgeJsonResponse(403, { error: 'insufficient_scope' });
  if (typeof payload.sub === 'string') request.headers[AUTH_SUB_HEADER] = [{ key: AUTH_SUB_HEADER, value: payload.sub }];
  if (scopes.length) request.headers[AUTH_SCOPE_HEADER] = [{ key: AUTH_SCOPE_HEADER, value: scopes.join(' ') }];
  return request;
};
