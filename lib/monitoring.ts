import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { show, Problem, problem } from './validation';

/** Dashboards, alarms and edge log retention of a TieredCdn. */
export interface MonitoringOptions {
  /**
   * Where alarms notify.
   * @default - alarms change state without notifying anyone
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Alarm when the 5xx error rate (percent of requests) stays above this for 3 of 5 minutes.
   * @default 5
   */
  readonly serverErrorRatePercent?: number;

  /**
   * Alarm when the cache hit rate (percent) stays below this for 3 of 5 five-minute periods.
   * Only meaningful with cached tiers; `false` for no hit-rate alarm.
   * @default 60
   */
  readonly minCacheHitRatePercent?: number | false;

  /**
   * Regions whose Lambda@Edge log groups (`/aws/lambda/us-east-1.<function>`, created where the
   * function ran) get `edgeLogRetention`, and whose edge metrics the dashboard shows.
   * @default - the stack's region
   */
  readonly edgeLogRegions?: readonly string[];

  /**
   * Retention of the Lambda@Edge log groups in `edgeLogRegions`.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly edgeLogRetention?: logs.RetentionDays;
}

const LOOKS_LIKE_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function monitoringProblems(options: MonitoringOptions): Problem[] {
  const problems: Problem[] = [];
  const pct = (prop: string, v: number | false | undefined) => {
    if (typeof v === 'number' && !(v > 0 && v < 100)) problems.push(problem('monitoring-percent-range', `'monitoring.${prop}' is a percentage between 0 and 100 (exclusive), got: ${show(v)}.`));
  };
  pct('serverErrorRatePercent', options.serverErrorRatePercent);
  pct('minCacheHitRatePercent', options.minCacheHitRatePercent);
  const bad = (options.edgeLogRegions ?? []).filter((r) => !Token.isUnresolved(r) && !LOOKS_LIKE_REGION.test(r));
  if (bad.length > 0) problems.push(problem('monitoring-region-invalid', `'monitoring.edgeLogRegions' takes Region codes such as 'eu-west-1', got: ${show(bad)}.`));
  return problems;
}

export interface TieredCdnMonitoringProps extends MonitoringOptions {
  /** The distribution whose metrics are watched. */
  readonly distribution: cloudfront.Distribution;
  /** Lambda@Edge functions, by a readable name. */
  readonly edgeFunctions: Readonly<Record<string, lambda.IFunction>>;
}

/**
 * A CloudWatch dashboard and alarms for one distribution. CloudFront publishes its metrics in
 * us-east-1 (Region dimension `Global`); alarms on them therefore live in a us-east-1 stack.
 */
export class TieredCdnMonitoring extends Construct {
  /** CloudWatch dashboard of the distribution and its edge functions. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The alarms by name (`serverErrorRate`, `cacheHitRate`, ...). */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: TieredCdnMonitoringProps) {
    super(scope, id);
    const dist = props.distribution;
    const stack = Stack.of(this);
    const minute = { period: Duration.minutes(1) };
    const regions = props.edgeLogRegions ?? [stack.region];

    const cloudFrontMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName,
        dimensionsMap: { DistributionId: dist.distributionId, Region: 'Global' },
        region: 'us-east-1',
        statistic,
        period: Duration.minutes(1),
      });
    const edgeErrors = cloudFrontMetric('LambdaExecutionError', 'Sum');
    const edgeInvalid = cloudFrontMetric('LambdaValidationError', 'Sum');
    const edgeThrottled = cloudFrontMetric('LambdaLimitExceededError', 'Sum');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Requests', left: [dist.metricRequests({ ...minute, statistic: 'Sum' })], width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Bytes downloaded',
            left: [dist.metricBytesDownloaded({ ...minute, statistic: 'Sum' })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Error rates (%)',
            left: [dist.metric4xxErrorRate(minute), dist.metric5xxErrorRate(minute)],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Cache hit rate (%)', left: [dist.metricCacheHitRate(minute)], width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Origin latency (ms)',
            left: [dist.metricOriginLatency({ ...minute, statistic: 'p50' }), dist.metricOriginLatency({ ...minute, statistic: 'p90' })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Lambda@Edge errors seen by CloudFront',
            left: [edgeErrors, edgeInvalid, edgeThrottled],
            width: 8,
          }),
        ],
        ...Object.entries(props.edgeFunctions).map(([name, fn]) =>
          regions.map(
            (region) =>
              new cloudwatch.GraphWidget({
                title: `${name} in ${region}`,
                left: ['Errors', 'Throttles'].map((metricName) => edgeFunctionMetric(fn, metricName, 'Sum', region)),
                right: [edgeFunctionMetric(fn, 'Duration', 'p90', region)],
                width: Math.max(6, Math.floor(24 / regions.length)),
              }),
          ),
        ),
      ],
    });

    const alarms: Record<string, cloudwatch.Alarm> = {};
    // CloudWatch alarms cannot watch metrics of another Region, and CloudFront's are in us-east-1.
    const alarmsHere = Token.isUnresolved(stack.region) || stack.region === 'us-east-1';
    if (!alarmsHere) {
      Annotations.of(this).addWarningV2(
        'tiered-cdn:alarms-region',
        `No alarms: CloudFront publishes its metrics in us-east-1 and this stack is in ${stack.region}. Create the alarms in a us-east-1 stack (new TieredCdnMonitoring(...) there) or deploy the CDN stack to us-east-1.`,
      );
    }
    if (alarmsHere) this.createAlarms(alarms, props, dist, edgeErrors, edgeInvalid);
    if (props.alarmTopic) {
      for (const alarm of Object.values(alarms)) alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
    }
    this.alarms = alarms;

    // Lambda@Edge writes logs in the Region where each replica ran, into log groups it creates
    // without retention; LogRetention creates or updates them in each listed Region.
    for (const [name, fn] of Object.entries(props.edgeFunctions)) {
      for (const region of regions) {
        const id = `EdgeLogs${slug(name)}${slug(region)}`;
        // `/api/me` and `/api/me/*` share a slug; the exact path is the one that yields.
        new logs.LogRetention(this, this.node.tryFindChild(id) ? `${id}Exact` : id, {
          logGroupName: `/aws/lambda/us-east-1.${fn.functionName}`,
          logGroupRegion: region,
          retention: props.edgeLogRetention ?? logs.RetentionDays.ONE_MONTH,
        });
      }
    }
  }

  private createAlarms(
    alarms: Record<string, cloudwatch.Alarm>,
    props: TieredCdnMonitoringProps,
    dist: cloudfront.Distribution,
    edgeErrors: cloudwatch.Metric,
    edgeInvalid: cloudwatch.Metric,
  ): void {
    const minute = { period: Duration.minutes(1) };
    alarms.serverErrors = new cloudwatch.Alarm(this, 'ServerErrorRate', {
      alarmDescription: 'More than the accepted share of viewer requests ended in 5xx.',
      metric: dist.metric5xxErrorRate(minute),
      threshold: props.serverErrorRatePercent ?? 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.minCacheHitRatePercent !== false) {
      alarms.cacheHitRate = new cloudwatch.Alarm(this, 'CacheHitRate', {
        alarmDescription: 'The cache hit rate dropped: a cache key, TTL or origin Cache-Control change may be splitting or bypassing the cache.',
        metric: dist.metricCacheHitRate({ period: Duration.minutes(5) }),
        threshold: props.minCacheHitRatePercent ?? 60,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    alarms.edgeErrors = new cloudwatch.Alarm(this, 'EdgeFunctionErrors', {
      alarmDescription: 'A Lambda@Edge function threw or returned a response CloudFront refused (viewers got 502/503).',
      metric: new cloudwatch.MathExpression({
        expression: 'errors + invalid',
        usingMetrics: { errors: edgeErrors.with({ period: Duration.minutes(5) }), invalid: edgeInvalid.with({ period: Duration.minutes(5) }) },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

function edgeFunctionMetric(fn: lambda.IFunction, metricName: string, statistic: string, region: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: `us-east-1.${fn.functionName}` },
    region,
    statistic,
    period: Duration.minutes(1),
    label: `${metricName} ${statistic}`,
  });
}

function slug(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
