import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TieredCdnProps } from '../../lib';
import { cdnStack, deref, distributionConfig, SITE_DIR, validationCodes, validationProblems } from '../helpers/stacks';

const api = { domainName: 'api.example.com' };
const routes: TieredCdnProps['routes'] = [
  { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
  { pathPattern: '*', tier: 'html', origin: 'site' },
  { pathPattern: '/api/*', tier: 'api', origin: 'api' },
];

function deployments(template: ReturnType<typeof cdnStack>['template']): Record<string, any> {
  return template.findResources('Custom::CDKBucketDeployment');
}

describe('cache tags on by default', () => {
  const { template, cdn } = cdnStack({ site: { source: SITE_DIR }, origins: { api }, routes });

  test('the distribution stores the tags of the x-amz-meta-cache-tag header', () => {
    expect(distributionConfig(template).CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-cache-tag' });
    expect(cdn.cacheTags).toEqual({ headerName: 'x-amz-meta-cache-tag', sendToViewers: false });
  });

  test('every behavior removes the tag header from viewer responses', () => {
    const config = distributionConfig(template);
    for (const b of [config.DefaultCacheBehavior, ...config.CacheBehaviors]) {
      const policy = deref(template, b.ResponseHeadersPolicyId).Properties.ResponseHeadersPolicyConfig;
      expect(policy.RemoveHeadersConfig).toEqual({ Items: [{ Header: 'x-amz-meta-cache-tag' }] });
    }
  });

  test('site objects carry their tags as S3 metadata: assets site,site:assets, entry documents site,site:html', () => {
    const all = Object.values(deployments(template)).map((d) => d.Properties);
    expect(all).toHaveLength(3);
    const assets = all.find((p) => p.UserMetadata['cache-tag'] === 'site,site:assets' && !p.SystemMetadata);
    const immutable = all.find((p) => p.UserMetadata['cache-tag'] === 'site,site:assets' && p.SystemMetadata);
    const html = all.find((p) => p.UserMetadata['cache-tag'] === 'site,site:html');
    // The untagged deployment syncs (and prunes) everything but the entry documents and the static
    // tier's assets, which the next one uploads with their browser lifetime.
    expect(assets.Exclude).toEqual(['about.html', 'index.html', 'variants/redesign/index.html', 'assets/*']);
    expect(assets.Include).toBeUndefined();
    expect(immutable).toMatchObject({ Exclude: ['*'], Include: ['assets/app.5a4476ea.js', 'assets/app.df385d03.css'], SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' } });
    expect(assets.DistributionPaths).toBeUndefined();
    expect(html.Exclude).toEqual(['*']);
    expect(html.Include).toEqual(['about.html', 'index.html', 'variants/redesign/index.html']);
  });

  test('the deploy invalidates the entry documents with one tag item, after the assets are uploaded', () => {
    const res = deployments(template);
    const [, html] = Object.entries(res).find(([, d]) => d.Properties.UserMetadata['cache-tag'] === 'site,site:html')!;
    expect(html.Properties.DistributionPaths).toEqual(['#site:html']);
    expect(html.Properties.DistributionId.Ref).toMatch(/^Cdn/);
    const assetsId = Object.keys(res).find((id) => /^CdnSiteDeploymentCustomResource/.test(id))!;
    expect(html.DependsOn).toEqual(expect.arrayContaining([assetsId]));
    // The construct id of the first deployment is unchanged, so upgrading does not replace it.
    expect(assetsId).toMatch(/^CdnSiteDeploymentCustomResource/);
    expect(cdn.siteDeployment).toBe(cdn.siteDeployments[0]);
  });
});

describe('cache tags with options', () => {
  test('user tags by glob split objects into one deployment per set of tags', () => {
    const { template } = cdnStack({ site: { source: SITE_DIR, tags: { 'variants/**': ['experiment:redesign'], 'assets/*.css': ['css'] } }, origins: { api }, routes });
    const plain = Object.values(deployments(template)).filter((d) => !d.Properties.SystemMetadata || d.Properties.UserMetadata['cache-tag'] !== 'site,site:assets');
    const byTags = Object.fromEntries(plain.map((d) => [d.Properties.UserMetadata['cache-tag'], d.Properties]));
    expect(Object.keys(byTags).sort()).toEqual(['site,site:assets', 'site,site:assets,css', 'site,site:html', 'site,site:html,experiment:redesign']);
    expect(byTags['site,site:assets,css'].Include).toEqual(['assets/app.df385d03.css']);
    // A group of static-tier assets only carries their browser lifetime too.
    expect(byTags['site,site:assets,css'].SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
    expect(byTags['site,site:html,experiment:redesign'].Include).toEqual(['variants/redesign/index.html']);
    expect([...byTags['site,site:assets'].Exclude].sort()).toEqual(['about.html', 'assets/*', 'assets/app.df385d03.css', 'index.html', 'variants/redesign/index.html']);
    // One deployment invalidates #site:html, and it runs after every other one.
    const invalidating = Object.values(deployments(template)).filter((d) => d.Properties.DistributionPaths);
    expect(invalidating).toHaveLength(1);
    expect(invalidating[0].Properties.DistributionPaths).toEqual(['#site:html']);
    expect(invalidating[0].DependsOn.filter((d: string) => /CustomResource/.test(d))).toHaveLength(4);
  });

  test('sendToViewers keeps the header, a custom header name is used everywhere', () => {
    const { template } = cdnStack({ site: { source: SITE_DIR }, origins: { api }, routes, cacheTags: { headerName: 'X-Amz-Meta-Surrogate-Key', sendToViewers: true } });
    expect(distributionConfig(template).CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-surrogate-key' });
    const policy = deref(template, distributionConfig(template).DefaultCacheBehavior.ResponseHeadersPolicyId).Properties.ResponseHeadersPolicyConfig;
    expect(policy.RemoveHeadersConfig).toBeUndefined();
    expect(Object.values(deployments(template)).map((d) => Object.keys(d.Properties.UserMetadata)[0])).toEqual(['surrogate-key', 'surrogate-key', 'surrogate-key']);
  });

  test('a distribution without a site may name any header its origins send', () => {
    const { template } = cdnStack({ origins: { api }, routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }], cacheTags: { headerName: 'Cache-Tag' } });
    expect(distributionConfig(template).CacheTagConfig).toEqual({ HeaderName: 'cache-tag' });
  });

  test('cacheTags: false leaves CacheTagConfig out and deploys the site in two pieces: static assets with their lifetime, then the rest', () => {
    const { template } = cdnStack({ site: { source: SITE_DIR }, origins: { api }, routes, cacheTags: false });
    expect(distributionConfig(template).CacheTagConfig).toBeUndefined();
    expect(Object.values(deployments(template)).map((d) => [d.Properties.Include ?? null, d.Properties.Exclude])).toEqual([
      [null, ['assets/*']],
      [['assets/*'], ['*']],
    ]);
    const policy = deref(template, distributionConfig(template).DefaultCacheBehavior.ResponseHeadersPolicyId).Properties.ResponseHeadersPolicyConfig;
    expect(policy.RemoveHeadersConfig).toBeUndefined();
  });
});

describe('fails when', () => {
  test('the header cannot be S3 metadata while there is a site bucket', () => {
    expect(validationProblems({ site: { source: SITE_DIR }, origins: { api }, routes, cacheTags: { headerName: 'Cache-Tag' } })).toEqual([
      expect.stringMatching(/^'cacheTags.headerName' must start with 'x-amz-meta-' .*got: "Cache-Tag"/),
    ]);
  });

  test('the header is not a header name, or one CloudFront owns', () => {
    expect(validationProblems({ origins: { api }, routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }], cacheTags: { headerName: 'cache tag' } })[0]).toMatch(
      /'cacheTags.headerName' must be an HTTP header name .*got: "cache tag"/,
    );
    expect(validationProblems({ origins: { api }, routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }], cacheTags: { headerName: 'X-Amz-Cf-Tags' } })[0]).toMatch(/CloudFront owns or refuses/);
  });

  test('site tags break a tag rule, match nothing, or come without cache tags', () => {
    const problems = validationProblems({ site: { source: SITE_DIR, tags: { 'assets/**': ['ok', 'bad tag', 'x*'], 'nothing/**': ['n'] } }, origins: { api }, routes });
    expect(problems).toEqual([
      `'site.tags["assets/**"]': tag "bad tag" contains " " (U+0020); tags are visible ASCII only (33-126: no spaces, no control or non-ASCII characters) (rule: characters).`,
      `'site.tags["assets/**"]': tag "x*" contains *; tag invalidations match the exact tag, there are no wildcards (rule: wildcard).`,
      expect.stringMatching(/^'site.tags' glob "nothing\/\*\*" matches no file/),
    ]);
    expect(validationProblems({ site: { source: SITE_DIR, tags: { '**': ['a'] } }, origins: { api }, routes, cacheTags: false })).toEqual([
      "'site.tags' needs cache tags, but 'cacheTags' is false.",
    ]);
    expect(validationCodes({ site: { source: SITE_DIR, tags: { 'assets/**': ['ok', 'bad tag', 'x*'], 'nothing/**': ['n'] } }, origins: { api }, routes })).toEqual([
      'site-tags-tag-invalid site.tags["assets/**"]',
      'site-tags-tag-invalid site.tags["assets/**"]',
      'site-tags-glob-unmatched site.tags',
    ]);
    expect(validationCodes({ site: { source: SITE_DIR, tags: { '**': ['a'] } }, origins: { api }, routes, cacheTags: false })).toEqual(['site-tags-without-cache-tags site.tags']);
    expect(validationCodes({ site: { source: SITE_DIR }, origins: { api }, routes, cacheTags: { headerName: 'Cache-Tag' } })).toEqual([
      'cache-tags-header-not-s3-metadata cacheTags.headerName',
    ]);
  });

  test('an object would get more than 50 tags or more than 2 KB of metadata', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcdn-site-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<p>hi</p>');
    try {
      const many = Array.from({ length: 49 }, (_, i) => `t${i}`);
      expect(validationProblems({ site: { source: dir, tags: { '*.html': many } }, routes: [{ pathPattern: '*', tier: 'html', origin: 'site' }] })).toEqual([
        "site object 'index.html' gets 51 tags from 'site.tags'; CloudFront keeps at most 50 per object.",
      ]);
      const long = Array.from({ length: 9 }, (_, i) => `${i}${'x'.repeat(255)}`);
      expect(validationProblems({ site: { source: dir, tags: { '*.html': long } }, routes: [{ pathPattern: '*', tier: 'html', origin: 'site' }] })[0]).toMatch(
        /^site object 'index.html' would carry \d+ bytes of tag metadata; S3 allows 2048 bytes/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the staging distribution stores the same tags as the primary', () => {
  const { template } = cdnStack({ site: { source: SITE_DIR }, origins: { api }, routes, staging: { header: { name: 'aws-cf-cd-staging', value: 'yes' } } });
  const configs = Object.values(template.findResources('AWS::CloudFront::Distribution')).map((d: any) => d.Properties.DistributionConfig);
  expect(configs).toHaveLength(2);
  for (const c of configs) expect(c.CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-cache-tag' });
});
