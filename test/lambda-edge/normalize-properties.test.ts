import fc from 'fast-check';
import type { CloudFrontRequest } from 'aws-lambda';
import type { NormalizeConfig } from '../../lambda-edge/shared/config';
import { normalizeRequest } from '../../lambda-edge/viewer-request/normalize';

const CONFIG: NormalizeConfig = { dropParams: ['ref'], dropPrefixes: [], sort: true };

function qs(querystring: string): string {
  const request: CloudFrontRequest = { clientIp: '203.0.113.1', method: 'GET', uri: '/', querystring, headers: {} };
  return normalizeRequest(request, CONFIG).querystring;
}

const name = fc.oneof(
  fc.constantFrom('a', 'b', 'page', 'q', 'utm_source', 'UTM_Medium', 'fbclid', 'gclid', 'ref', 'tag', 'x%20y', 'caf%C3%A9'),
  fc.stringMatching(/^[A-Za-z0-9_.~-]{1,8}$/),
);
const value = fc.stringMatching(/^(?:[A-Za-z0-9_.~+-]|%[0-9A-F]{2})*$/);
const segment = fc.tuple(name, fc.option(value, { nil: undefined })).map(([n, v]) => (v === undefined ? n : `${n}=${v}`));
const query = fc.array(segment, { maxLength: 12 });

function isTracking(segment: string): boolean {
  const n = decodeURIComponent(segment.split('=')[0]).toLowerCase();
  return n.startsWith('utm_') || ['fbclid', 'gclid', 'ref'].includes(n);
}

describe('normalizeRequest properties', () => {
  it('is idempotent', () => {
    fc.assert(fc.property(query, (segments) => qs(qs(segments.join('&'))) === qs(segments.join('&'))));
  });

  it('keeps exactly the non-tracking segments, byte for byte', () => {
    fc.assert(
      fc.property(query, (segments) => {
        const out = qs(segments.join('&'));
        const kept = out === '' ? [] : out.split('&');
        expect([...kept].sort()).toEqual(segments.filter((s) => !isTracking(s)).sort());
      }),
    );
  });

  it('gives every ordering of distinct names the same cache key', () => {
    const distinct = fc.uniqueArray(segment, { selector: (s) => decodeURIComponent(s.split('=')[0]), maxLength: 10 });
    fc.assert(
      fc.property(distinct, fc.infiniteStream(fc.nat()), (segments, stream) => {
        const shuffled = [...segments];
        const rnd = stream.take(shuffled.length);
        let i = shuffled.length;
        for (const r of rnd) {
          const j = r % i;
          i -= 1;
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        return qs(shuffled.join('&')) === qs(segments.join('&'));
      }),
    );
  });
});
