import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as zlib from 'zlib';
import { CliError } from '../errors';
import { LOG_FIELDS } from '../local/access-log';
import { type LogEntry, canonicalField, entryFrom } from './log-entry';

/** A log that cannot be read: missing, unreadable, or in no format CloudFront writes. Exit 1. */
export class LogReadError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'LogReadError';
  }
}

/** Legacy standard logs' field order (`#Fields:` of version 1.0), used when a file has no header: the one the local edge writes. */
export const LEGACY_FIELDS = LOG_FIELDS;

export interface ReadStats {
  files: number;
  lines: number;
  /** Lines that were not a request (comments, blank) or could not be read (no date/time). */
  skipped: number;
  formats: Record<string, number>;
}

/**
 * Every log file under the given files and folders (folders recursively, as S3 delivers v2 logs
 * under Hive-style `year=/month=/day=` prefixes), in name order so a day's files replay in time
 * order. Missing paths fail at once, before anything is read.
 */
export function listLogFiles(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(path.join(p, name));
      }
    } else if (st.isFile()) {
      out.push(p);
    }
  };
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new LogReadError(`--log '${input}' does not exist`);
    walk(input);
  }
  return out;
}

async function firstBytes(file: string, n: number): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Streams the requests of CloudFront standard logs: legacy W3C and v2 W3C (`#Fields:` header, tab
 * separated), v2 JSON (one object per line) and v2 Parquet; text gzipped or not. Text is read line
 * by line through a gunzip stream and Parquet one row group at a time, so a day of logs never has to
 * fit in memory. Entries come in file order; within a file, in line order.
 */
export async function* readLogs(files: readonly string[], stats: ReadStats): AsyncGenerator<LogEntry> {
  for (const file of files) {
    stats.files++;
    const head = await firstBytes(file, 4);
    if (head.toString('latin1') === 'PAR1') {
      stats.formats.parquet = (stats.formats.parquet ?? 0) + 1;
      yield* readParquet(file, stats);
      continue;
    }
    const gzipped = head[0] === 0x1f && head[1] === 0x8b;
    let input: NodeJS.ReadableStream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    if (gzipped) {
      const gunzip = zlib.createGunzip();
      input = (input as fs.ReadStream).pipe(gunzip);
      // A corrupt or truncated gzip stream ends the line iterator with its error (LogReadError below).
    }
    yield* readText(file, input, stats);
  }
}

async function* readText(file: string, input: NodeJS.ReadableStream, stats: ReadStats): AsyncGenerator<LogEntry> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let fields: string[] = LEGACY_FIELDS.map(canonicalField);
  let index = new Map(fields.map((f, i) => [f, i]));
  let format: string | undefined;
  let lineNo = 0;
  try {
    for await (const raw of rl) {
      lineNo++;
      // A file saved by an editor may start with a byte order mark.
      const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (line.length === 0) continue;
      if (line.charCodeAt(0) === 0x23 /* # */) {
        const m = /^#Fields:\s*(.*)$/.exec(line);
        if (m) {
          fields = m[1].trim().split(/\s+/).map(canonicalField);
          index = new Map(fields.map((f, i) => [f, i]));
          format ??= 'w3c';
        }
        stats.skipped++;
        continue;
      }
      stats.lines++;
      let entry: LogEntry | undefined;
      if (line.charCodeAt(0) === 0x7b /* { */) {
        format ??= 'json';
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(line);
        } catch {
          throw new LogReadError(`${file}:${lineNo}: not a JSON log record: ${line.slice(0, 80)}`);
        }
        const canon = new Map(Object.entries(obj).map(([k, v]) => [canonicalField(k), v]));
        entry = entryFrom((k) => canon.get(k));
      } else {
        format ??= 'w3c';
        const parts = line.split('\t');
        if (parts.length < 2) throw new LogReadError(`${file}:${lineNo}: not a CloudFront log line (no tab-separated fields): ${line.slice(0, 80)}`);
        entry = entryFrom((k) => {
          const i = index.get(k);
          return i === undefined ? undefined : parts[i];
        });
      }
      if (entry) yield entry;
      else stats.skipped++;
    }
  } catch (e) {
    if (e instanceof LogReadError) throw e;
    throw new LogReadError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (format) stats.formats[format] = (stats.formats[format] ?? 0) + 1;
}

/** hyparquet is an ES module; Node 22 loads it with require. */
interface Hyparquet {
  asyncBufferFromFile(file: string): Promise<unknown>;
  parquetMetadataAsync(buffer: unknown): Promise<{ row_groups: Array<{ num_rows: bigint | number }> }>;
  parquetReadObjects(options: { file: unknown; metadata?: unknown; rowStart?: number; rowEnd?: number }): Promise<Record<string, unknown>[]>;
}

async function* readParquet(file: string, stats: ReadStats): AsyncGenerator<LogEntry> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hyparquet = require('hyparquet') as Hyparquet;
  let buffer: unknown;
  let metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
  try {
    buffer = await hyparquet.asyncBufferFromFile(file);
    metadata = await hyparquet.parquetMetadataAsync(buffer);
  } catch (e) {
    throw new LogReadError(`${file}: not a readable Parquet file: ${e instanceof Error ? e.message : String(e)}`);
  }
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const rows = await hyparquet.parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end });
    for (const row of rows) {
      stats.lines++;
      const canon = new Map(Object.entries(row).map(([k, v]) => [canonicalField(k), v]));
      const entry = entryFrom((k) => canon.get(k));
      if (entry) yield entry;
      else stats.skipped++;
    }
    start = end;
  }
}
