import { CfnResource, Stack, Validations } from 'aws-cdk-lib/core';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag findings caused by aws-cdk-lib's BucketDeployment custom resource, acknowledged where
 * they arise, each with its reason, so stacks that run cdk-nag over a TieredCdn see only findings
 * about their own choices.
 */
export function acknowledgeSiteDeploymentFindings(stack: Stack, siteBucket: s3.IBucket): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) return;
  const ack = (id: string, reason: string) => Validations.of(handler).acknowledge({ id, reason });
  ack(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "The BucketDeployment handler's role uses the AWS managed AWSLambdaBasicExecutionRole, which only lets it write its own CloudWatch logs.",
  );
  const copyReason =
    'The BucketDeployment handler copies the site asset from the CDK asset bucket into the site bucket and prunes old objects: aws-cdk-lib grants it object-level actions on every key of those two buckets.';
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
    ack(`AwsSolutions-IAM5[Action::${action}]`, copyReason);
  }
  const bucketResource = siteBucket.node.defaultChild;
  if (bucketResource instanceof CfnResource) {
    const logicalId = stack.resolve(stack.getLogicalId(bucketResource));
    ack(`AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/*]`, copyReason);
  }
  ack(
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-${stack.region}/*]`,
    copyReason,
  );
  ack(
    'AwsSolutions-IAM5[Resource::*]',
    'cloudfront:CreateInvalidation (entry documents after each deploy) does not support scoping to a distribution ARN in aws-cdk-lib\'s BucketDeployment grant.',
  );
  ack('AwsSolutions-L1', "The BucketDeployment handler's runtime is chosen by aws-cdk-lib and moves with it.");
}

/** The log bucket receives the other buckets' access logs; logging it into itself would loop. */
export function acknowledgeLogBucketFindings(logBucket: IConstruct): void {
  Validations.of(logBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log bucket of the site bucket and of CloudFront; logging it into itself would loop.',
  });
}

/** Findings every generated Lambda@Edge function raises, with why they are accepted. */
export function acknowledgeEdgeFunctionFindings(fn: IConstruct): void {
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'A Lambda@Edge function only writes its own logs, in whichever Region it runs; AWSLambdaBasicExecutionRole grants exactly CloudWatch Logs writes, on log groups created per Region at run time.',
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Edge bundles are built for node22 and run on NODEJS_22_X, a runtime Lambda@Edge supports; moving to a newer runtime waits for Lambda@Edge support of it.',
  });
}

/** The generated origin secret rotates by the documented procedure, not by a rotation Lambda. */
export function acknowledgeOriginVerifyFindings(originVerify: IConstruct): void {
  Validations.of(originVerify).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'Rotating the origin-verify value needs the origins to accept the old and new values for a while and a deploy that pins the new version (docs/protection.md); a rotation Lambda cannot do that alone.',
  });
}

/** LogRetention's provider function, created by aws-cdk-lib for edge log groups in other Regions. */
export function acknowledgeMonitoringFindings(stack: Stack): void {
  const provider = stack.node.children.find((c) => c.node.id.startsWith('LogRetention'));
  if (!provider) return;
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "aws-cdk-lib's LogRetention provider only writes its own logs with this managed policy.",
  });
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'LogRetention sets retention on Lambda@Edge log groups that Lambda creates at run time in other Regions; their ARNs are not known at deploy time.',
  });
}

/**
 * AwsSolutions-CFR3 looks for the legacy logging property (`DistributionConfig.Logging`); with
 * standard logging (v2) the logs are delivered by a CloudWatch Logs delivery instead.
 */
export function acknowledgeLegacyLoggingFinding(...distributions: (IConstruct | undefined)[]): void {
  for (const d of distributions) {
    if (!d) continue;
    Validations.of(d).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason: 'Access logs are delivered by CloudFront standard logging (v2): an AWS::Logs::DeliverySource for this distribution and an AWS::Logs::Delivery to the log bucket (Parquet, no ACLs); the legacy Logging property is left unset on purpose.',
    });
  }
}
