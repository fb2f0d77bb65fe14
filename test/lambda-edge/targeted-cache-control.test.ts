import * as fc from 'fast-check';
import { type CfHeaders, INTERNAL_HEADERS, targetedField, toEdge, toViewer, validTargetedValue } from '../../lambda-edge/shared/targeted-cache-control';

const h = (o: Record<string, string>): CfHeaders => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, [{ key: k, value: v }]]));
const value = (headers: CfHeaders, name: string) => headers[name]?.map((x) => x.value).join(', ');

test('CDN-Cache-Control wins over Surrogate-Control; an invalid field is skipped', () => {
  expect(targetedField(h({ 'cdn-cache-control': 'max-age=1', 'surrogate-control': 'max-age=2' }))).toEqual({ name: 'cdn-cache-control', value: 'max-age=1' });
  expect(targetedField(h({ 'cdn-cache-control': 'max-age=', 'surrogate-control': 'max-age=2' }))).toEqual({ name: 'surrogate-control', value: 'max-age=2' });
  expect(targetedField(h({ 'cache-control': 'max-age=2' }))).toBeUndefined();
});

test.each(['max-age=60', 'no-store', 'private, max-age=0', 'max-age=10, stale-while-revalidate=30, stale-if-error=60', 'no-cache="set-cookie"'])('accepts %s', (v) => {
  expect(validTargetedValue(v)).toBe(true);
});

test.each(['', ' , ', 'max-age=', 'max age=1', '=5', 'max-age=1;', 'a="unterminated'])('refuses %j', (v) => {
  expect(validTargetedValue(v)).toBe(false);
});

test('the edge caches by the targeted directives; error responses are left alone', () => {
  const edge = toEdge(200, h({ 'cache-control': 'max-age=60', 'cdn-cache-control': 'max-age=300', expires: 'x' }));
  expect(value(edge, 'cache-control')).toBe('max-age=300');
  expect(edge['cdn-cache-control']).toBeUndefined();
  expect(edge.expires).toBeUndefined();
  const error = h({ 'cache-control': 'max-age=60', 'cdn-cache-control': 'max-age=300' });
  expect(toEdge(404, error)).toBe(error);
});

const directive = fc.constantFrom('max-age=60', 'no-store', 'private', 's-maxage=5', 'stale-while-revalidate=30', 'no-cache', 'public');
const directives = fc.array(directive, { minLength: 1, maxLength: 4 }).map((d) => d.join(', '));
const other = fc.dictionary(fc.constantFrom('content-type', 'etag', 'x-amz-meta-cache-tag', 'vary'), fc.string({ maxLength: 8 }).map((s) => s.replace(/[^a-z0-9]/g, 'a') || 'a'));

test('viewers get back exactly the headers the origin sent, minus the targeted fields', () => {
  fc.assert(
    fc.property(fc.option(directives), fc.option(directives), fc.option(directives), fc.option(fc.constant('Wed, 21 Oct 2099 07:28:00 GMT')), other, (cc, cdn, sur, exp, rest) => {
      const origin = h({ ...rest, ...(cc ? { 'cache-control': cc } : {}), ...(cdn ? { 'cdn-cache-control': cdn } : {}), ...(sur ? { 'surrogate-control': sur } : {}), ...(exp ? { expires: exp } : {}) });
      const viewer = toViewer(toEdge(200, origin));
      const expected = { ...origin };
      if (cdn || sur) {
        delete expected['cdn-cache-control'];
        delete expected['surrogate-control'];
      }
      // Header names are case-insensitive; values come back as the origin wrote them.
      const flat = (x: CfHeaders) => Object.fromEntries(Object.keys(x).map((k) => [k, value(x, k)]));
      expect(flat(viewer)).toEqual(flat(expected));
      for (const i of INTERNAL_HEADERS) expect(viewer[i]).toBeUndefined();
      if (!cdn && !sur) expect(toEdge(200, origin)).toBe(origin);
    }),
  );
});
