import { Token } from 'aws-cdk-lib/core';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Problem, problem, show } from './validation';

/*
 * CloudFront access logs. By default, standard logging (v2): CloudWatch Logs' vended-log delivery
 * (a delivery source for the distribution, a delivery destination, a delivery between them) writes
 * them to the log bucket as Parquet under Hive-compatible partitions, with no ACLs. The legacy
 * standard logging (S3 ACLs) only when asked for.
 *
 * CloudFront Developer Guide, "Configure standard logging (v2)": the delivery source of a
 * distribution (a global resource) is created in US East (N. Virginia); its destinations too.
 */

/** Output formats of standard logging (v2) to S3. */
export type S3LogFormat = 'parquet' | 'json' | 'w3c' | 'plain';

/** Standard logging (v2) to the log bucket. */
export interface S3LogDeliveryOptions {
  /**
   * Output format. Parquet is columnar and compressed: Athena and other engines read only the
   * columns a query names. `json`, `w3c` and `plain` are text.
   * @default 'parquet'
   */
  readonly outputFormat?: S3LogFormat;

  /**
   * Object key suffix after the prefix CloudFront puts first (`AWSLogs/<account>/CloudFront/`),
   * with the variables `{DistributionId}`, `{yyyy}`, `{MM}`, `{dd}`, `{HH}`.
   * @default '{DistributionId}/{yyyy}/{MM}/{dd}/{HH}'
   */
  readonly suffixPath?: string;

  /**
   * Hive-compatible partition names in the keys (`DistributionId=E1.../year=2026/month=12/...`),
   * which query engines read as partition columns.
   * @default true
   */
  readonly hiveCompatiblePath?: boolean;
}

/** Where and how CloudFront access logs are delivered. */
export interface LoggingOptions {
  /**
   * Standard logging (v2) to the log bucket (`logBucket`, or the one the construct creates);
   * `false` for none there.
   * @default - Parquet, partitioned by distribution and hour, Hive-compatible keys
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html
   */
  readonly s3?: S3LogDeliveryOptions | false;

  /**
   * Also deliver to this CloudWatch Logs log group (in us-east-1, like the delivery source).
   * CloudWatch Logs adds the log group's resource policy for `delivery.logs.amazonaws.com` when the
   * deploying role may call `logs:PutResourcePolicy`.
   * @default - none
   */
  readonly cloudWatchLogs?: logs.ILogGroup;

  /**
   * Also deliver to this Amazon Data Firehose stream (ARN; the stream must carry the tag
   * `LogDeliveryEnabled=true`, as vended-log delivery requires).
   * @default - none
   */
  readonly firehoseArn?: string;

  /**
   * The fields each record has, in order (standard logging (v2) field names such as `timestamp`,
   * `c-ip`, `cs-method`, `cs-uri-stem`, `sc-status`, `x-edge-result-type`, `time-taken`).
   * @default - every field CloudFront offers
   * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html#standard-logging-real-time-log-selection
   */
  readonly fields?: readonly string[];

  /**
   * The legacy standard logging instead of v2: CloudFront writes W3C files into the log bucket
   * with S3 ACLs, so the bucket must allow them (the construct's own bucket then keeps
   * ObjectOwnership BucketOwnerPreferred). Also what a stack outside us-east-1 gets, with a warning.
   * @default false
   */
  readonly legacy?: boolean;
}

/** Logging as planned: what the template holds, and what tools reading the logs need to know. */
export interface PlannedLogging {
  /** `2`: standard logging (v2); `legacy`: the legacy S3 logs (W3C, ACLs). */
  readonly mechanism: 'v2' | 'legacy';
  /** Legacy logging: the key prefix of the log files (`cloudfront/`; `cloudfront-staging/` for staging). */
  readonly legacyPrefix?: string;
  /** v2 to the log bucket. */
  readonly s3?: {
    /** Output format of the files. */
    readonly outputFormat: S3LogFormat;
    /** Key prefix CloudFront puts before the suffix path. */
    readonly prefix: string;
    /** Suffix path with its variables. */
    readonly suffixPath: string;
    /** Whether partition names are Hive-compatible (`name=value`). */
    readonly hiveCompatiblePath: boolean;
  };
  /** v2 to a CloudWatch Logs log group (JSON records). */
  readonly cloudWatchLogs?: boolean;
  /** v2 to a Firehose stream (JSON records). */
  readonly firehose?: boolean;
  /** The record fields; absent: all of them. */
  readonly fields?: readonly string[];
}

export const DEFAULT_SUFFIX_PATH = '{DistributionId}/{yyyy}/{MM}/{dd}/{HH}';
/** CloudFront puts this before the suffix path of logs delivered to S3. */
export const V2_S3_PREFIX = 'AWSLogs/{accountid}/CloudFront/';
const FORMATS: readonly S3LogFormat[] = ['parquet', 'json', 'w3c', 'plain'];
const SUFFIX_VARIABLES = ['{DistributionId}', '{yyyy}', '{MM}', '{dd}', '{HH}', '{accountid}', '{DistributionTenantId}'];

/**
 * Plans the logging of a TieredCdn in `region`. Outside us-east-1 the v2 delivery resources cannot
 * be created in the stack: left to the default, the legacy logging stands in and a warning says
 * so; asked for explicitly (any v2 option), it is an error.
 */
export function planLogging(
  options: LoggingOptions | false | undefined,
  region: string,
  problems: Problem[],
  warnings: { id: string; message: string }[],
): PlannedLogging | undefined {
  if (options === false) return undefined;
  const o = options ?? {};
  if (o.legacy === true) {
    const v2Asked = o.s3 !== undefined || o.cloudWatchLogs !== undefined || o.firehoseArn !== undefined || o.fields !== undefined;
    if (v2Asked) problems.push(problem('logging-legacy-with-v2-options', `'logging.legacy' delivers W3C files with ACLs only; 's3', 'cloudWatchLogs', 'firehoseArn' and 'fields' are standard logging (v2) options. Drop 'legacy' or those options.`, 'logging'));
    return { mechanism: 'legacy', legacyPrefix: 'cloudfront/' };
  }
  const here = Token.isUnresolved(region) || region === 'us-east-1';
  if (!here) {
    if (options !== undefined) {
      problems.push(problem('logging-v2-region', `'logging' asks for standard logging (v2), whose delivery source for a distribution must be created in us-east-1, and this stack is in ${show(region)}. Deploy the stack to us-east-1, or set 'logging: { legacy: true }'.`, 'logging'));
      return undefined;
    }
    warnings.push({
      id: 'tiered-cdn:logging-legacy-region',
      message: `Access logs use the legacy standard logging (S3 ACLs): standard logging (v2) needs its delivery source in us-east-1 and this stack is in ${region}. Deploy to us-east-1 for v2, or set 'logging: { legacy: true }' to silence this.`,
    });
    return { mechanism: 'legacy', legacyPrefix: 'cloudfront/' };
  }
  const s3 = o.s3 === false ? undefined : planS3(o.s3 ?? {}, problems);
  if (o.s3 === false && !o.cloudWatchLogs && !o.firehoseArn) {
    problems.push(problem('logging-no-destination', `'logging.s3' is false and no 'cloudWatchLogs' or 'firehoseArn' is given: logs would go nowhere. Use 'logging: false' for no logs.`, 'logging.s3'));
  }
  if (o.fields !== undefined) {
    if (!Array.isArray(o.fields) || o.fields.length === 0 || o.fields.some((f) => typeof f !== 'string' || !/^[A-Za-z0-9()_-]+$/.test(f))) {
      problems.push(problem('logging-fields-invalid', `'logging.fields' must list field names (letters, digits, '-', '(', ')'), got: ${show(o.fields)}.`, 'logging.fields'));
    }
  }
  return {
    mechanism: 'v2',
    ...(s3 ? { s3 } : {}),
    ...(o.cloudWatchLogs ? { cloudWatchLogs: true } : {}),
    ...(o.firehoseArn ? { firehose: true } : {}),
    ...(o.fields ? { fields: [...o.fields] } : {}),
  };
}

function planS3(s3: S3LogDeliveryOptions, problems: Problem[]): PlannedLogging['s3'] {
  const outputFormat = s3.outputFormat ?? 'parquet';
  if (!FORMATS.includes(outputFormat)) {
    problems.push(problem('logging-format-invalid', `'logging.s3.outputFormat' must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}, got: ${show(outputFormat)}.`, 'logging.s3.outputFormat'));
  }
  const suffixPath = s3.suffixPath ?? DEFAULT_SUFFIX_PATH;
  const unknown = (suffixPath.match(/\{[^}]*\}/g) ?? []).filter((v) => !SUFFIX_VARIABLES.includes(v));
  if (typeof suffixPath !== 'string' || suffixPath.includes('..') || unknown.length > 0 || !/^[A-Za-z0-9{}/=_.-]*$/.test(suffixPath)) {
    problems.push(problem('logging-suffix-path-invalid', `'logging.s3.suffixPath' may use letters, digits, '/', '-', '_', '.' and the variables ${SUFFIX_VARIABLES.join(', ')}, got: ${show(suffixPath)}.`, 'logging.s3.suffixPath'));
  }
  return { outputFormat, prefix: V2_S3_PREFIX, suffixPath, hiveCompatiblePath: s3.hiveCompatiblePath ?? true };
}
