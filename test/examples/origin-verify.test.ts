import { originVerifier } from '../../examples/origin-verify';

describe('origin-verify check for origins', () => {
  const verify = originVerifier({ values: () => ['current-value-0123456789', 'previous-value-987654321'] });

  test('accepts the current and the previous value', () => {
    expect(verify({ 'x-origin-verify': 'current-value-0123456789' })).toBe(true);
    expect(verify({ 'x-origin-verify': 'previous-value-987654321' })).toBe(true);
  });

  test('refuses a request without the header, with another value, or with the header repeated', () => {
    expect(verify({})).toBe(false);
    expect(verify({ 'x-origin-verify': '' })).toBe(false);
    expect(verify({ 'x-origin-verify': 'current-value-012345678X' })).toBe(false);
    expect(verify({ 'x-origin-verify': 'current' })).toBe(false);
    expect(verify({ 'x-origin-verify': ['current-value-0123456789', 'x'] as unknown as string })).toBe(false);
  });

  test('an empty accepted value never matches', () => {
    const none = originVerifier({ header: 'X-From-Cdn', values: () => [''] });
    expect(none({ 'x-from-cdn': '' })).toBe(false);
  });
});
