import type { RouteProps, TieredCdnProps } from '../lib';
import type { Jwks } from '../lambda-edge/shared/config';

/** Options of `scaleRouteTable`. */
export interface ScaleTableOptions {
  /**
   * Put the two experiments on the default behavior of the API origin, so that one function runs
   * the path guard (with every protected pattern) and the experiments: the largest function a route
   * table can generate. By default the pages (and their experiments) come from an origin without
   * protected routes, as in the reference app.
   */
  readonly experimentsOnGuardedOrigin?: boolean;
}

/**
 * Route tables for measuring generated function sizes at scale: `behaviors` cache behaviors, half
 * the written routes protected by auth under 40-character prefixes
 * (`/api/v2/customer-accounts/service-0001/*`, each also getting a behavior for its bare path),
 * the other half public under prefixes as long plus a catch-all `/api/*`, all on one API origin so
 * every one of them runs the path guard; the default behavior (`*`, server-rendered pages) runs two
 * experiments. At 75 behaviors (CloudFront's quota) that is 50 routes, 25 of them protected.
 */
export function scaleRouteTable(behaviors: number, jwks: Jwks, options: ScaleTableOptions = {}): TieredCdnProps {
  const auth = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks };
  // 2 catch-alls + 2 behaviors per protected route + 1 per public route.
  const protectedCount = Math.floor(behaviors / 3);
  const publicCount = Math.max(0, behaviors - 2 - 2 * protectedCount);
  const id = (i: number) => String(i + 1).padStart(4, '0');
  const routes: RouteProps[] = [
    {
      pathPattern: '*',
      tier: 'html',
      origin: options.experimentsOnGuardedOrigin ? 'api' : 'pages',
      experiments: [
        { name: 'checkout-flow', variants: [{ name: 'control', weight: 50 }, { name: 'one-page', weight: 50 }] },
        { name: 'search-ranking', variants: [{ name: 'control', weight: 80 }, { name: 'learned', weight: 10 }, { name: 'hybrid', weight: 10 }] },
      ],
    },
    { pathPattern: '/api/*', tier: 'api', origin: 'api' },
  ];
  for (let i = 0; i < protectedCount; i++) routes.push({ pathPattern: `/api/v2/customer-accounts/service-${id(i)}/*`, tier: 'dynamic', origin: 'api', auth });
  for (let i = 0; i < publicCount; i++) routes.push({ pathPattern: `/api/v2/public-catalogues/service-${id(i)}/*`, tier: 'api', origin: 'api' });
  return { origins: { pages: { domainName: 'pages.example.com' }, api: { domainName: 'api.example.com' } }, routes };
}
