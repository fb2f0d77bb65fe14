import { createPublicKey, type KeyObject } from 'crypto';
import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import { verifyJwtSync } from 'aws-jwt-verify/jwt-verifier';
import {
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  KidNotFoundInJwksError,
} from 'aws-jwt-verify/error';
import type { AuthConfig, Jwk } from '../shared/config';
import { ASSERTED_HEADER_PREFIXES, AUTH_CLAIM_HEADER_PREFIX, AUTH_SCOPE_HEADER, AUTH_SUB_HEADER } from '../shared/names';
import { edgeJsonResponse } from '../shared/responses';

/** Longer tokens are refused before any parsing: no identity provider issues them, attackers do. */
export const MAX_TOKEN_LENGTH = 8192;
/** Smallest gap between two fetches of `jwksUri`, so a flood of made-up kids cannot hammer the IdP. */
export const JWKS_REFRESH_INTERVAL_MS = 30_000;
/** Viewer-request functions have 5 s in total; a slow IdP must not eat that budget. */
export const JWKS_FETCH_TIMEOUT_MS = 1_500;
const MAX_JWKS_BYTES = 64 * 1024;

// Strict base64url without padding: the library also accepts '=' padding, which would let one
// signature be spelled several ways.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const KID_SHAPE = /^[\x21-\x7e]{1,256}$/;

export type AuthOutcome =
  | { readonly allow: true; readonly request: CloudFrontRequest }
  | { readonly allow: false; readonly response: CloudFrontResultResponse };

export interface AuthRuntimeOptions {
  /** Fetches and parses a JWKS document; rejects on any failure. Default: global `fetch`. */
  readonly fetchJwks?: (uri: string, timeoutMs: number) => Promise<unknown>;
  readonly refreshIntervalMs?: number;
  readonly fetchTimeoutMs?: number;
  /** Milliseconds clock for the refresh rate limit. */
  readonly now?: () => number;
}

/** Why a request is refused; `description` goes to the viewer, so it stays short and generic. */
class Rejection extends Error {
  constructor(
    readonly kind: 'missing' | 'invalid' | 'scope',
    readonly description: string,
  ) {
    super(description);
  }
}

/** The token carried a kid this function does not know: the only case that may trigger a JWKS fetch. */
class UnknownKid extends Error {}

function keyFitsAlgorithm(jwk: Jwk, alg: string): boolean {
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return jwk.kty === 'RSA';
    case 'ES256':
      return jwk.kty === 'EC' && jwk.crv === 'P-256';
    case 'ES384':
      return jwk.kty === 'EC' && jwk.crv === 'P-384';
    case 'EdDSA':
      return jwk.kty === 'OKP' && (jwk.crv === 'Ed25519' || jwk.crv === 'Ed448');
    default:
      return false;
  }
}

/** Public keys imported once into native key objects; the JWKS is kept for the library's kid lookup. */
class Keyring {
  readonly jwks: { keys: Jwk[] };
  private readonly imported = new Map<Jwk, KeyObject>();

  constructor(keys: readonly Jwk[]) {
    const usable: Jwk[] = [];
    const seen = new Set<string>();
    for (const jwk of keys) {
      if (typeof jwk.kid !== 'string' || seen.has(jwk.kid)) continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      let key: KeyObject;
      try {
        key = createPublicKey({ key: publicPart(jwk) as never, format: 'jwk' });
      } catch {
        continue; // a broken key in a fetched JWKS must not take the good ones down with it
      }
      seen.add(jwk.kid);
      usable.push(jwk);
      this.imported.set(jwk, key);
    }
    this.jwks = { keys: usable };
  }

  has(kid: string): boolean {
    return this.jwks.keys.some((k) => k.kid === kid);
  }

  keyObject(jwk: Jwk): KeyObject | undefined {
    return this.imported.get(jwk);
  }
}

const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

/** Only the public members reach createPublicKey, so private material in a fetched JWKS is ignored. */
function publicPart(jwk: Jwk): Record<string, unknown> {
  const members = PUBLIC_MEMBERS[jwk.kty];
  if (!members) throw new Error('unsupported kty');
  const out: Record<string, unknown> = {};
  for (const m of members) out[m] = jwk[m];
  return out;
}

function singleHeader(headers: CloudFrontHeaders, name: string): string | undefined | null {
  const values = headers[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) return null;
  return values[0].value;
}

function cookieValues(headers: CloudFrontHeaders, cookieName: string): string[] {
  const found: string[] = [];
  for (const { value } of headers.cookie ?? []) {
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      if (part.slice(0, eq).trim() === cookieName) found.push(part.slice(eq + 1).trim());
    }
  }
  return found;
}

/** Reads the token from `Authorization: Bearer` or, failing that, the configured cookie. */
function extractToken(request: CloudFrontRequest, cookieName: string | undefined): string {
  const authorization = singleHeader(request.headers, 'authorization');
  if (authorization === null) throw new Rejection('invalid', 'more than one Authorization header');
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+)$/i.exec(authorization);
    if (!match) throw new Rejection('invalid', 'Authorization header is not a Bearer token');
    return match[1];
  }
  if (cookieName) {
    const values = cookieValues(request.headers, cookieName);
    if (values.length > 1) throw new Rejection('invalid', 'token cookie sent more than once');
    if (values.length === 1 && values[0] !== '') return values[0];
  }
  throw new Rejection('missing', 'a Bearer token is required');
}

/** Checks what the library leaves to the caller before any signature work is done. */
function checkShape(token: string): void {
  if (token.length > MAX_TOKEN_LENGTH) throw new Rejection('invalid', 'token too large');
  if (!COMPACT_JWS.test(token)) throw new Rejection('invalid', 'malformed token');
  const signature = token.slice(token.lastIndexOf('.') + 1);
  // The unused low bits of the last base64url character must be zero, else the same signature
  // bytes could be written several ways and a mutated token would still verify.
  const rest = signature.length % 4;
  if (rest === 1) throw new Rejection('invalid', 'malformed token');
  if (rest !== 0) {
    const last = B64URL.indexOf(signature[signature.length - 1]);
    if (last & (rest === 2 ? 0x0f : 0x03)) throw new Rejection('invalid', 'malformed token');
  }
}

function describe(err: unknown): Rejection {
  if (err instanceof Rejection) return err;
  if (err instanceof JwtExpiredError) return new Rejection('invalid', 'token expired');
  if (err instanceof JwtNotBeforeError) return new Rejection('invalid', 'token not yet valid');
  if (err instanceof JwtInvalidIssuerError) return new Rejection('invalid', 'issuer not accepted');
  if (err instanceof JwtInvalidAudienceError) return new Rejection('invalid', 'audience not accepted');
  if (err instanceof JwtInvalidSignatureAlgorithmError) return new Rejection('invalid', 'algorithm not allowed');
  if (err instanceof JwtInvalidSignatureError) return new Rejection('invalid', 'invalid signature');
  if (err instanceof KidNotFoundInJwksError || err instanceof UnknownKid) return new Rejection('invalid', 'unknown key id');
  if (err instanceof JwtParseError) return new Rejection('invalid', 'malformed token');
  // Anything else (a crypto error on a hostile signature, a surprise from a dependency) is still
  // a refusal: failing closed is the only safe default at the edge.
  return new Rejection('invalid', 'invalid token');
}

function tokenScopes(payload: Record<string, unknown>): string[] {
  const scopes: string[] = [];
  if (typeof payload.scope === 'string') scopes.push(...payload.scope.split(' '));
  const scp = payload.scp;
  if (typeof scp === 'string') scopes.push(...scp.split(' '));
  else if (Array.isArray(scp)) for (const s of scp) if (typeof s === 'string') scopes.push(s);
  return scopes.filter((s) => s !== '');
}

/** Header values must be printable ASCII for CloudFront; anything else is percent-encoded. */
function headerValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text);
}

/**
 * Removes every header the edge asserts (`x-auth-*`) from a viewer request. Runs on every request
 * of every behavior, protected or not, so a viewer can never speak for the edge.
 */
export function stripAssertedHeaders(request: CloudFrontRequest): CloudFrontRequest {
  for (const name of Object.keys(request.headers)) {
    const lower = name.toLowerCase();
    if (ASSERTED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix))) delete request.headers[name];
  }
  return request;
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

function refusal(config: AuthConfig, rejection: Rejection): CloudFrontResultResponse {
  const realm = `Bearer realm=${quoted(config.realm)}`;
  if (rejection.kind === 'missing') {
    return edgeJsonResponse(401, { error: 'unauthorized', error_description: rejection.description }, { 'WWW-Authenticate': realm });
  }
  const error = rejection.kind === 'scope' ? 'insufficient_scope' : 'invalid_token';
  let challenge = `${realm}, error="${error}", error_description=${quoted(rejection.description)}`;
  if (rejection.kind === 'scope') challenge += `, scope=${quoted(config.requiredScopes.join(' '))}`;
  return edgeJsonResponse(rejection.kind === 'scope' ? 403 : 401, { error, error_description: rejection.description }, {
    'WWW-Authenticate': challenge,
  });
}

async function defaultFetchJwks(uri: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`JWKS fetch answered ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document too large');
  return JSON.parse(text);
}

export interface Authenticator {
  /** Verifies the request's token; resolves to the request with identity headers set, or a refusal. */
  authenticate(request: CloudFrontRequest): Promise<AuthOutcome>;
  /** The same, without ever fetching keys: unknown kids are refused. Pure apart from the clock. */
  decide(request: CloudFrontRequest): AuthOutcome;
}

/**
 * Builds the auth step of a viewer-request function. Keys are imported here, once per container,
 * and a throwaway verification per key warms the verification path so the first real request
 * does not pay for it.
 */
export function createAuthenticator(config: AuthConfig, options: AuthRuntimeOptions = {}): Authenticator {
  const allowed = new Set<string>(config.algorithms);
  const baked = config.jwks.keys;
  let keyring = new Keyring(baked);
  const fetchJwks = options.fetchJwks ?? defaultFetchJwks;
  const refreshIntervalMs = options.refreshIntervalMs ?? JWKS_REFRESH_INTERVAL_MS;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? JWKS_FETCH_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  let lastFetch = -Infinity;
  let inflight: Promise<void> | undefined;

  const verifyOptions = {
    issuer: config.issuer,
    audience: config.audience === null ? null : [...config.audience],
    graceSeconds: config.clockSkewSeconds,
    customJwtCheck: ({ header, payload }: { header: Record<string, unknown>; payload: Record<string, unknown> }) => {
      // No extension is understood here, so any critical one makes the token unusable (RFC 7515 4.1.11).
      if (header.crit !== undefined) throw new Rejection('invalid', 'unsupported critical header');
      if (payload.exp === undefined) throw new Rejection('invalid', 'token has no expiry');
    },
  };

  const keyFor = (jwk: Jwk, alg: string): KeyObject => {
    if (!allowed.has(alg)) throw new Rejection('invalid', 'algorithm not allowed');
    if (!keyFitsAlgorithm(jwk, alg)) throw new Rejection('invalid', 'key does not match algorithm');
    const key = keyring.keyObject(jwk);
    if (!key) throw new UnknownKid();
    return key;
  };

  const verify = (token: string): Record<string, unknown> =>
    verifyJwtSync(token, keyring.jwks as never, verifyOptions as never, keyFor as never) as Record<string, unknown>;

  const succeed = (request: CloudFrontRequest, payload: Record<string, unknown>): AuthOutcome => {
    const scopes = tokenScopes(payload);
    const missing = config.requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) return { allow: false, response: refusal(config, new Rejection('scope', 'token lacks a required scope')) };
    const headers = request.headers;
    if (typeof payload.sub === 'string') headers[AUTH_SUB_HEADER] = [{ key: AUTH_SUB_HEADER, value: headerValue(payload.sub) }];
    if (scopes.length > 0) headers[AUTH_SCOPE_HEADER] = [{ key: AUTH_SCOPE_HEADER, value: headerValue(scopes.join(' ')) }];
    for (const claim of config.forwardClaims) {
      if (payload[claim] === undefined) continue;
      const name = `${AUTH_CLAIM_HEADER_PREFIX}${claim.toLowerCase()}`;
      headers[name] = [{ key: name, value: headerValue(payload[claim]) }];
    }
    return { allow: true, request };
  };

  /** Returns the token when the failure was an unknown kid worth a JWKS fetch. */
  const attempt = (request: CloudFrontRequest): AuthOutcome | { unknownKid: string } => {
    let token: string | undefined;
    try {
      token = extractToken(request, config.cookieName);
      checkShape(token);
      return succeed(request, verify(token));
    } catch (err) {
      if (token !== undefined && (err instanceof KidNotFoundInJwksError || err instanceof UnknownKid)) {
        const kid = refreshableKid(token);
        if (kid !== undefined) return { unknownKid: kid };
      }
      return { allow: false, response: refusal(config, describe(err)) };
    }
  };

  // Only a token that could verify once the key is known may cost a fetch: well-formed kid and an
  // allowed algorithm. Everything else is refused without touching the network.
  const refreshableKid = (token: string): string | undefined => {
    if (!config.jwksUri) return undefined;
    try {
      const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
      if (typeof header?.kid !== 'string' || !KID_SHAPE.test(header.kid)) return undefined;
      if (!allowed.has(header.alg)) return undefined;
      return header.kid;
    } catch {
      return undefined;
    }
  };

  const refresh = (): Promise<void> => {
    if (inflight) return inflight;
    const t = now();
    if (t - lastFetch < refreshIntervalMs || !config.jwksUri) return Promise.resolve();
    lastFetch = t;
    inflight = fetchJwks(config.jwksUri, fetchTimeoutMs)
      .then((doc) => {
        const keys = (doc as { keys?: unknown })?.keys;
        if (!Array.isArray(keys)) return;
        const fetched = keys.filter((k): k is Jwk => typeof k === 'object' && k !== null && typeof (k as Jwk).kty === 'string');
        const bakedKids = new Set(baked.map((k) => k.kid));
        // Keys baked at synth time always stay; fetched keys can add kids but never replace one.
        keyring = new Keyring([...baked, ...fetched.filter((k) => !bakedKids.has(k.kid))]);
        warm(keyring, config, allowed);
      })
      .catch(() => undefined) // fail closed: the token with the unknown kid is refused
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  warm(keyring, config, allowed);

  return {
    decide(request) {
      const outcome = attempt(request);
      return 'unknownKid' in outcome ? { allow: false, response: refusal(config, describe(new UnknownKid())) } : outcome;
    },
    async authenticate(request) {
      const outcome = attempt(request);
      if (!('unknownKid' in outcome)) return outcome;
      if (!keyring.has(outcome.unknownKid)) await refresh();
      const second = attempt(request);
      return 'unknownKid' in second ? { allow: false, response: refusal(config, describe(new UnknownKid())) } : second;
    },
  };

  function warm(ring: Keyring, cfg: AuthConfig, algs: Set<string>): void {
    for (const jwk of ring.jwks.keys) {
      const alg = [...algs].find((a) => keyFitsAlgorithm(jwk, a));
      if (!alg) continue;
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const throwaway = `${part({ alg, kid: jwk.kid })}.${part({ iss: cfg.issuer, exp: 1 })}.${'A'.repeat(86)}`;
      try {
        verify(throwaway);
      } catch {
        // expected: the signature is made up; the point was to run the path once
      }
    }
  }
}
