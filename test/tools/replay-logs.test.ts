import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { LOG_FIELDS, formatLogLine } from '../../tools/local/access-log';
import { decodeLogField } from '../../tools/replay/log-entry';
import { type ReadStats, LogReadError, listLogFiles, readLogs } from '../../tools/replay/read-logs';
import type { LogEntry } from '../../tools/replay/log-entry';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'replay');
const fixture = (name: string) => path.join(FIXTURES, name);

async function read(inputs: string[]): Promise<{ entries: LogEntry[]; stats: ReadStats }> {
  const stats: ReadStats = { files: 0, lines: 0, skipped: 0, formats: {} };
  const entries: LogEntry[] = [];
  for await (const e of readLogs(listLogFiles(inputs), stats)) entries.push(e);
  return { entries, stats };
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-replay-logs-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('legacy W3C lines, checked by hand', () => {
  test('fields by the #Fields header, escapes undone, - as empty', async () => {
    const { entries, stats } = await read([fixture('legacy.log')]);
    expect(stats).toMatchObject({ files: 1, lines: 3, skipped: 2, formats: { w3c: 1 } });
    const [miss, hit, refresh] = entries;
    expect(miss).toMatchObject({
      timeMs: Date.UTC(2026, 11, 1, 10, 0, 0),
      pop: 'IAD89-C1',
      method: 'GET',
      // One level of the log's encoding removed: the viewer's own %C3%A9 stays as sent.
      uri: '/products/caf%C3%A9',
      query: 'page=2&q=a%20b',
      status: 200,
      bytes: 1300,
      objectBytes: 1000,
      resultType: 'Miss',
      host: 'www.example.com',
      // Header fields are encoded twice (%2520 is a space).
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1) Mobile',
      referer: '',
      cookie: '',
      protocol: 'https',
    });
    expect(hit).toMatchObject({ resultType: 'Hit', referer: 'https://www.example.com/', userAgent: 'curl/8.5.0', cookie: 'session=s1; theme=dark' });
    // \xHH escapes, an empty query, and sc-content-len '-' falling back to sc-bytes.
    expect(refresh).toMatchObject({ pop: 'FRA56-P3', userAgent: 'Agent with"quotes"', query: '', objectBytes: 640, resultType: 'RefreshHit', protocol: 'http' });
  });

  test('gzipped, plain and folders (recursive, Hive-style partitions) give the same entries', async () => {
    const plain = (await read([fixture('legacy.log')])).entries;
    const dir = path.join(tmp, 'year=2026', 'month=12', 'day=01');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'E2QWRUHAPOMQZL.2026-12-01-10.abcd.gz'), zlib.gzipSync(fs.readFileSync(fixture('legacy.log'))));
    const gz = await read([tmp]);
    expect(gz.entries).toEqual(plain);
    fs.copyFileSync(fixture('legacy.log'), path.join(tmp, 'plain.log'));
    const both = await read([tmp]);
    expect(both.stats.files).toBe(2);
    expect(both.entries).toHaveLength(6);
  });

  test('a byte order mark and CRLF line ends are read as CloudFront writes none', async () => {
    const text = fs.readFileSync(fixture('legacy.log'), 'utf8').replace(/\n/g, '\r\n');
    fs.writeFileSync(path.join(tmp, 'crlf.log'), `\ufeff${text}`);
    const { entries, stats } = await read([path.join(tmp, 'crlf.log')]);
    expect(stats.skipped).toBe(2);
    expect(entries.map((e) => e.objectBytes)).toEqual([1000, 1000, 640]);
  });

  test('a file without a header is read in the legacy field order', async () => {
    const body = fs.readFileSync(fixture('legacy.log'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
    fs.writeFileSync(path.join(tmp, 'no-header.log'), body);
    const { entries } = await read([path.join(tmp, 'no-header.log')]);
    expect(entries.map((e) => e.uri)).toEqual(['/products/caf%C3%A9', '/products/caf%C3%A9', '/index.html']);
  });
});

describe('standard logging v2', () => {
  test('JSON: one object per line, v2 field names', async () => {
    const { entries, stats } = await read([fixture('v2.json')]);
    expect(stats.formats).toEqual({ json: 1 });
    expect(entries[0]).toMatchObject({ pop: 'NRT57-P2', uri: '/api/items', query: 'sort=price&page=1', userAgent: 'Mozilla/5.0 (Android 14; Mobile)', objectBytes: 2000, resultType: 'Miss' });
    expect(entries[1]).toMatchObject({ timeMs: Date.UTC(2026, 11, 1, 10, 0, 1), resultType: 'Hit', userAgent: '' });
  });

  test('W3C with a chosen subset of fields in another order', async () => {
    const { entries } = await read([fixture('v2-w3c.log')]);
    expect(entries.map((e) => [e.uri, e.pop, e.resultType, e.bytes])).toEqual([
      ['/assets/app.js', 'GRU3-C1', 'Miss', 5000],
      ['/assets/app.js', 'GRU3-C1', 'Hit', 5000],
    ]);
  });
});

describe('refused input', () => {
  test('a missing path fails before anything is read', () => {
    expect(() => listLogFiles([fixture('legacy.log'), path.join(tmp, 'nope.log')])).toThrow(LogReadError);
    expect(() => listLogFiles([path.join(tmp, 'nope.log')])).toThrow(/--log '.*nope\.log' does not exist/);
  });

  test('a line that is neither W3C nor JSON names its file and line', async () => {
    fs.writeFileSync(path.join(tmp, 'bad.log'), '#Version: 1.0\nthis is not a log line\n');
    await expect(read([path.join(tmp, 'bad.log')])).rejects.toThrow(/bad\.log:2: not a CloudFront log line/);
    fs.writeFileSync(path.join(tmp, 'bad.json'), '{"date": "2026-12-01", \n');
    await expect(read([path.join(tmp, 'bad.json')])).rejects.toThrow(/bad\.json:1: not a JSON log record/);
  });

  test('lines without a usable date and time are counted as skipped, not replayed', async () => {
    fs.writeFileSync(path.join(tmp, 'dates.log'), '#Fields: date time cs-uri-stem\nnot-a-date\t10:00:00\t/a\n2026-12-01\t10:00:01\t/b\n');
    fs.writeFileSync(path.join(tmp, 'dates.json'), '{"cs-uri-stem": "/c"}\n{"timestamp": 1764583200, "cs-uri-stem": "/d"}\n');
    const { entries, stats } = await read([tmp]);
    expect(entries.map((e) => e.uri)).toEqual(['/d', '/b']);
    expect(entries[0].timeMs).toBe(1764583200000);
    expect(stats.lines).toBe(4);
  });

  test('a binary file that is neither gzip nor Parquet is refused with its name', async () => {
    fs.writeFileSync(path.join(tmp, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    await expect(read([path.join(tmp, 'image.png')])).rejects.toThrow(/image\.png:1: not a CloudFront log line/);
  });

  test('a truncated gzip file is an error, not a short log', async () => {
    const gz = zlib.gzipSync(fs.readFileSync(fixture('legacy.log')));
    fs.writeFileSync(path.join(tmp, 'cut.gz'), gz.subarray(0, gz.length - 12));
    await expect(read([path.join(tmp, 'cut.gz')])).rejects.toThrow(LogReadError);
  });

  test('an empty log, and one with headers only, have no requests', async () => {
    fs.writeFileSync(path.join(tmp, 'empty.log'), '');
    fs.writeFileSync(path.join(tmp, 'headers.log'), '#Version: 1.0\n#Fields: date time\n');
    const { entries, stats } = await read([tmp]);
    expect(entries).toEqual([]);
    expect(stats.lines).toBe(0);
  });
});

describe('decodeLogField', () => {
  test.each([
    ['-', 'uri', ''],
    ['', 'uri', ''],
    ['/a%20b', 'uri', '/a b'],
    ['/a%2520b', 'uri', '/a%20b'],
    ['a%2520b', 'header', 'a b'],
    ['a%2522b%2522', 'header', 'a"b"'],
    ['a%255Cb', 'header', 'a\\b'],
    ['\\x41\\x42', 'uri', 'AB'],
    ['%E2%9C%93', 'uri', '✓'],
    ['100%', 'uri', '100%'],
    ['%zz', 'uri', '%zz'],
    ['\\xZZ', 'uri', '\\xZZ'],
    ['café', 'uri', 'café'],
  ] as const)('%s (%s) -> %s', (raw, kind, expected) => {
    expect(decodeLogField(raw, kind)).toBe(expected);
  });
});

describe('the local edge writes what the replay reads back', () => {
  test.each([
    ['test agent/1.0'],
    ['tab\there'],
    ['back\\slash 100%'],
    ['café ✓ 😀'],
    ['ctl\u0001\u007f'],
  ])('User-Agent %j survives a log line', (ua) => {
    const line = formatLogLine({ date: '2026-12-01', time: '10:00:00', 'cs-uri-stem': '/a', 'cs(User-Agent)': ua, 'x-edge-result-type': 'Hit' });
    const fields = line.split('\t');
    expect(fields).toHaveLength(LOG_FIELDS.length);
    expect(fields[LOG_FIELDS.indexOf('cs(User-Agent)')]).toMatch(/^[\x21-\x7e]+$/);
    expect(decodeLogField(fields[LOG_FIELDS.indexOf('cs(User-Agent)')], 'header')).toBe(ua);
  });

  test('a lone surrogate is written as U+FFFD instead of throwing', () => {
    const line = formatLogLine({ 'cs-uri-stem': '/a', 'cs(User-Agent)': 'x\ud800y' });
    expect(decodeLogField(line.split('\t')[LOG_FIELDS.indexOf('cs(User-Agent)')], 'header')).toBe('x\ufffdy');
  });
});
