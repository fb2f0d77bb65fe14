import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import type { S3Content } from './model';
import { type CfHeaders, type EdgeRequest, type EdgeResponse, getHeader, headersFromNode, headersToNode } from './http-types';
import { confinementProblem } from './assembly-paths';

/** The origin could not be reached or did not answer in time: CloudFront answers 502 or 504. */
export class OriginUnavailable extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'OriginUnavailable';
  }
}

/** Keep-alive connections to the origins, one pool per local edge so that closing it frees them. */
export interface OriginAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

export function createOriginAgents(): OriginAgents {
  return { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };
}

const DROP_FROM_ORIGIN = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer']);

/**
 * Sends the request to a real HTTP(S) origin; the whole body is read before the edge answers. A body
 * that disagrees with the response's Content-Length (the connection closed early, or more bytes than
 * announced) is returned as received, marked `incomplete` so that no cache stores it ("Dropped TCP
 * connections" in the Developer Guide).
 */
export function fetchHttp(base: URL, originPath: string, req: EdgeRequest, readTimeoutSeconds: number, agents: OriginAgents): Promise<EdgeResponse> {
  const mod = base.protocol === 'https:' ? https : http;
  const basePath = base.pathname.replace(/\/$/, '');
  const p = `${basePath}${originPath.replace(/\/$/, '')}${req.uri}${req.querystring ? `?${req.querystring}` : ''}`;
  return new Promise((resolve, reject) => {
    let started: { res: http.IncomingMessage; chunks: Buffer[] } | undefined;
    let settled = false;
    const finish = (incomplete: boolean) => {
      if (settled || !started) return;
      settled = true;
      const { res, chunks } = started;
      // Bytes parsed before the error may still sit in the stream's buffer.
      res.removeAllListeners('data');
      for (let c = res.read() as Buffer | null; c; c = res.read() as Buffer | null) chunks.push(c);
      const headers = headersFromNode(res.headers);
      // Hop-by-hop: the fields Connection names go with it (RFC 9110 section 7.6.1).
      for (const h of (getHeader(headers, 'connection') ?? '').split(',')) delete headers[h.trim().toLowerCase()];
      for (const h of DROP_FROM_ORIGIN) delete headers[h];
      const response: EdgeResponse = { status: res.statusCode ?? 502, statusDescription: res.statusMessage ?? '', headers, body: Buffer.concat(chunks) };
      if (incomplete) response.incomplete = true;
      resolve(response);
    };
    const fail = (err: OriginUnavailable) => {
      if (started) return finish(true);
      if (!settled) {
        settled = true;
        reject(err);
      }
    };
    const r = mod.request(
      {
        host: base.hostname,
        port: base.port || (base.protocol === 'https:' ? 443 : 80),
        method: req.method,
        path: p,
        headers: headersToNode(req.headers),
        agent: base.protocol === 'https:' ? agents.https : agents.http,
        rejectUnauthorized: false,
      },
      (res) => {
        started = { res, chunks: [] };
        res.on('data', (c: Buffer) => started!.chunks.push(c));
        res.on('end', () => finish(false));
        res.on('error', () => finish(true));
        res.on('close', () => finish(!res.complete));
      },
    );
    r.setTimeout(readTimeoutSeconds * 1000, () => {
      r.destroy(new OriginUnavailable(504, `origin ${base.host} did not answer within ${readTimeoutSeconds} s (OriginReadTimeout)`));
    });
    r.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof OriginUnavailable) fail(err);
      else fail(new OriginUnavailable(502, `origin ${base.host} unreachable: ${err.code ?? err.message}`));
    });
    r.end(req.body.length ? req.body : undefined);
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.json': 'application/json', '.txt': 'text/plain', '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf', '.map': 'application/json', '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json', '.pdf': 'application/pdf',
};

function xmlError(status: number, code: string, message: string, key: string): EdgeResponse {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Key>${key}</Key></Error>`;
  return {
    status,
    statusDescription: status === 403 ? 'Forbidden' : 'Method Not Allowed',
    headers: { 'content-type': [{ key: 'Content-Type', value: 'application/xml' }], server: [{ key: 'Server', value: 'AmazonS3' }] },
    body: Buffer.from(body),
  };
}

/**
 * A private S3 bucket behind Origin Access Control, filled from the BucketDeployment's source
 * folders. A missing key is 403 AccessDenied, as S3 answers when the reader may not list the bucket.
 */
/**
 * Whether aws s3 sync deploys `key` under these filters: every file is in until a filter says
 * otherwise, and the last matching filter wins. In patterns `*` matches any run of characters
 * (`/` included), `?` one character, `[...]` / `[!...]` a character class.
 */
export function deployedBy(filters: NonNullable<S3Content['filters']>, key: string): boolean {
  let included = true;
  for (const f of filters) if (syncPattern(f.pattern).test(key)) included = f.kind === 'include';
  return included;
}

const patternCache = new Map<string, RegExp>();
function syncPattern(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) src += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        src += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`.replace(/\\/g, '\\\\');
        i = end;
      }
    } else src += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, 's');
  patternCache.set(pattern, re);
  return re;
}

export function fetchS3(contents: readonly S3Content[], originPath: string, req: EdgeRequest): EdgeResponse {
  let key: string;
  try {
    key = decodeURIComponent(`${originPath.replace(/^\/+|\/+$/g, '')}${originPath ? '/' : ''}${req.uri.replace(/^\/+/, '')}`.replace(/^\/+/, ''));
  } catch {
    return xmlError(400, 'InvalidURI', 'Could not parse the specified URI.', req.uri);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return xmlError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', key);
  }
  // S3 keys are literal strings: `assets/../index.html` is its own (missing) key, never index.html,
  // and no deployment writes keys with `.`, `..` or empty segments.
  if (key.split('/').some((segment, i, all) => segment === '.' || segment === '..' || (segment === '' && i < all.length - 1))) {
    return xmlError(403, 'AccessDenied', 'Access Denied', key);
  }
  for (const c of contents) {
    if (!key.startsWith(c.keyPrefix)) continue;
    const rel = key.slice(c.keyPrefix.length);
    if (c.filters && !deployedBy(c.filters, rel)) continue;
    for (const folder of c.folders) {
      const file = path.resolve(folder, rel);
      if (!file.startsWith(path.resolve(folder) + path.sep)) continue;
      // A link in a deployed folder (a crafted cdk.out) would serve a file from outside it: S3 holds copies.
      if (confinementProblem(folder, rel)) continue;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        continue;
      }
      if (!stat.isFile()) continue;
      const body = fs.readFileSync(file);
      const etag = `"${crypto.createHash('md5').update(body).digest('hex')}"`;
      const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000).toUTCString();
      const headers: CfHeaders = {
        'content-type': [{ key: 'Content-Type', value: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' }],
        etag: [{ key: 'ETag', value: etag }],
        'last-modified': [{ key: 'Last-Modified', value: lastModified }],
        'accept-ranges': [{ key: 'Accept-Ranges', value: 'bytes' }],
        server: [{ key: 'Server', value: 'AmazonS3' }],
      };
      for (const [k, v] of Object.entries(c.metadata)) headers[k] = [{ key: k.replace(/(^|-)([a-z])/g, (_, d: string, ch: string) => d + ch.toUpperCase()), value: v }];
      const inm = getHeader(req.headers, 'if-none-match');
      const ims = getHeader(req.headers, 'if-modified-since');
      if ((inm && inm === etag) || (!inm && ims && Date.parse(ims) >= Date.parse(lastModified))) {
        return { status: 304, statusDescription: 'Not Modified', headers, body: Buffer.alloc(0) };
      }
      return { status: 200, statusDescription: 'OK', headers, body };
    }
  }
  return xmlError(403, 'AccessDenied', 'Access Denied', key);
}
