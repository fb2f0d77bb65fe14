/**
 * One viewer request as CloudFront's standard logs record it, in the field names of the Developer
 * Guide ("Standard logging reference", Log file fields). Legacy logs and the v2 W3C output name a
 * field `cs(User-Agent)`, v2 JSON `cs(User-Agent)` or lower case, v2 Parquet `cs_user_agent`: every
 * spelling is brought to one key by `canonicalField`.
 */
export interface LogEntry {
  /** Milliseconds since the epoch (the log's date and time, UTC, one-second resolution). */
  readonly timeMs: number;
  /** x-edge-location: the edge location (POP) that served the request. */
  readonly pop: string;
  readonly method: string;
  /** cs-uri-stem, decoded once (as the viewer sent it). */
  readonly uri: string;
  /** cs-uri-query without the `?`, decoded once; '' for none. */
  readonly query: string;
  readonly status: number;
  /** sc-bytes: bytes sent to the viewer, headers included. */
  readonly bytes: number;
  /** sc-content-len when logged, else sc-bytes: the object's size, what a miss brings from the origin. */
  readonly objectBytes: number;
  /** x-edge-result-type: Hit, RefreshHit, Miss, LimitExceeded, CapacityExceeded, Error, Redirect... */
  readonly resultType: string;
  /** x-edge-detailed-result-type (`OriginShieldHit` for a miss the shield answered), '' when absent. */
  readonly detailedResultType: string;
  readonly host: string;
  readonly userAgent: string;
  readonly referer: string;
  readonly cookie: string;
  readonly protocol: string;
}

/** `cs(User-Agent)`, `cs-user-agent`, `cs_user_agent` -> `cs_user_agent`. */
export function canonicalField(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^cs\((.*)\)$/, 'cs_$1')
    .replace(/[-()]/g, '_')
    .replace(/_+$/, '');
}

const HEX = /^[0-9a-fA-F]{2}$/;
const DOUBLE = /%25([0-9a-fA-F]{2})/g;

/**
 * Undoes the escapes of a log field: `%XX` (CloudFront URL-encodes spaces, tabs, backslashes and
 * other characters a field cannot hold) and `\xHH` (the hex escape for bytes outside printable
 * ASCII), then `-`, an empty field. URL fields (`uri`) are decoded one level, the one the log added,
 * so a `%20` the viewer itself sent reads `%20` again. Header fields (cs(User-Agent), cs(Referer),
 * cs(Cookie)) are encoded twice by CloudFront (a space reads `%2520`), so there `%25XX` is one
 * character.
 */
export function decodeLogField(raw: string | undefined, kind: 'uri' | 'header' = 'uri'): string {
  if (raw === undefined || raw === '-' || raw === '') return '';
  const escaped = raw.includes('\\x');
  if (!escaped && !raw.includes('%')) return raw;
  if (!escaped) {
    // The common case, natively: well-formed %XX sequences of UTF-8.
    try {
      return decodeURIComponent(kind === 'header' ? raw.replace(DOUBLE, '%$1') : raw);
    } catch {
      // A lone %, a non-hex digit or bytes that are not UTF-8: byte by byte below.
    }
  }
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; ) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && kind === 'header' && raw.startsWith('25', i + 1) && HEX.test(raw.slice(i + 3, i + 5))) {
      bytes.push(Number.parseInt(raw.slice(i + 3, i + 5), 16));
      i += 5;
    } else if (c === 0x25 && HEX.test(raw.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (c === 0x5c && raw[i + 1] === 'x' && HEX.test(raw.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(raw.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      const cp = raw.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
      i += s.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** User-Agent values repeat across a log: each is decoded once. */
const headerMemo = new Map<string, string>();
function decodeHeaderField(raw: string): string {
  let v = headerMemo.get(raw);
  if (v === undefined) {
    if (headerMemo.size > 10_000) headerMemo.clear();
    headerMemo.set(raw, (v = decodeLogField(raw, 'header')));
  }
  return v;
}

const num = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/**
 * A log entry from a record keyed by canonical field names; undefined without a usable date and time.
 * Every format carries the same field values (URL-encoded where the W3C text encodes them), so
 * they are decoded by one rule.
 */
export function entryFrom(get: (canonical: string) => unknown): LogEntry | undefined {
  const text = (k: string) => decodeLogField(str(get(k)));
  const header = (k: string) => decodeHeaderField(str(get(k)));
  const date = str(get('date'));
  const time = str(get('time'));
  let timeMs: number;
  if (date && time) timeMs = Date.parse(`${date}T${time}Z`);
  else if (get('timestamp_ms') !== undefined) timeMs = num(get('timestamp_ms'));
  else if (get('timestamp') !== undefined) timeMs = num(get('timestamp')) * 1000;
  else return undefined;
  if (!Number.isFinite(timeMs) || timeMs <= 0) return undefined;
  const contentLen = str(get('sc_content_len'));
  const bytes = num(get('sc_bytes'));
  return {
    timeMs,
    pop: text('x_edge_location'),
    method: text('cs_method') || 'GET',
    uri: text('cs_uri_stem') || '/',
    query: text('cs_uri_query'),
    status: num(get('sc_status')),
    bytes,
    objectBytes: contentLen && contentLen !== '-' ? num(contentLen) : bytes,
    resultType: text('x_edge_result_type'),
    detailedResultType: text('x_edge_detailed_result_type'),
    host: text('x_host_header') || text('cs_host'),
    userAgent: header('cs_user_agent'),
    referer: header('cs_referer'),
    cookie: header('cs_cookie'),
    protocol: text('cs_protocol'),
  };
}
