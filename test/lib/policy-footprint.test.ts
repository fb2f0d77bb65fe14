import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { TieredCdn, TieredCdnPolicies, TieredCdnProps } from '../../lib';
import { ReferenceStack } from '../../lib/reference-stack';
import { loadDevKey } from '../../tools/dev-keys';
import { testOutdir, validationCodes } from '../helpers/stacks';

/** Custom policies count toward per-account quotas (CloudFront Developer Guide, Quotas: 20 of each kind by default). */
const QUOTA = 20;

function footprint(templates: Template[]): { cache: number; responseHeaders: number; originRequest: number } {
  const count = (type: string) => templates.reduce((n, t) => n + Object.keys(t.findResources(type)).length, 0);
  return {
    cache: count('AWS::CloudFront::CachePolicy'),
    responseHeaders: count('AWS::CloudFront::ResponseHeadersPolicy'),
    originRequest: count('AWS::CloudFront::OriginRequestPolicy'),
  };
}

function referenceStack(app: App, id: string): ReferenceStack {
  const dev = loadDevKey();
  return new ReferenceStack(app, id, { env: { region: 'us-east-1' }, auth: { issuer: dev.issuer, audience: dev.audience, jwks: dev.jwks } });
}

test('the reference app needs at most 3 custom policies of each kind, and says so in one info line', () => {
  const app = new App({ outdir: testOutdir() });
  const stack = referenceStack(app, 'Ref');
  const template = Template.fromStack(stack);
  expect(footprint([template])).toEqual({ cache: 3, responseHeaders: 2, originRequest: 1 });
  const infos = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('^tiered-cdn policies:'));
  expect(infos.map((i) => i.entry.data)).toEqual([
    "tiered-cdn policies: 3 cache, 2 response headers, 1 origin request (custom, this TieredCdn's own; CloudFront allows 20 of each per account by default); managed: AllViewerExceptHostHeader, CachingDisabled",
  ]);
});

test('the static, api and dynamic tiers share one response headers policy; only html adds a default Cache-Control', () => {
  const app = new App({ outdir: testOutdir() });
  const template = Template.fromStack(referenceStack(app, 'Ref'));
  const policies = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy')).map((r: any) => r.Properties.ResponseHeadersPolicyConfig);
  expect(policies.map((p) => p.CustomHeadersConfig?.Items?.[0]?.Value ?? '-').sort()).toEqual(['-', 'public, max-age=0, must-revalidate']);
  for (const p of policies) expect(p.SecurityHeadersConfig.StrictTransportSecurity).toEqual({ AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true });
});

test('six reference stacks in one account fit the default quotas', () => {
  const app = new App({ outdir: testOutdir() });
  const stacks = ['Dev', 'Staging', 'Prod', 'Dev2', 'Staging2', 'Prod2'].map((id) => referenceStack(app, id));
  const templates = stacks.map((s) => Template.fromStack(s));
  const total = footprint(templates);
  expect(total).toEqual({ cache: 18, responseHeaders: 12, originRequest: 6 });
  for (const n of Object.values(total)) expect(n).toBeLessThanOrEqual(QUOTA);
});

const props = (policies?: TieredCdnPolicies): TieredCdnProps => ({
  origins: { api: { domainName: 'api.example.com' } },
  routes: [
    { pathPattern: '*', tier: 'api', origin: 'api' },
    { pathPattern: '/me/*', tier: 'dynamic', origin: 'api' },
    { pathPattern: '/assets/*', tier: 'static', origin: 'api' },
  ],
  waf: false,
  policies,
});

test('TieredCdnPolicies: six stacks share one set of policies, created once in the shared stack', () => {
  const app = new App({ outdir: testOutdir() });
  const shared = new Stack(app, 'Shared', { env: { region: 'us-east-1' } });
  const policies = new TieredCdnPolicies(shared, 'Policies');
  const stacks = [1, 2, 3, 4, 5, 6].map((i) => {
    const stack = new Stack(app, `Cdn${i}`, { env: { region: 'us-east-1' } });
    new TieredCdn(stack, 'Cdn', props(policies));
    return stack;
  });
  const templates = stacks.map((s) => Template.fromStack(s));
  expect(footprint(templates)).toEqual({ cache: 0, responseHeaders: 0, originRequest: 0 });
  expect(footprint([Template.fromStack(shared)])).toEqual({ cache: 2, responseHeaders: 1, originRequest: 1 });
  const behavior = templates[5].toJSON().Resources;
  const dist: any = Object.values(behavior).find((r: any) => r.Type === 'AWS::CloudFront::Distribution');
  expect(JSON.stringify(dist.Properties.DistributionConfig.DefaultCacheBehavior.CachePolicyId)).toContain('Fn::ImportValue');
  expect(Annotations.fromStack(stacks[0]).findInfo('*', Match.stringLikeRegexp('shared through Shared/Policies')).length).toBe(1);
});

test('fails when shared policies are given with securityHeaders, or hide another cache tag header', () => {
  const app = new App({ outdir: testOutdir() });
  const policies = new TieredCdnPolicies(new Stack(app, 'Shared', { env: { region: 'us-east-1' } }), 'Policies', { hiddenCacheTagHeader: false });
  expect(validationCodes({ ...props(policies), securityHeaders: { frameOption: undefined } })).toEqual([
    'policies-with-security-headers securityHeaders',
    'policies-cache-tag-header-mismatch policies',
  ]);
});
