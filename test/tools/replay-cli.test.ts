import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, runCli } from './invalidate-moto-server';

/**
 * Hand-checked logs: legacy.log (3 lines), v2.json (2), v2-w3c.log (2), and v2.parquet: 3 rows of
 * /products/7 at SYD62-P1 (11:00:00 Miss, 11:00:20 Hit, 11:02:00 Miss; sc_content_len 800), v2
 * column names, string columns, two row groups (2 + 1 rows), written with hyparquet-writer 0.17.
 */
const LOGS = path.join(REPO_ROOT, 'test', 'fixtures', 'replay');
const APP = path.join(REPO_ROOT, 'test', 'fixtures', 'replay-app');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-replay-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('--help names the options and the exit statuses', async () => {
  const r = await runCli(['replay', '--help']);
  expect(r.code).toBe(0);
  for (const o of ['--log', '--app', '--base-app', '--assume', '--json']) expect(r.stdout).toContain(o);
  expect(r.stdout).toMatch(/Exit status: 0 done, 1 .*, 2 a wrong option/);
});

test('--json: requests, current and proposed, and each behavior, from every format in a folder', async () => {
  const r = await runCli(['replay', '--log', LOGS, '--app', APP, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  // 3 legacy lines, 2 JSON, 2 v2 W3C, 3 Parquet rows.
  expect(report.requests).toBe(10);
  expect(report.formats).toEqual({ w3c: 2, json: 1, parquet: 1 });
  for (const side of ['current', 'proposed']) {
    expect(Object.keys(report[side])).toEqual(expect.arrayContaining(['originRequests', 'hitRatio', 'originBytes', 'costUsd']));
  }
  // Logged: Miss + RefreshHit (legacy), Miss (JSON), Miss (W3C), Miss, Miss (Parquet).
  expect(report.current.originRequests).toBe(6);
  expect(report.behaviors.map((b: { pathPattern: string }) => b.pathPattern)).toEqual(['/products/*', '/api/*', '*']);
  const api = report.behaviors.find((b: { pathPattern: string }) => b.pathPattern === '/api/*');
  // CachingDisabled in the proposed app: both /api/items requests go to the origin.
  expect(api.proposed).toMatchObject({ requests: 2, originRequests: 2, hitRatio: 0, originBytes: 4000 });
  expect(api.current).toMatchObject({ requests: 2, originRequests: 1, hitRatio: 0.5 });
  expect(report.pricesDate).toMatch(/^\d{4}-\d\d$/);
});

test('the text report is a table with a total row and the prices date', async () => {
  const r = await runCli(['replay', '--log', path.join(LOGS, 'legacy.log'), '--app', APP]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Replay of 3 requests/);
  expect(r.stdout).toContain('| **total**');
  expect(r.stdout).toMatch(/list prices of \d{4}-\d\d/);
});

test('--base-app compares two assemblies over the same requests', async () => {
  const r = await runCli(['replay', '--log', LOGS, '--app', APP, '--base-app', APP, '--json']);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.current.label).toMatch(/^base app/);
  expect(report.current.originRequests).toBe(report.proposed.originRequests);
});

test.each([
  [['replay'], /required option '--log/],
  [['replay', '--log', LOGS, '--app', APP, '--assume', 'nonsense'], /expected PATTERN=SECONDS/],
  [['replay', '--log', LOGS, '--app', APP, '--assume', '/nope/*=30'], /--assume names no behavior .*: \/nope\/\*; its path patterns: \/products\/\*, \/api\/\*, \*/],
  [['replay', '--log', LOGS, '--app', APP, '--bogus'], /unknown option '--bogus'/],
])('a wrong command line exits 2 with one line: %j', async (args, message) => {
  const r = await runCli(args);
  expect(r.code).toBe(2);
  expect(r.stderr.split('\n')[0]).toMatch(message);
  expect(r.stdout).toBe('');
});

test('a missing log or assembly exits 1 and says which', async () => {
  const missing = await runCli(['replay', '--log', path.join(tmp, 'nope.log'), '--app', APP]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/--log '.*nope\.log' does not exist/);
  const noApp = await runCli(['replay', '--log', LOGS, '--app', path.join(tmp, 'no-app')]);
  expect(noApp.code).toBe(1);
  expect(noApp.stderr).toMatch(/no cloud assembly at/);
});

test('an empty log replays to zeros, not an error', async () => {
  fs.writeFileSync(path.join(tmp, 'empty.log'), '#Version: 1.0\n');
  const r = await runCli(['replay', '--log', path.join(tmp, 'empty.log'), '--app', APP, '--json']);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report).toMatchObject({ requests: 0, current: { originRequests: 0, hitRatio: 0, costUsd: 0 }, proposed: { originRequests: 0, costUsd: 0 } });
});

test('diff adds the replay table when a log sample is configured (--replay-log or TIERED_CDN_REPLAY_LOG)', async () => {
  const byOption = await runCli(['diff', '--old', APP, '--new', APP, '--replay-log', path.join(LOGS, 'legacy.log')]);
  expect(byOption.code).toBe(0);
  expect(byOption.stdout).toMatch(/Replay of 3 requests[\s\S]*\| \*\*total\*\*/);
  const byEnv = await runCli(['diff', '--old', APP, '--new', APP, '--json'], { TIERED_CDN_REPLAY_LOG: `${path.join(LOGS, 'legacy.log')} ${path.join(LOGS, 'v2.json')}` });
  expect(byEnv.code).toBe(0);
  expect(JSON.parse(byEnv.stdout).replay).toMatchObject({ requests: 5, proposed: { originRequests: expect.any(Number) } });
  const without = await runCli(['diff', '--old', APP, '--new', APP], { TIERED_CDN_REPLAY_LOG: '' });
  expect(without.stdout).not.toContain('Replay of');
});
