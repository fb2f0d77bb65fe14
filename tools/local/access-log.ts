import * as fs from 'fs';

/** Field order of CloudFront standard logs (legacy), version 1.0. */
export const LOG_FIELDS = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem', 'sc-status',
  'cs(Referer)', 'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type', 'x-edge-request-id',
  'x-host-header', 'cs-protocol', 'cs-bytes', 'time-taken', 'x-forwarded-for', 'ssl-protocol', 'ssl-cipher',
  'x-edge-response-result-type', 'cs-protocol-version', 'fle-status', 'fle-encrypted-fields', 'c-port',
  'time-to-first-byte', 'x-edge-detailed-result-type', 'sc-content-type', 'sc-content-len', 'sc-range-start',
  'sc-range-end',
] as const;

export type LogField = (typeof LOG_FIELDS)[number];
export type LogRecord = Partial<Record<LogField, string | number | undefined>>;

/**
 * Characters a field cannot hold as they are: white space (the separator), backslash and `%` (the
 * escape characters), control characters and anything outside ASCII.
 */
const UNSAFE = /[\s\\%\x00-\x1f\x7f]|[^\x00-\x7f]/gu;

/** Values are URL-encoded where CloudFront encodes them (UTF-8 bytes as `%XX`); empty values are `-`. */
function field(v: string | number | undefined): string {
  if (v === undefined || v === '') return '-';
  return String(v).replace(UNSAFE, (c) => (c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff ? '%EF%BF%BD' : encodeURIComponent(c)));
}

export function formatLogLine(r: LogRecord): string {
  return LOG_FIELDS.map((f) => field(r[f])).join('\t');
}

export const LOG_HEADER = `#Version: 1.0\n#Fields: ${LOG_FIELDS.join(' ')}\n`;

export interface AccessLog {
  /** False when there is nowhere to write: callers skip building records. */
  readonly enabled: boolean;
  write(r: LogRecord): void;
  close(): Promise<void>;
}

/**
 * `target`: a file path (appended), `'-'` for stdout, or a function receiving each line. The
 * `#Version`/`#Fields` header is written with the first line, so nothing reaches stdout (or a new
 * file) before the edge listens and serves: a start that fails (port in use) prints only its error.
 */
export function openAccessLog(target: string | ((line: string) => void) | undefined): AccessLog {
  if (!target) return { enabled: false, write() {}, close: async () => {} };
  if (typeof target === 'function') {
    return { enabled: true, write: (r) => target(formatLogLine(r)), close: async () => {} };
  }
  if (target === '-') {
    let started = false;
    return {
      enabled: true,
      write: (r) => {
        process.stdout.write(`${started ? '' : LOG_HEADER}${formatLogLine(r)}\n`);
        started = true;
      },
      close: async () => {},
    };
  }
  let stream: fs.WriteStream | undefined;
  return {
    enabled: true,
    write: (r) => {
      if (!stream) {
        const fresh = !fs.existsSync(target) || fs.statSync(target).size === 0;
        stream = fs.createWriteStream(target, { flags: 'a' });
        if (fresh) stream.write(LOG_HEADER);
      }
      stream.write(`${formatLogLine(r)}\n`);
    },
    close: () => new Promise((resolve) => (stream ? stream.end(resolve) : resolve())),
  };
}
