import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as net from 'net';
import { signJwt } from '../../tools/dev-keys';
import { type LocalEdge, startLocalEdge } from '../../tools/local';
import { type ReferenceAssembly, TEST_AUDIENCE, TEST_ISSUER, referenceAssembly } from './reference-assembly';
import { type Reply, type RequestOptions, type TestOrigin, request, requestPath, send, startOrigin } from './helpers';

/**
 * The local edge next to a browser and an attacker: control endpoints a web page cannot reach,
 * request bodies read only after the viewer-request functions decide, CloudFront's limits on
 * bodies and slow headers, and a site bucket that reads keys literally as S3 does.
 */

let assembly: ReferenceAssembly;
let api: TestOrigin;
let edge: LocalEdge;
let small: LocalEdge;

beforeAll(async () => {
  assembly = referenceAssembly();
  api = await startOrigin((req, res) => send(res, 200, { 'cache-control': 'no-store' }, `got ${req.body.length} bytes`));
  const common = { app: assembly.dir, port: 0, clock: 'virtual' as const, origins: { 'api.example.com': api.url, 'api-eu.example.com': api.url }, onWarning: () => {} };
  edge = await startLocalEdge(common);
  small = await startLocalEdge({ ...common, maxRequestBodyBytes: 1024, headersTimeoutMs: 200 });
}, 120_000);

afterAll(async () => {
  await Promise.all([edge?.close(), small?.close()]);
  await api?.close();
});

function token(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ alg: 'RS256', typ: 'JWT', kid: assembly.kid }, { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub, iat: now, exp: now + 600 }, assembly.privateKey);
}

const port = (e: LocalEdge) => Number(new URL(e.url).port);

/** A request with a Host header of our choosing (node's client would otherwise write the URL's). */
const raw = (e: LocalEdge, path: string, opts: RequestOptions = {}): Promise<Reply> => requestPath(e.url, path, opts);

describe('control endpoints refuse what a web page can send', () => {
  const CONTROL = { 'x-tiered-cdn-control': '1' };

  // Asset names are content hashes: take whichever script the site has.
  const ASSET = `/assets/${fs.readdirSync(path.join(__dirname, '..', '..', 'site', 'assets')).find((f) => f.endsWith('.js'))}`;
  /** An asset cached at the edge before the attempt: a successful invalidation makes the next GET a miss. */
  async function cachedIndexSurvives(): Promise<boolean> {
    const again = await request(`${edge.url}${ASSET}`);
    return again.headers['x-cache'] === 'Hit from cloudfront';
  }
  beforeEach(async () => {
    await request(`${edge.url}${ASSET}`);
  });

  test('a cross-site form POST (no custom header, foreign Origin) to invalidate /* is refused and invalidates nothing', async () => {
    const r = await raw(edge, '/__tiered-cdn/invalidate?path=/*', {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
      body: 'x',
    });
    expect(r.status).toBe(403);
    expect(await cachedIndexSurvives()).toBe(true);
  });

  test('without the control header: 403 naming the header', async () => {
    const r = await raw(edge, '/__tiered-cdn/stats');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error).toContain('x-tiered-cdn-control');
  });

  test('with the header but a foreign Origin: 403', async () => {
    const r = await raw(edge, '/__tiered-cdn/invalidate?path=/*', { method: 'POST', headers: { ...CONTROL, origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(await cachedIndexSurvives()).toBe(true);
  });

  test.each(['evil.example', `rebind.attacker.example:${0}`, 'localhost.attacker.example'])('a foreign Host (%s, as after DNS rebinding) is refused', async (host) => {
    const h = host.endsWith(':0') ? host.replace(/:0$/, `:${port(edge)}`) : `${host}:${port(edge)}`;
    const r = await raw(edge, '/__tiered-cdn/invalidate?path=/*', { method: 'POST', headers: { ...CONTROL, host: h } });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error).toContain('is not this server');
  });

  test('a Host with another port is refused', async () => {
    expect((await raw(edge, '/__tiered-cdn/stats', { headers: { ...CONTROL, host: `127.0.0.1:${port(edge) + 1}` } })).status).toBe(403);
  });

  test.each(['127.0.0.1', 'localhost', '[::1]'])('the edge itself (Host %s with its port, the header, no Origin) is served', async (name) => {
    const r = await raw(edge, '/__tiered-cdn/stats', { headers: { ...CONTROL, host: `${name}:${port(edge)}` } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).viewerRequests).toBeGreaterThanOrEqual(0);
  });

  test('a same-origin page with the header is served (the header needs a preflight cross-site, not same-origin)', async () => {
    const r = await raw(edge, `/__tiered-cdn/invalidate?path=${ASSET}`, { method: 'POST', headers: { ...CONTROL, origin: `http://localhost:${port(edge)}` } });
    expect(r.status).toBe(200);
    expect(await cachedIndexSurvives()).toBe(false);
  });

  test('the CloudFront API port refuses a foreign Origin and a foreign Host', async () => {
    const apiUrl = new URL(edge.cloudfrontEndpoint);
    const call = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ hostname: apiUrl.hostname, port: apiUrl.port, path: `/2020-05-31/distribution/${edge.distributionId}/invalidation`, method: 'GET', headers, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await call({ origin: 'https://attacker.example' })).toBe(403);
    expect(await call({ host: `evil.example:${apiUrl.port}` })).toBe(403);
    expect(await call({})).not.toBe(403);
  });

  test('the KeyValueStore API port refuses a foreign Origin and a foreign Host, even with a SigV4A-looking Authorization', async () => {
    // A page after DNS rebinding is same-origin to it and can send any header; only the Host tells.
    const kvsUrl = new URL(edge.kvsEndpoint);
    const call = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ hostname: kvsUrl.hostname, port: kvsUrl.port, path: '/key-value-stores/any/keys', method: 'GET', headers: { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=x', ...headers }, agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const rebound = await call({ host: `rebind.attacker.example:${kvsUrl.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('is not this server');
    const crossSite = await call({ origin: 'https://attacker.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain('requests from pages of another origin');
    // Its own address reaches the API (which answers for the unknown store itself).
    expect((await call({})).body).not.toMatch(/is not this server|another origin/);
  });
});

describe('keep-alive connections', () => {
  const ASSET = `/assets/${fs.readdirSync(path.join(__dirname, '..', '..', 'site', 'assets')).find((f) => f.endsWith('.js'))}`;

  /** GETs one after another on one keep-alive agent: the x-cache, Connection and socket reuse of each. */
  async function onOneConnection(n: number, method = 'GET'): Promise<Array<{ xCache: unknown; connection: unknown; reused: boolean }>> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const out: Array<{ xCache: unknown; connection: unknown; reused: boolean }> = [];
    try {
      for (let i = 0; i < n; i++) {
        out.push(
          await new Promise((resolve, reject) => {
            const req = http.request({ hostname: '127.0.0.1', port: port(edge), path: ASSET, method, agent }, (res) => {
              res.resume();
              res.on('end', () => resolve({ xCache: res.headers['x-cache'], connection: res.headers.connection, reused: req.reusedSocket }));
            });
            req.on('error', reject);
            req.end();
          }),
        );
      }
    } finally {
      agent.destroy();
    }
    return out;
  }

  test('cache hits keep the connection open for the next request', async () => {
    const replies = await onOneConnection(3);
    expect(replies.slice(1)).toEqual([
      { xCache: 'Hit from cloudfront', connection: 'keep-alive', reused: true },
      { xCache: 'Hit from cloudfront', connection: 'keep-alive', reused: true },
    ]);
  });

  test('HEAD hits keep the connection open too', async () => {
    await onOneConnection(1);
    const replies = await onOneConnection(2, 'HEAD');
    expect(replies.map((r) => [r.connection, r.reused])).toEqual([
      ['keep-alive', false],
      ['keep-alive', true],
    ]);
  });
});

describe('request bodies', () => {
  test('an unauthenticated 300 MB upload is answered 401 while it is still arriving, and never buffered', async () => {
    const total = 300 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const rssBefore = process.memoryUsage().rss;
    let sent = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ hostname: '127.0.0.1', port: port(edge), path: '/api/me/profile', method: 'POST', headers: { 'content-length': String(total), 'content-type': 'application/octet-stream' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (e) => (sent < total ? undefined : reject(e)));
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(401);
    expect(sent).toBeLessThan(total);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  test('an authenticated upload within the limit reaches the origin whole', async () => {
    const r = await raw(small, '/api/me/profile', { method: 'POST', headers: { authorization: `Bearer ${token('ann')}`, 'content-type': 'text/plain' }, body: 'x'.repeat(1000) });
    expect(r.status).toBe(200);
    expect(r.text).toBe('got 1000 bytes');
  });

  test('a body beyond the limit is answered 413, from its Content-Length, before any auth or origin work', async () => {
    const before = api.requests.length;
    const r = await raw(small, '/api/me/profile', { method: 'POST', headers: { authorization: `Bearer ${token('ann')}` }, body: 'x'.repeat(2000) });
    expect(r.status).toBe(413);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect(api.requests.length).toBe(before);
  });

  test('a chunked body that grows beyond the limit is answered 413 while it streams', async () => {
    const before = api.requests.length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ hostname: '127.0.0.1', port: port(small), path: '/api/me/profile', method: 'POST', headers: { authorization: `Bearer ${token('ann')}`, 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write('y'.repeat(600));
      req.end();
    });
    expect(status).toBe(413);
    expect(api.requests.length).toBe(before);
  });
});

test('a viewer that sends its headers too slowly gets 408 and is cut off', async () => {
  const socket = net.connect(port(small), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
});

describe('the site bucket reads keys literally, as S3 does', () => {
  test.each(['/assets/../index.html', '/assets/./x/../../index.html', '/assets//../index.html'])('%s is a missing key: 403 AccessDenied', async (p) => {
    const r = await raw(edge, p);
    expect(r.status).toBe(403);
    expect(r.text).toContain('AccessDenied');
  });

  test('/index.html itself is served', async () => {
    expect((await raw(edge, '/index.html')).status).toBe(200);
  });
});
