import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { TieredCdnProps } from '../../lib';
import { behaviorFor, cachePolicyOf, cdnStack, deref, distributionConfig, SITE_DIR } from '../helpers/stacks';

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const YEAR = 31536000;

const site = { source: SITE_DIR };
const api = { domainName: 'api.example.com' };

function fullProps(overrides: Partial<TieredCdnProps> = {}): TieredCdnProps {
  return {
    site,
    origins: { api },
    routes: [
      { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
      { pathPattern: '*', tier: 'html', origin: 'site' },
      { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api' },
      { pathPattern: '/api/config/*', tier: 'api', origin: 'api' },
      { pathPattern: '/api/*', tier: 'api', origin: 'api', varyHeaders: ['Accept-Language'] },
    ],
    ...overrides,
  };
}

let full: ReturnType<typeof cdnStack> | undefined;
/** The stack of `fullProps()`, synthesized once for the file: the tests that use it only read it. */
function fullStack(): ReturnType<typeof cdnStack> {
  full ??= cdnStack(fullProps());
  return full;
}

describe('minimal example', () => {
  test('a site with only the default route gets one distribution serving HTML briefly', () => {
    const { template } = cdnStack({ site, routes: [{ pathPattern: '*', tier: 'html', origin: 'site' }] });
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    const html = cachePolicyOf(template, '*');
    expect(html).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 60 });
    expect(distributionConfig(template).CacheBehaviors ?? []).toEqual([]);
    expect(distributionConfig(template).DefaultRootObject).toBe('index.html');
  });
});

describe('static tier', () => {
  const { template } = fullStack();

  test('caches a year with no query strings, cookies or headers in the key, gzip and brotli', () => {
    expect(cachePolicyOf(template, '/assets/*')).toEqual(
      expect.objectContaining({
        MinTTL: YEAR,
        DefaultTTL: YEAR,
        MaxTTL: YEAR,
        ParametersInCacheKeyAndForwardedToOrigin: {
          CookiesConfig: { CookieBehavior: 'none' },
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      }),
    );
  });

  test('accepts GET and HEAD only', () => {
    expect(behaviorFor(template, '/assets/*')).toMatchObject({
      AllowedMethods: ['GET', 'HEAD'],
      CachedMethods: ['GET', 'HEAD'],
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: true,
    });
  });

  test('adds no Cache-Control in its response headers policy: it cannot tell an asset from an error (a missing asset stays a year)', () => {
    const rhp = deref(template, behaviorFor(template, '/assets/*').ResponseHeadersPolicyId);
    expect(rhp.Properties.ResponseHeadersPolicyConfig.CustomHeadersConfig).toBeUndefined();
  });

  test('site assets carry Cache-Control immutable in their S3 metadata, uploaded before the entry documents', () => {
    for (const cacheTags of [undefined, false] as const) {
      const { template } = cacheTags === false ? cdnStack(fullProps({ cacheTags: false })) : fullStack();
      const deployments = template.findResources('Custom::CDKBucketDeployment');
      const immutable = Object.entries(deployments).filter(([, d]) => (d as any).Properties.SystemMetadata?.['cache-control'] === 'public, max-age=31536000, immutable');
      expect(immutable.map(([id]) => id)).toEqual([expect.stringMatching(/^CdnSiteDeploymentImmutable/)]);
      const [, assets] = immutable[0] as [string, any];
      expect(assets.Properties.Include.some((k: string) => k.startsWith('assets/'))).toBe(true);
      expect(assets.Properties.Include.every((k: string) => k.startsWith('assets/'))).toBe(true);
      // Every other deployment leaves the assets alone (never uploads them without their lifetime) and waits for them.
      for (const [id, d] of Object.entries(deployments) as Array<[string, any]>) {
        if (id === immutable[0][0]) continue;
        expect(d.Properties.SystemMetadata?.['cache-control']).toBeUndefined();
        const uploadsAssets = (d.Properties.Include ?? []).some((k: string) => k.startsWith('assets/')) || !(d.Properties.Exclude ?? []).some((k: string) => k === 'assets/*' || k === '*');
        expect([id, uploadsAssets]).toEqual([id, false]);
        expect([id, JSON.stringify(d.DependsOn ?? [])]).toEqual([id, expect.stringContaining(immutable[0][0])]);
      }
    }
  });
});

describe('html tier (default behavior)', () => {
  test('is short-lived, not immutable, and revalidated by browsers', () => {
    const { template } = fullStack();
    expect(cachePolicyOf(template, '*')).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 60 });
    const rhp = deref(template, behaviorFor(template, '*').ResponseHeadersPolicyId);
    const items = rhp.Properties.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items;
    expect(items).toEqual([{ Header: 'Cache-Control', Value: 'public, max-age=0, must-revalidate', Override: false }]);
    expect(JSON.stringify(items)).not.toContain('immutable');
  });

  test('with cache tags off, entry documents are invalidated by exact path on deploy, never with a wildcard', () => {
    const { template, cdn } = cdnStack(fullProps({ cacheTags: false }));
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DistributionPaths: ['/about.html', '/index.html', '/', '/variants/redesign/index.html', '/variants/redesign/'],
    });
    expect(cdn.entryDocuments.some((p) => p.includes('*'))).toBe(false);
    // The same paths are the 'html' path group carried in the template (`invalidate --group html`).
    expect(template.toJSON().Metadata['TieredCdn::InvalidationGroups'].groups.html).toEqual(cdn.entryDocuments);
  });

  test('maxTtl shortens the HTML TTL', () => {
    const props = fullProps();
    const routes = props.routes.map((r) => (r.pathPattern === '*' ? { ...r, maxTtl: Duration.seconds(10) } : r));
    const { template } = cdnStack({ ...props, routes });
    expect(cachePolicyOf(template, '*')).toMatchObject({ DefaultTTL: 10, MaxTTL: 10 });
  });
});

describe('api tier', () => {
  const { template } = fullStack();

  test('caches nothing unless the origin opts in: MinTTL 0, DefaultTTL 0, MaxTTL one day', () => {
    expect(cachePolicyOf(template, '/api/*')).toMatchObject({ MinTTL: 0, DefaultTTL: 0, MaxTTL: 86400 });
  });

  test('keys on all query strings and only the declared headers, never cookies', () => {
    expect(cachePolicyOf(template, '/api/*').ParametersInCacheKeyAndForwardedToOrigin).toEqual({
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['accept-language'] },
      QueryStringsConfig: { QueryStringBehavior: 'all' },
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
    });
    expect(cachePolicyOf(template, '/api/config/*').ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig).toEqual({
      HeaderBehavior: 'none',
    });
  });

  test('caches GET, HEAD and OPTIONS', () => {
    expect(behaviorFor(template, '/api/*')).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      CachedMethods: ['GET', 'HEAD', 'OPTIONS'],
    });
  });

  test('a query-string allowlist and maxTtl are honoured', () => {
    const { template: t } = cdnStack({
      origins: { api },
      routes: [
        { pathPattern: '*', tier: 'api', origin: 'api', queryStrings: ['page', 'lang'], maxTtl: Duration.hours(1) },
      ],
    });
    const policy = cachePolicyOf(t, '*');
    expect(policy.MaxTTL).toBe(3600);
    expect(policy.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig).toEqual({
      QueryStringBehavior: 'whitelist',
      QueryStrings: ['lang', 'page'],
    });
  });

  test('routes with the same key share one cache policy', () => {
    const { template: t } = cdnStack({
      origins: { api },
      routes: [
        { pathPattern: '*', tier: 'dynamic', origin: 'api' },
        { pathPattern: '/a/*', tier: 'api', origin: 'api' },
        { pathPattern: '/b/*', tier: 'api', origin: 'api' },
      ],
    });
    t.resourceCountIs('AWS::CloudFront::CachePolicy', 1);
    expect(behaviorFor(t, '/a/*').CachePolicyId).toEqual(behaviorFor(t, '/b/*').CachePolicyId);
  });
});

describe('dynamic tier', () => {
  const { template } = fullStack();

  test('uses the managed CachingDisabled policy and accepts every method', () => {
    expect(behaviorFor(template, '/api/me/*')).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    });
  });

  test('forwards every viewer header except Host and the identity headers the edge asserts', () => {
    const orp = deref(template, behaviorFor(template, '/api/me/*').OriginRequestPolicyId);
    expect(orp.Properties.OriginRequestPolicyConfig).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'allExcept', Headers: ['host', 'x-auth-sub', 'x-auth-scope'] },
      QueryStringsConfig: { QueryStringBehavior: 'all' },
      CookiesConfig: { CookieBehavior: 'all' },
    });
  });
});

describe('behavior order', () => {
  test('behaviors are ordered most specific first whatever the order of the table', () => {
    const props = fullProps();
    const a = distributionConfig(cdnStack(props).template).CacheBehaviors.map((b: any) => b.PathPattern);
    const b = distributionConfig(cdnStack({ ...props, routes: [...props.routes].reverse() }).template).CacheBehaviors.map(
      (x: any) => x.PathPattern,
    );
    expect(a).toEqual(b);
    expect(a.indexOf('/api/me/*')).toBeLessThan(a.indexOf('/api/*'));
    expect(a.indexOf('/api/config/*')).toBeLessThan(a.indexOf('/api/*'));
  });
});

describe('origins', () => {
  test('Origin Shield is on for every origin, in the region recommended for the origin region', () => {
    const { template } = cdnStack(
      // A CLOUDFRONT-scope web ACL cannot be created outside us-east-1.
      fullProps({ origins: { api: { domainName: 'api.example.com', region: 'eu-north-1' } }, waf: false }),
      'eu-west-1',
    );
    const origins = distributionConfig(template).Origins;
    expect(origins).toHaveLength(2);
    const byId = Object.fromEntries(origins.map((o: any) => [o.Id, o]));
    expect(byId.site.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-1' });
    expect(byId.api.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-2' });
  });

  test('originShield false turns it off for one origin; originShield: false on the construct for all', () => {
    const one = cdnStack(fullProps({ origins: { api: { ...api, originShield: false } } })).template;
    const byId = Object.fromEntries(distributionConfig(one).Origins.map((o: any) => [o.Id, o]));
    expect(byId.api.OriginShield?.Enabled ?? false).toBe(false);
    expect(byId.site.OriginShield.Enabled).toBe(true);
    const none = cdnStack(fullProps({ originShield: false })).template;
    expect(distributionConfig(none).Origins.map((o: any) => o.OriginShield?.Enabled ?? false)).toEqual([false, false]);
  });

  test('API origins are HTTPS only with TLS 1.2 and settable timeouts', () => {
    const { template } = cdnStack(
      fullProps({
        origins: {
          api: { ...api, readTimeout: Duration.seconds(20), connectionTimeout: Duration.seconds(3), keepaliveTimeout: Duration.seconds(10) },
        },
      }),
    );
    const apiOrigin = distributionConfig(template).Origins.find((o: any) => o.Id === 'api');
    expect(apiOrigin).toMatchObject({
      DomainName: 'api.example.com',
      ConnectionTimeout: 3,
      CustomOriginConfig: {
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
        OriginReadTimeout: 20,
        OriginKeepaliveTimeout: 10,
      },
    });
  });

  test('the site bucket is private, SSL-only, logged, and reached through Origin Access Control', () => {
    const { template } = fullStack();
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 's3/site/', DestinationBucketName: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    const siteOrigin = distributionConfig(template).Origins.find((o: any) => o.Id === 'site');
    expect(siteOrigin.OriginAccessControlId).toBeDefined();
  });
});

describe('distribution', () => {
  const { template } = fullStack();
  const config = distributionConfig(template);

  test('HTTP/2 and HTTP/3, IPv6, price class 100, standard logging (v2) to the log bucket', () => {
    expect(config).toMatchObject({
      HttpVersion: 'http2and3',
      IPV6Enabled: true,
      PriceClass: 'PriceClass_100',
    });
    expect(config.Logging).toBeUndefined();
    template.hasResourceProperties('AWS::Logs::DeliveryDestination', { DestinationResourceArn: { 'Fn::GetAtt': ['CdnLogBucket75337C09', 'Arn'] } });
  });

  test('every behavior carries a security headers policy', () => {
    const behaviors = [config.DefaultCacheBehavior, ...config.CacheBehaviors];
    for (const b of behaviors) {
      const rhp = deref(template, b.ResponseHeadersPolicyId).Properties.ResponseHeadersPolicyConfig;
      expect(rhp.SecurityHeadersConfig).toEqual({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
      });
    }
  });

  test('5xx responses are cached only briefly', () => {
    expect(config.CustomErrorResponses).toEqual(
      [500, 502, 503, 504].map((code) => ({ ErrorCode: code, ErrorCachingMinTTL: 5 })),
    );
  });
});

describe('maximum example', () => {
  test('custom domain with certificate, overrides and every route option', () => {
    const { template, cdn } = cdnStack((stack) => ({
      ...fullProps(),
      domainNames: ['cdn.example.com'],
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc'),
      priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
      serverErrorCachingTtl: Duration.seconds(2),
      securityHeaders: { contentSecurityPolicy: "default-src 'self'", frameOption: cloudfront.HeadersFrameOption.SAMEORIGIN },
      distributionOverrides: { comment: 'mine', httpVersion: cloudfront.HttpVersion.HTTP2 },
    }));
    const config = distributionConfig(template);
    expect(config).toMatchObject({
      Aliases: ['cdn.example.com'],
      ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      PriceClass: 'PriceClass_All',
      Comment: 'mine',
      HttpVersion: 'http2',
    });
    expect(config.CustomErrorResponses[0]).toEqual({ ErrorCode: 500, ErrorCachingMinTTL: 2 });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: "default-src 'self'", Override: true },
          FrameOptions: { FrameOption: 'SAMEORIGIN', Override: true },
        }),
      }),
    });
    // Every created resource is reachable.
    expect(cdn.distribution).toBeInstanceOf(cloudfront.Distribution);
    expect(cdn.siteBucket).toBeDefined();
    expect(cdn.logBucket).toBeDefined();
    expect(cdn.siteDeployment).toBeDefined();
    expect(Object.keys(cdn.origins).sort()).toEqual(['api', 'site']);
    expect(Object.keys(cdn.responseHeadersPolicies).sort()).toEqual(['api', 'dynamic', 'html', 'static']);
    expect(cdn.cachePolicies).toHaveLength(Object.keys(template.findResources('AWS::CloudFront::CachePolicy')).length);
    expect(cdn.originRequestPolicies).toHaveLength(Object.keys(template.findResources('AWS::CloudFront::OriginRequestPolicy')).length);
    expect(cdn.routes.map((r) => r.pathPattern)).toEqual(['/api/config/*', '/api/me/*', '/assets/*', '/api/*', '*']);
  });
});

describe('stateful resources keep their logical ids', () => {
  test('buckets and the distribution', () => {
    const { template } = fullStack();
    const ids = (type: string) => Object.keys(template.findResources(type)).sort();
    expect(ids('AWS::S3::Bucket')).toEqual(['CdnLogBucket75337C09', 'CdnSiteBucket86B79174']);
    expect(ids('AWS::CloudFront::Distribution')).toEqual(['CdnF9DD0B44']);
  });
});
