import type { Template } from '../diff/compare';
import { planOf, plannedBehaviors, type TemplateLike } from '../plan';

/**
 * What a synthesized CloudFront distribution does, read back from its CloudFormation template:
 * behaviors in match order with their tier, edge functions and origin; origins with Origin Shield.
 */

export interface EdgeFunctionRef {
  readonly eventType: string;
  /** Construct path (without the stack) or logical id of the function. */
  readonly name: string;
  readonly kind: 'lambda@edge' | 'cloudfront-function';
  /** The steps the function runs for this behavior, in order, as the plan says (none without a plan). */
  readonly steps: readonly string[];
}

export interface BehaviorModel {
  readonly pathPattern: string;
  /**
   * `static`, `html`, `api`, `dynamic` as the construct's plan (template Metadata `TieredCdn::Plan`)
   * says; without a plan, `dynamic` for managed CachingDisabled and `custom` otherwise.
   */
  readonly tier: string;
  readonly originId: string;
  readonly functions: readonly EdgeFunctionRef[];
}

export interface OriginModel {
  readonly id: string;
  /** `S3 bucket <path>` or the custom origin's domain name. */
  readonly label: string;
  readonly kind: 's3' | 'custom';
  /**
   * What the origin is: the kind the construct's plan names (`site`, `http`, `function-url-oac`,
   * `vpc`, `load-balancer`, `rest-api`, `s3-oac`, ...), else what the template shows (`vpc` for a
   * VpcOriginConfig, `s3-oac`/`s3`, `oac` for a signed custom origin, `custom`).
   */
  readonly originKind: string;
  /** Origin Shield region, when enabled. */
  readonly shieldRegion?: string;
}

export interface DistributionModel {
  readonly stack: string;
  readonly name: string;
  /** In CloudFront's evaluation order: ordered behaviors, then the default (`*`). */
  readonly behaviors: readonly BehaviorModel[];
  readonly origins: readonly OriginModel[];
}

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

export function distributionsOf(stack: string, template: Template): DistributionModel[] {
  const resources: Record<string, any> = template.Resources ?? {};
  const out: DistributionModel[] = [];
  const pathOf = (logicalId: string): string => {
    const p: string | undefined = resources[logicalId]?.Metadata?.['aws:cdk:path'];
    if (!p) return logicalId;
    return p.split('/').slice(1).filter((s) => s !== 'Resource').join('/') || logicalId;
  };
  const refOf = (v: unknown): string | undefined =>
    v && typeof v === 'object' && 'Ref' in (v as object) ? String((v as { Ref: unknown }).Ref) : undefined;

  const tierOf = (planned: ReturnType<typeof plannedBehaviors>, b: any, pathPattern: string): string =>
    planned?.get(pathPattern)?.tier ?? (b.CachePolicyId === CACHING_DISABLED ? 'dynamic' : 'custom');

  const functionName = (arn: unknown): string => {
    const id = refOf(arn);
    if (id && resources[id]?.Type === 'AWS::Lambda::Version') {
      const fn = refOf(resources[id].Properties?.FunctionName);
      if (fn) return pathOf(fn);
    }
    if (id) return pathOf(id);
    const getAtt = (arn as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt'];
    if (getAtt) return pathOf(getAtt[0]);
    // Functions in another region's stack arrive through a parameter or custom resource.
    return typeof arn === 'string' ? arn : 'edge function in another stack';
  };

  for (const [logicalId, res] of Object.entries(resources)) {
    if (res?.Type !== 'AWS::CloudFront::Distribution') continue;
    const config = res.Properties?.DistributionConfig ?? {};
    const planned = plannedBehaviors(template as { Metadata?: Record<string, unknown> }, logicalId);
    const stepsOf = (pathPattern: string, eventType: string): string[] => {
      const step = (planned?.get(pathPattern)?.edge as Record<string, { steps?: unknown }> | undefined)?.[eventType];
      return Array.isArray(step?.steps) ? step.steps.map(String) : [];
    };
    const behaviorOf = (b: any, pathPattern: string): BehaviorModel => {
      const ref = (a: any, arn: unknown, kind: EdgeFunctionRef['kind']): EdgeFunctionRef => {
        const eventType = String(a.EventType);
        return { eventType, name: functionName(arn), kind, steps: stepsOf(pathPattern, eventType) };
      };
      return {
        pathPattern,
        tier: tierOf(planned, b, pathPattern),
        originId: String(b.TargetOriginId),
        functions: [
          ...(b.LambdaFunctionAssociations ?? []).map((a: any) => ref(a, a.LambdaFunctionARN, 'lambda@edge')),
          ...(b.FunctionAssociations ?? []).map((a: any) => ref(a, a.FunctionARN, 'cloudfront-function')),
        ],
      };
    };
    const behaviors = [
      ...(config.CacheBehaviors ?? []).map((b: any) => behaviorOf(b, String(b.PathPattern))),
      ...(config.DefaultCacheBehavior ? [behaviorOf(config.DefaultCacheBehavior, '*')] : []),
    ];
    const plannedKinds = new Map((planOf(template as TemplateLike, logicalId)?.origins ?? []).map((o) => [o.id, o.kind]));
    const origins: OriginModel[] = (config.Origins ?? []).map((o: any) => {
      const s3 = o.S3OriginConfig !== undefined;
      const templateKind = o.VpcOriginConfig ? 'vpc' : s3 ? (o.OriginAccessControlId ? 's3-oac' : 's3') : o.OriginAccessControlId ? 'oac' : 'custom';
      const getAtt = o.DomainName?.['Fn::GetAtt'];
      const label = typeof o.DomainName === 'string' ? o.DomainName : getAtt ? `${s3 ? 'S3 bucket ' : ''}${pathOf(getAtt[0])}` : String(o.Id);
      return {
        id: String(o.Id),
        label,
        kind: s3 ? 's3' : 'custom',
        originKind: plannedKinds.get(String(o.Id)) ?? plannedKinds.get(String(o.Id).replace(/-(direct|failover)$/, '')) ?? templateKind,
        shieldRegion: o.OriginShield?.Enabled ? String(o.OriginShield.OriginShieldRegion) : undefined,
      };
    });
    out.push({ stack, name: pathOf(logicalId), behaviors, origins });
  }
  return out;
}
