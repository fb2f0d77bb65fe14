import * as crypto from 'crypto';
import { KVS_MAX_STORE_BYTES, kvsItemProblem, kvsStoreBytes } from '../../lambda-edge/shared/kvs-limits';
import type { KeyValueStoreModel } from './model';

/** A change that breaks a KeyValueStore limit; the message names the key and the limit. */
export class KvsLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvsLimitError';
  }
}

/** The ETag sent with an update did not match the store's current one (HTTP 409 on CloudFront). */
export class KvsConflictError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the store changed since it was read: If-Match '${expected}', current ETag '${actual}'; read it again and retry`);
    this.name = 'KvsConflictError';
  }
}

/**
 * One key value store as the local edge holds it: read by functions through `cf.kvs()`, changed
 * through the data-plane API. Every change makes a new ETag, as CloudFront's does.
 */
export class LocalKeyValueStore {
  private readonly items = new Map<string, string>();
  private version = 0;
  readonly created: Date;
  updated: Date;

  constructor(
    readonly model: KeyValueStoreModel,
    now: Date = new Date(),
  ) {
    for (const { key, value } of model.data) this.items.set(key, value);
    this.created = now;
    this.updated = now;
  }

  get arn(): string {
    return this.model.arn;
  }

  get etag(): string {
    return `${this.model.id}-${this.version}-${crypto.createHash('sha256').update(JSON.stringify([...this.items])).digest('hex').slice(0, 12)}`;
  }

  get(key: string): string | undefined {
    return this.items.get(key);
  }

  keys(): string[] {
    return [...this.items.keys()].sort();
  }

  get size(): number {
    return this.items.size;
  }

  get bytes(): number {
    return kvsStoreBytes(this.items);
  }

  /** Applies puts and deletes at once, as UpdateKeys does: all or nothing, ETag-checked. */
  update(ifMatch: string, puts: ReadonlyArray<{ key: string; value: string }>, deletes: readonly string[]): string {
    if (ifMatch !== this.etag) throw new KvsConflictError(ifMatch, this.etag);
    const next = new Map(this.items);
    for (const { key, value } of puts) {
      const problem = kvsItemProblem(key, value);
      if (problem) throw new KvsLimitError(problem);
      next.set(key, value);
    }
    for (const key of deletes) next.delete(key);
    const bytes = kvsStoreBytes(next);
    if (bytes > KVS_MAX_STORE_BYTES) throw new KvsLimitError(`the store would hold ${bytes} bytes; a store holds at most ${KVS_MAX_STORE_BYTES} bytes (5 MB)`);
    this.items.clear();
    for (const [k, v] of next) this.items.set(k, v);
    this.version++;
    this.updated = new Date();
    return this.etag;
  }
}

/**
 * The data of an import source file (`{"data":[{"key":...,"value":...}]}`), checked against the
 * limits CloudFront applies when it imports it.
 */
export function parseImportSource(text: string, where: string): Array<{ key: string; value: string }> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KvsLimitError(`${where}: not JSON (${e instanceof Error ? e.message : String(e)}); expected {"data":[{"key":"k","value":"v"}]}`);
  }
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw new KvsLimitError(`${where}: expected {"data":[{"key":"k","value":"v"}]}, got: ${text.slice(0, 80)}`);
  const out: Array<{ key: string; value: string }> = [];
  for (const item of data) {
    const { key, value } = (item ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || typeof value !== 'string') throw new KvsLimitError(`${where}: every item needs a string key and a string value, got: ${JSON.stringify(item)}`);
    const problem = kvsItemProblem(key, value);
    if (problem) throw new KvsLimitError(`${where}: ${problem}`);
    out.push({ key, value });
  }
  const bytes = kvsStoreBytes(out.map((i) => [i.key, i.value] as const));
  if (bytes > KVS_MAX_STORE_BYTES) throw new KvsLimitError(`${where}: ${bytes} bytes; a store holds at most ${KVS_MAX_STORE_BYTES} bytes (5 MB)`);
  return out;
}
