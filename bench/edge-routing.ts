/**
 * Per-request cost of the routing steps and the size of the routing bundles.
 * Run: npm run bench:edge (after bench/edge.ts) or npx tsx bench/edge-routing.ts
 *
 * Every figure is taken in this one run, next to a baseline doing the same job the obvious way,
 * so the ratios hold on any machine even when the absolute numbers do not.
 */
import { createHash, randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { CloudFrontRequest } from 'aws-lambda';
import { decide as decideOrigin, routeRequest } from '../lambda-edge/origin-request/index';
import type { ExperimentConfig, NormalizeConfig, OriginRequestConfig, ViewerResponseConfig } from '../lambda-edge/shared/config';
import { assignExperiments } from '../lambda-edge/viewer-request/experiments';
import { normalizeRequest } from '../lambda-edge/viewer-request/normalize';
import { decide as decideCookies } from '../lambda-edge/viewer-response/index';
import { bundleEdgeFunction } from '../lib/edge/bundle';
import { bench } from './micro';

function request(querystring: string, headers: Record<string, string> = {}): CloudFrontRequest {
  const h: CloudFrontRequest['headers'] = {
    host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }],
    'user-agent': [{ key: 'User-Agent', value: 'Mozilla/5.0 (X11; Linux x86_64)' }],
    accept: [{ key: 'Accept', value: 'text/html,application/xhtml+xml' }],
    'accept-language': [{ key: 'Accept-Language', value: 'de-DE,de;q=0.9' }],
  };
  for (const [k, v] of Object.entries(headers)) h[k] = [{ key: k, value: v }];
  return { clientIp: '203.0.113.9', method: 'GET', uri: '/products', querystring, headers: h };
}

const NORMALIZE: NormalizeConfig = { dropParams: ['ref'], dropPrefixes: [], sort: true };
const QUERY = 'utm_source=newsletter&utm_medium=email&utm_campaign=spring&page=2&q=caf%C3%A9&sort=price&fbclid=IwAR0abc&color=red';

/** The obvious way: URLSearchParams. It re-encodes values (`%C3%A9` stays, but `+`, `*` and friends change). */
function normalizeWithUrlSearchParams(r: CloudFrontRequest): CloudFrontRequest {
  const params = new URLSearchParams(r.querystring);
  for (const name of [...params.keys()]) {
    const lower = name.toLowerCase();
    if (lower.startsWith('utm_') || lower === 'fbclid' || lower === 'gclid' || lower === 'ref') params.delete(name);
  }
  params.sort();
  return { ...r, querystring: params.toString() };
}

const HOMEPAGE: ExperimentConfig = {
  name: 'homepage',
  variants: [
    { name: 'classic', weight: 50 },
    { name: 'hero', weight: 50 },
  ],
  cookieMaxAgeSeconds: 2592000,
};
const EXPERIMENTS = [HOMEPAGE];

const ORIGINS: OriginRequestConfig = {
  rules: [
    { countries: ['DE', 'FR', 'AT', 'NL', 'BE'], origin: 'eu' },
    { device: 'mobile', origin: 'm' },
  ],
  origins: {
    eu: { kind: 'custom', domainName: 'api-eu.example.com', protocol: 'https', port: 443, path: '' },
    m: { kind: 'custom', domainName: 'm.example.com', protocol: 'https', port: 443, path: '' },
  },
};
function originRequest(country: string, mobile: boolean): CloudFrontRequest {
  return {
    ...request('page=2', {
      'cloudfront-viewer-country': country,
      'cloudfront-is-mobile-viewer': String(mobile),
    }),
    origin: {
      custom: {
        customHeaders: {},
        domainName: 'api.example.com',
        keepaliveTimeout: 5,
        path: '',
        port: 443,
        protocol: 'https',
        readTimeout: 30,
        sslProtocols: ['TLSv1.2'],
      },
    },
  };
}

function main(): void {
  const rows: Array<[string, string]> = [];
  const add = (name: string, ns: number, note = ''): void => {
    rows.push([name, `${ns.toFixed(0).padStart(7)} ns/op${note ? `  ${note}` : ''}`]);
  };

  const qReq = request(QUERY);
  const emptyReq = request('');
  const norm = bench(() => normalizeRequest(qReq, NORMALIZE));
  const usp = bench(() => normalizeWithUrlSearchParams(qReq));
  add('normalize: 8 params, 4 tracking', norm);
  add('  baseline URLSearchParams delete+sort', usp, `(normalize is ${(usp / norm).toFixed(1)}x faster)`);
  add('normalize: empty query', bench(() => normalizeRequest(emptyReq, NORMALIZE)));

  const newViewer = request('page=2');
  const returning = request('page=2', { cookie: 'theme=dark; tcdn-vid=AbCdEfGhIjKlMnOpQrStUv; tcdn-exp-homepage=hero' });
  const idOnly = request('page=2', { cookie: 'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv' });
  const sha = bench(() => createHash('sha256').update('homepage').update('\0').update('AbCdEfGhIjKlMnOpQrStUv').digest());
  const ret = bench(() => assignExperiments(returning, EXPERIMENTS));
  const hashed = bench(() => assignExperiments(idOnly, EXPERIMENTS));
  const fresh = bench(() => assignExperiments(newViewer, EXPERIMENTS));
  add('experiments: returning viewer (cookie)', ret);
  add('experiments: known id, hash assignment', hashed);
  add('experiments: new viewer (random id + hash)', fresh);
  add('  baseline one sha256 digest', sha, `(hash assignment = ${(hashed / sha).toFixed(1)}x one digest)`);
  const uuid = bench(() => randomUUID());
  const bytes = bench(() => randomBytes(16).toString('base64url'));
  add('  viewer id: randomUUID (used)', uuid);
  add('  viewer id: randomBytes(16) base64url', bytes, `(randomUUID is ${(bytes / uuid).toFixed(1)}x cheaper)`);

  const vrConfig: ViewerResponseConfig = { experiments: EXPERIMENTS };
  const withInstruction = request('', { 'x-tcdn-set-cookie': 'tcdn-vid=AbCdEfGhIjKlMnOpQrStUv&tcdn-exp-homepage=hero' });
  add('viewer-response: two Set-Cookie', bench(() => decideCookies(withInstruction, vrConfig)));
  add('viewer-response: nothing to set', bench(() => decideCookies(emptyReq, vrConfig)));

  const de = originRequest('DE', false);
  const us = originRequest('US', false);
  const usMobile = originRequest('US', true);
  add('origin-request decide: first rule matches', bench(() => decideOrigin(de, ORIGINS)));
  add('origin-request decide: no rule matches', bench(() => decideOrigin(us, ORIGINS)));
  add('origin-request route: second rule, rewrite', bench(() => routeRequest(usMobile, ORIGINS)));

  console.log('Edge routing: per-request cost (fastest of 9 rounds of 100,000 calls)');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(44)} ${value}`);

  console.log('\nEdge routing: bundle sizes (esbuild minified, node22; gzip -9)');
  const bundles: Array<[string, Parameters<typeof bundleEdgeFunction>[0], unknown]> = [
    ['origin-request (2 rules, 2 origins)', 'origin-request', ORIGINS],
    ['viewer-response (1 experiment)', 'viewer-response', vrConfig],
    ['viewer-request, normalize + experiments, no auth', 'viewer-request', { normalize: NORMALIZE, experiments: EXPERIMENTS }],
  ];
  for (const [name, kind, config] of bundles) {
    const { dir } = bundleEdgeFunction(kind, config);
    const code = fs.readFileSync(path.join(dir, 'index.js'));
    const gz = zlib.gzipSync(code, { level: 9 });
    console.log(`  ${name.padEnd(44)} ${String(code.byteLength).padStart(6)} B minified  ${String(gz.byteLength).padStart(5)} B gzip`);
  }
  console.log(`\nnode ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);
}

main();
