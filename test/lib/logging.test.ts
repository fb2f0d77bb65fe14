import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TieredCdn, TieredCdnProps } from '../../lib';
import { PLAN_METADATA_KEY } from '../../lib/plan';
import { cdnStack, distributionConfig, testOutdir, validationCodes } from '../helpers/stacks';

const base: TieredCdnProps = {
  origins: { api: { domainName: 'api.example.com' } },
  routes: [{ pathPattern: '*', tier: 'api', origin: 'api' }],
  waf: false,
};

describe('standard logging (v2) by default', () => {
  const { stack, template } = cdnStack(base);

  test('no legacy Logging on the distribution', () => {
    expect(distributionConfig(template).Logging).toBeUndefined();
  });

  test('a delivery source for the distribution (ACCESS_LOGS), an S3 destination in Parquet, a delivery partitioned by distribution and hour', () => {
    const source = Object.entries(template.findResources('AWS::Logs::DeliverySource'));
    expect(source).toHaveLength(1);
    const [sourceId, sourceRes] = source[0] as [string, any];
    expect(sourceRes.Properties.LogType).toBe('ACCESS_LOGS');
    expect(JSON.stringify(sourceRes.Properties.ResourceArn)).toMatch(/:cloudfront::.*distribution\//);
    expect(sourceRes.Properties.Name.length).toBeLessThanOrEqual(60);
    template.hasResourceProperties('AWS::Logs::DeliveryDestination', {
      DestinationResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CdnLogBucket'), 'Arn'] },
      OutputFormat: 'parquet',
    });
    template.hasResourceProperties('AWS::Logs::Delivery', {
      DeliverySourceName: { Ref: sourceId },
      S3SuffixPath: '{DistributionId}/{yyyy}/{MM}/{dd}/{HH}',
      S3EnableHiveCompatiblePath: true,
    });
  });

  test('the log bucket has no ACLs, and its policy lets delivery.logs.amazonaws.com write under AWSLogs/<account>/ for this account only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^CdnLogBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudFrontStandardLogsV2',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/AWSLogs/'), { Ref: 'AWS::AccountId' }, '/*'])] },
            Condition: Match.objectLike({ StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    const delivery: any = Object.values(template.findResources('AWS::Logs::Delivery'))[0];
    expect(delivery.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^CdnLogBucketPolicy/)]));
  });

  test('the plan metadata says how the logs are written, for the tools that read them', () => {
    expect(template.toJSON().Metadata[PLAN_METADATA_KEY].logging).toEqual({
      mechanism: 'v2',
      s3: { outputFormat: 'parquet', prefix: 'AWSLogs/{accountid}/CloudFront/', suffixPath: '{DistributionId}/{yyyy}/{MM}/{dd}/{HH}', hiveCompatiblePath: true },
    });
  });

  test('cdk-nag: CFR3 (legacy logging) is acknowledged with the reason; no other finding about logging', () => {
    const violations = new AwsSolutionsChecks(stack.node.root as App).validateScope(stack).violations;
    expect(violations.filter((v: { ruleName: string }) => /CFR3|S1\b/.test(v.ruleName))).toEqual([]);
  });
});

test('CloudWatch Logs and Firehose destinations with a field list: one delivery each from the one source', () => {
  const { template } = cdnStack((stack) => ({
    ...base,
    logging: {
      s3: { outputFormat: 'json', hiveCompatiblePath: false },
      cloudWatchLogs: new logs.LogGroup(stack, 'Cf'),
      firehoseArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/cf',
      fields: ['timestamp', 'c-ip', 'sc-status', 'cs-uri-stem'],
    },
  }));
  template.resourceCountIs('AWS::Logs::DeliverySource', 1);
  template.resourceCountIs('AWS::Logs::Delivery', 3);
  template.hasResourceProperties('AWS::Logs::DeliveryDestination', { OutputFormat: 'json', DestinationResourceArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/cf' });
  template.hasResourceProperties('AWS::Logs::DeliveryDestination', { DestinationResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cf'), 'Arn'] } });
  for (const d of Object.values(template.findResources('AWS::Logs::Delivery')) as any[]) {
    expect(d.Properties.RecordFields).toEqual(['timestamp', 'c-ip', 'sc-status', 'cs-uri-stem']);
  }
  template.hasResourceProperties('AWS::Logs::Delivery', { S3EnableHiveCompatiblePath: false });
});

test('the staging distribution gets its own delivery source', () => {
  const { template } = cdnStack({ ...base, staging: { header: { name: 'aws-cf-cd-staging', value: 'true' } } } as TieredCdnProps);
  template.resourceCountIs('AWS::Logs::DeliverySource', 2);
});

test('legacy: true keeps the legacy logging with ACLs and no v2 resources', () => {
  const { template } = cdnStack({ ...base, logging: { legacy: true } });
  expect(distributionConfig(template).Logging).toEqual({ Bucket: { 'Fn::GetAtt': [expect.stringMatching(/^CdnLogBucket/), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
  template.resourceCountIs('AWS::Logs::DeliverySource', 0);
  template.hasResourceProperties('AWS::S3::Bucket', { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } });
});

test('logging: false: no access logs at all', () => {
  const { template } = cdnStack({ ...base, logging: false });
  expect(distributionConfig(template).Logging).toBeUndefined();
  template.resourceCountIs('AWS::Logs::DeliverySource', 0);
});

test('outside us-east-1 the default falls back to the legacy logging and synth says so', () => {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Eu', { env: { region: 'eu-west-1' } });
  const cdn = new TieredCdn(stack, 'Cdn', { ...base, monitoring: false });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::Logs::DeliverySource', 0);
  expect(distributionConfig(template).Logging.Prefix).toBe('cloudfront/');
  expect(cdn.plan.logging).toEqual({ mechanism: 'legacy', legacyPrefix: 'cloudfront/' });
  Annotations.fromStack(stack).hasWarning('/Eu/Cdn', Match.stringLikeRegexp('legacy standard logging .* us-east-1 and this stack is in eu-west-1'));
});

test('fails when v2 options are asked for outside us-east-1, or combined with legacy, or malformed', () => {
  expect(validationCodes({ ...base, logging: { s3: {} }, monitoring: false }, 'eu-west-1')).toEqual(['logging-v2-region logging']);
  expect(validationCodes({ ...base, logging: { legacy: true, fields: ['c-ip'] } })).toEqual(['logging-legacy-with-v2-options logging']);
  expect(validationCodes({ ...base, logging: { s3: false } })).toEqual(['logging-no-destination logging.s3']);
  expect(
    validationCodes({ ...base, logging: { s3: { outputFormat: 'csv' as any, suffixPath: '../{Year}' }, fields: ['c-ip', 'a,b'] } }),
  ).toEqual(['logging-format-invalid logging.s3.outputFormat', 'logging-suffix-path-invalid logging.s3.suffixPath', 'logging-fields-invalid logging.fields']);
});

test('an imported log bucket cannot take the statement: synth says what it needs', () => {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Imported', { env: { region: 'us-east-1' } });
  new TieredCdn(stack, 'Cdn', { ...base, logBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'my-logs') });
  Annotations.fromStack(stack).hasWarning('/Imported/Cdn', Match.stringLikeRegexp('delivery.logs.amazonaws.com'));
  Template.fromStack(stack).hasResourceProperties('AWS::Logs::DeliveryDestination', { DestinationResourceArn: { 'Fn::Join': ['', Match.arrayWith([':s3:::my-logs'])] } });
});
