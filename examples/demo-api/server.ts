/**
 * A small HTTP API that sends what each cache tier of the reference app expects from an origin:
 *   /api/products...   public, shared:       s-maxage=60, stale-while-revalidate=30 (tier api), tagged
 *                                            product:<id> and category:<name> (x-amz-meta-cache-tag)
 *   /api/categories/<name>  browsers max-age=60; CDN-Cache-Control: max-age=300, stale-while-revalidate=60
 *                                            (tier api with targetedCacheControl), tagged like products
 *   /api/config/...    shared by all users:  s-maxage=300, stale-if-error=3600 (tier api, authenticated)
 *   /api/me/...        per user:             private, no-store; echoes the x-auth-sub the edge asserted (tier dynamic)
 * Every response says how many requests the origin has served for its path (x-demo-origin-count),
 * so a cache hit is visible from the outside.
 *
 * Run: npx tsx examples/demo-api/server.ts --port 9000
 */
import * as crypto from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { identityOf } from '../identity-headers';
import { DEFAULT_CACHE_TAG_HEADER } from '../../lambda-edge/shared/invalidation';

export interface DemoApi {
  readonly url: string;
  readonly port: number;
  /** Requests served, per path (without the query string). */
  readonly counts: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const PRODUCTS = [
  { id: 'p-100', category: 'cups', name: { en: 'Espresso cup', de: 'Espressotasse', fr: 'Tasse à espresso' }, price: 9.5 },
  { id: 'p-200', category: 'brewing', name: { en: 'Pour-over kettle', de: 'Wasserkessel', fr: 'Bouilloire' }, price: 42 },
  { id: 'p-300', category: 'brewing', name: { en: 'Hand grinder', de: 'Handmühle', fr: 'Moulin manuel' }, price: 65 },
];

/** The cache tags of a response listing these products: each product and each category it shows. */
function tagsOf(products: readonly (typeof PRODUCTS)[number][]): Record<string, string> {
  const tags = [...new Set(products.flatMap((x) => [`product:${x.id}`, `category:${x.category}`]))];
  return tags.length > 0 ? { [DEFAULT_CACHE_TAG_HEADER]: tags.join(', ') } : {};
}

type Lang = 'en' | 'de' | 'fr';

function language(header: string | undefined): Lang {
  const first = (header ?? '').split(',')[0].trim().slice(0, 2).toLowerCase();
  return first === 'de' || first === 'fr' ? first : 'en';
}

export function startDemoApi(options: { port?: number; host?: string } = {}): Promise<DemoApi> {
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    const p = url.pathname;
    const n = (counts.get(p) ?? 0) + 1;
    counts.set(p, n);
    const reply = (status: number, cacheControl: string, body: unknown, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body, null, 2);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': cacheControl,
        etag: `"${crypto.createHash('sha1').update(text).digest('hex').slice(0, 16)}"`,
        'x-demo-origin-count': String(n),
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    req.resume();
    const at = new Date().toISOString();
    if (p === '/api/products' || p.startsWith('/api/products/')) {
      const lang = language(req.headers['accept-language'] as string | undefined);
      const id = p.split('/')[3];
      const shown = PRODUCTS.filter((x) => !id || x.id === id);
      const items = shown.map((x) => ({ id: x.id, category: x.category, name: x.name[lang], price: x.price }));
      if (id && items.length === 0) return reply(404, 'public, s-maxage=10', { error: `no product '${id}'` });
      return reply(200, 'public, s-maxage=60, stale-while-revalidate=30', { items, lang, page: url.searchParams.get('page') ?? '1', generatedAt: at }, {
        'content-language': lang,
        ...tagsOf(shown),
      });
    }
    if (p.startsWith('/api/categories/')) {
      const lang = language(req.headers['accept-language'] as string | undefined);
      const category = p.split('/')[3];
      const shown = PRODUCTS.filter((x) => x.category === category);
      if (shown.length === 0) return reply(404, 'public, s-maxage=10', { error: `no category '${category}'` });
      // Browsers keep it a minute; the CDN five minutes, and a tag invalidation ends that early.
      return reply(200, 'public, max-age=60', { category, items: shown.map((x) => ({ id: x.id, name: x.name[lang], price: x.price })), lang, generatedAt: at }, {
        'content-language': lang,
        'cdn-cache-control': 'max-age=300, stale-while-revalidate=60',
        ...tagsOf(shown),
      });
    }
    if (p.startsWith('/api/config/')) {
      return reply(200, 'public, s-maxage=300, stale-if-error=3600', {
        flags: { newCheckout: true, darkMode: false },
        note: 'identical for every user, so it may be cached without the token in the key',
        generatedAt: at,
      });
    }
    if (p.startsWith('/api/me/')) {
      // The edge encodes identity values (examples/identity-headers.ts): decode, never compare raw.
      const identity = identityOf(req.headersDistinct);
      if (!identity?.sub) {
        return reply(401, 'private, no-store', { error: 'no verified identity: the edge asserts x-auth-sub after checking the token' });
      }
      return reply(200, 'private, no-store', {
        sub: identity.sub,
        scope: identity.scopes.length > 0 ? identity.scopes.join(' ') : null,
        path: p,
        method: req.method,
        generatedAt: at,
      });
    }
    if (p === '/api/health') return reply(200, 'no-store', { ok: true });
    return reply(404, 'public, s-maxage=10', { error: `no route ${req.method} ${p}` });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9000, options.host ?? '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${options.host ?? '127.0.0.1'}:${port}`,
        port,
        counts,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

if (require.main === module) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : (process.env.PORT ?? 9000));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`demo-api: --port must be a port from 0 to 65535, got: ${process.argv[i + 1] ?? process.env.PORT}\n`);
    process.exit(1);
  }
  startDemoApi({ port }).then(
    (api) => {
      process.stdout.write(`demo-api listening on ${api.url}\n`);
      const stop = () => void api.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: NodeJS.ErrnoException) => {
      process.stderr.write(`demo-api: cannot listen on port ${port}: ${err.code ?? err.message}\n`);
      process.exit(1);
    },
  );
}
