import * as net from 'net';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type TestOrigin, request, send, startOrigin, synthApp } from './helpers';

/*
 * Requests CloudFront refuses before any behavior sees them:
 * - a GET with a body: "If a viewer GET request includes a body, CloudFront returns an HTTP status
 *   code 403 (Forbidden) to the viewer" (Developer Guide, "Request and response behavior for custom
 *   origins", GET requests that include a body; the same for Amazon S3 origins);
 * - two Host headers: RFC 9112 section 3.2, "A server MUST respond with a 400 (Bad Request) status code
 *   to any HTTP/1.1 request message that ... contains more than one Host header field line"
 *   (CloudFront does not document its answer).
 * A HEAD request's body (undocumented) never reaches the origin.
 */
let origin: TestOrigin;
let edge: LocalEdge;
let port: number;

beforeAll(async () => {
  const app = synthApp((stack) => {
    const o = new origins.HttpOrigin('api.example.com');
    new cloudfront.Distribution(stack, 'Dist', {
      defaultBehavior: { origin: o, cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED, originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER, allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL },
    });
  });
  origin = await startOrigin((req, res) => send(res, 200, {}, `${req.method} body=${JSON.stringify(req.body)}`));
  edge = await startLocalEdge({ app, port: 0, origins: { 'api.example.com': origin.url }, onWarning: () => {} });
  port = Number(new URL(edge.url).port);
});

afterAll(async () => {
  await edge?.close();
  await origin?.close();
});

/** Sends `text` as is and returns the status line and the rest. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

test('a GET with a body is answered 403 and never reaches the origin', async () => {
  const before = origin.requests.length;
  const r = await request(`${edge.url}/search`, { method: 'GET', headers: { 'content-type': 'application/json', 'content-length': '9' }, body: '{"q":"x"}' });
  expect(r.status).toBe(403);
  expect(r.headers['x-cache']).toBe('Error from cloudfront');
  expect(origin.requests.length).toBe(before);
});

test('a GET with a chunked body is answered 403 too', async () => {
  const text = await raw('GET /search HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
  expect(text).toMatch(/^HTTP\/1\.1 403 /);
});

test('a GET without a body, or with Content-Length: 0, reaches the origin', async () => {
  expect((await request(`${edge.url}/plain`)).text).toBe('GET body=""');
  const text = await raw('GET /zero HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
});

test("a HEAD request's body does not reach the origin", async () => {
  const text = await raw('HEAD /head HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
  const seen = origin.requests.filter((r) => r.url === '/head');
  expect(seen.map((r) => r.body)).toEqual(['']);
});

test('a POST body still reaches the origin', async () => {
  expect((await request(`${edge.url}/post`, { method: 'POST', body: 'data' })).text).toBe('POST body="data"');
});

test('two Host headers are answered 400 (not a 502), on an all-viewer behavior', async () => {
  const before = origin.requests.length;
  const text = await raw('GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n');
  expect(text).toMatch(/^HTTP\/1\.1 400 /);
  expect(origin.requests.length).toBe(before);
});
