/**
 * CloudFront KeyValueStore limits ("Quotas on CloudFront Functions"): one rule set for the construct
 * (initial data), the `experiment` CLI (updates) and the local edge (its data-plane API).
 */
export const KVS_MAX_KEY_BYTES = 512;
export const KVS_MAX_VALUE_BYTES = 1024;
export const KVS_MAX_STORE_BYTES = 5 * 1024 * 1024;

/** What is wrong with one key/value pair, or undefined when CloudFront accepts it. */
export function kvsItemProblem(key: string, value: string): string | undefined {
  const k = utf8Bytes(key);
  const v = utf8Bytes(value);
  if (k === 0) return 'a key must not be empty';
  if (k > KVS_MAX_KEY_BYTES) return `key '${key.slice(0, 40)}...' is ${k} bytes; keys are at most ${KVS_MAX_KEY_BYTES} bytes`;
  if (v > KVS_MAX_VALUE_BYTES) return `the value of key '${key}' is ${v} bytes; values are at most ${KVS_MAX_VALUE_BYTES} bytes (1 KB)`;
  return undefined;
}

/** Size the store counts toward its 5 MB: keys plus values, in UTF-8 bytes. */
export function kvsStoreBytes(items: Iterable<readonly [string, string]>): number {
  let n = 0;
  for (const [k, v] of items) n += utf8Bytes(k) + utf8Bytes(v);
  return n;
}

export function utf8Bytes(s: string): number {
  // TextEncoder exists in Node and in browsers alike; this module stays free of Node's Buffer.
  return new TextEncoder().encode(s).length;
}
