import { Annotations, Aws, Names, Stack } from 'aws-cdk-lib/core';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { LoggingOptions, PlannedLogging } from '../logging';

/** The standard logging (v2) resources of one distribution. */
export interface RenderedLogging {
  readonly source: logs.CfnDeliverySource;
  readonly destinations: logs.CfnDeliveryDestination[];
  readonly deliveries: logs.CfnDelivery[];
}

/**
 * Standard logging (v2) of one distribution: a delivery source (log type ACCESS_LOGS, the
 * distribution's ARN), and a destination and a delivery per target. The S3 destination's bucket
 * policy lets `delivery.logs.amazonaws.com` write under `AWSLogs/<account>/` for delivery sources
 * of this account only (CloudWatch Logs User Guide, "Logs sent to Amazon S3").
 */
export function renderLoggingV2(
  scope: Construct,
  id: string,
  plan: PlannedLogging,
  options: LoggingOptions,
  distribution: cloudfront.Distribution,
  logBucket: s3.IBucket,
): RenderedLogging {
  const root = new Construct(scope, id);
  const stack = Stack.of(scope);
  const name = (suffix: string) => Names.uniqueResourceName(root, { maxLength: 60 - suffix.length, separator: '-' }) + suffix;
  const source = new logs.CfnDeliverySource(root, 'Source', {
    name: name(''),
    logType: 'ACCESS_LOGS',
    resourceArn: distribution.distributionArn,
  });
  const out: RenderedLogging = { source, destinations: [], deliveries: [] };
  const deliver = (key: string, destination: logs.CfnDeliveryDestination, extra: Partial<logs.CfnDeliveryProps> = {}) => {
    const delivery = new logs.CfnDelivery(root, `${key}Delivery`, {
      deliverySourceName: source.ref,
      deliveryDestinationArn: destination.attrArn,
      ...(plan.fields ? { recordFields: [...plan.fields] } : {}),
      ...extra,
    });
    out.destinations.push(destination);
    out.deliveries.push(delivery);
    return delivery;
  };
  if (plan.s3) {
    const policy = logBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudFrontStandardLogsV2',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [logBucket.arnForObjects(`AWSLogs/${Aws.ACCOUNT_ID}/*`)],
        conditions: {
          StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', region: 'us-east-1', resource: 'delivery-source', resourceName: '*' }) },
        },
      }),
    );
    const destination = new logs.CfnDeliveryDestination(root, 'S3Destination', {
      name: name('-s3'),
      destinationResourceArn: logBucket.bucketArn,
      outputFormat: plan.s3.outputFormat,
    });
    const delivery = deliver('S3', destination, { s3SuffixPath: plan.s3.suffixPath, s3EnableHiveCompatiblePath: plan.s3.hiveCompatiblePath });
    // The bucket policy must exist before CloudWatch Logs checks that it may write.
    if (policy.policyDependable) delivery.node.addDependency(policy.policyDependable);
    if (!policy.statementAdded) {
      Annotations.of(scope).addWarningV2(
        'tiered-cdn:log-bucket-policy',
        `The log bucket ${logBucket.node.path} is imported, so the construct cannot add the statement standard logging (v2) needs: let the service principal delivery.logs.amazonaws.com call s3:PutObject on AWSLogs/<account>/* with aws:SourceAccount <account> (or deploy with a role that may call s3:PutBucketPolicy, which CloudWatch Logs then uses to add it). See docs/operations.md, "Access logs".`,
      );
    }
  }
  if (options.cloudWatchLogs) {
    deliver('Logs', new logs.CfnDeliveryDestination(root, 'LogsDestination', { name: name('-cwl'), destinationResourceArn: options.cloudWatchLogs.logGroupArn, outputFormat: 'json' }));
  }
  if (options.firehoseArn) {
    deliver('Firehose', new logs.CfnDeliveryDestination(root, 'FirehoseDestination', { name: name('-fh'), destinationResourceArn: options.firehoseArn, outputFormat: 'json' }));
  }
  return out;
}
