import fc from 'fast-check';
import type { OriginRequestConfig } from '../../lambda-edge/shared/config';
import { createHandler } from '../../lambda-edge/origin-request';
import { variantDocumentUri } from '../../lambda-edge/viewer-request/experiments';
import { requestEvent } from './routing-fixtures';

describe('a variant that lacks a document serves the control document', () => {
  const documents = new Set(['/variants/redesign/index.html', '/variants/redesign/pricing/index.html']);

  test("the variant's own copy when the site holds it", () => {
    expect(variantDocumentUri('/', '/variants/redesign', documents)).toBe('/variants/redesign/index.html');
    expect(variantDocumentUri('/index.html', '/variants/redesign', documents)).toBe('/variants/redesign/index.html');
    expect(variantDocumentUri('/pricing/', '/variants/redesign', documents)).toBe('/variants/redesign/pricing/index.html');
  });

  test('the control URI when it does not', () => {
    expect(variantDocumentUri('/about.html', '/variants/redesign', documents)).toBe('/about.html');
    expect(variantDocumentUri('/docs/', '/variants/redesign', documents)).toBe('/docs/');
  });

  test('with no list (an origin the construct cannot list) the variant copy is always asked for; no prefix keeps the URI', () => {
    expect(variantDocumentUri('/about.html', '/variants/redesign', undefined)).toBe('/variants/redesign/about.html');
    expect(variantDocumentUri('/about.html', '', documents)).toBe('/about.html');
  });

  test('property: the answer is the control URI or a variant copy the site holds, never another path', () => {
    const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);
    const uri = fc.array(segment, { maxLength: 3 }).chain((segs) => fc.constantFrom(`/${segs.join('/')}`, `/${segs.join('/')}/`));
    fc.assert(
      fc.property(uri, fc.array(uri, { maxLength: 5 }), fc.constantFrom('/v/a', '/variants/b'), (u, held, prefix) => {
        const set = new Set(held.map((h) => prefix + (h.endsWith('/') ? `${h}index.html` : h)));
        const out = variantDocumentUri(u, prefix, set);
        expect(out === u || set.has(out)).toBe(true);
      }),
    );
  });

  test('the origin-request function falls back by the baked list', async () => {
    const config: OriginRequestConfig = {
      rules: [],
      origins: {},
      variantPaths: [{ experiment: 'home', prefixes: { redesign: '/variants/redesign' } }],
      variantDocuments: ['/variants/redesign/index.html'],
    };
    const handler = createHandler(config);
    const uriFor = async (uri: string, variant: string) => {
      const event = requestEvent('routing-origin-request-s3');
      event.Records[0].cf.request.uri = uri;
      event.Records[0].cf.request.headers['x-experiment-home'] = [{ key: 'x-experiment-home', value: variant }];
      return (await handler(event)).uri;
    };
    expect(await uriFor('/', 'redesign')).toBe('/variants/redesign/index.html');
    expect(await uriFor('/about.html', 'redesign')).toBe('/about.html');
    expect(await uriFor('/about.html', 'control')).toBe('/about.html');
  });
});
