/**
 * The rules a JSON Web Key must meet before it may verify a token, written once for the two places
 * keys come from: keys baked at synth time (lib/auth.ts turns each problem into a synth error) and
 * keys fetched from `jwksUri` at the edge (a key with any problem is left out of the keyring).
 *
 * Pure: no Node API, so the construct, the tools and the edge bundle can all import it.
 */
import type { Jwk, JwtAlgorithm } from './config';

/** RSA keys below this size are refused wherever they come from. */
export const MIN_RSA_BITS = 2048;

/** The members a public key of each type carries; nothing else is baked or imported. */
export const PUBLIC_JWK_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

/** Members that only private (or symmetric) keys have. */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The algorithms a key can verify, by its type and curve. */
export function keyAlgorithms(jwk: { readonly kty?: unknown; readonly crv?: unknown }): JwtAlgorithm[] {
  if (jwk.kty === 'RSA') return ['RS256', 'RS384', 'RS512', 'PS256'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return ['ES256'];
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return ['ES384'];
  if (jwk.kty === 'OKP' && (jwk.crv === 'Ed25519' || jwk.crv === 'Ed448')) return ['EdDSA'];
  return [];
}

/** Whether `jwk` may verify a token signed with `alg`: its type fits, and its own `alg`, if any, is that one. */
export function keyFitsAlgorithm(jwk: Jwk, alg: string): boolean {
  return (keyAlgorithms(jwk) as string[]).includes(alg) && (jwk.alg === undefined || jwk.alg === alg);
}

export type JwkProblem =
  | { readonly code: 'not-an-object' }
  | { readonly code: 'private-members'; readonly members: readonly string[] }
  | { readonly code: 'unsupported-kty'; readonly kty: unknown }
  | { readonly code: 'missing-kid'; readonly kid: unknown }
  | { readonly code: 'not-for-signing'; readonly use: unknown }
  | { readonly code: 'key-ops-without-verify'; readonly keyOps: unknown }
  | { readonly code: 'unsupported-curve'; readonly crv: unknown }
  | { readonly code: 'no-route-algorithm'; readonly fits: readonly JwtAlgorithm[] }
  | { readonly code: 'alg-not-allowed'; readonly alg: unknown }
  | { readonly code: 'alg-does-not-fit-key'; readonly alg: unknown; readonly fits: readonly JwtAlgorithm[] }
  | { readonly code: 'malformed-member'; readonly member: string }
  | { readonly code: 'weak-rsa'; readonly bits: number };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Size in bits of the big-endian unsigned integer written in base64url (leading zero bytes ignored). */
export function base64urlIntegerBits(value: string): number {
  let bits = value.length * 6;
  // Walk the leading characters: each zero character is 6 zero bits; the first non-zero one has
  // leading zero bits of its own. Trailing partial-byte bits are not part of the number.
  bits -= (value.length * 6) % 8;
  for (let i = 0; i < value.length; i++) {
    const v = B64_CHARS.indexOf(value.charAt(i));
    if (v === 0) {
      bits -= 6;
      continue;
    }
    let lead = 0;
    for (let mask = 0x20; mask > 0 && (v & mask) === 0; mask >>= 1) lead++;
    return Math.max(0, bits - lead);
  }
  return 0;
}

/**
 * Every problem of one key for a route accepting `algorithms`; empty when the key may be used.
 * Identity problems (private material, type, kid, use, key_ops) are all reported; the algorithm and
 * size checks only run on a key that passed them.
 */
export function jwkProblems(key: unknown, algorithms: readonly JwtAlgorithm[]): JwkProblem[] {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return [{ code: 'not-an-object' }];
  const jwk = key as Jwk;
  const problems: JwkProblem[] = [];
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((m) => m in jwk);
  if (privateMembers.length > 0) problems.push({ code: 'private-members', members: privateMembers });
  const members = typeof jwk.kty === 'string' && Object.prototype.hasOwnProperty.call(PUBLIC_JWK_MEMBERS, jwk.kty) ? PUBLIC_JWK_MEMBERS[jwk.kty] : undefined;
  if (!members) problems.push({ code: 'unsupported-kty', kty: jwk.kty });
  if (typeof jwk.kid !== 'string' || jwk.kid === '') problems.push({ code: 'missing-kid', kid: jwk.kid });
  if (jwk.use !== undefined && jwk.use !== 'sig') problems.push({ code: 'not-for-signing', use: jwk.use });
  const ops = jwk.key_ops;
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) problems.push({ code: 'key-ops-without-verify', keyOps: ops });
  if (problems.length > 0 || !members) return problems;

  const fits = keyAlgorithms(jwk);
  if (fits.length === 0) return [{ code: 'unsupported-curve', crv: jwk.crv }];
  if (algorithms.length > 0 && !fits.some((a) => algorithms.includes(a))) return [{ code: 'no-route-algorithm', fits }];
  if (jwk.alg !== undefined && !(fits as unknown[]).includes(jwk.alg)) return [{ code: 'alg-does-not-fit-key', alg: jwk.alg, fits }];
  if (algorithms.length > 0 && jwk.alg !== undefined && !algorithms.includes(jwk.alg as JwtAlgorithm)) return [{ code: 'alg-not-allowed', alg: jwk.alg }];
  for (const m of members) {
    if (m === 'kty' || m === 'crv') continue;
    if (typeof jwk[m] !== 'string' || !BASE64URL.test(jwk[m] as string)) return [{ code: 'malformed-member', member: m }];
  }
  if (jwk.kty === 'RSA') {
    const bits = base64urlIntegerBits(jwk.n as string);
    if (bits < MIN_RSA_BITS) return [{ code: 'weak-rsa', bits }];
  }
  return [];
}

/** Only what verification needs: the public members, the kid and the key's own `alg`. */
export function publicJwk(jwk: Jwk): Jwk {
  const out: Record<string, unknown> = {};
  for (const m of PUBLIC_JWK_MEMBERS[jwk.kty] ?? []) out[m] = jwk[m];
  out.kid = jwk.kid;
  if (jwk.alg !== undefined) out.alg = jwk.alg;
  return out as unknown as Jwk;
}

/**
 * Group order n of each ECDSA curve. A JWS ECDSA signature is r || s; (r, s) and (r, n - s) both
 * verify, so the edge accepts only the low-S one (s <= n / 2) and the development signer writes it.
 */
export const ECDSA_ORDER: Readonly<Record<'ES256' | 'ES384', bigint>> = {
  ES256: BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551'),
  ES384: BigInt('0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973'),
};
