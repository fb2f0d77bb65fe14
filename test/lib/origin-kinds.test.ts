import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TieredCdn, TieredCdnProps } from '../../lib';
import { PLAN_METADATA_KEY } from '../../lib/plan';
import { backends, originsOfEveryKind } from '../helpers/origin-backends';
import { behaviorFor, distributionConfig, SITE_DIR, testOutdir, validationCodes } from '../helpers/stacks';

function allKindsStack(extra: Partial<TieredCdnProps> | ((b: ReturnType<typeof backends>) => Partial<TieredCdnProps>) = {}) {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Kinds', { env: { region: 'us-east-1' } });
  const b = backends(stack);
  const cdn = new TieredCdn(stack, 'Cdn', {
    waf: false,
    site: { source: SITE_DIR },
    origins: originsOfEveryKind(stack, b),
    routes: [
      { pathPattern: '*', tier: 'html', origin: 'site' },
      { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
      { pathPattern: '/fn/*', tier: 'api', origin: 'fn' },
      { pathPattern: '/app/*', tier: 'dynamic', origin: 'vpc' },
      { pathPattern: '/lb/*', tier: 'api', origin: 'alb' },
      { pathPattern: '/rest/*', tier: 'api', origin: 'rest' },
      { pathPattern: '/reports/*', tier: 'static', origin: 'reports' },
      { pathPattern: '/edge/*', tier: 'api', origin: 'edge' },
      { pathPattern: '/http/*', tier: 'dynamic', origin: 'http' },
    ],
    ...(typeof extra === 'function' ? extra(b) : extra),
  });
  return { stack, cdn, b, template: Template.fromStack(stack) };
}

const originById = (template: Template, id: string) => distributionConfig(template).Origins.find((o: any) => o.Id === id);
const headerNames = (o: any) => (o.OriginCustomHeaders ?? []).map((h: any) => h.HeaderName);

describe('origins given as aws-cdk-lib origins, in one stack that routes tiers to each', () => {
  const { stack, template } = allKindsStack();

  test('each behavior targets its origin by the route table id', () => {
    for (const [pattern, id] of [['/fn/*', 'fn'], ['/app/*', 'vpc'], ['/lb/*', 'alb'], ['/rest/*', 'rest'], ['/reports/*', 'reports'], ['/edge/*', 'edge']]) {
      expect(behaviorFor(template, pattern).TargetOriginId).toBe(id);
    }
  });

  test('Function URL with OAC: an OAC of type lambda signing always, the Lambda permission scoped to this distribution, no secret header', () => {
    const fn = originById(template, 'fn');
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 'lambda', SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
    expect(fn.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/FunctionUrlOriginAccessControl/), 'Id'] });
    expect(JSON.stringify(fn.DomainName)).toContain('FnFunctionUrl');
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: 'cloudfront.amazonaws.com',
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':cloudfront::'), { Ref: Match.stringLikeRegexp('^Cdn[0-9A-F]+') }])] },
    });
    expect(fn.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-1' });
    expect(headerNames(fn)).not.toContain('x-origin-verify');
  });

  test('VPC origin: VpcOriginConfig pointing at a CloudFront VPC origin of the private ALB, no secret header', () => {
    const vpc = originById(template, 'vpc');
    expect(vpc.VpcOriginConfig.VpcOriginId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/VpcOrigin/), 'Id'] });
    expect(vpc.CustomOriginConfig).toBeUndefined();
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^PrivateAlb') }, OriginProtocolPolicy: 'http-only' }),
    });
    expect(vpc.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-east-1' });
    expect(headerNames(vpc)).not.toContain('x-origin-verify');
  });

  test('public load balancer: its DNS name over HTTPS, Origin Shield for its region, the secret header', () => {
    const alb = originById(template, 'alb');
    expect(alb.DomainName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PublicAlb/), 'DNSName'] });
    expect(alb.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-central-1' });
    expect(headerNames(alb)).toEqual(['x-origin-verify']);
    expect(JSON.stringify(alb.OriginCustomHeaders[0].HeaderValue)).toContain('{{resolve:secretsmanager:');
  });

  test('API Gateway HTTP API: its execute-api domain with the stage path, the secret header', () => {
    const http = originById(template, 'http');
    expect(JSON.stringify(http.DomainName)).toContain('.execute-api.us-east-1.');
    expect(http.OriginPath).toBe('/live');
    expect(headerNames(http)).toEqual(['x-origin-verify']);
  });

  test('API Gateway REST API: its execute-api domain with the stage as origin path; originShield: false turns the shield off', () => {
    const rest = originById(template, 'rest');
    expect(JSON.stringify(rest.DomainName)).toContain('execute-api');
    expect(JSON.stringify(rest.OriginPath)).toContain('Fn::Select');
    expect(rest.OriginShield).toBeUndefined();
    expect(headerNames(rest)).toEqual(['x-origin-verify']);
  });

  test('S3 bucket with OAC: an OAC of type s3, a bucket policy for this distribution, no secret header', () => {
    const reports = originById(template, 'reports');
    expect(reports.S3OriginConfig).toBeDefined();
    expect(reports.OriginAccessControlId).toBeDefined();
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Reports') },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' })]) },
    });
    expect(headerNames(reports)).not.toContain('x-origin-verify');
  });

  test('the plan names each origin with its kind and how CloudFront reaches it', () => {
    const plan = template.toJSON().Metadata[PLAN_METADATA_KEY];
    const kinds = Object.fromEntries(plan.origins.map((o: any) => [o.id, `${o.kind}/${o.access ?? '-'}`]));
    expect(kinds).toEqual({
      site: 'site/-',
      fn: 'function-url-oac/oac',
      vpc: 'vpc/vpc',
      alb: 'load-balancer/internet',
      rest: 'rest-api/internet',
      reports: 's3-oac/oac',
      http: 'custom/internet',
      edge: 'http/-',
    });
  });

  test('synthesizes with one warning only: the static tier on a bucket of its own needs that bucket\'s own Cache-Control', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringMatching(/^routes\[6\] \("\/reports\/\*"\) serves the static tier from origin 'reports'.*tiered-cdn:static-origin-cache-control/)]);
  });
});

describe('failover, Origin Shield and the secret header on aws-cdk-lib origins', () => {
  test('failover builds an origin group of both, each with the secret header, and a write twin for dynamic routes', () => {
    const { template } = allKindsStack({
      origins: {
        alb: { origin: new origins.HttpOrigin('a.example.com'), failover: new origins.HttpOrigin('b.example.com') },
      },
      routes: [
        { pathPattern: '*', tier: 'api', origin: 'alb' },
        { pathPattern: '/write/*', tier: 'dynamic', origin: 'alb' },
      ],
      site: undefined,
    });
    const config = distributionConfig(template);
    const group = config.OriginGroups.Items[0];
    expect(group.Members.Items.map((m: any) => m.OriginId)).toEqual(['alb', 'alb-failover']);
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(group.Id);
    expect(behaviorFor(template, '/write/*').TargetOriginId).toBe('alb-direct');
    for (const id of ['alb', 'alb-failover', 'alb-direct']) expect(headerNames(originById(template, id))).toEqual(['x-origin-verify']);
    expect(originById(template, 'alb-failover').DomainName).toBe('b.example.com');
  });

  test('an origin that sets its own Origin Shield keeps it', () => {
    const { template } = allKindsStack({
      origins: { own: { origin: new origins.HttpOrigin('a.example.com', { originShieldRegion: 'us-west-2' }), region: 'eu-west-1' } },
      routes: [{ pathPattern: '*', tier: 'api', origin: 'own' }],
      site: undefined,
    });
    expect(originById(template, 'own').OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-west-2' });
  });

  test('an origin with its own header of the same name keeps its value', () => {
    const { template } = allKindsStack({
      origins: { own: { origin: new origins.HttpOrigin('a.example.com', { customHeaders: { 'X-Origin-Verify': 'mine', 'x-tenant': 't1' } }) } },
      routes: [{ pathPattern: '*', tier: 'api', origin: 'own' }],
      site: undefined,
    });
    expect(originById(template, 'own').OriginCustomHeaders).toEqual([
      { HeaderName: 'X-Origin-Verify', HeaderValue: 'mine' },
      { HeaderName: 'x-tenant', HeaderValue: 't1' },
    ]);
  });

  test('only OAC and VPC origins: no origin-verify secret is created', () => {
    const { template } = allKindsStack((b) => ({
      origins: { reports: { origin: origins.S3BucketOrigin.withOriginAccessControl(b.bucket) }, vpc: { origin: origins.VpcOrigin.withApplicationLoadBalancer(b.privateAlb) } },
      routes: [{ pathPattern: '*', tier: 'static', origin: 'reports' }, { pathPattern: '/app/*', tier: 'dynamic', origin: 'vpc' }],
      site: undefined,
    }));
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});

describe('wrong combinations are coded problems', () => {
  const urlOrigin = (stack: Stack) => {
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('x') });
    return origins.FunctionUrlOrigin.withOriginAccessControl(fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM }));
  };

  test('fails when a routing rule names an OAC origin (an edge function cannot redirect a signed request)', () => {
    const codes = validationCodes((stack) => ({
      origins: { api: { domainName: 'api.example.com' }, fn: { origin: urlOrigin(stack) } },
      routes: [{ pathPattern: '*', tier: 'api', origin: 'api', originRouting: { rules: [{ countries: ['DE'], origin: 'fn', sameContent: true }] } }],
      waf: false,
    }));
    expect(codes).toEqual([expect.stringMatching(/^routing-rule-origin-unroutable routes\[0\]/)]);
  });

  test('a routing rule may name an aws-cdk-lib custom origin with a literal domain name', () => {
    const app = new App({ outdir: testOutdir() });
    const stack = new Stack(app, 'R', { env: { region: 'us-east-1' } });
    const cdn = new TieredCdn(stack, 'Cdn', {
      origins: { api: { domainName: 'api.example.com' }, eu: { origin: new origins.HttpOrigin('eu.example.com', { originPath: '/v2' }) } },
      routes: [{ pathPattern: '*', tier: 'api', origin: 'api', originRouting: { rules: [{ countries: ['DE'], origin: 'eu', sameContent: true }] } }],
      waf: false,
    });
    expect(cdn.plan.routedDomains).toEqual(['eu.example.com']);
    expect(cdn.plan.origins.find((o) => o.id === 'eu')?.routedBy).toEqual(['*']);
  });

  test('fails when an OriginGroup or a non-origin is given', () => {
    const codes = validationCodes({
      origins: {
        g: { origin: new origins.OriginGroup({ primaryOrigin: new origins.HttpOrigin('a.example.com'), fallbackOrigin: new origins.HttpOrigin('b.example.com') }) },
        x: { origin: 'a.example.com' as any },
        both: { origin: new origins.HttpOrigin('a.example.com'), domainName: 'a.example.com' } as any,
      },
      routes: [{ pathPattern: '*', tier: 'api', origin: 'g' }],
      waf: false,
    });
    expect(codes).toEqual(['origin-group-given origins.g.origin', 'origin-not-an-origin origins.x.origin', 'origin-props-mixed origins.both']);
  });

  test('fails when a region next to an aws-cdk-lib origin is not an Origin Shield region', () => {
    const codes = validationCodes({
      origins: { a: { origin: new origins.HttpOrigin('a.example.com'), originShield: 'mars-1' } },
      routes: [{ pathPattern: '*', tier: 'api', origin: 'a' }],
      waf: false,
    });
    expect(codes).toEqual(['origin-shield-region-invalid origins.a.originShield']);
  });

  test('warns when a route accepting POST reaches a Function URL with OAC (x-amz-content-sha256)', () => {
    const app = new App({ outdir: testOutdir() });
    const stack = new Stack(app, 'W', { env: { region: 'us-east-1' } });
    new TieredCdn(stack, 'Cdn', { origins: { fn: { origin: urlOrigin(stack) } }, routes: [{ pathPattern: '*', tier: 'dynamic', origin: 'fn' }], waf: false });
    Annotations.fromStack(stack).hasWarning('/W/Cdn', Match.stringLikeRegexp('x-amz-content-sha256'));
  });
});

test('a staging distribution binds the same origins: the Function URL gets a permission scoped to each distribution', () => {
  const { template } = allKindsStack((b) => ({
    origins: { fn: { origin: origins.FunctionUrlOrigin.withOriginAccessControl(b.url) } },
    routes: [{ pathPattern: '*', tier: 'api', origin: 'fn' }],
    site: undefined,
    staging: { header: { name: 'aws-cf-cd-staging', value: 'true' } },
  }));
  const permissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Action: 'lambda:InvokeFunctionUrl' } })) as any[];
  const distributions = new Set(permissions.map((p) => JSON.stringify(p.Properties.SourceArn)));
  expect(permissions).toHaveLength(2);
  expect(distributions.size).toBe(2);
  template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
});
