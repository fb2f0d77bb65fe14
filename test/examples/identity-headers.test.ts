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
