import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { acknowledgeOriginVerifyFindings } from '../nag';
import { OriginVerify, OriginVerifyOptions } from '../origin-verify';
import { literalPrefix } from '../../lambda-edge/shared/path-pattern';
import { isCloudFrontOrigin, originAccess } from '../origin-kinds';
import type { TieredCdnOriginProps } from '../routes';
import { StagingOptions, stagingPolicyConfig } from '../staging';
import type { ResolvedRoute } from '../tiered-cdn';
import { TieredCdnWebAcl, WafOptions } from '../web-acl';

/** The origin lock-down header, on when there are custom origins and `originVerify` is not `false`. */
export function renderOriginVerify(
  scope: Construct,
  options: OriginVerifyOptions | false | undefined,
  customOrigins: Readonly<Record<string, TieredCdnOriginProps>>,
): OriginVerify | undefined {
  // Origins CloudFront signs with OAC, and VPC origins, need no secret: nothing else reaches them.
  const overInternet = Object.values(customOrigins).some(
    (o) => !isCloudFrontOrigin(o) || originAccess(o.origin) === 'internet' || (o.failover !== undefined && originAccess(o.failover) === 'internet'),
  );
  if (options === false || !overInternet) return undefined;
  const verify = new OriginVerify(scope, 'OriginVerify', options ?? {});
  if (!options?.secret) acknowledgeOriginVerifyFindings(verify);
  return verify;
}

/** The web ACL the construct creates (none with `waf: false` or an existing `webAclArn`) and the ARN behaviors use. */
export function renderWebAcl(scope: Construct, waf: WafOptions | false, routes: readonly ResolvedRoute[]): { webAcl?: TieredCdnWebAcl; webAclId?: string } {
  if (waf === false) return {};
  if (waf.webAclArn) return { webAclId: waf.webAclArn };
  const webAcl = new TieredCdnWebAcl(scope, 'WebAcl', {
    ...waf,
    apiPathPrefixes: routes.filter((r) => r.tier === 'api' || r.tier === 'dynamic').map((r) => literalPrefix(r.pathPattern)),
  });
  return { webAcl, webAclId: webAcl.webAcl.attrArn };
}

/**
 * CloudFront continuous deployment: a staging distribution and the policy, attached to the primary,
 * that sends it the traffic it selects.
 */
export function renderStaging(
  scope: Construct,
  staging: StagingOptions,
  primary: cloudfront.Distribution,
  stagingProps: cloudfront.DistributionProps,
): { distribution: cloudfront.Distribution; policy: cloudfront.CfnContinuousDeploymentPolicy } {
  // A staging distribution has no alternate domain names: viewers reach it through the primary.
  const distribution = new cloudfront.Distribution(scope, 'Staging', {
    ...stagingProps,
    domainNames: undefined,
    certificate: undefined,
    minimumProtocolVersion: undefined,
  });
  (distribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride('DistributionConfig.Staging', true);
  const policy = new cloudfront.CfnContinuousDeploymentPolicy(scope, 'StagingPolicy', {
    continuousDeploymentPolicyConfig: stagingPolicyConfig(staging, distribution.distributionDomainName),
  });
  (primary.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride('DistributionConfig.ContinuousDeploymentPolicyId', policy.attrId);
  return { distribution, policy };
}
