import * as zlib from 'zlib';

/** Content types CloudFront compresses ("Serve compressed files": file types that CloudFront compresses). */
const COMPRESSIBLE = new Set([
  'application/dash+xml', 'application/eot', 'application/font', 'application/font-sfnt', 'application/javascript',
  'application/json', 'application/opentype', 'application/otf', 'application/pdf', 'application/pkcs7-mime',
  'application/protobuf', 'application/rss+xml', 'application/truetype', 'application/ttf',
  'application/vnd.apple.mpegurl', 'application/vnd.mapbox-vector-tile', 'application/vnd.ms-fontobject',
  'application/wasm', 'application/xhtml+xml', 'application/xml', 'application/x-font-opentype',
  'application/x-font-truetype', 'application/x-font-ttf', 'application/x-httpd-cgi', 'application/x-javascript',
  'application/x-mpegurl', 'application/x-opentype', 'application/x-otf', 'application/x-perl', 'application/x-ttf',
  'font/eot', 'font/opentype', 'font/otf', 'font/ttf', 'image/svg+xml', 'text/css', 'text/csv', 'text/html',
  'text/javascript', 'text/js', 'text/plain', 'text/richtext', 'text/tab-separated-values', 'text/xml',
  'text/x-component', 'text/x-java-source', 'text/x-script', 'vnd.apple.mpegurl',
]);

export const MIN_COMPRESS_BYTES = 1000;
export const MAX_COMPRESS_BYTES = 10_000_000;

export type Encoding = 'br' | 'gzip';

function acceptsCoding(acceptEncoding: string, coding: string): boolean {
  return acceptEncoding
    .split(',')
    .map((p) => p.trim().split(';'))
    .some(([name, ...params]) => name.trim().toLowerCase() === coding && !params.some((q) => /^\s*q=0(\.0*)?\s*$/.test(q)));
}

/** What recent Accept-Encoding values accept: browsers send one of a handful on every request. */
const accepted = new Map<string, { br: boolean; gzip: boolean }>();

function accepts(acceptEncoding: string, coding: 'br' | 'gzip'): boolean {
  let found = accepted.get(acceptEncoding);
  if (!found) {
    if (accepted.size >= 256) accepted.clear();
    accepted.set(acceptEncoding, (found = { br: acceptsCoding(acceptEncoding, 'br'), gzip: acceptsCoding(acceptEncoding, 'gzip') }));
  }
  return found[coding];
}

/** The encoding CloudFront would use, or undefined when the object is sent as is. */
export function chooseEncoding(opts: {
  enabled: boolean;
  gzip: boolean;
  brotli: boolean;
  acceptEncoding: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  size: number;
}): Encoding | undefined {
  if (!opts.enabled || !opts.acceptEncoding || opts.contentEncoding) return undefined;
  if (opts.size < MIN_COMPRESS_BYTES || opts.size > MAX_COMPRESS_BYTES) return undefined;
  const type = (opts.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!COMPRESSIBLE.has(type)) return undefined;
  if (opts.brotli && accepts(opts.acceptEncoding, 'br')) return 'br';
  if (opts.gzip && accepts(opts.acceptEncoding, 'gzip')) return 'gzip';
  return undefined;
}

const memo = new WeakMap<Buffer, Partial<Record<Encoding, Buffer>>>();

/** Compressed once per stored body and encoding, as the edge keeps the compressed copy in cache. */
export function compress(body: Buffer, encoding: Encoding): Buffer {
  let m = memo.get(body);
  if (!m) memo.set(body, (m = {}));
  return (m[encoding] ??= encoding === 'br'
    ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } })
    : zlib.gzipSync(body, { level: 6 }));
}
