import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Jwk, Jwks } from '../lambda-edge/shared/config';
import { ECDSA_ORDER } from '../lambda-edge/shared/jwk';

/**
 * A development signing key, so the reference app and local runs have working auth without an
 * identity provider. It is generated on first use into `.tiered-cdn/` (git-ignored) and must never
 * protect anything real: anyone with the checkout can mint tokens for it.
 */

/** Issuer of development tokens. `.local` cannot resolve on the internet, so it cannot be mistaken for a real IdP. */
export const DEV_ISSUER = 'https://dev.tiered-cdn.local/';
/** Audience of development tokens unless `--aud` says otherwise. */
export const DEV_AUDIENCE = 'tiered-cdn-dev';
export const DEV_KEY_DIR = '.tiered-cdn';
export const DEV_KEY_FILE = 'dev-signing-key.json';

export type SigningAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface DevKey {
  readonly issuer: string;
  readonly audience: string;
  /** Public keys only: what gets baked into the edge bundle. */
  readonly jwks: Jwks;
  readonly kid: string;
  /** Where the private key lives, for the synth warning. */
  readonly file: string;
  /** True when this call generated the key. */
  readonly created: boolean;
  /** Signs the claims as an RS256 JWT with this key (header `kid` set). */
  sign(claims: Record<string, unknown>): string;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** (r, s) -> (r, n - s) when s is above n/2: the one spelling the edge accepts (OpenSSL signs either). */
function lowS(alg: string, signature: Buffer): Buffer {
  const order = ECDSA_ORDER[alg as keyof typeof ECDSA_ORDER];
  if (!order) return signature;
  const half = signature.length / 2;
  const s = BigInt(`0x${signature.subarray(half).toString('hex')}`);
  if (s <= order >> 1n) return signature;
  const low = Buffer.from((order - s).toString(16).padStart(half * 2, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, half), low]);
}

/**
 * Signs a compact JWS. The header is used as given, so tests can also build tokens a verifier
 * must refuse (an unknown kid, a `crit` header...).
 */
export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: crypto.KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const alg = String(header.alg);
  let signature: Buffer;
  if (alg.startsWith('RS')) {
    signature = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), key);
  } else if (alg.startsWith('PS')) {
    signature = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), {
      key,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
      saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
    });
  } else if (alg.startsWith('ES')) {
    signature = lowS(alg, crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
  } else if (alg === 'EdDSA') {
    signature = crypto.sign(null, Buffer.from(input), key);
  } else {
    throw new Error(`signJwt: unsupported alg ${JSON.stringify(alg)}`);
  }
  return `${input}.${b64url(signature)}`;
}

/** RFC 7638 thumbprint: a kid that changes exactly when the key does. */
export function jwkThumbprint(jwk: Jwk): string {
  const members: Record<string, readonly string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  const names = members[jwk.kty];
  if (!names) throw new Error(`jwkThumbprint: unsupported kty ${JSON.stringify(jwk.kty)}`);
  const canonical = `{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(jwk[n])}`).join(',')}}`;
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

/** The public JWK of a key pair with its kid and alg, ready for a JWKS. */
export function publicJwk(key: crypto.KeyObject, alg: SigningAlgorithm): Jwk {
  const exported = crypto.createPublicKey(key).export({ format: 'jwk' }) as Jwk;
  return { ...exported, kid: jwkThumbprint(exported).slice(0, 16), alg, use: 'sig' };
}

interface StoredKey {
  readonly issuer: string;
  readonly alg: 'RS256';
  readonly privateJwk: crypto.JsonWebKey;
}

/**
 * Loads the development key from `<root>/.tiered-cdn/`, generating it on first use.
 * @param root project root; default the current directory (where `cdk synth` runs)
 */
export function loadDevKey(root: string = process.cwd()): DevKey {
  const dir = path.join(root, DEV_KEY_DIR);
  const file = path.join(dir, DEV_KEY_FILE);
  let created = false;
  // The folder ignores itself, in any project it is created in (not only this one, whose root
  // .gitignore lists it): `git add .` must never pick up the private key. Written before the key,
  // and again for a folder an older version created without it.
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# Local development keys: never committed.\n*\n');
  if (!fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stored: StoredKey = { issuer: DEV_ISSUER, alg: 'RS256', privateJwk: privateKey.export({ format: 'jwk' }) };
    // The README inside says what the folder is for anyone who finds it.
    fs.writeFileSync(
      path.join(dir, 'README.md'),
      'Local development keys for tiered-cdn. Never commit, never use in production: anyone with this file can mint tokens.\n',
    );
    fs.writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    created = true;
  }
  let stored: StoredKey;
  try {
    stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredKey;
  } catch (err) {
    throw new Error(`development key ${file} is not valid JSON (${(err as Error).message}); delete it and run again to generate a new one`);
  }
  const privateKey = crypto.createPrivateKey({ key: stored.privateJwk, format: 'jwk' });
  const jwk = publicJwk(privateKey, 'RS256');
  const kid = jwk.kid as string;
  return {
    issuer: stored.issuer,
    audience: DEV_AUDIENCE,
    jwks: { keys: [jwk] },
    kid,
    file,
    created,
    sign: (claims) => signJwt({ alg: 'RS256', typ: 'JWT', kid }, claims, privateKey),
  };
}
