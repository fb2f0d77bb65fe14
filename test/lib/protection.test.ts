import * as crypto from 'crypto';
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RouteProps, TieredCdnProps } from '../../lib';
import { behaviorFor, cdnStack, distributionConfig, SITE_DIR, validationCodes, validationProblems } from '../helpers/stacks';

const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kty: 'RSA', kid: 'k1', alg: 'RS256' };
const auth = { issuer: 'https://issuer.example.com/', audience: 'shop', jwks: { keys: [jwk] } };

const routes: RouteProps[] = [
  { pathPattern: '*', tier: 'html', origin: 'site' },
  { pathPattern: '/assets/*', tier: 'static', origin: 'site' },
  { pathPattern: '/api/me/*', tier: 'dynamic', origin: 'api', auth },
  { pathPattern: '/api/*', tier: 'api', origin: 'api' },
];

function props(extra: Partial<TieredCdnProps> = {}): TieredCdnProps {
  return { site: { source: SITE_DIR }, origins: { api: { domainName: 'api.example.com' } }, routes, ...extra };
}

let defaults: ReturnType<typeof cdnStack> | undefined;
/** The stack of `props()`, synthesized once for the file: the tests that use it only read it. */
function defaultStack(): ReturnType<typeof cdnStack> {
  defaults ??= cdnStack(props());
  return defaults;
}

const problems = validationProblems;

describe('WAF', () => {
  test('a CLOUDFRONT-scope web ACL with a per-IP rate rule, a tighter one on api paths, and AWS managed rules', () => {
    const { template } = defaultStack();
    const [acl] = Object.values<any>(template.findResources('AWS::WAFv2::WebACL'));
    expect(acl.Properties.Scope).toBe('CLOUDFRONT');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    const rules = Object.fromEntries(acl.Properties.Rules.map((r: any) => [r.Name, r]));
    expect(rules.RatePerIp.Statement).toEqual({ RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } });
    expect(rules.RatePerIp.Action).toEqual({ Block: {} });
    expect(rules.RatePerIpApi.Statement.RateBasedStatement).toMatchObject({ Limit: 500, AggregateKeyType: 'IP' });
    for (const match of rules.RatePerIpApi.Statement.RateBasedStatement.ScopeDownStatement.OrStatement.Statements) {
      expect(match.ByteMatchStatement).toMatchObject({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'STARTS_WITH' });
    }
    const prefixes = rules.RatePerIpApi.Statement.RateBasedStatement.ScopeDownStatement.OrStatement.Statements.map(
      (s: any) => s.ByteMatchStatement.SearchString,
    );
    expect(prefixes).toEqual(['/api/', '/api/me', '/api/me/']);
    for (const name of ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesAmazonIpReputationList']) {
      expect(rules[name].Statement).toEqual({ ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } });
      expect(rules[name].OverrideAction).toEqual({ None: {} });
    }
    const priorities = acl.Properties.Rules.map((r: any) => r.Priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(distributionConfig(template).WebACLId).toEqual({ 'Fn::GetAtt': ['CdnWebAcl7CE2516E', 'Arn'] });
  });

  test('geo deny and allow lists and custom limits', () => {
    const deny = cdnStack(props({ waf: { denyCountries: ['KP'], rateLimit: 300, apiRateLimit: false, managedRules: false } })).template;
    const [acl] = Object.values<any>(deny.findResources('AWS::WAFv2::WebACL'));
    expect(acl.Properties.Rules.map((r: any) => r.Name)).toEqual(['GeoDeny', 'RatePerIp']);
    expect(acl.Properties.Rules[0].Statement).toEqual({ GeoMatchStatement: { CountryCodes: ['KP'] } });
    expect(acl.Properties.Rules[1].Statement.RateBasedStatement.Limit).toBe(300);
    const allow = cdnStack(props({ waf: { allowCountries: ['DE', 'AT'] } })).template;
    const [acl2] = Object.values<any>(allow.findResources('AWS::WAFv2::WebACL'));
    expect(acl2.Properties.Rules[0]).toMatchObject({
      Name: 'GeoAllow',
      Action: { Block: {} },
      Statement: { NotStatement: { Statement: { GeoMatchStatement: { CountryCodes: ['DE', 'AT'] } } } },
    });
  });

  test('an existing web ACL is attached as is, and waf: false attaches none', () => {
    const arn = 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/shared/abc';
    const existing = cdnStack(props({ waf: { webAclArn: arn } })).template;
    existing.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(distributionConfig(existing).WebACLId).toBe(arn);
    const none = cdnStack(props({ waf: false })).template;
    none.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(distributionConfig(none).WebACLId).toBeUndefined();
  });

  test('outside us-east-1 the default is no web ACL, with a warning saying how to attach one', () => {
    const { template, stack } = cdnStack(props(), 'eu-west-1');
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^No AWS WAF web ACL: .* this stack is in eu-west-1'))).toHaveLength(1);
  });

  test('fails when a web ACL is asked for outside us-east-1', () => {
    expect(problems(props({ waf: { rateLimit: 1000 } }), 'eu-west-1')).toEqual([
      `'waf': a CLOUDFRONT-scope web ACL can only be created in us-east-1, and this stack is in "eu-west-1". Create the web ACL in a us-east-1 stack and pass its ARN as 'waf.webAclArn', or set 'waf: false'.`,
    ]);
  });

  test('fails when limits, countries or the ARN are invalid', () => {
    expect(
      problems(props({ waf: { rateLimit: 50, allowCountries: ['de'], denyCountries: ['KP'], webAclArn: 'arn:aws:wafv2:eu-west-1:1:regional/webacl/x' } })),
    ).toEqual([
      `'waf.rateLimit' must be a whole number from 100 to 2,000,000,000 requests per 5 minutes, got: 50.`,
      `'waf.allowCountries' takes ISO 3166 alpha-2 codes in upper case, got: ["de"].`,
      `'waf.allowCountries' and 'waf.denyCountries' exclude each other: allowing a list already blocks the rest.`,
      `'waf.webAclArn' must be the ARN of a CLOUDFRONT-scope web ACL (arn:aws:wafv2:us-east-1:<account>:global/webacl/...), got: "arn:aws:wafv2:eu-west-1:1:regional/webacl/x".`,
    ]);
    expect(
      validationCodes(props({ waf: { rateLimit: 50, allowCountries: ['de'], denyCountries: ['KP'], webAclArn: 'arn:aws:wafv2:eu-west-1:1:regional/webacl/x' } })),
    ).toEqual(['waf-rate-limit-range waf.rateLimit', 'waf-countries-invalid waf.allowCountries', 'waf-countries-both waf.allowCountries', 'waf-web-acl-arn-invalid waf.webAclArn']);
    expect(validationCodes(props({ waf: { rateLimit: 1000 } }), 'eu-west-1')).toEqual(['waf-region waf']);
  });
});

describe('origin lock-down', () => {
  test('custom origins get a secret header resolved from Secrets Manager at deploy time; the S3 site does not', () => {
    const { template } = defaultStack();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    const origins = Object.fromEntries(distributionConfig(template).Origins.map((o: any) => [o.Id, o]));
    const [header] = origins.api.OriginCustomHeaders;
    expect(header.HeaderName).toBe('x-origin-verify');
    const value = JSON.stringify(header.HeaderValue);
    expect(value).toContain('{{resolve:secretsmanager:');
    expect(value).toMatch(/"Ref":"CdnOriginVerifySecret[0-9A-F]{8}"/);
    expect(origins.site.OriginCustomHeaders).toBeUndefined();
  });

  test('a pinned secret version is part of the reference, so a rotation is a template change', () => {
    const { template } = cdnStack(props({ originVerify: { headerName: 'X-From-Cdn', secretVersionId: 'v-2' } }));
    const api = distributionConfig(template).Origins.find((o: any) => o.Id === 'api');
    expect(api.OriginCustomHeaders[0].HeaderName).toBe('x-from-cdn');
    expect(JSON.stringify(api.OriginCustomHeaders[0].HeaderValue)).toContain(':SecretString:::v-2}}');
  });

  test('originVerify: false sends no header; a reserved header name fails', () => {
    const { template } = cdnStack(props({ originVerify: false }));
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(problems(props({ originVerify: { headerName: 'Authorization' } }))).toEqual([
      `'originVerify.headerName' "Authorization" is a header CloudFront does not allow as an origin custom header; use e.g. 'x-origin-verify'.`,
    ]);
  });
});

describe('observability', () => {
  test('additional metrics, a dashboard, and alarms on 5xx rate, hit rate and edge function errors', () => {
    const { template } = defaultStack();
    template.hasResourceProperties('AWS::CloudFront::MonitoringSubscription', {
      MonitoringSubscription: { RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: 'Enabled' } },
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xxErrorRate',
      Namespace: 'AWS/CloudFront',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CacheHitRate',
      Threshold: 60,
      ComparisonOperator: 'LessThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'errors + invalid' })]),
      Threshold: 1,
    });
  });

  test('alarms notify the SNS topic; edge log groups get retention in every listed Region', () => {
    const { template } = cdnStack((stack) => ({
      ...props(),
      monitoring: {
        alarmTopic: new sns.Topic(stack, 'Alarms'),
        edgeLogRegions: ['us-east-1', 'eu-west-1'],
        edgeLogRetention: logs.RetentionDays.ONE_WEEK,
        minCacheHitRatePercent: false,
      },
    }));
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2);
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    const retention = Object.values<any>(template.findResources('Custom::LogRetention'));
    // One Lambda@Edge viewer-request function (auth on /api/me/* and /api/me) x two Regions; the path
    // guard on /api/* is a CloudFront Function, whose logs CloudFront keeps in us-east-1 on its own.
    expect(retention).toHaveLength(2);
    expect(retention.map((r) => r.Properties.LogGroupRegion).sort()).toEqual(['eu-west-1', 'us-east-1']);
    for (const r of retention) {
      expect(r.Properties.RetentionInDays).toBe(7);
      expect(JSON.stringify(r.Properties.LogGroupName)).toContain('/aws/lambda/us-east-1.');
    }
  });

  test('outside us-east-1 the dashboard stays and alarms are left out with a warning', () => {
    const { template, stack } = cdnStack(props({ waf: false }), 'eu-west-1');
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('No alarms: CloudFront publishes its metrics in us-east-1'));
    expect(warnings).toHaveLength(1);
  });

  test('fails when thresholds are not percentages or regions are not Region codes', () => {
    expect(validationCodes(props({ monitoring: { serverErrorRatePercent: 0, edgeLogRegions: ['Europe'] } }))).toEqual([
      'monitoring-percent-range monitoring.serverErrorRatePercent',
      'monitoring-region-invalid monitoring.edgeLogRegions',
    ]);
    expect(problems(props({ monitoring: { serverErrorRatePercent: 0, edgeLogRegions: ['Europe'] } }))).toEqual([
      `'monitoring.serverErrorRatePercent' is a percentage between 0 and 100 (exclusive), got: 0.`,
      `'monitoring.edgeLogRegions' takes Region codes such as 'eu-west-1', got: ["Europe"].`,
    ]);
  });
});

describe('failover', () => {
  test('site and API origins fail over to their secondaries for cached tiers; writes keep the primary', () => {
    const { template } = cdnStack((stack) => ({
      ...props(),
      site: { source: SITE_DIR, failoverBucket: s3.Bucket.fromBucketName(stack, 'Replica', 'site-replica') },
      origins: { api: { domainName: 'api.example.com', failoverDomainName: 'api-dr.example.com' } },
    }));
    const groups = distributionConfig(template).OriginGroups;
    expect(groups.Quantity).toBe(2);
    const byPrimary = Object.fromEntries(
      groups.Items.map((g: any) => [g.Members.Items[0].OriginId, { fallback: g.Members.Items[1].OriginId, codes: g.FailoverCriteria.StatusCodes.Items }]),
    );
    expect(byPrimary.site).toEqual({ fallback: 'site-failover', codes: [500, 502, 503, 504, 403, 404] });
    expect(byPrimary.api).toEqual({ fallback: 'api-failover', codes: [500, 502, 503, 504] });
    const groupIds = groups.Items.map((g: any) => g.Id);
    expect(groupIds).toContain(behaviorFor(template, '/api/*').TargetOriginId);
    expect(groupIds).toContain(behaviorFor(template, '*').TargetOriginId);
    expect(behaviorFor(template, '/api/me/*').TargetOriginId).toBe('api-direct');
    const fallback = distributionConfig(template).Origins.find((o: any) => o.Id === 'api-failover');
    expect(fallback.DomainName).toBe('api-dr.example.com');
  });
});

describe('safe teardown', () => {
  test('generated edge functions and their versions are retained when the stack is deleted', () => {
    const { template } = defaultStack();
    const edge = Object.values<any>(template.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Properties.Description ?? '').startsWith('tiered-cdn '),
    );
    expect(edge.length).toBeGreaterThan(0);
    for (const fn of edge) expect(fn.DeletionPolicy).toBe('Retain');
    for (const v of Object.values<any>(template.findResources('AWS::Lambda::Version'))) expect(v.DeletionPolicy).toBe('Retain');
  });

  test('retainEdgeFunctionsOnDelete: false lets CloudFormation delete them', () => {
    const { template } = cdnStack(props({ retainEdgeFunctionsOnDelete: false }));
    for (const v of Object.values<any>(template.findResources('AWS::Lambda::Version'))) expect(v.DeletionPolicy).toBeUndefined();
  });
});

describe('staging (continuous deployment)', () => {
  test('a staging distribution, a header policy, and the policy attached to the primary; HTTP/3 off on both', () => {
    const { template, cdn } = cdnStack(props({ staging: { header: { name: 'aws-cf-cd-staging', value: 'yes' } } }));
    const dists = Object.entries<any>(template.findResources('AWS::CloudFront::Distribution'));
    expect(dists).toHaveLength(2);
    const [, staging] = dists.find(([, d]) => d.Properties.DistributionConfig.Staging === true)!;
    const [, primary] = dists.find(([, d]) => d.Properties.DistributionConfig.Staging === undefined)!;
    expect(staging.Properties.DistributionConfig.Aliases).toBeUndefined();
    for (const d of [staging, primary]) expect(d.Properties.DistributionConfig.HttpVersion).toBe('http2');
    const [[policyId, policy]] = Object.entries<any>(template.findResources('AWS::CloudFront::ContinuousDeploymentPolicy'));
    expect(policy.Properties.ContinuousDeploymentPolicyConfig).toEqual({
      Enabled: true,
      StagingDistributionDnsNames: [{ 'Fn::GetAtt': [expect.stringMatching(/^CdnStaging/), 'DomainName'] }],
      TrafficConfig: { Type: 'SingleHeader', SingleHeaderConfig: { Header: 'aws-cf-cd-staging', Value: 'yes' } },
    });
    expect(primary.Properties.DistributionConfig.ContinuousDeploymentPolicyId).toEqual({ 'Fn::GetAtt': [policyId, 'Id'] });
    expect(cdn.stagingRoutes?.map((r) => r.pathPattern)).toEqual(cdn.routes.map((r) => r.pathPattern));
  });

  test('staged routes shape only the staging distribution; weight selection with stickiness', () => {
    const staged: RouteProps[] = routes.map((r) => (r.pathPattern === '/api/*' ? { ...r, varyHeaders: ['Accept-Language'] } : r));
    const { template } = cdnStack(
      props({ staging: { weight: 0.05, stickiness: { idle: Duration.minutes(5), maxSession: Duration.minutes(10) }, routes: staged } }),
    );
    const dists = Object.values<any>(template.findResources('AWS::CloudFront::Distribution'));
    const apiPolicy = (d: any) => d.Properties.DistributionConfig.CacheBehaviors.find((b: any) => b.PathPattern === '/api/*').CachePolicyId;
    const staging = dists.find((d) => d.Properties.DistributionConfig.Staging === true);
    const primary = dists.find((d) => d.Properties.DistributionConfig.Staging === undefined);
    const headersOf = (ref: any) => template.toJSON().Resources[ref.Ref].Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig;
    expect(headersOf(apiPolicy(primary))).toEqual({ HeaderBehavior: 'none' });
    expect(headersOf(apiPolicy(staging))).toEqual({ HeaderBehavior: 'whitelist', Headers: ['accept-language'] });
    template.hasResourceProperties('AWS::CloudFront::ContinuousDeploymentPolicy', {
      ContinuousDeploymentPolicyConfig: Match.objectLike({
        TrafficConfig: {
          Type: 'SingleWeight',
          SingleWeightConfig: { Weight: 0.05, SessionStickinessConfig: { IdleTTL: 300, MaximumTTL: 600 } },
        },
      }),
    });
  });

  test('fails when the selection is missing or outside CloudFront limits, and reports staged route problems', () => {
    expect(problems(props({ staging: {} }))).toEqual([`'staging' selects viewers by 'header' or by 'weight': give exactly one, got neither.`]);
    expect(
      problems(
        props({
          staging: { header: { name: 'x-stage', value: 'y' }, routes: [...routes, { pathPattern: '/x/*', tier: 'api', origin: 'nope' }] },
        }),
      ),
    ).toEqual([
      `'staging.header.name' must start with 'aws-cf-cd-' (CloudFront's rule) and use letters, digits and '-', got: "x-stage".`,
      `staging.routes[4] ("/x/*").origin "nope" is not a known origin (known: 'api', 'site'). Add it to 'origins'.`,
    ]);
    expect(problems(props({ staging: { weight: 0.5 } }))).toEqual([
      `'staging.weight' must be above 0 and at most 0.15 (CloudFront's limit), got: 0.5.`,
    ]);
  });

  test('the staged table is validated under its own path: a staged route problem is at staging.routes[i], a shared origin problem is reported once', () => {
    const staged = [...routes, { pathPattern: '/x/*', tier: 'api' as const, origin: 'nope' }];
    expect(validationCodes(props({ staging: { header: { name: 'x-stage', value: 'y' }, routes: staged } }))).toEqual([
      'staging-header-name-invalid staging.header.name',
      'route-origin-unknown staging.routes[4].origin',
    ]);
    const badOrigin = props({ staging: { weight: 0.1, routes }, origins: { api: { domainName: 'https://api.example.com' } } });
    expect(validationCodes(badOrigin)).toEqual(['origin-domain-invalid origins.api.domainName']);
  });
});
