import type * as http from 'http';
import { KvsConflictError, KvsLimitError, type LocalKeyValueStore } from './kvs';

/**
 * The CloudFront KeyValueStore data-plane API (REST, JSON) for the stores of the local edge, as
 * @aws-sdk/client-cloudfront-keyvaluestore speaks it: DescribeKeyValueStore, GetKey, ListKeys,
 * PutKey, DeleteKey, UpdateKeys, each write ETag-checked (If-Match) as CloudFront checks it. A
 * change reaches the next function run at once (CloudFront propagates in seconds).
 *
 * The SDK signs these requests with SigV4A; the local API checks that a SigV4A signature is
 * present (algorithm AWS4-ECDSA-P256-SHA256) but not the signature itself: there are no real keys.
 *
 * @see https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Operations_Amazon_CloudFront_KeyValueStore.html
 */
export class KeyValueStoreApi {
  constructor(private readonly stores: () => Iterable<LocalKeyValueStore>) {}

  handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const m = /^\/key-value-stores\/([^/]+)(\/keys(?:\/([^/]+))?)?\/?$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'ResourceNotFoundException', `The local edge answers only /key-value-stores/{KvsARN}[/keys[/{Key}]], not ${req.method} ${url.pathname}.`);
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-ECDSA-P256-SHA256 ')) {
      return fail(res, 403, 'AccessDeniedException', 'The KeyValueStore API takes SigV4A-signed requests (Authorization: AWS4-ECDSA-P256-SHA256 ...).');
    }
    const arn = decodeURIComponent(m[1]);
    const store = [...this.stores()].find((s) => s.arn === arn);
    if (!store) {
      const known = [...this.stores()].map((s) => s.arn).join(', ') || 'none';
      return fail(res, 404, 'ResourceNotFoundException', `No key value store ${arn}; the local edge has: ${known}`);
    }
    const key = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
    const ifMatch = String(req.headers['if-match'] ?? '');
    try {
      if (!m[2] && req.method === 'GET') return this.describe(store, res);
      if (m[2] && key === undefined && req.method === 'GET') return send(res, 200, { Items: store.keys().map((k) => ({ Key: k, Value: store.get(k) })) });
      if (key !== undefined && req.method === 'GET') {
        const value = store.get(key);
        if (value === undefined) return fail(res, 404, 'ResourceNotFoundException', `Key ${key} not found in ${arn}.`);
        return send(res, 200, { Key: key, Value: value, ItemCount: store.size, TotalSizeInBytes: store.bytes });
      }
      if (key !== undefined && req.method === 'PUT') {
        const value = (parse(body) as { Value?: unknown }).Value;
        if (typeof value !== 'string') return fail(res, 400, 'ValidationException', 'PutKey needs a string Value.');
        return this.written(store, store.update(ifMatch, [{ key, value }], []), res);
      }
      if (key !== undefined && req.method === 'DELETE') return this.written(store, store.update(ifMatch, [], [key]), res);
      if (m[2] && key === undefined && req.method === 'POST') {
        const b = parse(body) as { Puts?: Array<{ Key: string; Value: string }>; Deletes?: Array<{ Key: string }> };
        const puts = (b.Puts ?? []).map((p) => ({ key: p.Key, value: p.Value }));
        return this.written(store, store.update(ifMatch, puts, (b.Deletes ?? []).map((d) => d.Key)), res);
      }
    } catch (e) {
      if (e instanceof KvsConflictError) return fail(res, 409, 'ConflictException', e.message);
      if (e instanceof KvsLimitError || e instanceof SyntaxError) return fail(res, 400, 'ValidationException', e.message);
      throw e;
    }
    return fail(res, 405, 'ValidationException', `${req.method} is not supported on ${url.pathname}.`);
  }

  private describe(store: LocalKeyValueStore, res: http.ServerResponse): void {
    send(res, 200, {
      KvsARN: store.arn,
      ItemCount: store.size,
      TotalSizeInBytes: store.bytes,
      Created: store.created.getTime() / 1000,
      LastModified: store.updated.getTime() / 1000,
      Status: 'READY',
    }, store.etag);
  }

  private written(store: LocalKeyValueStore, etag: string, res: http.ServerResponse): void {
    send(res, 200, { ItemCount: store.size, TotalSizeInBytes: store.bytes }, etag);
  }
}

function parse(body: Buffer): unknown {
  return body.length ? JSON.parse(body.toString('utf8')) : {};
}

function send(res: http.ServerResponse, status: number, body: unknown, etag?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(etag ? { etag } : {}) });
  res.end(text);
}

function fail(res: http.ServerResponse, status: number, type: string, message: string): void {
  const text = JSON.stringify({ Message: message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
