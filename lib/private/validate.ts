import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';
import { monitoringProblems } from '../monitoring';
import { originVerifyProblems } from '../origin-verify';
import { resolveEdgeConfigs, resolveEntryDocuments, resolveShieldRegions, validateRoutes } from '../route-table';
import type { RouteProps } from '../routes';
import { stagingProblems } from '../staging';
import type { RouteEdgeConfig, TieredCdnProps } from '../tiered-cdn';
import { Problems, show } from '../validation';
import { WafOptions, wafProblems } from '../web-acl';
import { ResolvedCacheTags, SiteObjectGroup, planSiteObjectTags, resolveCacheTags } from '../cache-tags';

/** What validation of a TieredCdn's props resolved, for the renderers. */
export interface ValidatedProps {
  readonly edgeConfigs: Map<RouteProps, RouteEdgeConfig>;
  /** Edge configuration of `staging.routes`, when staging has its own table. */
  readonly stagingEdgeConfigs?: Map<RouteProps, RouteEdgeConfig>;
  readonly shieldRegions: Record<string, string | undefined>;
  readonly entryDocuments: string[];
  /** `props.waf` with its region-dependent default applied. */
  readonly waf: WafOptions | false;
  /** Undefined with `cacheTags: false`. */
  readonly cacheTags?: ResolvedCacheTags;
  /** The site's objects grouped by their tags (with a site and cache tags on). */
  readonly siteGroups?: SiteObjectGroup[];
}

/** Checks every prop, collects every problem and throws once (TieredCdnValidationError). */
export function validateProps(scope: Construct, props: TieredCdnProps): ValidatedProps {
  const stack = Stack.of(scope);
  const problems = new Problems();
  validateRoutes(props, problems);
  const edgeConfigs = resolveEdgeConfigs(props, problems);
  const shieldRegions = resolveShieldRegions(props.origins ?? {}, props, stack.region, props.originShield ?? true, problems);
  const entryDocuments = props.site ? resolveEntryDocuments(props.site, problems) : [];
  const { cacheTags, siteGroups } = validateCacheTags(props, entryDocuments, problems);
  if (props.domainNames && props.domainNames.length > 0 && !props.certificate) {
    problems.add(`'domainNames' ${show(props.domainNames)} needs 'certificate' (an ACM certificate in us-east-1).`);
  }
  const waf = wafDefault(scope, props, stack.region);
  if (waf !== false) problems.addAll(wafProblems(waf, stack.region));
  if (props.originVerify) problems.addAll(originVerifyProblems(props.originVerify));
  if (props.monitoring) problems.addAll(monitoringProblems(props.monitoring));
  const stagingEdgeConfigs = props.staging ? validateStaging(props, problems) : undefined;
  problems.throwIfAny(scope.node.path);
  for (const w of problems.warnings) Annotations.of(scope).addWarningV2(w.id, w.message);
  return { edgeConfigs, stagingEdgeConfigs, shieldRegions, entryDocuments, waf, cacheTags, siteGroups };
}

function validateCacheTags(props: TieredCdnProps, entryDocuments: readonly string[], problems: Problems): Pick<ValidatedProps, 'cacheTags' | 'siteGroups'> {
  const found: string[] = [];
  const cacheTags = resolveCacheTags(props.cacheTags, props.site !== undefined, found);
  let siteGroups: SiteObjectGroup[] | undefined;
  if (props.site?.tags && !cacheTags) found.push(`'site.tags' needs cache tags, but 'cacheTags' is false.`);
  else if (props.site && cacheTags && found.length === 0) {
    siteGroups = planSiteObjectTags(props.site.source, entryDocuments, props.site.tags ?? {}, cacheTags.headerName, found);
  }
  problems.addAll(found);
  return { cacheTags, siteGroups };
}

/**
 * On by default where it can be: a CLOUDFRONT-scope web ACL exists only in us-east-1. Asked for
 * explicitly elsewhere, it is an error; left to the default, a warning says what to do.
 */
function wafDefault(scope: Construct, props: TieredCdnProps, region: string): WafOptions | false {
  const wafHere = Token.isUnresolved(region) || region === 'us-east-1';
  if (props.waf === undefined && !wafHere) {
    Annotations.of(scope).addWarningV2(
      'tiered-cdn:no-waf',
      `No AWS WAF web ACL: a CLOUDFRONT-scope web ACL can only be created in us-east-1 and this stack is in ${region}. Create one in a us-east-1 stack and pass 'waf: { webAclArn }', or set 'waf: false' to silence this.`,
    );
  }
  return props.waf ?? (wafHere ? {} : false);
}

function validateStaging(props: TieredCdnProps, problems: Problems): Map<RouteProps, RouteEdgeConfig> | undefined {
  const staging = props.staging!;
  problems.addAll(stagingProblems(staging));
  const httpVersion = props.distributionOverrides?.httpVersion;
  if (httpVersion === cloudfront.HttpVersion.HTTP2_AND_3 || httpVersion === cloudfront.HttpVersion.HTTP3) {
    problems.add(`'staging' needs a distribution without HTTP/3 (CloudFront continuous deployment does not support it), but 'distributionOverrides.httpVersion' asks for it.`);
  }
  if (!staging.routes) return undefined;
  // The staged table is checked like the primary one; its messages say where they come from.
  const staged = new Problems();
  const stagedProps = { ...props, routes: staging.routes };
  validateRoutes(stagedProps, staged);
  const configs = resolveEdgeConfigs(stagedProps, staged);
  const primary = new Set(problems.messages);
  problems.addAll(
    staged.messages
      .filter((m) => !primary.has(m))
      .map((m) => (m.startsWith('routes[') ? `staging.${m}` : m.startsWith("'routes'") ? `'staging.routes'${m.slice(8)}` : `staging: ${m}`)),
  );
  return configs;
}
