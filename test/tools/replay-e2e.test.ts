import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHANGES, CONFIG_A, runThroughEdge, startOrigin, traceOptions } from '../../bench/replay-scenario';
import { replayLogs } from '../../tools/replay/run';
import { generateTrace } from '../../tools/replay/trace';

/**
 * The replay against the real local edge, on a small trace: logs the local edge writes under A,
 * replayed against each proposed B, must predict the origin requests the local edge then makes
 * under B (npm run bench:replay does the same on a day of traffic).
 */
const trace = generateTrace({ ...traceOptions(600, 3), seconds: 1800 });
let dir: string;
let origin: Awaited<ReturnType<typeof startOrigin>>;
let logFile: string;
let actualA: Awaited<ReturnType<typeof runThroughEdge>>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-replay-e2e-'));
  origin = await startOrigin();
  logFile = path.join(dir, 'a.log');
  actualA = await runThroughEdge(CONFIG_A, trace, origin.url, logFile);
});

afterAll(async () => {
  await origin.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the local edge writes CloudFront standard logs the replay reads back, request for request', async () => {
  const lines = fs.readFileSync(logFile, 'utf8').split('\n');
  expect(lines[0]).toBe('#Version: 1.0');
  expect(lines[1]).toMatch(/^#Fields: date time x-edge-location sc-bytes c-ip cs-method cs\(Host\) cs-uri-stem sc-status/);
  const self = await replayLogs({ logs: [logFile], app: CONFIG_A });
  expect(self.requests).toBe(trace.length);
  expect(self.current.originRequests).toBe(actualA.originRequests);
  expect(self.current.hitRatio).toBeGreaterThan(0.1);
  expect(Math.abs(self.proposed.originRequests - actualA.originRequests)).toBeLessThanOrEqual(actualA.originRequests * 0.05);
});

test.each(CHANGES.map((c) => [c.kind, c] as const))('%s: predicted origin requests within 5%% of the local edge under B', async (_kind, change) => {
  const predicted = await replayLogs({ logs: [logFile], app: change.config, base: CONFIG_A, assume: change.assume });
  const actual = await runThroughEdge(change.config, trace, origin.url);
  expect(actual.originRequests).not.toBe(actualA.originRequests);
  expect(Math.abs(predicted.proposed.originRequests - actual.originRequests)).toBeLessThanOrEqual(actual.originRequests * 0.05);
});
