import type { CachePolicyModel, OriginRequestPolicyModel, ResponseHeadersPolicyModel } from './model';

/**
 * AWS managed policies, as the CloudFront Developer Guide describes them ("Use managed cache
 * policies", "Use managed origin request policies", "Use managed response headers policies").
 * A template names them by id only, so their settings have to be known here.
 */

const none = { behavior: 'none' as const, items: [] as string[] };
const all = { behavior: 'all' as const, items: [] as string[] };
const year = 31536000;

function cache(id: string, name: string, p: Omit<CachePolicyModel, 'id' | 'name'>): CachePolicyModel {
  return { id, name, ...p };
}

export const MANAGED_CACHE_POLICIES: Readonly<Record<string, CachePolicyModel>> = Object.fromEntries(
  [
    cache('658327ea-f89d-4fab-a63d-7e88639e58f6', 'Managed-CachingOptimized', {
      minTtl: 1, defaultTtl: 86400, maxTtl: year, gzip: true, brotli: true, headers: none, cookies: none, queryStrings: none,
    }),
    cache('b2884449-e4de-46a7-ac36-70bc7f1ddd6d', 'Managed-CachingOptimizedForUncompressedObjects', {
      minTtl: 1, defaultTtl: 86400, maxTtl: year, gzip: false, brotli: false, headers: none, cookies: none, queryStrings: none,
    }),
    cache('4135ea2d-6df8-44a3-9df3-4b5a84be39ad', 'Managed-CachingDisabled', {
      minTtl: 0, defaultTtl: 0, maxTtl: 0, gzip: false, brotli: false, headers: none, cookies: none, queryStrings: none,
    }),
    cache('83da9c7e-98b4-4e11-a168-04f0df8e2c65', 'Managed-UseOriginCacheControlHeaders', {
      minTtl: 0, defaultTtl: 0, maxTtl: year, gzip: true, brotli: true,
      headers: { behavior: 'whitelist', items: ['host', 'origin', 'x-http-method-override', 'x-http-method', 'x-method-override'] },
      cookies: all, queryStrings: none,
    }),
    cache('4cc15a8a-d715-48a4-82b8-cc0b614638fe', 'Managed-UseOriginCacheControlHeaders-QueryStrings', {
      minTtl: 0, defaultTtl: 0, maxTtl: year, gzip: true, brotli: true,
      headers: { behavior: 'whitelist', items: ['host', 'origin', 'x-http-method-override', 'x-http-method', 'x-method-override'] },
      cookies: all, queryStrings: all,
    }),
    cache('2e54312d-136d-493c-8eb9-b001f22f67d2', 'Managed-Amplify', {
      minTtl: 2, defaultTtl: 2, maxTtl: year, gzip: true, brotli: true,
      headers: { behavior: 'whitelist', items: ['authorization', 'cloudfront-viewer-country', 'host'] },
      cookies: all, queryStrings: all,
    }),
    cache('08627262-05a9-4f76-9ded-b50ca2e3a84f', 'Managed-Elemental-MediaPackage', {
      minTtl: 0, defaultTtl: 86400, maxTtl: year, gzip: true, brotli: false,
      headers: { behavior: 'whitelist', items: ['origin'] }, cookies: none,
      queryStrings: { behavior: 'whitelist', items: ['aws.manifestfilter', 'start', 'end', 'm'] },
    }),
  ].map((p) => [p.id, p]),
);

function orp(id: string, name: string, p: Omit<OriginRequestPolicyModel, 'id' | 'name'>): OriginRequestPolicyModel {
  return { id, name, ...p };
}

export const MANAGED_ORIGIN_REQUEST_POLICIES: Readonly<Record<string, OriginRequestPolicyModel>> = Object.fromEntries(
  [
    orp('216adef6-5c7f-47e4-b989-5492eafa07d3', 'Managed-AllViewer', { headers: { behavior: 'allViewer', items: [] }, cookies: all, queryStrings: all }),
    orp('b689b0a8-53d0-40ab-baf2-68738e2966ac', 'Managed-AllViewerExceptHostHeader', {
      headers: { behavior: 'allExcept', items: ['host'] }, cookies: all, queryStrings: all,
    }),
    orp('33f36d7e-f396-46d9-90e0-52428a34d9dc', 'Managed-AllViewerAndCloudFrontHeaders-2022-06', {
      headers: { behavior: 'allViewerAndWhitelistCloudFront', items: ['cloudfront-viewer-country', 'cloudfront-is-mobile-viewer', 'cloudfront-is-tablet-viewer', 'cloudfront-is-desktop-viewer', 'cloudfront-is-smarttv-viewer', 'cloudfront-forwarded-proto', 'cloudfront-viewer-address'] },
      cookies: all, queryStrings: all,
    }),
    orp('88a5eaf4-2fd4-4709-b370-b4c650ea3fcf', 'Managed-CORS-S3Origin', {
      headers: { behavior: 'whitelist', items: ['origin', 'access-control-request-headers', 'access-control-request-method'] }, cookies: none, queryStrings: none,
    }),
    orp('59781a5b-3903-41f3-afcb-af62929ccde1', 'Managed-CORS-CustomOrigin', { headers: { behavior: 'whitelist', items: ['origin'] }, cookies: none, queryStrings: none }),
    orp('acba4595-bd28-49b8-b9fe-13317c0390fa', 'Managed-UserAgentRefererHeaders', {
      headers: { behavior: 'whitelist', items: ['user-agent', 'referer'] }, cookies: none, queryStrings: none,
    }),
    orp('bf0718e1-ba1e-49d1-88b1-f726733018ae', 'Managed-HostHeaderOnly', { headers: { behavior: 'whitelist', items: ['host'] }, cookies: none, queryStrings: none }),
    orp('775133bc-15f2-49f9-abea-afb2e0bf67d2', 'Managed-Elemental-MediaTailor-PersonalizedManifests', {
      headers: { behavior: 'whitelist', items: ['origin', 'access-control-request-headers', 'x-forwarded-for', 'access-control-request-method', 'user-agent'] },
      cookies: none, queryStrings: all,
    }),
  ].map((p) => [p.id, p]),
);

const securityHeaders = {
  'strict-transport-security': { value: 'max-age=31536000', override: false },
  'x-content-type-options': { value: 'nosniff', override: false },
  'x-frame-options': { value: 'SAMEORIGIN', override: false },
  'referrer-policy': { value: 'strict-origin-when-cross-origin', override: false },
  'x-xss-protection': { value: '1; mode=block', override: false },
};
const allMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];
const simpleCors = { allowOrigins: ['*'], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false, override: false };
const preflightCors = { allowOrigins: ['*'], allowMethods: allMethods, allowHeaders: ['*'], exposeHeaders: ['*'], allowCredentials: false, maxAgeSec: 600, override: false };

export const MANAGED_RESPONSE_HEADERS_POLICIES: Readonly<Record<string, ResponseHeadersPolicyModel>> = Object.fromEntries(
  (
    [
      { id: '67f7725c-6f97-4210-82d7-5512b31e9d03', name: 'Managed-SecurityHeadersPolicy', set: securityHeaders, remove: [] },
      { id: '60669652-455b-4ae9-85a4-c4c02393f86c', name: 'Managed-SimpleCORS', set: {}, remove: [], cors: simpleCors },
      { id: '5cc3b908-e619-4b99-88e5-2cf7f45965bd', name: 'Managed-CORS-With-Preflight', set: {}, remove: [], cors: preflightCors },
      { id: 'e61eb60c-9c35-4d20-a928-2b84e02af89c', name: 'Managed-CORS-and-SecurityHeadersPolicy', set: securityHeaders, remove: [], cors: simpleCors },
      { id: 'eaab4381-ed33-4a86-88ca-d9558dc6cd63', name: 'Managed-CORS-with-preflight-and-SecurityHeadersPolicy', set: securityHeaders, remove: [], cors: preflightCors },
    ] as ResponseHeadersPolicyModel[]
  ).map((p) => [p.id, p]),
);

/**
 * The legacy cache settings CloudFront applies to a behavior with no cache policy
 * (ForwardedValues): TTLs 0 / 86400 / 31536000 and nothing but the path in the key.
 */
export const LEGACY_DEFAULT_CACHE_POLICY: CachePolicyModel = cache('legacy', 'LegacyCacheSettings', {
  minTtl: 0, defaultTtl: 86400, maxTtl: year, gzip: true, brotli: true, headers: none, cookies: none, queryStrings: none,
});
