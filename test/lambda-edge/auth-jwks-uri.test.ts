import * as http from 'http';
import type { AddressInfo } from 'net';
import { createAuthenticator } from '../../lambda-edge/viewer-request/auth';
import { authConfig, bearer, generateKey, mint, viewerRequest } from './jwt-fixtures';

/** A JWKS endpoint on loopback whose answer the test controls; counts the requests it gets. */
class JwksServer {
  hits = 0;
  body: string = JSON.stringify({ keys: [] });
  status = 200;
  delayMs = 0;
  private server = http.createServer((req, res) => {
    this.hits++;
    setTimeout(() => {
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(this.body);
    }, this.delayMs);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const baked = generateKey('RS256');
const rotated = generateKey('RS256');
let server: JwksServer;
let uri: string;

beforeEach(async () => {
  server = new JwksServer();
  uri = await server.start();
});
afterEach(() => server.stop());

// The production config only accepts https URIs; the loopback test server speaks plain http,
// which the runtime does not care about.
function authenticator(clock: { t: number }, fetchTimeoutMs = 1_500) {
  return createAuthenticator(authConfig([baked], { jwksUri: uri }), { now: () => clock.t, fetchTimeoutMs });
}

test('a token with a rotated-in kid passes once the JWKS endpoint serves the new key', async () => {
  server.body = JSON.stringify({ keys: [rotated.jwk] });
  const auth = authenticator({ t: 0 });
  const outcome = await auth.authenticate(viewerRequest(bearer(mint(rotated))));
  expect(outcome.allow).toBe(true);
  expect(server.hits).toBe(1);
  // The key is now known: no further fetch.
  expect((await auth.authenticate(viewerRequest(bearer(mint(rotated))))).allow).toBe(true);
  expect(server.hits).toBe(1);
});

test('known kids never cause a fetch', async () => {
  const auth = authenticator({ t: 0 });
  for (let i = 0; i < 5; i++) expect((await auth.authenticate(viewerRequest(bearer(mint(baked))))).allow).toBe(true);
  expect(server.hits).toBe(0);
});

test('unknown kids are fetched at most once per refresh interval', async () => {
  const clock = { t: 0 };
  const auth = authenticator(clock);
  const stranger = generateKey('RS256');
  for (let i = 0; i < 5; i++) expect((await auth.authenticate(viewerRequest(bearer(mint(stranger))))).allow).toBe(false);
  expect(server.hits).toBe(1);
  clock.t += 30_000;
  server.body = JSON.stringify({ keys: [stranger.jwk] });
  expect((await auth.authenticate(viewerRequest(bearer(mint(stranger))))).allow).toBe(true);
  expect(server.hits).toBe(2);
});

test('concurrent requests with an unknown kid share one fetch', async () => {
  server.body = JSON.stringify({ keys: [rotated.jwk] });
  server.delayMs = 50;
  const auth = authenticator({ t: 0 });
  const outcomes = await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(viewerRequest(bearer(mint(rotated))))));
  expect(outcomes.every((o) => o.allow)).toBe(true);
  expect(server.hits).toBe(1);
});

test('fails closed when the JWKS endpoint errors', async () => {
  server.status = 500;
  const outcome = await authenticator({ t: 0 }).authenticate(viewerRequest(bearer(mint(rotated))));
  if (outcome.allow) throw new Error('let through');
  expect(outcome.response.status).toBe('401');
  expect(JSON.parse(outcome.response.body as string).error_description).toBe('unknown key id');
});

test('fails closed when the JWKS endpoint is too slow', async () => {
  server.body = JSON.stringify({ keys: [rotated.jwk] });
  server.delayMs = 500;
  const outcome = await authenticator({ t: 0 }, 50).authenticate(viewerRequest(bearer(mint(rotated))));
  expect(outcome.allow).toBe(false);
});

test('fails closed when the JWKS endpoint answers garbage', async () => {
  server.body = '<html>not json</html>';
  const outcome = await authenticator({ t: 0 }).authenticate(viewerRequest(bearer(mint(rotated))));
  expect(outcome.allow).toBe(false);
  expect(server.hits).toBe(1);
});

test('fails closed when the JWKS document is over 64 KB', async () => {
  server.body = JSON.stringify({ keys: [rotated.jwk], padding: 'x'.repeat(70 * 1024) });
  const outcome = await authenticator({ t: 0 }).authenticate(viewerRequest(bearer(mint(rotated))));
  expect(outcome.allow).toBe(false);
  expect(server.hits).toBe(1);
});

test('a fetched key cannot replace a baked kid', async () => {
  // The endpoint claims the baked kid for an attacker-controlled key.
  const attacker = generateKey('RS256');
  server.body = JSON.stringify({ keys: [{ ...attacker.jwk, kid: baked.kid }, rotated.jwk] });
  const auth = authenticator({ t: 0 });
  expect((await auth.authenticate(viewerRequest(bearer(mint(rotated))))).allow).toBe(true);
  const forged = mint(attacker, undefined, { kid: baked.kid });
  expect((await auth.authenticate(viewerRequest(bearer(forged)))).allow).toBe(false);
  expect((await auth.authenticate(viewerRequest(bearer(mint(baked))))).allow).toBe(true);
});

test('tokens with a disallowed algorithm or a malformed kid never cause a fetch', async () => {
  const auth = authenticator({ t: 0 });
  const es = generateKey('ES256');
  expect((await auth.authenticate(viewerRequest(bearer(mint(es))))).allow).toBe(false);
  expect((await auth.authenticate(viewerRequest(bearer(mint(rotated, undefined, { kid: 'a b' }))))).allow).toBe(false);
  expect((await auth.authenticate(viewerRequest(bearer(mint(rotated, undefined, { kid: undefined }))))).allow).toBe(false);
  expect(server.hits).toBe(0);
});

test('without jwksUri an unknown kid is refused without any fetch', async () => {
  const auth = createAuthenticator(authConfig([baked]), { fetchJwks: () => Promise.reject(new Error('must not be called')) });
  const outcome = await auth.authenticate(viewerRequest(bearer(mint(rotated))));
  expect(outcome.allow).toBe(false);
  expect(server.hits).toBe(0);
});
