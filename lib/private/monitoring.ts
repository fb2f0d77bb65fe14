import { Annotations, Stack } from 'aws-cdk-lib/core';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { MonitoringOptions, TieredCdnMonitoring } from '../monitoring';
import { acknowledgeMonitoringFindings } from '../nag';

/** Dashboard, alarms and edge log retention for the primary distribution and the functions in this stack. */
export function renderMonitoring(
  scope: Construct,
  options: MonitoringOptions | undefined,
  distribution: cloudfront.Distribution,
  edgeFunctions: Readonly<Record<string, cloudfront.experimental.EdgeFunction>>,
): TieredCdnMonitoring {
  const stack = Stack.of(scope);
  if (Object.values(edgeFunctions).some((fn) => Stack.of(fn.lambda) !== stack)) {
    // Outside us-east-1 the functions live in CDK's companion stack in us-east-1, which this
    // stack cannot name without explicit function names.
    Annotations.of(scope).addWarningV2(
      'tiered-cdn:edge-monitoring-region',
      'Per-function edge metrics and log retention are left out: the edge functions live in a companion stack in us-east-1. CloudFront-level edge errors are still on the dashboard.',
    );
  }
  const monitoring = new TieredCdnMonitoring(scope, 'Monitoring', {
    ...options,
    distribution,
    edgeFunctions: Object.fromEntries(
      Object.entries(edgeFunctions)
        .filter(([, fn]) => Stack.of(fn.lambda) === stack)
        .map(([name, fn]) => [name, fn.lambda]),
    ),
  });
  acknowledgeMonitoringFindings(stack);
  return monitoring;
}
