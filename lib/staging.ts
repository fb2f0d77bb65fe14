import { Duration, Token } from 'aws-cdk-lib/core';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { RouteProps } from './routes';
import { show, Problem, problem } from './validation';

/** Prefix CloudFront requires of the header that selects the staging distribution. */
export const STAGING_HEADER_PREFIX = 'aws-cf-cd-';
/** The largest share of traffic CloudFront sends to a staging distribution. */
export const MAX_STAGING_WEIGHT = 0.15;

/**
 * Continuous deployment: which viewers reach the staging distribution. Give `header` or `weight`.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/continuous-deployment-workflow.html
 */
export interface StagingOptions {
  /**
   * Viewers sending this header with this value reach staging (name starts with `aws-cf-cd-`).
   * @default - selection by `weight`
   */
  readonly header?: {
    /** Header name; starts with `aws-cf-cd-` (CloudFront's rule). */
    readonly name: string;
    /** The value that selects staging. */
    readonly value: string;
  };

  /**
   * Share of viewer traffic sent to staging, above 0 and at most 0.15.
   * @default - selection by `header`
   */
  readonly weight?: number;

  /**
   * With `weight`: keep a viewer on the distribution it first reached, for this long idle
   * (300-3600 s) and at most `maxSession` (300-3600 s).
   * @default - no session stickiness
   */
  readonly stickiness?: {
    /** How long a viewer stays on staging without requests (300-3600 s). */
    readonly idle: Duration;
    /** How long a viewer stays on staging at most (300-3600 s). */
    readonly maxSession: Duration;
  };

  /**
   * Whether the policy routes traffic to staging now.
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The route table being tried on staging.
   * @default - the primary's `routes`
   */
  readonly routes?: readonly RouteProps[];
}

export function stagingProblems(staging: StagingOptions): Problem[] {
  const problems: Problem[] = [];
  if ((staging.header === undefined) === (staging.weight === undefined)) {
    problems.push(problem('staging-selection', `'staging' selects viewers by 'header' or by 'weight': give exactly one, got ${staging.header ? 'both' : 'neither'}.`));
  }
  if (staging.header) {
    const name = staging.header.name;
    if (!Token.isUnresolved(name) && (!name.toLowerCase().startsWith(STAGING_HEADER_PREFIX) || !/^[A-Za-z0-9-]+$/.test(name))) {
      problems.push(problem('staging-header-name-invalid', `'staging.header.name' must start with '${STAGING_HEADER_PREFIX}' (CloudFront's rule) and use letters, digits and '-', got: ${show(name)}.`));
    }
    if (!staging.header.value) problems.push(problem('staging-header-value-empty', `'staging.header.value' must not be empty.`));
  }
  if (staging.weight !== undefined && !(staging.weight > 0 && staging.weight <= MAX_STAGING_WEIGHT)) {
    problems.push(problem('staging-weight-range', `'staging.weight' must be above 0 and at most ${MAX_STAGING_WEIGHT} (CloudFront's limit), got: ${show(staging.weight)}.`));
  }
  if (staging.stickiness) {
    if (staging.weight === undefined) problems.push(problem('staging-stickiness-without-weight', `'staging.stickiness' applies to 'weight' selection only.`));
    for (const key of ['idle', 'maxSession'] as const) {
      const sec = staging.stickiness[key].toSeconds();
      if (sec < 300 || sec > 3600) problems.push(problem('staging-stickiness-range', `'staging.stickiness.${key}' must be 300-3600 seconds, got: ${sec}.`));
    }
  }
  return problems;
}

export function stagingPolicyConfig(
  staging: StagingOptions,
  stagingDomainName: string,
): cloudfront.CfnContinuousDeploymentPolicy.ContinuousDeploymentPolicyConfigProperty {
  const trafficConfig: cloudfront.CfnContinuousDeploymentPolicy.TrafficConfigProperty = staging.header
    ? { type: 'SingleHeader', singleHeaderConfig: { header: staging.header.name, value: staging.header.value } }
    : {
        type: 'SingleWeight',
        singleWeightConfig: {
          weight: staging.weight!,
          ...(staging.stickiness
            ? {
                sessionStickinessConfig: {
                  idleTtl: staging.stickiness.idle.toSeconds(),
                  maximumTtl: staging.stickiness.maxSession.toSeconds(),
                },
              }
            : {}),
        },
      };
  return { enabled: staging.enabled ?? true, stagingDistributionDnsNames: [stagingDomainName], trafficConfig };
}
