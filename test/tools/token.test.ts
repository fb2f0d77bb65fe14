import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveAuthConfig } from '../../lib/auth';
import { createAuthenticator } from '../../lambda-edge/viewer-request/auth';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevKey } from '../../tools/dev-keys';
import { bearer, viewerRequest } from '../lambda-edge/jwt-fixtures';
import { CLI, cliFromSources } from './invalidate-moto-server';
let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-token-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]) {
  // The CLI bundled for this jest run (no tsx start-up); the bin file has tests of its own.
  const res = spawnSync(process.execPath, ['-e', cliFromSources(), CLI, ...args], { cwd: root, encoding: 'utf8' });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function edgeFor(jwks: unknown, requiredScopes: string[] = []) {
  const { config, errors } = resolveAuthConfig({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: jwks as never, requiredScopes }, 'test');
  expect(errors).toEqual([]);
  return createAuthenticator(config!);
}

test('token mints a token that the edge accepts with the printed JWKS', async () => {
  const minted = cli('token', '--sub', 'alice', '--scope', 'read:me write:me', '--exp-in', '15m');
  expect(minted.code).toBe(0);
  expect(minted.stderr).toContain('generated a development signing key');
  expect(minted.stderr).toMatch(/minted a development token: iss=https:\/\/dev.tiered-cdn.local\/ sub=alice aud=tiered-cdn-dev scope="read:me write:me" expires \d{4}-/);
  const token = minted.stdout.trim();

  const jwks = cli('token', '--print-jwks');
  expect(jwks.code).toBe(0);
  expect(jwks.stderr).not.toContain('generated'); // the key from the first run is reused
  const parsed = JSON.parse(jwks.stdout);
  expect(Object.keys(parsed.keys[0]).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);

  const outcome = await edgeFor(parsed, ['read:me']).authenticate(viewerRequest(bearer(token)));
  if (!outcome.allow) throw new Error(`refused: ${outcome.response.body}`);
  expect(outcome.request.headers['x-auth-sub'][0].value).toBe('alice');
  expect(outcome.request.headers['x-auth-scope'][0].value).toBe('read:me write:me');
});

test('token --json prints the token with its claims; --exp-in sets exp', () => {
  const res = cli('token', '--json', '--aud', 'my-api', '--exp-in', '90s', '--claim', 'email=a@example.com');
  expect(res.code).toBe(0);
  const out = JSON.parse(res.stdout);
  expect(out.claims).toMatchObject({ iss: DEV_ISSUER, sub: 'dev-user', aud: 'my-api', email: 'a@example.com' });
  expect(out.claims.exp - out.claims.iat).toBe(90);
  expect(out.token.split('.')).toHaveLength(3);
});

test('a token minted for another audience is refused by the edge', async () => {
  const token = cli('token', '--aud', 'other-app').stdout.trim();
  const jwks = JSON.parse(cli('token', '--print-jwks').stdout);
  const outcome = await edgeFor(jwks).authenticate(viewerRequest(bearer(token)));
  expect(outcome.allow).toBe(false);
});

test('token is a usage error (exit 2) and says why on a bad --exp-in', () => {
  const res = cli('token', '--exp-in', 'soon');
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('expected a positive duration such as 90s, 15m, 1h or 7d, got: "soon"');
});

test('token --help documents the flags', () => {
  const res = cli('token', '--help');
  expect(res.code).toBe(0);
  for (const flag of ['--sub', '--scope', '--exp-in', '--aud', '--print-jwks', '--json']) expect(res.stdout).toContain(flag);
});

describe('loadDevKey', () => {
  test('generates the key once into .tiered-cdn/ and reuses it', () => {
    const first = loadDevKey(root);
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(root, '.tiered-cdn', 'dev-signing-key.json'));
    expect(fs.statSync(first.file).mode & 0o077).toBe(0);
    const second = loadDevKey(root);
    expect(second.created).toBe(false);
    expect(second.kid).toBe(first.kid);
    expect(second.jwks).toEqual(first.jwks);
  });

  test('the JWKS carries no private key material', () => {
    const key = loadDevKey(root);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key.jwks.keys[0]).not.toHaveProperty(member);
  });

  test('a corrupt key file is reported with the fix', () => {
    fs.mkdirSync(path.join(root, '.tiered-cdn'));
    fs.writeFileSync(path.join(root, '.tiered-cdn', 'dev-signing-key.json'), '{');
    expect(() => loadDevKey(root)).toThrow(/is not valid JSON .*delete it and run again/);
  });

  test('the development key folder is git-ignored', () => {
    const ignore = fs.readFileSync(path.resolve(__dirname, '..', '..', '.gitignore'), 'utf8').split('\n');
    expect(ignore).toContain('.tiered-cdn/');
  });
});

test('token --issuer mints for the issuer a stack names; a stack baking in the printed JWKS accepts it and warns on synth', async () => {
  const jwks = JSON.parse(cli('token', '--print-jwks').stdout);
  const minted = cli('token', '--issuer', 'https://id.shop.example/', '--aud', 'shop', '--json');
  expect(minted.code).toBe(0);
  const { token, claims } = JSON.parse(minted.stdout);
  expect(claims).toMatchObject({ iss: 'https://id.shop.example/', aud: 'shop' });
  const { config, errors, developmentKeys } = resolveAuthConfig({ issuer: 'https://id.shop.example/', audience: 'shop', jwks }, 'routes[0].auth');
  expect(errors).toEqual([]);
  expect(developmentKeys).toBe(true);
  const outcome = await createAuthenticator(config!).authenticate(viewerRequest(bearer(token)));
  expect(outcome.allow).toBe(true);
  // Keys of an identity provider carry no such mark.
  const { 'x-tiered-cdn-development-key': mark, ...plain } = jwks;
  expect(mark).toMatch(/development key/);
  expect(resolveAuthConfig({ issuer: 'https://id.shop.example/', audience: 'shop', jwks: plain }, 'routes[0].auth').developmentKeys).toBe(false);
});

test.each([['http://id.shop.example/'], ['id.shop.example'], ['']])('token --issuer %j (not an https URL) is a wrong value: exit 2', (issuer) => {
  const res = cli('token', '--issuer', issuer);
  expect(res.code).toBe(2);
  expect(res.stdout).toBe('');
  expect(res.stderr).toContain("expected the https URL of the route's auth.issuer");
});
