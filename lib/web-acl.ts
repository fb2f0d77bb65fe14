import { Stack, Token } from 'aws-cdk-lib/core';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { show, Problem, problem } from './validation';

/** AWS managed rule groups every web ACL gets unless `managedRules` is false. */
export const MANAGED_RULE_GROUPS: readonly string[] = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
];

/** Default requests per client IP in any 5-minute window before the IP is blocked. */
export const DEFAULT_RATE_LIMIT = 2000;
/** Default for api and dynamic paths, which cost the origin more. */
export const DEFAULT_API_RATE_LIMIT = 500;

/**
 * AWS WAF in front of the distribution: a web ACL in CLOUDFRONT scope with per-IP rate rules,
 * AWS managed rule groups and optional geo rules, or an existing web ACL.
 * @see https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html
 */
export interface WafOptions {
  /**
   * Use this existing web ACL (CLOUDFRONT scope, its ARN) instead of creating one.
   * @default - a web ACL is created
   */
  readonly webAclArn?: string;

  /**
   * Requests one client IP may make in any 5-minute window before it is blocked (100 - 2,000,000,000).
   * @default 2000
   */
  readonly rateLimit?: number;

  /**
   * A tighter limit for the paths of `api` and `dynamic` routes; `false` for none.
   * @default 500
   */
  readonly apiRateLimit?: number | false;

  /**
   * Add the AWS managed rule groups: common rule set, known bad inputs, Amazon IP reputation list.
   * @default true
   */
  readonly managedRules?: boolean;

  /**
   * Only these countries (ISO 3166 alpha-2) may reach the distribution.
   * @default - every country
   */
  readonly allowCountries?: readonly string[];

  /**
   * These countries (ISO 3166 alpha-2) are blocked.
   * @default - none
   */
  readonly denyCountries?: readonly string[];
}

const COUNTRY = /^[A-Z]{2}$/;

/** Problems with the WAF options, collected for the construct's one error. */
export function wafProblems(waf: WafOptions, stackRegion: string): Problem[] {
  const problems: Problem[] = [];
  const limit = (prop: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 100 || v > 2_000_000_000)) {
      problems.push(problem('waf-rate-limit-range', `'waf.${prop}' must be a whole number from 100 to 2,000,000,000 requests per 5 minutes, got: ${show(v)}.`));
    }
  };
  limit('rateLimit', waf.rateLimit);
  if (waf.apiRateLimit !== false) limit('apiRateLimit', waf.apiRateLimit);
  for (const prop of ['allowCountries', 'denyCountries'] as const) {
    const bad = (waf[prop] ?? []).filter((c) => !COUNTRY.test(c));
    if (bad.length > 0) problems.push(problem('waf-countries-invalid', `'waf.${prop}' takes ISO 3166 alpha-2 codes in upper case, got: ${show(bad)}.`));
  }
  if (waf.allowCountries && waf.denyCountries) {
    problems.push(problem('waf-countries-both', `'waf.allowCountries' and 'waf.denyCountries' exclude each other: allowing a list already blocks the rest.`));
  }
  if (waf.allowCountries && waf.allowCountries.length === 0) {
    problems.push(problem('waf-allow-countries-empty', `'waf.allowCountries' is empty, which would block every viewer; leave it out to allow all countries.`));
  }
  if (waf.webAclArn !== undefined) {
    if (!Token.isUnresolved(waf.webAclArn) && !/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+/.test(waf.webAclArn)) {
      problems.push(problem('waf-web-acl-arn-invalid', `'waf.webAclArn' must be the ARN of a CLOUDFRONT-scope web ACL (arn:aws:wafv2:us-east-1:<account>:global/webacl/...), got: ${show(waf.webAclArn)}.`));
    }
  } else if (!Token.isUnresolved(stackRegion) && stackRegion !== 'us-east-1') {
    problems.push(problem('waf-region', `'waf': a CLOUDFRONT-scope web ACL can only be created in us-east-1, and this stack is in ${show(stackRegion)}. Create the web ACL in a us-east-1 stack and pass its ARN as 'waf.webAclArn', or set 'waf: false'.`,
    ));
  }
  return problems;
}

export interface TieredCdnWebAclProps extends WafOptions {
  /** Path prefixes (`/api/`) the tighter api rate limit applies to. */
  readonly apiPathPrefixes: readonly string[];
}

/** The web ACL of a TieredCdn; rules are plain CloudFormation so `cdk diff` shows each one. */
export class TieredCdnWebAcl extends Construct {
  /** The CLOUDFRONT-scope web ACL (attach it with its `attrArn`). */
  public readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: TieredCdnWebAclProps) {
    super(scope, id);
    const prefix = Stack.of(this).stackName.replace(/[^A-Za-z0-9-]/g, '').slice(0, 60) || 'TieredCdn';
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${prefix}-${name}`,
      sampledRequestsEnabled: true,
    });
    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const block = { block: {} };

    if (props.denyCountries && props.denyCountries.length > 0) {
      rules.push({
        name: 'GeoDeny',
        priority: rules.length,
        action: block,
        statement: { geoMatchStatement: { countryCodes: [...props.denyCountries] } },
        visibilityConfig: visibility('GeoDeny'),
      });
    }
    if (props.allowCountries && props.allowCountries.length > 0) {
      rules.push({
        name: 'GeoAllow',
        priority: rules.length,
        action: block,
        statement: { notStatement: { statement: { geoMatchStatement: { countryCodes: [...props.allowCountries] } } } },
        visibilityConfig: visibility('GeoAllow'),
      });
    }
    rules.push({
      name: 'RatePerIp',
      priority: rules.length,
      action: block,
      statement: { rateBasedStatement: { limit: props.rateLimit ?? DEFAULT_RATE_LIMIT, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('RatePerIp'),
    });
    const apiLimit = props.apiRateLimit === false ? undefined : (props.apiRateLimit ?? DEFAULT_API_RATE_LIMIT);
    const prefixes = [...new Set(props.apiPathPrefixes)].sort();
    if (apiLimit !== undefined && prefixes.length > 0) {
      const matches: wafv2.CfnWebACL.StatementProperty[] = prefixes.map((p) => ({
        byteMatchStatement: {
          fieldToMatch: { uriPath: {} },
          positionalConstraint: 'STARTS_WITH',
          searchString: p,
          textTransformations: [{ priority: 0, type: 'NONE' }],
        },
      }));
      rules.push({
        name: 'RatePerIpApi',
        priority: rules.length,
        action: block,
        statement: {
          rateBasedStatement: {
            limit: apiLimit,
            aggregateKeyType: 'IP',
            scopeDownStatement: matches.length === 1 ? matches[0] : { orStatement: { statements: matches } },
          },
        },
        visibilityConfig: visibility('RatePerIpApi'),
      });
    }
    if (props.managedRules ?? true) {
      for (const name of MANAGED_RULE_GROUPS) {
        rules.push({
          name,
          priority: rules.length,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        });
      }
    }

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      rules,
    });
  }
}
