import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import type { TieredCdnProps } from '../../lib';
import { scaleRouteTable } from '../../bench/route-tables';
import { functionEvent, type FnRequest } from '../../tools/local/cf-function-event';
import { readDistribution } from '../../tools/local/assembly';
import type { CloudFrontFunctionModel, DistributionModel } from '../../tools/local/model';
import { publicJwk } from '../../tools/dev-keys';
import { comparable, type EngineCase, type EngineOutcome, type FunctionEvent, runInNjs, runInSandbox, viewerRequestEvent, viewerResponseEvent, type ViewerRequestSpec } from '../helpers/njs';
import { describeWithTool } from '../helpers/python-tools';
import { cdnStack, SITE_DIR, testOutdir } from '../helpers/stacks';
import { referenceAssembly } from '../local/reference-assembly';

/**
 * Every CloudFront Function the project generates, run by njs (an engine independent of the local
 * edge, close to the cloudfront-js-2.0 runtime) and by the local edge's sandbox on representative
 * events of its behavior; the two must return the same request or response, the same origin change
 * and the same log lines (test/helpers/njs.ts). The reference app's five functions, and the functions
 * of five more route tables: query normalization without a store, experiments with QA overrides and a
 * store, every step on one behavior, a 75-behavior table with 25 protected routes (the packed path
 * guard), geo and device routing with a guard.
 *
 * A new viewer's id is drawn from Math.random and the clock, both made deterministic and the same in
 * the two engines, so whole results are compared, viewer ids included.
 */

interface Generated {
  readonly fn: CloudFrontFunctionModel;
  /** The store's contents as deployed (its import source). */
  readonly store: Readonly<Record<string, string>>;
  readonly originIds: readonly string[];
}

/** The generated CloudFront Functions of a distribution, by `<event type> <path pattern>`. */
function generated(model: DistributionModel): Map<string, Generated> {
  const out = new Map<string, Generated>();
  const originIds = Object.keys(model.origins);
  for (const b of model.behaviors) {
    for (const fn of Object.values(b.functions ?? {})) {
      if (!fn) continue;
      const store: Record<string, string> = {};
      for (const id of fn.keyValueStores) for (const { key, value } of model.keyValueStores?.[id]?.data ?? []) store[key] = value;
      out.set(`${fn.eventType} ${b.pathPattern}`, { fn, store, originIds });
    }
  }
  return out;
}

/** A case, and what a viewer must see in its outcome (checked on njs's, which must equal the sandbox's). */
type Case = (g: Generated) => EngineCase & { readonly see?: (o: EngineOutcome) => void; readonly manyNames?: boolean };

/**
 * Known difference: njs 0.7.9 enumerates an object of 11 or more keys in its hash table's order, not
 * in the order the keys were added (test/local/cf-function-njs.test.ts), so a request with 11 or more
 * distinct query parameter names leaves njs in another order than the sandbox's (V8, as the language
 * specifies). Such a case compares the parameters as a set and says which order each engine gave.
 */
function manyNames(c: Case): Case {
  return (g) => ({ ...c(g), manyNames: true });
}

/** Adds what the outcome must show to a case, so a case also fails when both engines are wrong alike. */
function see(c: Case, check: (o: EngineOutcome) => void): Case {
  return (g) => ({ ...c(g), see: check });
}

const header = (o: EngineOutcome, name: string): string | undefined => o.result?.headers?.[name]?.value;
const refused = (o: EngineOutcome) => expect(o.result).toMatchObject({ statusCode: 400, headers: { 'cache-control': { value: 'no-store' } } });
const routedTo = (domainName: string) => (o: EngineOutcome) => expect(o.originChange).toMatchObject({ kind: 'update', params: { domainName } });
const notRouted = (o: EngineOutcome) => expect(o.originChange).toBeUndefined();

const VIEWER_ID = '6f1c2a4e-9b3d-4c1e-8a2f-0123456789ab';
const request = (spec: ViewerRequestSpec, kvs?: Record<string, string>): Case => (g) => ({ event: viewerRequestEvent(spec), kvs: kvs ?? g.store, originIds: g.originIds });
const withStore = (spec: ViewerRequestSpec, change: Record<string, string | undefined>): Case => (g) => {
  const kvs: Record<string, string> = { ...g.store };
  for (const [k, v] of Object.entries(change)) if (v === undefined) delete kvs[k];
  else kvs[k] = v;
  return { event: viewerRequestEvent(spec), kvs, originIds: g.originIds };
};
const response = (spec: ViewerRequestSpec, res: Parameters<typeof viewerResponseEvent>[1]): Case => (g) => ({ event: viewerResponseEvent(spec, res), kvs: g.store });

/**
 * A viewer-response event whose request is what the behavior's viewer-request function returned in
 * the sandbox for `spec`, as CloudFront hands it on (with the experiment set-cookie instruction).
 */
function afterViewerRequest(functions: () => Map<string, Generated>, pathPattern: string, spec: ViewerRequestSpec, res: Parameters<typeof viewerResponseEvent>[1]): Case {
  return (g) => {
    const vr = functions().get(`viewer-request ${pathPattern}`)!;
    const out = runInSandbox(vr.fn, { event: viewerRequestEvent(spec), kvs: vr.store, originIds: vr.originIds });
    if (out.error !== undefined) throw new Error(`the viewer-request function failed in the sandbox: ${out.error}`);
    const base = viewerResponseEvent(spec, res) as FunctionEvent & { response: unknown };
    const event = functionEvent('viewer-response', base.context, base.viewer.ip, out.result as FnRequest, base.response as never);
    return { event, kvs: g.store };
  };
}

/** Cases per function, by `<event type> <path pattern>`. */
type Cases = Record<string, Record<string, Case>>;

const NEW_VIEWER: ViewerRequestSpec = { uri: '/', headers: { 'User-Agent': 'Mozilla/5.0', 'Accept-Language': 'de-DE' } };
const TARGETED = { 'X-Tcdn-Targeted': 'CDN-Cache-Control', 'X-Tcdn-Origin-Cache-Control': 'public, max-age=60', 'Cache-Control': 'public, max-age=300', 'X-Tcdn-Origin-Expires': 'Thu, 01 Jan 2026 00:00:00 GMT', 'Content-Type': 'application/json' };

const REFERENCE_CASES = (functions: () => Map<string, Generated>): Cases => ({
  'viewer-request *': {
    'a new viewer is given a viewer id and a variant': see(request(NEW_VIEWER), (o) => {
      expect(header(o, 'x-experiment-home')).toMatch(/^(control|redesign)$/);
      expect(header(o, 'x-tcdn-set-cookie')).toMatch(/tcdn-vid=[0-9a-f-]{36}/);
    }),
    'a returning viewer keeps the variant of its cookie': see(request({ uri: '/', headers: { Cookie: `tcdn-vid=${VIEWER_ID}; tcdn-exp-home=redesign; theme=dark` } }), (o) => {
      expect(header(o, 'x-experiment-home')).toBe('redesign');
      expect(header(o, 'x-tcdn-set-cookie')).toBeUndefined();
    }),
    'a viewer id without a variant cookie is bucketed by its id': request({ uri: '/products/', headers: { Cookie: `tcdn-vid=${VIEWER_ID}` } }),
    'a variant cookie naming no variant is replaced': request({ uri: '/', headers: { Cookie: `tcdn-vid=${VIEWER_ID}; tcdn-exp-home=evil` } }),
    'viewer-sent experiment, instruction and identity headers are removed': see(request({ uri: '/', headers: { 'X-Experiment-Home': 'redesign', 'X-Tcdn-Set-Cookie': 'tcdn-vid=x', 'X-Auth-Sub': 'admin', X_Auth_Scope: 'all' } }), (o) => {
      expect(header(o, 'x-auth-sub')).toBeUndefined();
      expect(header(o, 'x_auth_scope')).toBeUndefined();
      expect(header(o, 'x-tcdn-set-cookie')).not.toBe('tcdn-vid=x');
    }),
    'the store switches the experiment off': see(withStore(NEW_VIEWER, { 'experiment:home': '{"off":true}' }), (o) => expect(header(o, 'x-experiment-home')).toBe('control')),
    'the store moves every new viewer to redesign': see(withStore(NEW_VIEWER, { 'experiment:home': '{"weights":{"control":0,"redesign":100}}' }), (o) => expect(header(o, 'x-experiment-home')).toBe('redesign')),
    'an unreadable store entry keeps the deployed weights': withStore(NEW_VIEWER, { 'experiment:home': '{oops' }),
    'a store without the experiment keeps the deployed weights': withStore(NEW_VIEWER, { 'experiment:home': undefined }),
    'a repeated query parameter and several cookies pass through': request({ uri: '/search', querystring: 'q=a&q=b&empty=&flag', headers: { Cookie: 'a=1; a=2; b=3' } }),
    'careless cookies (an = in a value, no value, unicode, a forged viewer id) are handled alike': request({
      uri: '/',
      headers: { Cookie: 'tok=a=b==; novalue; tcdn-vid=not-a-uuid; name=J\u00fcrgen; tcdn-exp-home=; =x', 'User-Agent': 'Bot \u00e9' },
    }),
    // The site's behavior reaches no origin of a protected route, so it carries no guard: the URI goes on as sent.
    'an odd spelling goes on to the site as sent': see(request({ uri: '/assets/..//%6De/profile' }), (o) => expect(o.result.uri).toBe('/assets/..//%6De/profile')),
  },
  'viewer-response *': {
    'the new viewer\'s cookies are set (viewer id HttpOnly, variant readable)': see(afterViewerRequest(functions, '*', NEW_VIEWER, { headers: { 'Content-Type': 'text/html' } }), (o) => {
      expect(o.result.cookies['tcdn-vid'].attributes).toMatch(/HttpOnly/);
      expect(o.result.cookies['tcdn-exp-home'].attributes).not.toMatch(/HttpOnly/);
    }),
    'the origin\'s own Set-Cookie is kept beside the experiment cookies': afterViewerRequest(functions, '*', NEW_VIEWER, { headers: { 'Set-Cookie': ['session=abc; Path=/; HttpOnly', 'pref=1'] } }),
    'a returning viewer gets no cookies': see(afterViewerRequest(functions, '*', { uri: '/', headers: { Cookie: `tcdn-vid=${VIEWER_ID}; tcdn-exp-home=control` } }, { headers: { 'Content-Type': 'text/html' } }), (o) => {
      expect(o.result.cookies).toEqual({});
    }),
    'an instruction the viewer sent itself never reaches the response': response({ uri: '/', headers: { 'X-Tcdn-Set-Cookie': 'tcdn-vid=forged' } }, { headers: {} }),
  },
  'viewer-request /api/*': {
    'a viewer in Germany is routed to the EU origin the store names': see(request({ uri: '/api/products', headers: { 'CloudFront-Viewer-Country': 'DE' } }), routedTo('api-eu.example.com')),
    'the store moves the EU origin to another declared domain': see(withStore({ uri: '/api/products', headers: { 'CloudFront-Viewer-Country': 'AT' } }, { 'origin:apiEu': '{"domainName":"api.example.com"}' }), routedTo('api.example.com')),
    'a store value naming an undeclared domain keeps the deployed one': see(withStore({ uri: '/api/products', headers: { 'CloudFront-Viewer-Country': 'AT' } }, { 'origin:apiEu': '{"domainName":"api-eu-2.example.com"}' }), routedTo('api-eu.example.com')),
    'a store without the origin keeps the deployed domain': see(withStore({ uri: '/api/products', headers: { 'CloudFront-Viewer-Country': 'FR' } }, { 'origin:apiEu': undefined }), routedTo('api-eu.example.com')),
    'an unreadable origin entry keeps the deployed domain': see(withStore({ uri: '/api/products', headers: { 'CloudFront-Viewer-Country': 'FR' } }, { 'origin:apiEu': '{"domainName":' }), routedTo('api-eu.example.com')),
    'a viewer in the US stays on the API origin': see(request({ uri: '/api/products', headers: { 'CloudFront-Viewer-Country': 'US' } }), notRouted),
    'a request without the country header stays on the API origin': see(request({ uri: '/api/products' }), notRouted),
    'tracking parameters are dropped and the rest sorted': see(request({ uri: '/api/search', querystring: 'utm_source=news&b=2&a=1&fbclid=xyz&a=0&gclid=1', headers: { 'CloudFront-Viewer-Country': 'DE' } }), (o) => {
      expect(o.queryOrder).toEqual(['a', 'b']);
    }),
    'encoded, empty and valueless parameters survive normalization': request({ uri: '/api/search', querystring: 'q=caf%C3%A9&empty=&flag&sp=%20x%2B' }),
    'malformed percent-encoding and odd separators are handled alike': request({ uri: '/api/search', querystring: 'q=%E0%A4%A&x=%&&=v&utm_source=%ZZ&a=1=2&b=%2526' }),
    'a long query string of 17 names repeated (njs orders 11+ names by hash)': manyNames(
      see(request({ uri: '/api/search', querystring: Array.from({ length: 200 }, (_, i) => `p${i % 17}=${i}`).join('&') }), (o) => {
        expect(o.queryOrder).toEqual([...(o.queryOrder ?? [])].sort());
      }),
    ),
    'a non-canonical spelling of a protected path is refused': see(request({ uri: '/api/./me/x' }), refused),
    'an upper-case spelling of a protected path is refused': see(request({ uri: '/API/me/x' }), refused),
  },
  'viewer-request /api/categories/*': {
    '12 parameter names pass through (njs orders 11+ names by hash)': manyNames(
      see(request({ uri: '/api/categories/shoes', querystring: 'l=1&k=1&j=1&i=1&h=1&g=1&f=1&e=1&d=1&c=1&b=1&a=1' }), (o) => {
        expect(o.queryOrder).toEqual(['l', 'k', 'j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a']);
      }),
    ),
    'a request passes through with its query string as sent': see(request({ uri: '/api/categories/shoes', querystring: 'z=1&a=2', headers: { 'Accept-Language': 'fr' } }), (o) => expect(o.queryOrder).toEqual(['z', 'a'])),
    'identity headers a viewer sent are removed': see(request({ uri: '/api/categories/shoes', headers: { 'X-Auth-Sub': 'admin', 'X-Auth-Claim-Role': 'root' } }), (o) => {
      expect(Object.keys(o.result.headers).filter((h) => h.startsWith('x-auth-'))).toEqual([]);
    }),
    'a double slash is refused': see(request({ uri: '/api/categories//shoes' }), refused),
    'a dot segment toward a protected path is refused': see(request({ uri: '/api/categories/../me/profile' }), refused),
    'an encoded letter is refused': see(request({ uri: '/api/categories/%73hoes' }), refused),
  },
  'viewer-response /api/categories/*': {
    'the origin\'s Cache-Control and Expires are restored for viewers': see(response({ uri: '/api/categories/shoes' }, { headers: TARGETED }), (o) => {
      expect(header(o, 'cache-control')).toBe('public, max-age=60');
      expect(header(o, 'x-tcdn-targeted')).toBeUndefined();
    }),
    'a response without the targeted marker is unchanged': response({ uri: '/api/categories/shoes' }, { headers: { 'Cache-Control': 'public, max-age=300', 'Content-Type': 'application/json' } }),
  },
});

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const JWK = publicJwk(privateKey, 'RS256');

/** Route tables beyond the reference app's, one for each kind of generated function. */
const CONFIGURATIONS: Record<string, { props: TieredCdnProps; cases: (functions: () => Map<string, Generated>) => Cases }> = {
  'query normalization without a store or a guard': {
    props: {
      site: { source: SITE_DIR },
      origins: { api: { domainName: 'api.example.com' } },
      routes: [
        { pathPattern: '*', tier: 'html', origin: 'site' },
        { pathPattern: '/search/*', tier: 'api', origin: 'api', queryNormalization: { dropParams: ['session'], dropPrefixes: ['ref_'] } },
        { pathPattern: '/raw/*', tier: 'api', origin: 'api', queryNormalization: { allowlist: ['q', 'page'], sort: false } },
      ],
    },
    cases: () => ({
      'viewer-request /search/*': {
        'custom parameters and prefixes are dropped, the rest sorted': see(request({ uri: '/search/x', querystring: 'session=1&ref_src=a&REF_x=b&q=shoes&b=1&a=2&utm_medium=m' }), (o) => expect(o.queryOrder).toEqual(['a', 'b', 'q'])),
        'a query string of tracking parameters only becomes empty': request({ uri: '/search/x', querystring: 'utm_source=a&fbclid=b' }),
        'experiment headers a viewer sent are removed': request({ uri: '/search/x', headers: { 'X-Experiment-Home': 'b', 'X-Tcdn-Set-Cookie': 'a=b' } }),
      },
      'viewer-request /raw/*': {
        'only allowlisted parameters are kept, in the viewer\'s order': see(request({ uri: '/raw/x', querystring: 'page=2&x=1&q=a&utm_source=z&q=b' }), (o) => expect(o.queryOrder).toEqual(['page', 'q'])),
        'no parameters stay none': request({ uri: '/raw/x' }),
      },
    }),
  },
  'experiments with QA overrides and a store': {
    props: {
      site: { source: SITE_DIR },
      routes: [
        {
          pathPattern: '*',
          tier: 'html',
          origin: 'site',
          experiments: [
            { name: 'checkout', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 2 }], forceQuery: 'variant', forceCookie: 'qa-variant', cookieMaxAge: Duration.days(7) },
            { name: 'banner', variants: [{ name: 'off', weight: 3 }, { name: 'on', weight: 1 }] },
          ],
        },
      ],
    },
    cases: (functions) => ({
      'viewer-request *': {
        'a new viewer is assigned to both experiments': request(NEW_VIEWER),
        'the force query parameter wins and is not persisted': see(request({ uri: '/', querystring: 'variant=c' }), (o) => {
          expect(header(o, 'x-experiment-checkout')).toBe('c');
          expect(header(o, 'x-tcdn-set-cookie')).not.toMatch(/tcdn-exp-checkout/);
        }),
        'the force cookie wins over the sticky cookie': see(request({ uri: '/', headers: { Cookie: `qa-variant=b; tcdn-exp-checkout=a; tcdn-vid=${VIEWER_ID}` } }), (o) => expect(header(o, 'x-experiment-checkout')).toBe('b')),
        'a forced value that is no variant is ignored': request({ uri: '/', querystring: 'variant=zzz', headers: { Cookie: `tcdn-vid=${VIEWER_ID}` } }),
        'new weights from the store apply to new viewers': see(withStore(NEW_VIEWER, { 'experiment:checkout': '{"weights":{"a":0,"b":0,"c":5}}', 'experiment:banner': '{"weights":{"on":1,"off":0}}' }), (o) => {
          expect([header(o, 'x-experiment-checkout'), header(o, 'x-experiment-banner')]).toEqual(['c', 'on']);
        }),
        'weights naming no variant keep the deployed ones': withStore(NEW_VIEWER, { 'experiment:checkout': '{"weights":{"zz":1}}' }),
      },
      'viewer-response *': {
        'two experiments and the viewer id become three cookies with their own lifetimes': see(afterViewerRequest(functions, '*', NEW_VIEWER, { headers: { 'Content-Type': 'text/html' } }), (o) => {
          expect(Object.keys(o.result.cookies).sort()).toEqual(['tcdn-exp-banner', 'tcdn-exp-checkout', 'tcdn-vid']);
          expect(o.result.cookies['tcdn-exp-checkout'].attributes).toContain('Max-Age=604800');
        }),
        'a viewer with both variant cookies gets none': afterViewerRequest(functions, '*', { uri: '/', headers: { Cookie: `tcdn-vid=${VIEWER_ID}; tcdn-exp-checkout=b; tcdn-exp-banner=on` } }, { headers: {} }),
      },
    }),
  },
  'every step on one behavior (experiment, normalization, routing, targeted cache control)': {
    props: {
      site: { source: SITE_DIR },
      origins: { api: { domainName: 'api.example.com' }, eu: { domainName: 'eu.api.example.com' } },
      routes: [
        { pathPattern: '*', tier: 'html', origin: 'site' },
        {
          pathPattern: '/shop/*',
          tier: 'api',
          origin: 'api',
          targetedCacheControl: true,
          queryNormalization: { dropParams: ['session'] },
          originRouting: { rules: [{ countries: ['DE'], origin: 'eu', sameContent: true }] },
          experiments: [{ name: 'prices', variants: [{ name: 'old', weight: 1 }, { name: 'new', weight: 1 }] }],
        },
      ],
    },
    cases: (functions) => ({
      'viewer-request /shop/*': {
        'a new viewer in Germany: variant, normalized query and EU origin at once': see(
          request({ uri: '/shop/cart', querystring: 'session=9&z=1&a=2&utm_source=x', headers: { 'CloudFront-Viewer-Country': 'DE' } }),
          (o) => {
            expect(header(o, 'x-experiment-prices')).toMatch(/^(old|new)$/);
            expect(o.queryOrder).toEqual(['a', 'z']);
            expect(o.originChange).toMatchObject({ params: { domainName: 'eu.api.example.com' } });
          },
        ),
        'a returning viewer elsewhere keeps its variant and origin': see(request({ uri: '/shop/cart', headers: { Cookie: `tcdn-vid=${VIEWER_ID}; tcdn-exp-prices=new`, 'CloudFront-Viewer-Country': 'US' } }), (o) => {
          expect(header(o, 'x-experiment-prices')).toBe('new');
          expect(o.originChange).toBeUndefined();
        }),
      },
      'viewer-response /shop/*': {
        'cookies of a new viewer and the origin\'s Cache-Control in one response': see(afterViewerRequest(functions, '/shop/*', { ...NEW_VIEWER, uri: '/shop/cart' }, { headers: TARGETED }), (o) => {
          expect(header(o, 'cache-control')).toBe('public, max-age=60');
          expect(Object.keys(o.result.cookies).sort()).toEqual(['tcdn-exp-prices', 'tcdn-vid']);
        }),
      },
    }),
  },
  "CloudFront's 75-behavior quota, half the routes protected (bench/route-tables.ts)": {
    props: scaleRouteTable(75, { keys: [JWK] }),
    cases: () => ({
      'viewer-request *': {
        'a new viewer is assigned to both experiments': see(request(NEW_VIEWER), (o) => {
          expect(header(o, 'x-experiment-checkout-flow')).toMatch(/^(control|one-page)$/);
          expect(header(o, 'x-experiment-search-ranking')).toMatch(/^(control|learned|hybrid)$/);
        }),
      },
      'viewer-request /api/*': {
        'a public path goes on as sent': see(request({ uri: '/api/v2/public-catalogues/service-0003/items', querystring: 'b=1&a=2' }), (o) => expect(o.result.uri).toBe('/api/v2/public-catalogues/service-0003/items')),
        'a double slash in the last protected prefix is refused': see(request({ uri: '/api/v2/customer-accounts/service-0025//orders' }), refused),
        'another case of a protected prefix is refused': see(request({ uri: '/API/v2/customer-accounts/service-0013/orders' }), refused),
        'an encoded letter in a protected prefix is refused': see(request({ uri: '/api/v2/customer-accounts/%73ervice-0001/x' }), refused),
        'a dot segment into a protected prefix is refused': see(request({ uri: '/api/v2/public-catalogues/../customer-accounts/service-0002/x' }), refused),
      },
      'viewer-request /api/v2/public-catalogues/service-0023/*': {
        'a double slash toward a protected prefix is refused here too': see(request({ uri: '/api/v2/public-catalogues/service-0023/..//customer-accounts/service-0001/x' }), refused),
        'its own path goes on as sent': see(request({ uri: '/api/v2/public-catalogues/service-0023/items' }), (o) => expect(o.result.uri).toBe('/api/v2/public-catalogues/service-0023/items')),
      },
    }),
  },
  'geo and device routing with a guard': {
    props: {
      site: { source: SITE_DIR },
      origins: { api: { domainName: 'api.example.com' }, eu: { domainName: 'eu.api.example.com' }, mobile: { domainName: 'm.api.example.com' } },
      routes: [
        { pathPattern: '*', tier: 'html', origin: 'site' },
        { pathPattern: '/account/*', tier: 'dynamic', origin: 'api', auth: { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [JWK] } } },
        {
          pathPattern: '/api/*',
          tier: 'api',
          origin: 'api',
          originRouting: { rules: [{ device: 'mobile', origin: 'mobile' }, { countries: ['DE', 'FR'], origin: 'eu' }], routingCacheKey: 'country-and-device' },
        },
      ],
    },
    cases: () => ({
      'viewer-request /api/*': {
        'a mobile viewer goes to the mobile origin': see(request({ uri: '/api/x', headers: { 'CloudFront-Is-Mobile-Viewer': 'true', 'CloudFront-Viewer-Country': 'US' } }), routedTo('m.api.example.com')),
        'a desktop viewer in France goes to the EU origin': see(request({ uri: '/api/x', headers: { 'CloudFront-Is-Mobile-Viewer': 'false', 'CloudFront-Viewer-Country': 'FR' } }), routedTo('eu.api.example.com')),
        'a mobile viewer in Germany takes the first rule': see(request({ uri: '/api/x', headers: { 'CloudFront-Is-Mobile-Viewer': 'true', 'CloudFront-Viewer-Country': 'DE' } }), routedTo('m.api.example.com')),
        'the store moves the EU origin to a declared domain': see(withStore({ uri: '/api/x', headers: { 'CloudFront-Viewer-Country': 'DE' } }, { 'origin:eu': '{"domainName":"m.api.example.com"}' }), routedTo('m.api.example.com')),
        'a store value naming an undeclared domain keeps the deployed one': see(withStore({ uri: '/api/x', headers: { 'CloudFront-Viewer-Country': 'DE' } }, { 'origin:eu': '{"domainName":"eu2.api.example.com"}' }), routedTo('eu.api.example.com')),
        'a viewer matching no rule stays': see(request({ uri: '/api/x', headers: { 'CloudFront-Viewer-Country': 'JP' } }), notRouted),
        'a non-canonical spelling of the protected route is refused': see(request({ uri: '/account//orders' }), refused),
      },
    }),
  },
};

function check(njs: string, functions: () => Map<string, Generated>, cases: Cases): void {
  for (const [key, byName] of Object.entries(cases)) {
    describe(key, () => {
      test('is generated', () => {
        expect([...functions().keys()]).toContain(key);
      });
      for (const [name, make] of Object.entries(byName)) {
        test(name, async () => {
          const g = functions().get(key)!;
          const c = make(g);
          const inNjs = await runInNjs(njs, g.fn, c);
          // A function that fails on a request is a 503 from CloudFront: none of these may fail.
          expect(inNjs.error).toBeUndefined();
          const inSandbox = runInSandbox(g.fn, c);
          if (c.manyNames) {
            const { queryOrder: a, ...njsRest } = comparable(inNjs);
            const { queryOrder: b, ...sandboxRest } = comparable(inSandbox);
            expect(njsRest).toEqual(sandboxRest);
            expect([...(a ?? [])].sort()).toEqual([...(b ?? [])].sort());
            expect(a).not.toEqual(b);
          } else {
            expect(comparable(inNjs)).toEqual(comparable(inSandbox));
          }
          c.see?.(c.manyNames ? inSandbox : inNjs);
        });
      }
    });
  }
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

describeWithTool('njs', 'generated CloudFront Functions in njs equal the local sandbox', (njs) => {
  describe("the reference app's functions run in njs", () => {
    const functions = once(() => generated(readDistribution(referenceAssembly().dir)));
    test('are the five the reference app generates', () => {
      expect([...functions().keys()].sort()).toEqual(['viewer-request *', 'viewer-request /api/*', 'viewer-request /api/categories/*', 'viewer-response *', 'viewer-response /api/categories/*']);
    });
    check(njs, functions, REFERENCE_CASES(functions));
  });

  test("docs/local-edge.md's command runs a generated function in njs as written", () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'local-edge.md'), 'utf8');
    const block = /### Generated functions in njs[\s\S]*?```sh\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toContain('njs ');
    // The synth is the reference app's: the test's copy of it stands in for cdk.out.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-njs-doc-'));
    try {
      fs.symlinkSync(referenceAssembly().dir, path.join(dir, 'cdk.out'));
      const script = block!.replace(/^npx cdk synth --quiet\n/m, '');
      const out = execFileSync('/bin/sh', ['-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, TMPDIR: dir, PATH: `${path.dirname(njs)}${path.delimiter}${process.env.PATH}` } });
      expect(JSON.parse(out).headers).toEqual({ 'cache-control': { value: 'public, max-age=60' } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [title, { props, cases }] of Object.entries(CONFIGURATIONS)) {
    describe(title, () => {
      const functions = once(() => {
        cdnStack(props);
        return generated(readDistribution(testOutdir(), 'Test'));
      });
      check(njs, functions, cases(functions));
    });
  }
});
