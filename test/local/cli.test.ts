import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type ChildOutput, outputOf } from '../helpers/child-output';
import { type TestOrigin, cliArgs, request, send, startOrigin, synthApp } from './helpers';

/** `tiered-cdn local` as a user runs it: exit codes, messages, and the edge's answers to bad requests. */

function run(args: string[]): Promise<ChildOutput> {
  return outputOf(spawn(process.execPath, cliArgs(['local', ...args]), { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Starts the command and resolves once it printed its URL. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(['local', ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], output: () => out });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => reject(new Error(`exited with ${code} before listening: ${out}`)));
  });
}

let single: string;
let twoDistributions: string;
let origin: TestOrigin;

beforeAll(async () => {
  single = synthApp((stack) => {
    new cloudfront.Distribution(stack, 'Dist', { defaultBehavior: { origin: new origins.HttpOrigin('api.example.com') } });
  });
  twoDistributions = synthApp((stack) => {
    new cloudfront.Distribution(stack, 'Blue', { defaultBehavior: { origin: new origins.HttpOrigin('blue.example.com') } });
    new cloudfront.Distribution(stack, 'Green', { defaultBehavior: { origin: new origins.HttpOrigin('green.example.com') } });
  }, 'TwoDists');
  origin = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'max-age=60' }, `hello ${req.url}`));
});

afterAll(async () => {
  await origin?.close();
});

test('no cloud assembly: exit 1 and "run npx cdk synth first"', async () => {
  const r = await run(['--app', path.join(single, 'does-not-exist'), '--port', '0']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('run npx cdk synth first');
});

test('several distributions and no --stack: exit 1 naming each and the option', async () => {
  const r = await run(['--app', twoDistributions, '--port', '0']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/2 distributions/);
  expect(r.stderr).toMatch(/TwoDists\/Blue\w+/);
  expect(r.stderr).toMatch(/TwoDists\/Green\w+/);
  expect(r.stderr).toContain('--stack');
});

test('an unknown --origin key: exit 1 listing the valid keys', async () => {
  const r = await run(['--app', single, '--port', '0', '--origin', 'nope.example.com=http://127.0.0.1:1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("unknown origin key 'nope.example.com'");
  expect(r.stderr).toContain('api.example.com');
});

test('a malformed --origin value: exit 1 with the expected form', async () => {
  const r = await run(['--app', single, '--port', '0', '--origin', 'api.example.com']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('expected KEY=URL');
});

test('a port in use: exit 1 saying so', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const r = await run(['--app', single, '--port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${port}`);
    expect(r.stderr).toContain('already in use');
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test('serves, logs to stdout by default, and exits 0 on SIGTERM', async () => {
  const { child, url, output } = await startCli(['--app', single, '--port', '0', '--origin', `api.example.com=${origin.url}`]);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const r = await request(`${url}/hello`);
    expect(r.status).toBe(200);
    expect(r.text).toBe('hello /hello');
    expect((await request(`${url}/hello`)).headers['x-cache']).toBe('Hit from cloudfront');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(output()).toContain('#Fields: date time x-edge-location');
    expect(output()).toMatch(/\tGET\t[^\t]+\t\/hello\t200\t/);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

describe('requests CloudFront refuses', () => {
  let edge: LocalEdge;
  beforeAll(async () => {
    edge = await startLocalEdge({ app: single, port: 0, origins: { 'api.example.com': origin.url }, clock: 'virtual' });
  });
  afterAll(() => edge?.close());

  function raw(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(edge.port, '127.0.0.1', () => s.write(text));
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('end', () => resolve(out));
      s.on('close', () => resolve(out));
      s.on('error', reject);
    });
  }

  test('a malformed request line: 400', async () => {
    const out = await raw('THIS IS NOT HTTP\r\n\r\n');
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
    expect(out).toContain('X-Cache: Error from cloudfront');
  });

  test('a URL over 8,192 bytes: 413', async () => {
    const r = await request(`${edge.url}/${'a'.repeat(8200)}`);
    expect(r.status).toBe(413);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect(origin.requests.some((q) => q.url.length > 8000)).toBe(false);
  });

  test('a URL of exactly 8,192 bytes is served', async () => {
    const r = await request(`${edge.url}/${'b'.repeat(8191)}`);
    expect(r.status).toBe(200);
  });

  test('request headers over 20,480 bytes: 413', async () => {
    const out = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'c'.repeat(21000)}\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 413 /);
  });

  test('an origin refusing connections: 502 with x-cache Error from cloudfront', async () => {
    const closed = await startOrigin(() => {});
    const url = closed.url;
    await closed.close();
    const e2 = await startLocalEdge({ app: single, port: 0, origins: { 'api.example.com': url } });
    try {
      const r = await request(`${e2.url}/x`);
      expect(r.status).toBe(502);
      expect(r.headers['x-cache']).toBe('Error from cloudfront');
    } finally {
      await e2.close();
    }
  });

  test('--log FILE: the standard log header once, then one line per request', async () => {
    const file = path.join(single, 'access.log');
    const logged = await startLocalEdge({ app: single, port: 0, origins: { 'api.example.com': origin.url }, log: file });
    await request(`${logged.url}/first?a=1`);
    await request(`${logged.url}/first?a=1`);
    await logged.close();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('#Version: 1.0');
    expect(lines[1]).toMatch(/^#Fields: date time x-edge-location sc-bytes c-ip cs-method /);
    expect(lines).toHaveLength(4);
    expect(lines[2].split('\t')[7]).toBe('/first');
    expect(lines[2].split('\t')[11]).toBe('a=1');
    expect(lines[3].split('\t')[13]).toBe('Hit');
  });

  test('the virtual clock moves only through its control endpoint', async () => {
    await request(`${edge.url}/clocked`);
    const before = await request(`${edge.url}/__tiered-cdn/clock`, { headers: { 'x-tiered-cdn-control': '1' } });
    const adv = await request(`${edge.url}/__tiered-cdn/clock/advance?seconds=59`, { method: 'POST', headers: { 'x-tiered-cdn-control': '1' } });
    expect(adv.status).toBe(200);
    expect(Date.parse(JSON.parse(adv.text).now) - Date.parse(JSON.parse(before.text).now)).toBe(59_000);
    expect((await request(`${edge.url}/clocked`)).headers.age).toBe('59');
    await request(`${edge.url}/__tiered-cdn/clock/advance?seconds=1`, { method: 'POST', headers: { 'x-tiered-cdn-control': '1' } });
    expect((await request(`${edge.url}/clocked`)).headers['x-cache']).toBe('Miss from cloudfront');
    const bad = await request(`${edge.url}/__tiered-cdn/clock/advance?seconds=-3`, { method: 'POST', headers: { 'x-tiered-cdn-control': '1' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('got: \\"-3\\"');
  });
});
