import { constants, verify, type KeyObject } from 'crypto';
import { ECDSA_ORDER } from '../shared/jwk';

/**
 * Signature verification with one accepted spelling per signature. OpenSSL accepts more than one
 * byte string for the same signature: an ECDSA signature (r, s) and its high-S twin (r, n - s),
 * an RSA signature with its leading zero bytes dropped. A token with two valid spellings can be
 * replayed past anything that keys on the token text (deny lists, logs, caches), so the spelling
 * is checked before OpenSSL is asked.
 */

/** Digest per algorithm; EdDSA signs the message itself. Nothing symmetric, nothing unsigned. */
const DIGEST: Readonly<Record<string, string | null>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  ES256: 'sha256',
  ES384: 'sha384',
  EdDSA: null,
};

/** Half the group order of each ECDSA curve: a canonical (low-S) signature has s <= n/2 (as in BIP 62). */
const HALF_ORDER: Readonly<Record<string, bigint>> = { ES256: ECDSA_ORDER.ES256 >> 1n, ES384: ECDSA_ORDER.ES384 >> 1n };
/** ECDSA signatures in JWS are r || s, each the size of the curve order (RFC 7518 3.4). */
const ECDSA_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96 };
/** The order of the Ed25519 group: S must be below it (RFC 8032 5.1.7). */
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;

const toBigInt = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`));

/** Why a signature's bytes are not the one canonical spelling for this key and algorithm, or null. */
export function signatureSpellingProblem(alg: string, key: KeyObject, signature: Uint8Array): string | null {
  if (alg.startsWith('RS') || alg === 'PS256') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return signature.length === Math.ceil(bits / 8) ? null : 'length differs from the modulus length';
  }
  if (alg === 'ES256' || alg === 'ES384') {
    const size = ECDSA_BYTES[alg];
    if (signature.length !== size) return 'length differs from the curve size';
    const s = toBigInt(signature.subarray(size / 2));
    return s === 0n || s > HALF_ORDER[alg] ? 'high-S form' : null;
  }
  if (alg === 'EdDSA') {
    const ed448 = key.asymmetricKeyType === 'ed448';
    if (signature.length !== (ed448 ? 114 : 64)) return 'length differs from the curve size';
    if (!ed448 && toBigInt(Uint8Array.from(signature.subarray(32)).reverse()) >= ED25519_L) return 'S not reduced';
    return null;
  }
  return 'unknown algorithm';
}

/** Verifies `input` against a base64url signature; false for a non-canonical spelling too. */
export function checkSignature(alg: string, key: KeyObject, input: string, signatureB64: string): boolean {
  const signature = Buffer.from(signatureB64, 'base64url');
  if (signatureSpellingProblem(alg, key, signature) !== null) return false;
  const data = Buffer.from(input);
  try {
    if (alg === 'PS256') {
      return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    if (alg === 'ES256' || alg === 'ES384') return verify(DIGEST[alg], data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(DIGEST[alg], data, key, signature);
  } catch {
    return false; // OpenSSL refusing a hostile signature is a failed verification, not a crash
  }
}

/**
 * A made-up signature of the canonical length for `alg` and `key` (every integer in it is 1), for
 * the throwaway verification that warms a key: it passes the spelling check, so OpenSSL's
 * verification path runs once, and it never verifies.
 */
export function warmUpSignature(alg: string, key: KeyObject): string {
  let size: number;
  if (alg === 'ES256' || alg === 'ES384') size = ECDSA_BYTES[alg];
  else if (alg === 'EdDSA') size = key.asymmetricKeyType === 'ed448' ? 114 : 64;
  else size = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
  const bytes = Buffer.alloc(size);
  bytes[size - 1] = 1;
  if (alg.startsWith('ES')) bytes[size / 2 - 1] = 1;
  return bytes.toString('base64url');
}
