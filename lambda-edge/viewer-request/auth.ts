import { createPublicKey, type KeyObject } from 'crypto';
import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import type { AuthConfig, Jwk, JwtAlgorithm } from '../shared/config';
import { encodeIdentityValue } from '../shared/identity-header';
import { jwkProblems, keyFitsAlgorithm, publicJwk } from '../shared/jwk';
import { AUTH_CLAIM_HEADER_PREFIX, AUTH_SCOPE_HEADER, AUTH_SUB_HEADER } from '../shared/names';
import { edgeJsonResponse } from '../shared/responses';
import { checkSignature, warmUpSignature } from './signature';
import { cookieValues } from '../shared/cookies';
import { authRejectionReason, type RejectionReason } from '../shared/rejections';

// Verification is written on node:crypto rather than a JWT library: measured side by side
// (docs/benchmarks.md, `npm run bench:edge`), aws-jwt-verify and jose both miss the warm-cost and
// cold-start targets of a viewer-request function, and aws-jwt-verify cannot verify PS256.
// What this file checks is the RFC 7515/7519 list, each check covered by an attack test.
// keyFitsAlgorithm (shared with the synth-time checks) is the gate for every algorithm: anything
// it does not know is refused.

/** Longer tokens are refused before any parsing: no identity provider issues them, attackers do. */
export const MAX_TOKEN_LENGTH = 8192;
/** Smallest gap between two fetches of `jwksUri`, so a flood of made-up kids cannot hammer the IdP. */
export const JWKS_REFRESH_INTERVAL_MS = 30_000;
/** Viewer-request functions have 5 s in total; a slow IdP must not eat that budget. */
export const JWKS_FETCH_TIMEOUT_MS = 1_500;
/** Larger JWKS documents are refused, counted while they stream in (a chunked body has no length). */
export const MAX_JWKS_BYTES = 64 * 1024;

// Strict base64url without padding, so one signature has exactly one spelling.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const KID_SHAPE = /^[\x21-\x7e]{1,256}$/;

export type AuthOutcome =
  | { readonly allow: true; readonly request: CloudFrontRequest }
  | { readonly allow: false; readonly response: CloudFrontResultResponse; readonly rejection?: { readonly reason: RejectionReason; readonly kid?: string } };

export interface AuthRuntimeOptions {
  /** Fetches and parses a JWKS document; rejects on any failure. Default: global `fetch`. */
  readonly fetchJwks?: (uri: string, timeoutMs: number) => Promise<unknown>;
  readonly refreshIntervalMs?: number;
  readonly fetchTimeoutMs?: number;
  /** Milliseconds clock for the refresh rate limit. */
  readonly now?: () => number;
  /** Receives each rejection log line. Default: `console.log` (CloudWatch Logs on Lambda@Edge). */
  readonly log?: (line: string) => void;
}

/** Why a request is refused; `description` goes to the viewer, so it stays short and generic. */
class Rejection {
  constructor(
    readonly kind: 'missing' | 'invalid' | 'scope',
    readonly description: string,
  ) {}
}

const invalid = (description: string) => new Rejection('invalid', description);

/** The refusal and, for the rejection log line, its reason code and the token's kid. */
function refused(config: AuthConfig, rejection: Rejection, kid?: string): AuthOutcome {
  const reason = rejection.kind === 'missing' ? 'token-missing' : rejection.kind === 'scope' ? 'scope-insufficient' : authRejectionReason(rejection.description);
  return { allow: false, response: refusal(config, rejection), rejection: { reason, ...(kid !== undefined ? { kid } : {}) } };
}

/** The token names a kid this function does not know: the only case that may trigger a JWKS fetch. */
class UnknownKid {
  constructor(readonly kid: string) {}
}

interface ImportedKey {
  readonly jwk: Jwk;
  readonly key: KeyObject;
}

/**
 * Public keys imported once into native key objects, looked up by kid (a Map: no prototype keys).
 * Fetched keys pass the same rules as baked ones (lambda-edge/shared/jwk.ts): a weak, private,
 * malformed or non-signing key is left out, so a token naming it is refused as an unknown kid.
 */
class Keyring {
  private readonly byKid = new Map<string, ImportedKey>();

  constructor(baked: readonly Jwk[], fetched: readonly unknown[] = [], algorithms: readonly JwtAlgorithm[] = []) {
    // Baked keys were checked at synth time; fetched ones are checked here.
    const usable = [...baked, ...fetched.filter((k) => jwkProblems(k, algorithms).length === 0)] as Jwk[];
    for (const jwk of usable) {
      if (this.byKid.has(jwk.kid as string)) continue;
      try {
        // Only the public members reach createPublicKey.
        this.byKid.set(jwk.kid as string, { jwk, key: createPublicKey({ key: publicJwk(jwk) as never, format: 'jwk' }) });
      } catch {
        // a broken key in a fetched JWKS must not take the good ones down with it
      }
    }
  }

  get(kid: string): ImportedKey | undefined {
    return this.byKid.get(kid);
  }

  keys(): IterableIterator<ImportedKey> {
    return this.byKid.values();
  }
}

function singleHeader(headers: CloudFrontHeaders, name: string): string | undefined | null {
  const values = headers[name];
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) return null;
  return values[0].value;
}

/** Reads the token from `Authorization: Bearer` or, failing that, the configured cookie. */
function extractToken(request: CloudFrontRequest, cookieName: string | undefined): string {
  const authorization = singleHeader(request.headers, 'authorization');
  if (authorization === null) throw invalid('more than one Authorization header');
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+)$/i.exec(authorization);
    if (!match) throw invalid('Authorization header is not a Bearer token');
    return match[1];
  }
  if (cookieName) {
    const values = cookieValues((request.headers.cookie ?? []).map((h) => h.value), cookieName);
    if (values.length > 1) throw invalid('token cookie sent more than once');
    if (values.length === 1 && values[0] !== '') return values[0];
  }
  throw new Rejection('missing', 'a Bearer token is required');
}

/** Size, alphabet and canonical encoding, before any parsing or signature work. */
function checkShape(token: string): void {
  if (token.length > MAX_TOKEN_LENGTH) throw invalid('token too large');
  if (!COMPACT_JWS.test(token)) throw invalid('malformed token');
  const signature = token.slice(token.lastIndexOf('.') + 1);
  // The unused low bits of the last base64url character must be zero, else the same signature
  // bytes could be written several ways and a mutated token would still verify.
  const rest = signature.length % 4;
  if (rest === 1) throw invalid('malformed token');
  if (rest !== 0) {
    const last = B64URL.indexOf(signature[signature.length - 1]);
    if (last & (rest === 2 ? 0x0f : 0x03)) throw invalid('malformed token');
  }
}

type Json = Record<string, unknown>;

function decodeObject(segment: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed token');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('malformed token');
  return value as Json;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function tokenScopes(payload: Json): string[] {
  const scopes: string[] = [];
  if (typeof payload.scope === 'string') scopes.push(...payload.scope.split(' '));
  const scp = payload.scp;
  if (typeof scp === 'string') scopes.push(...scp.split(' '));
  else if (Array.isArray(scp)) for (const s of scp) if (typeof s === 'string') scopes.push(s);
  return scopes.filter((s) => s !== '');
}


// The strip step has no crypto in it, so CloudFront Functions bundle it from its own module.
export { stripAssertedHeaders } from './strip';

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

/**
 * Fetches and parses a JWKS document: no redirects, `timeoutMs` for the whole exchange, and at
 * most `maxBytes`, counted while the body streams in so an endless chunked body is cut off at the
 * limit instead of being read in full.
 */
export async function fetchJwksDocument(uri: string, timeoutMs: number, maxBytes = MAX_JWKS_BYTES): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(uri, { signal: controller.signal, redirect: 'error', headers: { accept: 'application/json' } });
    if (!res.ok || !res.body) throw new Error(`JWKS fetch answered ${res.status}`);
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) throw new Error('JWKS document too large');
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new Error('JWKS document too large');
      chunks.push(value);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } finally {
    clearTimeout(timer);
    // Cuts the connection when the loop stopped early; a no-op once the body was read.
    controller.abort();
  }
}

export interface Authenticator {
  /**
   * Verifies the request's token: the request with identity headers set, or a refusal. A promise
   * only when an unknown kid needs a JWKS fetch, so the common path costs no extra microtask.
   */
  authenticate(request: CloudFrontRequest): AuthOutcome | Promise<AuthOutcome>;
  /** The same, without ever fetching keys: unknown kids are refused. Pure apart from the clock. */
  decide(request: CloudFrontRequest): AuthOutcome;
}

/**
 * Every token of one issuer and key carries the same header segment: decode it once. Bounded, and
 * emptied when full, so made-up headers can cost memory only up to the bound.
 */
class HeaderSegmentCache {
  private readonly headers = new Map<string, Json>();

  decode(segment: string): Json {
    let header = this.headers.get(segment);
    if (header === undefined) {
      header = decodeObject(segment);
      if (this.headers.size >= 32) this.headers.clear();
      this.headers.set(segment, header);
    }
    return header;
  }
}

/** Checks one token against the keys at hand and the route's issuer, audience, algorithms and clock skew. */
class TokenVerifier {
  readonly allowed: ReadonlySet<string>;
  private readonly audience: ReadonlySet<string> | null;
  private readonly headers = new HeaderSegmentCache();

  constructor(private readonly config: AuthConfig) {
    this.allowed = new Set<string>(config.algorithms);
    this.audience = config.audience === null ? null : new Set(config.audience);
  }

  /** The kid of the token last verified (or refused), for the rejection log line. */
  kid?: string;

  /** Returns the verified claims or throws a Rejection / UnknownKid. */
  verify(token: string, keyring: Keyring): Json {
    checkShape(token);
    const firstDot = token.indexOf('.');
    const lastDot = token.lastIndexOf('.');
    const header = this.headers.decode(token.slice(0, firstDot));
    this.kid = typeof header.kid === 'string' ? header.kid : undefined;
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.allowed.has(alg)) throw invalid('algorithm not allowed');
    // No extension is understood here, so any critical one makes the token unusable (RFC 7515 4.1.11).
    if (header.crit !== undefined) throw invalid('unsupported critical header');
    if (typeof header.kid !== 'string') throw invalid('unknown key id');
    const entry = keyring.get(header.kid);
    if (!entry) throw new UnknownKid(header.kid);
    if (entry.jwk.alg !== undefined && entry.jwk.alg !== alg) throw invalid('algorithm not allowed');
    if (!keyFitsAlgorithm(entry.jwk, alg)) throw invalid('key does not match algorithm');
    if (!checkSignature(alg, entry.key, token.slice(0, lastDot), token.slice(lastDot + 1))) throw invalid('invalid signature');
    // Claims are read only once the signature holds.
    const payload = decodeObject(token.slice(firstDot + 1, lastDot));
    this.checkClaims(payload);
    return payload;
  }

  private checkClaims(payload: Json): void {
    const t = Date.now() / 1000;
    const skew = this.config.clockSkewSeconds;
    if (payload.exp === undefined) throw invalid('token has no expiry');
    if (!isNumber(payload.exp)) throw invalid('malformed token');
    if (t >= payload.exp + skew) throw invalid('token expired');
    if (payload.nbf !== undefined) {
      if (!isNumber(payload.nbf)) throw invalid('malformed token');
      if (payload.nbf - skew > t) throw invalid('token not yet valid');
    }
    if (payload.iat !== undefined && !isNumber(payload.iat)) throw invalid('malformed token');
    if (payload.sub !== undefined && typeof payload.sub !== 'string') throw invalid('malformed token');
    if (payload.scope !== undefined && typeof payload.scope !== 'string') throw invalid('malformed token');
    if (payload.iss !== this.config.issuer) throw invalid('issuer not accepted');
    const audience = this.audience;
    if (audience !== null) {
      const aud = payload.aud;
      const ok = typeof aud === 'string' ? audience.has(aud) : Array.isArray(aud) && aud.some((a) => typeof a === 'string' && audience.has(a));
      if (!ok) throw invalid('audience not accepted');
    }
  }

  /**
   * One throwaway verification per key warms the verification path, so the first real request does
   * not pay for it.
   */
  warm(keyring: Keyring): void {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    for (const { jwk, key } of keyring.keys()) {
      const alg = [...this.allowed].find((a) => keyFitsAlgorithm(jwk, a));
      if (!alg) continue;
      try {
        this.verify(`${part({ alg, kid: jwk.kid })}.${part({ iss: this.config.issuer, exp: 1 })}.${warmUpSignature(alg, key)}`, keyring);
      } catch {
        // expected: the signature is made up; the point was to run the path once
      }
    }
  }
}

/**
 * The keys a route accepts: those baked at synth time, plus those fetched from `jwksUri` when a
 * token names an unknown kid (at most one fetch per refresh interval, one in flight at a time).
 */
class JwksKeySource {
  keyring: Keyring;
  private lastFetch = -Infinity;
  private inflight: Promise<void> | undefined;
  private readonly fetchJwks: NonNullable<AuthRuntimeOptions['fetchJwks']>;
  private readonly refreshIntervalMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly config: AuthConfig,
    private readonly onKeys: (keyring: Keyring) => void,
    options: AuthRuntimeOptions,
  ) {
    this.keyring = new Keyring(config.jwks.keys);
    this.fetchJwks = options.fetchJwks ?? fetchJwksDocument;
    this.refreshIntervalMs = options.refreshIntervalMs ?? JWKS_REFRESH_INTERVAL_MS;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? JWKS_FETCH_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const t = this.now();
    const uri = this.config.jwksUri;
    if (t - this.lastFetch < this.refreshIntervalMs || !uri) return Promise.resolve();
    this.lastFetch = t;
    this.inflight = this.fetchJwks(uri, this.fetchTimeoutMs)
      .then((doc) => this.adopt(doc))
      .catch(() => undefined) // fail closed: the token with the unknown kid is refused
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private adopt(doc: unknown): void {
    const keys = (doc as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) return;
    const baked = this.config.jwks.keys;
    const bakedKids = new Set(baked.map((k) => k.kid));
    // Keys baked at synth time always stay; fetched keys can add kids but never replace one.
    const fetched = keys.filter((k) => !bakedKids.has((k as Jwk | null)?.kid));
    this.keyring = new Keyring(baked, fetched, this.config.algorithms);
    this.onKeys(this.keyring);
  }
}

/** The request with the identity headers the token proves, or a 403 when it lacks a required scope. */
function assertIdentity(config: AuthConfig, request: CloudFrontRequest, payload: Json): AuthOutcome {
  const scopes = tokenScopes(payload);
  if (config.requiredScopes.some((s) => !scopes.includes(s))) {
    return refused(config, new Rejection('scope', 'token lacks a required scope'));
  }
  const headers = request.headers;
  if (typeof payload.sub === 'string') headers[AUTH_SUB_HEADER] = [{ key: AUTH_SUB_HEADER, value: encodeIdentityValue(payload.sub) }];
  // Each scope encoded on its own: space is never left as is, so it separates scopes unambiguously.
  if (scopes.length > 0) headers[AUTH_SCOPE_HEADER] = [{ key: AUTH_SCOPE_HEADER, value: scopes.map(encodeIdentityValue).join(' ') }];
  for (const claim of config.forwardClaims) {
    if (!Object.prototype.hasOwnProperty.call(payload, claim) || payload[claim] === undefined) continue;
    const name = `${AUTH_CLAIM_HEADER_PREFIX}${claim.toLowerCase()}`;
    headers[name] = [{ key: name, value: encodeIdentityValue(payload[claim]) }];
  }
  return { allow: true, request };
}

/**
 * Builds the auth step of a viewer-request function. Keys are imported here, once per container,
 * and a throwaway verification per key warms the verification path so the first real request
 * does not pay for it.
 */
export function createAuthenticator(config: AuthConfig, options: AuthRuntimeOptions = {}): Authenticator {
  const verifier = new TokenVerifier(config);
  const keys = new JwksKeySource(config, (keyring) => verifier.warm(keyring), options);

  /** One pass with the keys at hand; an unknown kid worth a JWKS fetch is handed back to the caller. */
  const attempt = (request: CloudFrontRequest): AuthOutcome | UnknownKid => {
    verifier.kid = undefined; // a refusal before the header is read names no kid
    try {
      const outcome = assertIdentity(config, request, verifier.verify(extractToken(request, config.cookieName), keys.keyring));
      return outcome.allow ? outcome : { ...outcome, rejection: { ...outcome.rejection!, kid: verifier.kid } };
    } catch (err) {
      // Only a token that could verify once its key is known may cost a fetch: its alg is allowed
      // (checked before the kid) and its kid is short printable ASCII.
      if (err instanceof UnknownKid && config.jwksUri && KID_SHAPE.test(err.kid)) return err;
      // Anything that is not a Rejection (a surprise from the runtime) is still a refusal:
      // failing closed is the only safe default at the edge.
      const rejection = err instanceof Rejection ? err : invalid(err instanceof UnknownKid ? 'unknown key id' : 'invalid token');
      return refused(config, rejection, verifier.kid);
    }
  };
  const settle = (outcome: AuthOutcome | UnknownKid): AuthOutcome =>
    outcome instanceof UnknownKid ? refused(config, invalid('unknown key id'), outcome.kid) : outcome;

  verifier.warm(keys.keyring);
  return {
    decide: (request) => settle(attempt(request)),
    authenticate(request) {
      const outcome = attempt(request);
      if (!(outcome instanceof UnknownKid)) return outcome;
      const retry = () => settle(attempt(request));
      return keys.keyring.get(outcome.kid) ? retry() : keys.refresh().then(retry);
    },
  };
}
