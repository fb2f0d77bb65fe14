import type { CloudFrontRequest } from 'aws-lambda';
import type { ExperimentConfig } from '../../lambda-edge/shared/config';
import { assignExperiments, bucketOf } from '../../lambda-edge/viewer-request/experiments';

const CHECKOUT: ExperimentConfig = {
  name: 'checkout',
  variants: [
    { name: 'control', weight: 50 },
    { name: 'one-page', weight: 30 },
    { name: 'express', weight: 20 },
  ],
  cookieMaxAgeSeconds: 2592000,
};

function req(opts: { cookie?: string; querystring?: string; headers?: Record<string, string> } = {}): CloudFrontRequest {
  const headers: CloudFrontRequest['headers'] = {
    host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }],
    accept: [{ key: 'Accept', value: 'text/html' }],
  };
  if (opts.cookie) headers.cookie = [{ key: 'Cookie', value: opts.cookie }];
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k] = [{ key: k, value: v }];
  return { clientIp: '203.0.113.1', method: 'GET', uri: '/', querystring: opts.querystring ?? '', headers };
}

function header(r: CloudFrontRequest, name: string): string | undefined {
  return r.headers[name]?.[0]?.value;
}

/** The cookies the viewer-request step asks the viewer-response function to set. */
function toSet(r: CloudFrontRequest): Record<string, string> {
  const value = header(r, 'x-tcdn-set-cookie');
  if (!value) return {};
  return Object.fromEntries(value.split('&').map((p) => p.split('=') as [string, string]));
}

/** A viewer id whose hash lands in `variant` of `experiment` (found by trying ids in turn). */
function viewerIdFor(experiment: ExperimentConfig, variant: string): string {
  for (let i = 0; ; i++) {
    const id = `viewer-${String(i).padStart(15, '0')}`;
    if (header(assignExperiments(req({ cookie: `tcdn-vid=${id}` }), [experiment]), 'x-experiment-checkout') === variant)
      return id;
  }
}

describe('assignExperiments', () => {
  it('splits 100,000 viewers within 1 percentage point of the weights', () => {
    const counts: Record<string, number> = { control: 0, 'one-page': 0, express: 0 };
    const experiments = [CHECKOUT];
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const r = assignExperiments(req({ cookie: `tcdn-vid=id${i.toString(36).padStart(20, '0')}` }), experiments);
      counts[header(r, 'x-experiment-checkout')!]++;
    }
    expect(Math.abs((counts.control / n) * 100 - 50)).toBeLessThan(1);
    expect(Math.abs((counts['one-page'] / n) * 100 - 30)).toBeLessThan(1);
    expect(Math.abs((counts.express / n) * 100 - 20)).toBeLessThan(1);
  });

  it('splits freshly generated viewer ids within 1 percentage point of a 90/10 split', () => {
    const experiment: ExperimentConfig = {
      name: 'banner',
      variants: [
        { name: 'off', weight: 9 },
        { name: 'on', weight: 1 },
      ],
      cookieMaxAgeSeconds: 3600,
    };
    let on = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (header(assignExperiments(req(), [experiment]), 'x-experiment-banner') === 'on') on++;
    expect(Math.abs((on / n) * 100 - 10)).toBeLessThan(1);
  });

  it('keeps two experiments independent of each other', () => {
    const other: ExperimentConfig = { ...CHECKOUT, name: 'pricing' };
    let same = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const id = `id${i}`;
      if ((bucketOf(id, 'checkout') < 0.5) === (bucketOf(id, other.name) < 0.5)) same++;
    }
    // Independent halves agree half of the time.
    expect(Math.abs(same / n - 0.5)).toBeLessThan(0.02);
  });

  it('assigns a first-time viewer, mints a viewer id and asks for both cookies', () => {
    const out = assignExperiments(req(), [CHECKOUT]);
    const variant = header(out, 'x-experiment-checkout');
    expect(['control', 'one-page', 'express']).toContain(variant);
    const cookies = toSet(out);
    expect(cookies['tcdn-vid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cookies['tcdn-exp-checkout']).toBe(variant);
  });

  it('gives a returning viewer the same variant and asks for no cookie', () => {
    const first = assignExperiments(req(), [CHECKOUT]);
    const cookies = toSet(first);
    const cookieHeader = Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    for (let i = 0; i < 5; i++) {
      const again = assignExperiments(req({ cookie: `theme=dark; ${cookieHeader}` }), [CHECKOUT]);
      expect(header(again, 'x-experiment-checkout')).toBe(header(first, 'x-experiment-checkout'));
      expect(header(again, 'x-tcdn-set-cookie')).toBeUndefined();
    }
  });

  it('derives the same variant from the same viewer id every time', () => {
    const id = 'AbCdEfGhIjKlMnOpQrStUv';
    const variants = new Set(
      Array.from({ length: 10 }, () => header(assignExperiments(req({ cookie: `tcdn-vid=${id}` }), [CHECKOUT]), 'x-experiment-checkout')),
    );
    expect(variants.size).toBe(1);
    const out = assignExperiments(req({ cookie: `tcdn-vid=${id}` }), [CHECKOUT]);
    expect(toSet(out)).toEqual({ 'tcdn-exp-checkout': header(out, 'x-experiment-checkout') });
  });

  it('keeps the variant in the cookie after the weights change', () => {
    const reweighted: ExperimentConfig = {
      ...CHECKOUT,
      variants: [
        { name: 'control', weight: 98 },
        { name: 'one-page', weight: 1 },
        { name: 'express', weight: 1 },
      ],
    };
    const out = assignExperiments(req({ cookie: 'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv; tcdn-exp-checkout=express' }), [reweighted]);
    expect(header(out, 'x-experiment-checkout')).toBe('express');
  });

  it('reassigns a viewer whose cookie names a variant that no longer exists', () => {
    const id = viewerIdFor(CHECKOUT, 'one-page');
    const out = assignExperiments(req({ cookie: `tcdn-vid=${id}; tcdn-exp-checkout=retired` }), [CHECKOUT]);
    expect(header(out, 'x-experiment-checkout')).toBe('one-page');
    expect(toSet(out)).toEqual({ 'tcdn-exp-checkout': 'one-page' });
  });

  it('replaces a malformed viewer id with a fresh one', () => {
    const out = assignExperiments(req({ cookie: 'tcdn-vid=bad;value' }), [CHECKOUT]);
    expect(toSet(out)['tcdn-vid']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('overwrites a variant header sent by the viewer', () => {
    const id = viewerIdFor(CHECKOUT, 'control');
    const out = assignExperiments(
      req({ cookie: `tcdn-vid=${id}`, headers: { 'x-experiment-checkout': 'express' } }),
      [CHECKOUT],
    );
    expect(out.headers['x-experiment-checkout']).toEqual([{ key: 'x-experiment-checkout', value: 'control' }]);
  });

  it('removes experiment headers and a cookie instruction the viewer made up', () => {
    const out = assignExperiments(
      req({
        cookie: 'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv; tcdn-exp-checkout=control',
        headers: { 'x-experiment-pricing': 'cheap', 'x-tcdn-set-cookie': 'tcdn-exp-checkout=express' },
      }),
      [CHECKOUT],
    );
    expect(out.headers['x-experiment-pricing']).toBeUndefined();
    expect(out.headers['x-tcdn-set-cookie']).toBeUndefined();
    expect(header(out, 'x-experiment-checkout')).toBe('control');
  });

  it('ignores force cookies and query parameters when forcing is not configured', () => {
    const id = viewerIdFor(CHECKOUT, 'control');
    const out = assignExperiments(
      req({ cookie: `tcdn-vid=${id}; force-checkout=express`, querystring: 'force-checkout=express' }),
      [CHECKOUT],
    );
    expect(header(out, 'x-experiment-checkout')).toBe('control');
  });

  it('forces a variant by query parameter when configured, without pinning the viewer', () => {
    const qa: ExperimentConfig = { ...CHECKOUT, forceQuery: 'force-checkout', forceCookie: 'qa-checkout' };
    const id = viewerIdFor(CHECKOUT, 'control');
    const out = assignExperiments(
      req({ cookie: `tcdn-vid=${id}; tcdn-exp-checkout=control; qa-checkout=one-page`, querystring: 'a=1&force-checkout=express' }),
      [qa],
    );
    expect(header(out, 'x-experiment-checkout')).toBe('express');
    expect(header(out, 'x-tcdn-set-cookie')).toBeUndefined();
  });

  it('forces a variant by cookie when configured', () => {
    const qa: ExperimentConfig = { ...CHECKOUT, forceCookie: 'qa-checkout' };
    const out = assignExperiments(req({ cookie: 'tcdn-exp-checkout=control; qa-checkout=one-page' }), [qa]);
    expect(header(out, 'x-experiment-checkout')).toBe('one-page');
  });

  it('ignores a forced value that is not a variant', () => {
    const qa: ExperimentConfig = { ...CHECKOUT, forceQuery: 'force-checkout' };
    const out = assignExperiments(req({ cookie: 'tcdn-exp-checkout=control', querystring: 'force-checkout=admin' }), [qa]);
    expect(header(out, 'x-experiment-checkout')).toBe('control');
  });

  it('changes nothing else in the request and leaves the input untouched', () => {
    const input = req({ cookie: 'theme=dark', querystring: 'b=2&a=1', headers: { 'x-auth-sub': 'user-1' } });
    const before = JSON.stringify(input);
    const out = assignExperiments(input, [CHECKOUT]);
    expect(JSON.stringify(input)).toBe(before);
    expect(out.uri).toBe(input.uri);
    expect(out.querystring).toBe('b=2&a=1');
    for (const name of ['host', 'accept', 'cookie', 'x-auth-sub']) expect(out.headers[name]).toEqual(input.headers[name]);
    expect(Object.keys(out.headers).sort()).toEqual(
      ['accept', 'cookie', 'host', 'x-auth-sub', 'x-experiment-checkout', 'x-tcdn-set-cookie'],
    );
  });

  it('runs several experiments and mints one viewer id for all of them', () => {
    const pricing: ExperimentConfig = {
      name: 'pricing',
      variants: [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 1 },
      ],
      cookieMaxAgeSeconds: 60,
    };
    const out = assignExperiments(req(), [CHECKOUT, pricing]);
    expect(header(out, 'x-experiment-checkout')).toBeDefined();
    expect(['a', 'b']).toContain(header(out, 'x-experiment-pricing'));
    expect(Object.keys(toSet(out)).sort()).toEqual(['tcdn-exp-checkout', 'tcdn-exp-pricing', 'tcdn-vid']);
  });
});

describe('assignExperiments on a route without experiments', () => {
  it('returns the request as it came when there is nothing to strip', () => {
    const input = req({ cookie: 'tcdn-exp-checkout=control' });
    expect(assignExperiments(input, [])).toBe(input);
  });

  it('still removes variant headers and cookie instructions the viewer sent', () => {
    const out = assignExperiments(req({ headers: { 'x-experiment-checkout': 'express', 'x-tcdn-set-cookie': 'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv' } }), []);
    expect(Object.keys(out.headers).sort()).toEqual(['accept', 'host']);
  });
});
