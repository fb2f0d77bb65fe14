// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * What the steps take from Node that cloudfront-js-2.0 lacks or names differently. esbuild points
 * the steps' `crypto` import here and injects `URLSearchParams` (see lib/edge/cloudfront-function.ts).
 * `__cfCrypto` is the runtime's own `crypto` module, imported on the first line of the function code.
 */
interface CfHash {
  update(s: string): CfHash;
  digest(enc?: string): unknown;
}
declare const __cfCrypto: { createHash(alg: string): CfHash };

export function createHash(alg: string) {
  return __cfCrypto.createHash(alg);
}

let counter = 0;

/**
 * A random version-4-shaped UUID. CloudFront Functions have no random-bytes API, so this hashes
 * Math.random draws with the clock and a counter: a viewer id only has to be unique and spread
 * evenly over the hash space, which SHA-256 of unique input gives.
 */
export function randomUUID(): string {
  counter++;
  const hex = String(__cfCrypto.createHash('sha256').update(Math.random() + ':' + Math.random() + ':' + Date.now() + ':' + counter).digest('hex'));
  // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx from the first 32 hex digits, V one of 8, 9, a, b.
  const variant = ((parseInt(hex.charAt(16), 16) & 3) | 8).toString(16);
  return hex.replace(/(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/, '$1-$2-4$3-' + variant + '$4-$5');
}

/**
 * The one URLSearchParams method the steps use: the first value of a parameter, decoded. `new`
 * returns the object built here; no prototype is assigned at load, so a function whose steps read
 * no query parameter carries none of this code.
 */
export function URLSearchParams(query: string): { get(name: string): string | null } {
  return {
    get: (name) => {
      const parts = query.split('&');
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        const eq = part.indexOf('=');
        const raw = eq < 0 ? part : part.slice(0, eq);
        if (decode(raw) === name) return eq < 0 ? '' : decode(part.slice(eq + 1));
      }
      return null;
    },
  };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch (e) {
    return s;
  }
}
