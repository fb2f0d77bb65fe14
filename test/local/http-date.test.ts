import fc from 'fast-check';
import { parseHttpDate } from '../../tools/local/http-date';

const NOW = Date.UTC(2026, 11, 1);
const seconds = fc.integer({ min: Date.UTC(1900, 0, 1) / 1000, max: Date.UTC(9999, 11, 31) / 1000 }).map((s) => s * 1000);

test('every IMF-fixdate parses to its own instant', () => {
  fc.assert(fc.property(seconds, (t) => parseHttpDate(new Date(t).toUTCString(), NOW) === t));
});

test('asctime and RFC 850 forms of the same instant agree with IMF-fixdate', () => {
  expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
});

test('RFC 850 two-digit years: up to 50 years ahead stay in this century, further ones are the last one', () => {
  expect(new Date(parseHttpDate('Thursday, 18-Aug-50 02:01:18 GMT', NOW)!).getUTCFullYear()).toBe(2050);
  expect(new Date(parseHttpDate('Monday, 18-Aug-80 02:01:18 GMT', NOW)!).getUTCFullYear()).toBe(1980);
});

test('anything that is not one of the three forms is not a date', () => {
  for (const bad of ['0', '', 'Thu, 18 Aug 2050 02:01:18 UTC', 'Thu, 31 Feb 2050 02:01:18 GMT', 'Thu, 18 Aug 2050 25:01:18 GMT', 'thu, 18 aug 2050 02:01:18 GMT']) {
    expect(parseHttpDate(bad, NOW)).toBeUndefined();
  }
  // Date.parse accepts a stray space anywhere; the grammar does not.
  fc.assert(
    fc.property(seconds, fc.nat(), (t, at) => {
      const text = new Date(t).toUTCString();
      const i = at % (text.length + 1);
      return parseHttpDate(`${text.slice(0, i)} ${text.slice(i)}`, NOW) === undefined;
    }),
  );
});
