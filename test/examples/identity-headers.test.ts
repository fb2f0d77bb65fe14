import * as http from 'http';
import * as net from 'net';
import * as fc from 'fast-check';
import { decodeIdentityHeader, identityOf } from '../../examples/identity-headers';
import { encodeIdentityValue } from '../../lambda-edge/shared/identity-header';

describe('decoding the identity headers in an origin', () => {
  test('every value the edge writes decodes back to the claim value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()), (value) => {
        expect(JSON.stringify(decodeIdentityHeader(encodeIdentityValue(value)))).toBe(JSON.stringify(value));
      }),
      { numRuns: 2000 },
    );
  });

  test('colliding pairs of the old encoding are told apart', () => {
    expect(decodeIdentityHeader(encodeIdentityValue('é'))).toBe('é');
    expect(decodeIdentityHeader(encodeIdentityValue('%C3%A9'))).toBe('%C3%A9');
    expect(decodeIdentityHeader(encodeIdentityValue(null))).toBeNull();
    expect(decodeIdentityHeader(encodeIdentityValue('null'))).toBe('null');
    expect(decodeIdentityHeader(encodeIdentityValue(['a']))).toEqual(['a']);
    expect(decodeIdentityHeader(encodeIdentityValue('["a"]'))).toBe('["a"]');
  });

  test('identityOf reads sub, scopes and claims as the edge writes them', () => {
    const headers = {
      'x-auth-sub': encodeIdentityValue('zoë'),
      'x-auth-scope': ['read:me', 'a%b'].map(encodeIdentityValue).join(' '),
      'x-auth-claim-roles': encodeIdentityValue(['admin']),
      'x-auth-claim-tenant': encodeIdentityValue('null'),
    };
    expect(identityOf(headers)).toEqual({ sub: 'zoë', scopes: ['read:me', 'a%b'], claims: { roles: ['admin'], tenant: 'null' } });
  });

  test('no identity, a repeated header, or a value the edge never writes: undefined', () => {
    expect(identityOf({})).toBeUndefined();
    expect(identityOf({ 'x-auth-sub': ['a', 'b'] as unknown as string })).toBeUndefined();
    expect(identityOf({ 'x-auth-sub': '%E0%A4%A' })).toBeUndefined();
    expect(identityOf({ 'x-auth-sub': '?42' })).toBeUndefined();
  });
});

/** What a node origin's request object holds for headers written on the wire as given. */
async function received(rawHeaderLines: string[]): Promise<http.IncomingMessage> {
  let got: http.IncomingMessage | undefined;
  const server = http.createServer((req, res) => {
    got = req;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(`GET / HTTP/1.1\r\nHost: o\r\nConnection: close\r\n${rawHeaderLines.map((l) => `${l}\r\n`).join('')}\r\n`));
    socket.on('data', () => {});
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return got!;
}

describe('identityOf on what a node origin receives', () => {
  test('the edge\'s own headers, through req.headers or req.headersDistinct', async () => {
    const req = await received([`x-auth-sub: ${encodeIdentityValue('zoë, admin')}`, `x-auth-scope: read write`]);
    for (const headers of [req.headers, req.headersDistinct]) expect(identityOf(headers)).toEqual({ sub: 'zoë, admin', scopes: ['read', 'write'], claims: {} });
  });

  test.each([
    ['x-auth-sub sent twice', ['X-Auth-Sub: alice', 'x-auth-sub: bob']],
    ['x-auth-scope sent twice', ['x-auth-sub: alice', 'x-auth-scope: read,', 'x-auth-scope: admin']],
    ['a claim sent twice', ['x-auth-sub: alice', 'x-auth-claim-role: user', 'X-AUTH-CLAIM-ROLE: admin']],
    ['a spelling the edge never writes (%61 for a)', ['x-auth-sub: %61lice']],
    ['a string as JSON', ['x-auth-sub: ?%22alice%22']],
    ['JSON the edge would spell otherwise', ['x-auth-sub: alice', 'x-auth-claim-n: ?1.0']],
  ])('%s: no identity', async (_what, lines) => {
    const req = await received(lines);
    expect(identityOf(req.headersDistinct)).toBeUndefined();
    if (!lines.some((l) => /scope/.test(l))) expect(identityOf(req.headers)).toBeUndefined();
  });

  test('a claim named __proto__ is an own claim, not the prototype of the claims', async () => {
    const req = await received(['x-auth-sub: alice', `x-auth-claim-__proto__: ${encodeIdentityValue({ admin: true })}`]);
    const identity = identityOf(req.headersDistinct)!;
    expect((identity.claims as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(identity.claims, '__proto__')?.value).toEqual({ admin: true });
  });
});
