import * as crypto from 'crypto';
import * as fs from 'fs';
import { Duration, Token } from 'aws-cdk-lib/core';
import type { AuthConfig, Jwk, Jwks, JwtAlgorithm } from '../lambda-edge/shared/config';
import { jwkProblems, MIN_RSA_BITS, publicJwk, type JwkProblem } from '../lambda-edge/shared/jwk';
import { DEV_JWKS_MEMBER } from '../lambda-edge/shared/names';
import { Problem, problem, show } from './validation';

/** Algorithms the edge verifier accepts (asymmetric only: the edge holds no secrets). */
export const SUPPORTED_JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** Default accepted clock difference between the token issuer and the edge. */
export const DEFAULT_CLOCK_SKEW = Duration.seconds(30);
const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * JWT validation at the edge for one route. The token is checked by the route's viewer-request
 * function before CloudFront looks at its cache, so a missing or invalid token never reaches the
 * origin. Keys are baked into the function at synth time; `jwksUri` only adds keys for kids the
 * function has not seen (key rotation without a redeploy).
 *
 * On a cached `api` route the token is not part of the cache key: protect such a route only when
 * its responses are identical for every authorized caller.
 */
export interface RouteAuthOptions {
  /** Expected `iss` claim, an https URL exactly as the identity provider writes it. */
  readonly issuer: string;

  /**
   * Accepted `aud` values. Required: pass `null` to deliberately accept any audience, which lets
   * tokens minted for other applications of the same issuer in.
   */
  readonly audience: string | readonly string[] | null;

  /**
   * Accepted signature algorithms (asymmetric only; `none` and HS* are always refused).
   * @default - ['RS256']
   */
  readonly algorithms?: readonly JwtAlgorithm[];

  /**
   * Accepted clock difference when checking `exp` and `nbf`: a Duration or a number of seconds.
   * @default - 30 seconds
   */
  readonly clockSkew?: Duration | number;

  /**
   * Scopes the token must all carry (in `scope` or `scp`); a token without them gets 403 insufficient_scope.
   * @default - no scope is required
   */
  readonly requiredScopes?: readonly string[];

  /**
   * Cookie read for the token when the request has no Authorization header.
   * @default - the token is read from `Authorization: Bearer` only
   */
  readonly cookieName?: string;

  /**
   * The issuer's public keys (JWKS), baked into the function. Give this or `jwksFile`.
   * @default - keys come from `jwksFile`
   */
  readonly jwks?: Jwks;

  /**
   * Path of a JWKS file read at synth time and baked into the function. Give this or `jwks`.
   * @default - keys come from `jwks`
   */
  readonly jwksFile?: string;

  /**
   * JWKS endpoint fetched at the edge only when a token carries a kid that is not baked in
   * (at most once per 30 s per function instance, 1.5 s timeout; the request is refused if it fails).
   * @default - only the baked keys are accepted; rotating keys needs a deploy
   */
  readonly jwksUri?: string;

  /**
   * Realm named in `WWW-Authenticate` challenges.
   * @default - 'tiered-cdn'
   */
  readonly realm?: string;

  /**
   * Verified claims forwarded to the origin as `x-auth-claim-<claim>` headers.
   * `sub` and the scopes are always forwarded as `x-auth-sub` and `x-auth-scope`.
   * @default - no extra claims
   */
  readonly forwardClaims?: readonly string[];
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

function loadJwks(options: RouteAuthOptions, where: string, errors: Problem[]): unknown {
  const hasInline = options.jwks !== undefined;
  const hasFile = options.jwksFile !== undefined;
  if (hasInline && hasFile) {
    errors.push(problem('auth-jwks-and-jwks-file', `${where}.jwks and ${where}.jwksFile are both set; give the keys once, inline or as a file`));
    return undefined;
  }
  if (!hasInline && !hasFile) {
    errors.push(problem('auth-jwks-missing', `${where} has no keys: set jwks (the issuer's public JWKS object) or jwksFile (path of a JWKS JSON file); ` +
        `jwksUri alone is not enough because keys are baked in at synth time`,
    ));
    return undefined;
  }
  if (hasInline) return options.jwks;
  const file = options.jwksFile as string;
  if (typeof file !== 'string' || Token.isUnresolved(file)) {
    errors.push(problem('auth-jwks-file-not-literal', `${where}.jwksFile must be a file path known at synth time, got: ${show(file)}`));
    return undefined;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    errors.push(problem('auth-jwks-file-unreadable', `${where}.jwksFile ${show(file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the path (relative paths start at the directory cdk runs in)`));
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    errors.push(problem('auth-jwks-file-invalid-json', `${where}.jwksFile ${show(file)} is not valid JSON (${(err as Error).message}); it must hold a JWKS: {"keys":[...]}`));
    return undefined;
  }
}

/** The synth error for one problem of the shared JWK rules, naming the key and the fix. */
function jwkProblemMessage(problem: JwkProblem, jwk: Jwk, at: string, algorithms: readonly JwtAlgorithm[]): string {
  switch (problem.code) {
    case 'not-an-object':
      return `${at} must be a JWK object, got: ${show(jwk)}`;
    case 'private-members':
      return `${at} contains private key material (${problem.members.join(', ')}); bake only the public key: remove those members or export the public JWKS from your identity provider`;
    case 'unsupported-kty':
      return (
        `${at}.kty must be 'RSA', 'EC' or 'OKP' (asymmetric signing keys), got: ${show(problem.kty)}` +
        (problem.kty === 'oct' ? '; symmetric (HS*) secrets must never be shipped to the edge' : '')
      );
    case 'missing-kid':
      return `${at}.kid must be a non-empty string (tokens select their key by kid), got: ${show(problem.kid)}`;
    case 'not-for-signing':
      return `${at}.use must be 'sig' for a signing key, got: ${show(problem.use)}`;
    case 'key-ops-without-verify':
      return `${at}.key_ops must include 'verify' when present, got: ${show(problem.keyOps)}`;
    case 'unsupported-curve':
      return `${at} is a ${jwk.kty} key on curve ${show(problem.crv)}, which no supported algorithm uses; use P-256, P-384 or Ed25519`;
    case 'no-route-algorithm':
      return (
        `${at} (${show(jwk.kid)}) is a ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''} key, which matches none of the algorithms ${show(algorithms)}; ` +
        `add ${problem.fits.join(' or ')} to algorithms or remove the key`
      );
    case 'alg-does-not-fit-key':
      return `${at}.alg ${show(problem.alg)} cannot be used with a ${jwk.kty} key; a ${jwk.kty} key signs ${problem.fits.join(', ')}: fix alg or remove the key`;
    case 'alg-not-allowed':
      return `${at}.alg ${show(problem.alg)} is not in algorithms ${show(algorithms)}; add it to algorithms or remove the key`;
    case 'malformed-member':
      return `${at} (${show(jwk.kid)}) is not a valid ${jwk.kty} public key (member '${problem.member}' must be a base64url string)`;
    case 'weak-rsa':
      return `${at} (${show(jwk.kid)}) is a ${problem.bits}-bit RSA key; use at least ${MIN_RSA_BITS} bits`;
  }
}

function checkKeys(raw: unknown, algorithms: readonly JwtAlgorithm[], where: string, errors: Problem[]): Jwk[] {
  const keys = (raw as { keys?: unknown } | undefined)?.keys;
  if (typeof raw !== 'object' || raw === null || !Array.isArray(keys)) {
    errors.push(problem('auth-jwks-not-object', `${where}.jwks must be a JWKS object {"keys":[...]}, got: ${show(raw)}`));
    return [];
  }
  if (keys.length === 0) {
    errors.push(problem('auth-jwks-empty', `${where}.jwks has no keys; add the issuer's public signing keys`));
    return [];
  }
  const out: Jwk[] = [];
  const kids = new Set<string>();
  keys.forEach((key: unknown, i: number) => {
    const at = `${where}.jwks.keys[${i}]`;
    const jwk = key as Jwk;
    // The same rules the edge applies to keys fetched from jwksUri (lambda-edge/shared/jwk.ts).
    const problems = jwkProblems(key, algorithms);
    const duplicate = typeof jwk?.kid === 'string' && jwk.kid !== '' && kids.has(jwk.kid);
    if (typeof jwk?.kid === 'string') kids.add(jwk.kid);
    if (duplicate) errors.push(problem('auth-jwk-kid-duplicate', `${at}.kid ${show(jwk.kid)} is used by another key; every key needs its own kid`));
    for (const found of problems) errors.push(problem(`auth-jwk-${found.code}`, jwkProblemMessage(found, jwk, at, algorithms)));
    if (problems.length > 0 || duplicate) return;
    // Node imports the key once here, so a key that is well-formed but not a point on its curve fails the synth.
    try {
      crypto.createPublicKey({ key: publicJwk(jwk) as crypto.JsonWebKey, format: 'jwk' });
    } catch (err) {
      errors.push(problem('auth-jwk-invalid-key', `${at} (${show(jwk.kid)}) is not a valid ${jwk.kty} public key (${(err as Error).message})`));
      return;
    }
    // Only what verification needs is baked: smaller bundle, and nothing unexpected ships.
    out.push(publicJwk(jwk));
  });
  return out;
}

function checkAlgorithms(value: unknown, where: string, errors: Problem[]): JwtAlgorithm[] {
  if (value === undefined) return ['RS256'];
  if (!Array.isArray(value) || value.length === 0) {
    errors.push(problem('auth-algorithms-empty', `${where}.algorithms must be a non-empty list such as ['RS256'], got: ${show(value)}`));
    return [];
  }
  const ok: JwtAlgorithm[] = [];
  for (const alg of value as unknown[]) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      errors.push(problem('auth-algorithm-none', `${where}.algorithms contains ${show(alg)}: unsigned tokens are never accepted; use ${SUPPORTED_JWT_ALGORITHMS.join(', ')}`));
    } else if (typeof alg === 'string' && /^HS\d+$/i.test(alg)) {
      errors.push(problem('auth-algorithm-hmac', `${where}.algorithms contains ${show(alg)}: HMAC needs the shared secret at the edge and lets a public key be used as a secret; ` +
          `use an asymmetric algorithm (${SUPPORTED_JWT_ALGORITHMS.join(', ')})`,
      ));
    } else if (!SUPPORTED_JWT_ALGORITHMS.includes(alg as JwtAlgorithm)) {
      errors.push(problem('auth-algorithm-unsupported', `${where}.algorithms contains ${show(alg)}, which the edge verifier does not support; use ${SUPPORTED_JWT_ALGORITHMS.join(', ')}`));
    } else if (!ok.includes(alg as JwtAlgorithm)) {
      ok.push(alg as JwtAlgorithm);
    }
  }
  return ok;
}

function checkStringList(value: unknown, prop: string, pattern: RegExp, hint: string, errors: Problem[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    errors.push(problem('auth-list-not-strings', `${prop} must be a list of strings, got: ${show(value)}`));
    return [];
  }
  const out: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'string' || !pattern.test(item)) errors.push(problem('auth-list-item-invalid', `${prop} contains ${show(item)}; ${hint}`));
    else out.push(item);
  }
  return out;
}

/**
 * Two claims whose headers an origin reads as one (names compared without case, `_` read as `-`,
 * as CGI and many frameworks do) would let one claim's value stand for the other's.
 */
function checkClaimHeadersDistinct(claims: readonly string[], prop: string, errors: Problem[]): void {
  const seen = new Map<string, string>();
  for (const claim of claims) {
    const folded = claim.toLowerCase().replace(/_/g, '-');
    const first = seen.get(folded);
    if (first === undefined) seen.set(folded, claim);
    else if (first !== claim) {
      errors.push(problem('auth-forward-claims-collide', `${prop} has ${show(first)} and ${show(claim)}, which both become x-auth-claim-${folded} to an origin that ignores case and reads _ as -; forward one of them.`));
    }
  }
}

/**
 * Validates a route's auth options and resolves them to the configuration baked into its
 * viewer-request function. Every problem is collected; each names the prop, the value received
 * and the fix.
 *
 * @param where how messages name the options, e.g. `routes['/api/me/*'].auth`
 */
export function resolveAuthConfig(
  options: RouteAuthOptions,
  where: string,
): { config?: AuthConfig; errors: Problem[]; /** The keys are a tiered-cdn development key pair (`token --print-jwks`). */ developmentKeys?: boolean } {
  const errors: Problem[] = [];
  if (typeof options !== 'object' || options === null) {
    return { errors: [problem('auth-not-object', `${where} must be an object with at least issuer, audience and jwks, got: ${show(options)}`)] };
  }

  const issuer = options.issuer;
  if (typeof issuer !== 'string' || Token.isUnresolved(issuer) || !isHttpsUrl(issuer)) {
    errors.push(problem('auth-issuer-invalid', `${where}.issuer must be the issuer's https URL exactly as it appears in the iss claim (known at synth time), got: ${show(issuer)}`,
    ));
  }

  let audience: string[] | null = null;
  if (!('audience' in options) || options.audience === undefined) {
    errors.push(problem('auth-audience-missing', `${where}.audience is missing; set the audience your tokens are minted for (e.g. 'my-api'), ` +
        `or null to skip the check explicitly (tokens for any application of this issuer would then pass)`,
    ));
  } else if (options.audience !== null) {
    const list = typeof options.audience === 'string' ? [options.audience] : options.audience;
    if (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string' || a === '' || Token.isUnresolved(a))) {
      errors.push(problem('auth-audience-invalid', `${where}.audience must be a non-empty string, a non-empty list of them, or null, got: ${show(options.audience)}`));
    } else {
      audience = [...list];
    }
  }

  const algorithms = checkAlgorithms(options.algorithms, where, errors);

  let clockSkewSeconds = DEFAULT_CLOCK_SKEW.toSeconds();
  if (options.clockSkew !== undefined) {
    const seconds = options.clockSkew instanceof Duration ? options.clockSkew.toSeconds() : options.clockSkew;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_CLOCK_SKEW_SECONDS) {
      errors.push(problem('auth-clock-skew-range', `${where}.clockSkew must be between 0 and ${MAX_CLOCK_SKEW_SECONDS} seconds, got: ${show(options.clockSkew instanceof Duration ? options.clockSkew.toHumanString() : options.clockSkew)}`));
    } else {
      clockSkewSeconds = seconds;
    }
  }

  const requiredScopes = checkStringList(options.requiredScopes, `${where}.requiredScopes`, /^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is one non-empty word of printable ASCII without spaces, quotes or backslashes', errors);
  const forwardClaims = checkStringList(options.forwardClaims, `${where}.forwardClaims`, /^[A-Za-z0-9_.-]{1,64}$/, 'claim names become header names (x-auth-claim-<name>): use letters, digits, _ . - (at most 64)', errors);
  checkClaimHeadersDistinct(forwardClaims, `${where}.forwardClaims`, errors);

  if (options.cookieName !== undefined && (typeof options.cookieName !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(options.cookieName))) {
    errors.push(problem('auth-cookie-name-invalid', `${where}.cookieName must be a valid cookie name (letters, digits and !#$%&'*+.^_\`|~-), got: ${show(options.cookieName)}`));
  }

  const realm = options.realm ?? 'tiered-cdn';
  if (typeof realm !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(realm)) {
    errors.push(problem('auth-realm-invalid', `${where}.realm must be 1-64 printable ASCII characters without quotes or backslashes, got: ${show(realm)}`));
  }

  if (options.jwksUri !== undefined && (typeof options.jwksUri !== 'string' || Token.isUnresolved(options.jwksUri) || !isHttpsUrl(options.jwksUri))) {
    errors.push(problem('auth-jwks-uri-invalid', `${where}.jwksUri must be an https URL known at synth time (the issuer's JWKS endpoint), got: ${show(options.jwksUri)}`));
  }

  const rawJwks = loadJwks(options, where, errors);
  const keys = rawJwks === undefined ? [] : checkKeys(rawJwks, algorithms, where, errors);

  if (errors.length > 0) return { errors };
  return {
    errors,
    developmentKeys: typeof rawJwks === 'object' && rawJwks !== null && DEV_JWKS_MEMBER in rawJwks,
    config: {
      issuer,
      audience,
      algorithms,
      clockSkewSeconds,
      requiredScopes,
      ...(options.cookieName !== undefined ? { cookieName: options.cookieName } : {}),
      realm,
      jwks: { keys },
      ...(options.jwksUri !== undefined ? { jwksUri: options.jwksUri } : {}),
      forwardClaims,
    },
  };
}
