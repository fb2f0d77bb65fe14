import { spawn } from 'child_process';
import * as path from 'path';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type ReferenceAssembly, referenceAssembly } from './reference-assembly';
import { type ChildOutput, outputOf } from '../helpers/child-output';
import { type TestOrigin, cliArgs, request, send, startOrigin } from './helpers';

/**
 * `tiered-cdn experiment` against the local edge's KeyValueStore API: the reference app's home
 * experiment, its weights changed without a deploy; the next new viewer's assignment follows,
 * viewers with a variant cookie keep theirs.
 */

function cli(args: string[], command = 'experiment'): Promise<ChildOutput> {
  return outputOf(spawn(process.execPath, cliArgs([command, ...args]), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } }));
}

let assembly: ReferenceAssembly;
let site: TestOrigin;
let api: TestOrigin;
let eu: TestOrigin;
let eu2: TestOrigin;
let edge: LocalEdge;
let arn: string;
const functionLog: string[] = [];

beforeAll(async () => {
  assembly = referenceAssembly();
  site = await startOrigin((req, res) => send(res, 200, { 'content-type': 'text/html', 'cache-control': 'no-store' }, `variant=${req.headers['x-experiment-home'] ?? 'none'}`));
  api = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `api ${req.url}`));
  eu = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `eu ${req.url}`));
  eu2 = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `eu2 ${req.url}`));
  edge = await startLocalEdge({
    app: assembly.dir,
    port: 0,
    origins: { site: site.url, 'api.example.com': api.url, 'api-eu.example.com': eu.url, 'api-eu2.example.com': eu2.url },
    onWarning: () => {},
    onFunctionLog: (line) => functionLog.push(line),
  });
  arn = Object.values(edge.distribution.keyValueStores ?? {})[0].arn;
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await Promise.all([site?.close(), api?.close(), eu?.close(), eu2?.close()]);
});

/** The variant cookie a new viewer (no cookies) is given on its first visit. */
async function newViewerVariant(): Promise<string> {
  const r = await request(`${edge.url}/`);
  const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
  const m = cookies.map((c) => /^tcdn-exp-home=([^;]+)/.exec(c)).find(Boolean);
  if (!m) throw new Error(`no experiment cookie in ${JSON.stringify(cookies)}`);
  return m[1];
}

const store = (extra: string[] = []) => ['--kvs-arn', arn, '--endpoint', edge.kvsEndpoint, '--app', assembly.dir, ...extra];

test('the store starts with the deployed weights, imported from cdk.out', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 24; i++) seen.add(await newViewerVariant());
  expect([...seen].sort()).toEqual(['control', 'redesign']);
});

test('experiment set moves every new viewer; a viewer with a variant cookie keeps it', async () => {
  const r = await cli(['set', 'home', 'control=0', 'redesign=100', ...store(['--json'])]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ experiment: 'home', action: 'set', key: 'experiment:home', value: { weights: { control: 0, redesign: 100 } }, previous: { weights: { control: 50, redesign: 50 } } });
  expect(out.effect).toBe("new viewers of experiment 'home' without a variant cookie get control 0%, redesign 100%; viewers with a cookie keep theirs; routes with auth (Lambda@Edge) keep the deployed weights");
  for (let i = 0; i < 10; i++) expect(await newViewerVariant()).toBe('redesign');
  const sticky = await request(`${edge.url}/`, { headers: { cookie: 'tcdn-vid=0123456789abcdef0123; tcdn-exp-home=control' } });
  expect(sticky.text).toBe('variant=control');
});

test('experiment off sends every new viewer to the control variant', async () => {
  const r = await cli(['off', 'home', ...store()]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^experiment home: off \(key experiment:home, store ETag \S+\)/);
  for (let i = 0; i < 10; i++) expect(await newViewerVariant()).toBe('control');
});

test('usage errors exit 2 naming the problem: bad weights, unknown variants, all zero', async () => {
  const bad = await cli(['set', 'home', 'redesign:20', ...store()]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("'redesign:20' is not VARIANT=WEIGHT");
  const unknown = await cli(['set', 'home', 'blue=20', ...store()]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("experiment 'home' has no variant 'blue'; its variants: control, redesign");
  const zero = await cli(['set', 'home', 'control=0', 'redesign=0', ...store()]);
  expect(zero.code).toBe(2);
  expect(zero.stderr).toContain('at least one weight must be above 0');
});

test('an unknown experiment is a wrong value (exit 2, as an unknown variant); an unknown store a failure (exit 1); nothing written', async () => {
  const nope = await cli(['set', 'checkout', 'a=1', ...store()]);
  expect(nope.code).toBe(2);
  expect(nope.stderr).toContain("experiment 'checkout' is not in the app");
  const wrongStore = await cli(['off', 'home', '--kvs-arn', 'arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-000000000000', '--endpoint', edge.kvsEndpoint, '--app', assembly.dir]);
  expect(wrongStore.code).toBe(1);
  expect(wrongStore.stderr).toContain('no key value store arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-000000000000');
});

test('the KeyValueStore API refuses a write whose If-Match is stale (ConflictException) and unsigned requests', async () => {
  const base = `${edge.kvsEndpoint}/key-value-stores/${encodeURIComponent(arn)}`;
  const signed = { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=local/20261201/*/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host, Signature=00' };
  const stale = await request(`${base}/keys/experiment%3Ahome`, { method: 'PUT', headers: { ...signed, 'if-match': 'stale', 'content-type': 'application/json' }, body: '{"Value":"{}"}' });
  expect(stale.status).toBe(409);
  expect(stale.headers['x-amzn-errortype']).toBe('ConflictException');
  const unsigned = await request(base);
  expect(unsigned.status).toBe(403);
  const big = await request(base, { headers: signed });
  const etag = String(big.headers.etag);
  const tooLarge = await request(`${base}/keys/k`, { method: 'PUT', headers: { ...signed, 'if-match': etag }, body: JSON.stringify({ Value: 'x'.repeat(1025) }) });
  expect(tooLarge.status).toBe(400);
  expect(tooLarge.text).toContain('values are at most 1024 bytes');
});

/** PutKey straight to the local store's API, as any KeyValueStore client could (no tool checks it). */
async function putRaw(key: string, value: string): Promise<void> {
  const base = `${edge.kvsEndpoint}/key-value-stores/${encodeURIComponent(arn)}`;
  const signed = { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=local/20261201/*/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host, Signature=00' };
  const etag = String((await request(base, { headers: signed })).headers.etag);
  const put = await request(`${base}/keys/${encodeURIComponent(key)}`, { method: 'PUT', headers: { ...signed, 'if-match': etag }, body: JSON.stringify({ Value: value }) });
  expect(put.status).toBe(200);
}

test('a routing target in the store moves the geo-routed viewers of /api/* to another declared domain without a deploy', async () => {
  const de = { 'x-tiered-cdn-viewer-country': 'DE' };
  expect((await request(`${edge.url}/api/products/1`, { headers: de })).text).toBe('eu /api/products/1');
  const base = `${edge.kvsEndpoint}/key-value-stores/${encodeURIComponent(arn)}`;
  const signed = { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=local/20261201/*/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host, Signature=00' };
  const listed = JSON.parse((await request(`${base}/keys`, { headers: signed })).text);
  expect(listed.Items).toContainEqual({ Key: 'origin:apiEu', Value: '{"domainName":"api-eu.example.com"}' });
  await putRaw('origin:apiEu', '{"domainName":"api.example.com"}');
  expect((await request(`${edge.url}/api/products/1`, { headers: de })).text).toBe('api /api/products/1');
  await putRaw('origin:apiEu', '{"domainName":"api-eu.example.com"}');
  expect((await request(`${edge.url}/api/products/1`, { headers: de })).text).toBe('eu /api/products/1');
});

describe('store values the plan does not allow, written by any client: the function uses the deployed value and logs why', () => {
  const de = { 'x-tiered-cdn-viewer-country': 'DE' };
  test.each([
    ['an undeclared domain', '{"domainName":"api-eu2.example.com"}', 'undeclared-domain'],
    ['a private address', '{"domainName":"169.254.169.254"}', 'undeclared-domain'],
    ['extra fields', '{"domainName":"api.example.com","customHeaders":{}}', 'unknown-field'],
    ['not an object', '"api.example.com"', 'not-an-object'],
  ])('origin:apiEu = %s', async (_, value, reason) => {
    functionLog.length = 0;
    await putRaw('origin:apiEu', value);
    expect((await request(`${edge.url}/api/products/3`, { headers: de })).text).toBe('eu /api/products/3');
    const lines = functionLog.map((l) => /\{"event":"tiered-cdn\.store-value-refused".*\}/.exec(l)?.[0]).filter(Boolean).map((l) => JSON.parse(l!));
    expect(lines).toContainEqual({ event: 'tiered-cdn.store-value-refused', key: 'origin:apiEu', reason });
  });

  test.each([
    ['an unknown variant', '{"weights":{"blue":100}}', 'unknown-variant'],
    ['a negative weight', '{"weights":{"control":-5,"redesign":100}}', 'weight-out-of-range'],
    ['off as a string', '{"off":"yes"}', 'off-not-boolean'],
  ])('experiment:home = %s', async (_, value, reason) => {
    await putRaw('experiment:home', '{"weights":{"control":0,"redesign":100}}');
    expect(await newViewerVariant()).toBe('redesign');
    functionLog.length = 0;
    await putRaw('experiment:home', value);
    // The deployed weights (50/50) again: both variants among new viewers.
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add(await newViewerVariant());
    expect([...seen].sort()).toEqual(['control', 'redesign']);
    const lines = functionLog.map((l) => /\{"event":"tiered-cdn\.store-value-refused".*\}/.exec(l)?.[0]).filter(Boolean).map((l) => JSON.parse(l!));
    expect(lines).toContainEqual({ event: 'tiered-cdn.store-value-refused', key: 'experiment:home', reason });
  });
});

describe('tiered-cdn routing set: a routing target moved to another declared domain, checked before it is written', () => {
  const de = { 'x-tiered-cdn-viewer-country': 'DE' };
  const stored = async (key: string) => {
    const base = `${edge.kvsEndpoint}/key-value-stores/${encodeURIComponent(arn)}`;
    const signed = { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=local/20261201/*/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host, Signature=00' };
    const listed = JSON.parse((await request(`${base}/keys`, { headers: signed })).text) as { Items: Array<{ Key: string; Value: string }> };
    return listed.Items.find((i) => i.Key === key)?.Value;
  };

  test.each([
    ['an undeclared domain', ['apiEu', 'attacker.example.net'], "'attacker.example.net' is not a domain the app declares for an origin; origin 'apiEu' may be sent to: api-eu.example.com, api.example.com"],
    ['a private address', ['apiEu', '169.254.169.254'], 'must be a DNS name (no IP address, port, path or scheme)'],
    ['a host and port', ['apiEu', 'api.example.com:8443'], 'must be a DNS name'],
    ['an origin no routing rule uses', ['api', 'api-eu.example.com'], "'api' is not a routing target of the app (targets: apiEu)"],
  ])('%s: exit 2, nothing written', async (_, args, message) => {
    const before = await stored('origin:apiEu');
    const r = await cli(['set', ...args, ...store()], 'routing');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('nothing was written');
    expect(await stored('origin:apiEu')).toBe(before);
  });

  test('a declared domain is written, said what it does, and the next geo-routed request goes there', async () => {
    const r = await cli(['set', 'apiEu', 'api.example.com', ...store()], 'routing');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^origin apiEu: api\.example\.com \(key origin:apiEu, store ETag \S+, was [^)]*\)\nrequests the routing rules send to origin 'apiEu' go to api\.example\.com/);
    expect((await request(`${edge.url}/api/products/2`, { headers: de })).text).toBe('api /api/products/2');
    const back = await cli(['set', 'apiEu', 'api-eu.example.com', ...store(['--json'])], 'routing');
    expect(JSON.parse(back.stdout)).toMatchObject({ origin: 'apiEu', action: 'set', key: 'origin:apiEu', value: { domainName: 'api-eu.example.com' }, previous: { domainName: 'api.example.com' } });
    expect((await request(`${edge.url}/api/products/2`, { headers: de })).text).toBe('eu /api/products/2');
  });

  test('without an assembly to check against, nothing is written (exit 1)', async () => {
    const r = await cli(['set', 'apiEu', 'api.example.com', '--kvs-arn', arn, '--endpoint', edge.kvsEndpoint, '--app', path.join(assembly.dir, 'missing')], 'routing');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no cloud assembly');
  });
});
