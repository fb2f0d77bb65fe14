import * as fs from 'fs';
import * as path from 'path';
import {
  LEGACY_DEFAULT_CACHE_POLICY,
  MANAGED_CACHE_POLICIES,
  MANAGED_ORIGIN_REQUEST_POLICIES,
  MANAGED_RESPONSE_HEADERS_POLICIES,
} from './managed-policies';
import type {
  BehaviorModel,
  CachePolicyModel,
  DistributionModel,
  EdgeEventType,
  EdgeFunctionModel,
  ErrorResponseModel,
  ItemSelection,
  OriginGroupModel,
  OriginModel,
  OriginRequestPolicyModel,
  ResponseHeadersPolicyModel,
  S3Content,
  SecurityHeaderSetting,
} from './model';
import { FunctionAssemblyError, functionAssociations, keyValueStores } from './assembly-functions';
import { KvsLimitError } from './kvs';
import { CliError } from '../errors';
import { planOf } from '../plan';

/** A problem with the cloud assembly the user can fix; the message says how. */
export class AssemblyError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

type Json = any; // CloudFormation is untyped JSON; every read below is checked where it matters.

interface StackTemplate {
  readonly stackName: string;
  readonly templateFile: string;
  readonly region: string;
  readonly template: Json;
}

/** Every CloudFormation stack of a cloud assembly (cdk.out), with its region when known. */
export function readStacks(appDir: string): StackTemplate[] {
  const manifestFile = path.join(appDir, 'manifest.json');
  if (!fs.existsSync(appDir) || !fs.existsSync(manifestFile)) {
    throw new AssemblyError(`no cloud assembly at '${appDir}' (manifest.json not found): run npx cdk synth first, or pass --app DIR`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const stacks: StackTemplate[] = [];
  for (const [id, artifact] of Object.entries<Json>(manifest.artifacts ?? {})) {
    // Stacks inside a Stage live in a nested assembly of their own.
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...readStacks(path.join(appDir, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = path.join(appDir, artifact.properties?.templateFile ?? `${id}.template.json`);
    if (!fs.existsSync(templateFile)) continue;
    const region = /^aws:\/\/[^/]*\/(.+)$/.exec(artifact.environment ?? '')?.[1];
    stacks.push({
      stackName: artifact.properties?.stackName ?? artifact.displayName ?? id,
      templateFile,
      region: region && region !== 'unknown-region' ? region : 'us-east-1',
      template: JSON.parse(fs.readFileSync(templateFile, 'utf8')),
    });
  }
  return stacks;
}

/**
 * Finds the one distribution to run. With several in the assembly, `stack` (a stack name, optionally
 * `Stack/LogicalId`) picks one; the error lists the candidates.
 */
export function readDistribution(appDir: string, stack?: string, options: { kvsFiles?: Readonly<Record<string, string>> } = {}): DistributionModel {
  const stacks = readStacks(appDir);
  const found: Array<{ stack: StackTemplate; logicalId: string }> = [];
  for (const s of stacks) {
    for (const [logicalId, res] of Object.entries<Json>(s.template.Resources ?? {})) {
      if (res.Type === 'AWS::CloudFront::Distribution') found.push({ stack: s, logicalId });
    }
  }
  const label = (f: { stack: StackTemplate; logicalId: string }) => `${f.stack.stackName}/${f.logicalId}`;
  let candidates = found;
  if (stack) {
    const [stackName, logicalId] = stack.split('/');
    // A logical id may be given without the hash CDK appends (`Stack/Dist` for `DistB3B78991`).
    candidates = found.filter((f) => f.stack.stackName === stackName && (!logicalId || f.logicalId === logicalId));
    if (logicalId && candidates.length === 0) {
      candidates = found.filter((f) => f.stack.stackName === stackName && f.logicalId.startsWith(logicalId));
    }
    if (candidates.length === 0) {
      const known = found.length ? found.map(label).join(', ') : 'none';
      throw new AssemblyError(`--stack '${stack}' has no CloudFront distribution in ${appDir}; distributions found: ${known}`);
    }
  }
  if (candidates.length === 0) {
    const names = stacks.map((s) => s.stackName).join(', ') || 'none';
    throw new AssemblyError(`no AWS::CloudFront::Distribution in ${appDir} (stacks: ${names}); synthesize an app that defines one`);
  }
  if (candidates.length > 1) {
    throw new AssemblyError(
      `${candidates.length} distributions in ${appDir}: ${candidates.map(label).join(', ')}; pick one with --stack NAME (or NAME/LogicalId)`,
    );
  }
  try {
    return buildModel(appDir, candidates[0].stack, candidates[0].logicalId, stacks, options.kvsFiles);
  } catch (e) {
    if (e instanceof FunctionAssemblyError || e instanceof KvsLimitError) throw new AssemblyError(e.message);
    throw e;
  }
}

class Resolver {
  constructor(
    private readonly stack: StackTemplate,
    private readonly resources: Record<string, Json>,
  ) {}

  /** Resolves the intrinsic functions a CDK template uses for names; unresolvable parts become `<...>`. */
  str(v: Json): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (v && typeof v === 'object') {
      if ('Ref' in v) return this.ref(v.Ref);
      if ('Fn::Join' in v) {
        const [sep, parts] = v['Fn::Join'];
        return (parts as Json[]).map((p) => this.str(p)).join(sep);
      }
      if ('Fn::GetAtt' in v) {
        const [id, attr] = Array.isArray(v['Fn::GetAtt']) ? v['Fn::GetAtt'] : String(v['Fn::GetAtt']).split('.');
        return this.getAtt(id, attr);
      }
      if ('Fn::Select' in v) {
        const [index, list] = v['Fn::Select'];
        const items = this.list(list);
        return items[Number(index)] ?? `<Fn::Select ${index}>`;
      }
      if ('Fn::Sub' in v && typeof v['Fn::Sub'] === 'string') {
        return v['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_: string, name: string) =>
          name.includes('.') ? this.getAtt(name.split('.')[0], name.split('.').slice(1).join('.')) : this.ref(name),
        );
      }
    }
    return `<${JSON.stringify(v)}>`;
  }

  private list(v: Json): string[] {
    if (Array.isArray(v)) return v.map((x) => this.str(x));
    if (v && typeof v === 'object' && 'Fn::Split' in v) {
      const [sep, source] = v['Fn::Split'];
      return this.str(source).split(sep);
    }
    return [this.str(v)];
  }

  ref(name: string): string {
    switch (name) {
      case 'AWS::Region':
        return this.stack.region;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::AccountId':
        return '123456789012';
      case 'AWS::StackName':
        return this.stack.stackName;
    }
    const param = this.stack.template.Parameters?.[name];
    if (param && param.Default !== undefined) return String(param.Default);
    // Ref of an API Gateway stage is its name: a RestApiOrigin's origin path is built from it.
    const resource = this.resources[name];
    if (resource?.Type === 'AWS::ApiGateway::Stage' && typeof resource.Properties?.StageName === 'string') return resource.Properties.StageName;
    return name;
  }

  getAtt(id: string, attr: string): string {
    const res = this.resources[id];
    if (res?.Type === 'AWS::S3::Bucket') {
      const bucket = res.Properties?.BucketName ? this.str(res.Properties.BucketName) : id.toLowerCase();
      if (attr === 'RegionalDomainName') return `${bucket}.s3.${this.stack.region}.amazonaws.com`;
      if (attr === 'DomainName') return `${bucket}.s3.amazonaws.com`;
      if (attr === 'WebsiteURL') return `http://${bucket}.s3-website-${this.stack.region}.amazonaws.com`;
    }
    return `${id}.${attr}`;
  }
}

function num(v: Json, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

function selection<B extends string>(behavior: Json, items: Json, lower: boolean): ItemSelection<B> {
  const list = (Array.isArray(items) ? items : []).map((x: Json) => (lower ? String(x).toLowerCase() : String(x)));
  return { behavior: (behavior ?? 'none') as B, items: list };
}

function cachePolicyFromConfig(id: string, c: Json): CachePolicyModel {
  const p = c.ParametersInCacheKeyAndForwardedToOrigin ?? {};
  return {
    id,
    name: c.Name ?? id,
    minTtl: num(c.MinTTL, 0),
    defaultTtl: num(c.DefaultTTL, 86400),
    maxTtl: num(c.MaxTTL, 31536000),
    gzip: p.EnableAcceptEncodingGzip === true || p.EnableAcceptEncodingGzip === 'true',
    brotli: p.EnableAcceptEncodingBrotli === true || p.EnableAcceptEncodingBrotli === 'true',
    headers: selection(p.HeadersConfig?.HeaderBehavior, p.HeadersConfig?.Headers, true),
    cookies: selection(p.CookiesConfig?.CookieBehavior, p.CookiesConfig?.Cookies, false),
    queryStrings: selection(p.QueryStringsConfig?.QueryStringBehavior, p.QueryStringsConfig?.QueryStrings, false),
  };
}

function originRequestPolicyFromConfig(id: string, c: Json): OriginRequestPolicyModel {
  return {
    id,
    name: c.Name ?? id,
    headers: selection(c.HeadersConfig?.HeaderBehavior, c.HeadersConfig?.Headers, true),
    cookies: selection(c.CookiesConfig?.CookieBehavior, c.CookiesConfig?.Cookies, false),
    queryStrings: selection(c.QueryStringsConfig?.QueryStringBehavior, c.QueryStringsConfig?.QueryStrings, false),
  };
}

function responseHeadersPolicyFromConfig(id: string, c: Json): ResponseHeadersPolicyModel {
  const set: Record<string, SecurityHeaderSetting> = {};
  const s = c.SecurityHeadersConfig ?? {};
  const ov = (x: Json) => x?.Override === true || x?.Override === 'true';
  if (s.StrictTransportSecurity) {
    const h = s.StrictTransportSecurity;
    let value = `max-age=${num(h.AccessControlMaxAgeSec, 0)}`;
    if (h.IncludeSubdomains === true || h.IncludeSubdomains === 'true') value += '; includeSubDomains';
    if (h.Preload === true || h.Preload === 'true') value += '; preload';
    set['strict-transport-security'] = { value, override: ov(h) };
  }
  if (s.ContentTypeOptions) set['x-content-type-options'] = { value: 'nosniff', override: ov(s.ContentTypeOptions) };
  if (s.FrameOptions) set['x-frame-options'] = { value: String(s.FrameOptions.FrameOption), override: ov(s.FrameOptions) };
  if (s.ReferrerPolicy) set['referrer-policy'] = { value: String(s.ReferrerPolicy.ReferrerPolicy), override: ov(s.ReferrerPolicy) };
  if (s.ContentSecurityPolicy) {
    set['content-security-policy'] = { value: String(s.ContentSecurityPolicy.ContentSecurityPolicy), override: ov(s.ContentSecurityPolicy) };
  }
  if (s.XSSProtection) {
    const x = s.XSSProtection;
    let value = x.Protection === true || x.Protection === 'true' ? '1' : '0';
    if (value === '1' && (x.ModeBlock === true || x.ModeBlock === 'true')) value += '; mode=block';
    else if (value === '1' && x.ReportUri) value += `; report=${x.ReportUri}`;
    set['x-xss-protection'] = { value, override: ov(x) };
  }
  for (const item of c.CustomHeadersConfig?.Items ?? []) {
    set[String(item.Header).toLowerCase()] = { value: String(item.Value), override: ov(item) };
  }
  const remove = (c.RemoveHeadersConfig?.Items ?? []).map((i: Json) => String(i.Header).toLowerCase());
  const cors = c.CorsConfig
    ? {
        allowOrigins: c.CorsConfig.AccessControlAllowOrigins?.Items ?? [],
        allowMethods: c.CorsConfig.AccessControlAllowMethods?.Items ?? [],
        allowHeaders: c.CorsConfig.AccessControlAllowHeaders?.Items ?? [],
        exposeHeaders: c.CorsConfig.AccessControlExposeHeaders?.Items ?? [],
        allowCredentials: c.CorsConfig.AccessControlAllowCredentials === true || c.CorsConfig.AccessControlAllowCredentials === 'true',
        maxAgeSec: c.CorsConfig.AccessControlMaxAgeSec === undefined ? undefined : num(c.CorsConfig.AccessControlMaxAgeSec, 0),
        override: ov({ Override: c.CorsConfig.OriginOverride }),
      }
    : undefined;
  return { id, name: c.Name ?? id, set, remove, cors };
}

function buildModel(appDir: string, stack: StackTemplate, logicalId: string, allStacks: StackTemplate[], kvsFiles?: Readonly<Record<string, string>>): DistributionModel {
  const resources: Record<string, Json> = stack.template.Resources ?? {};
  const r = new Resolver(stack, resources);
  const config = resources[logicalId].Properties?.DistributionConfig ?? {};
  const where = `${stack.stackName}/${logicalId}`;

  const policy = <T>(ref: Json, managed: Readonly<Record<string, T>>, type: string, fromConfig: (id: string, c: Json) => T, configKey: string): T | undefined => {
    if (ref === undefined) return undefined;
    if (typeof ref === 'string') {
      const m = managed[ref];
      if (!m) throw new AssemblyError(`${where}: ${type} id '${ref}' is neither a managed policy known to the local edge nor a resource of the stack`);
      return m;
    }
    const id = ref?.Ref;
    const res = id ? resources[id] : undefined;
    if (!res || res.Type !== type) throw new AssemblyError(`${where}: cannot resolve ${type} ${JSON.stringify(ref)}`);
    return fromConfig(id, res.Properties?.[configKey] ?? {});
  };

  const edgeFunctions = (assocs: Json): Partial<Record<EdgeEventType, EdgeFunctionModel>> => {
    const out: Partial<Record<EdgeEventType, EdgeFunctionModel>> = {};
    for (const a of assocs ?? []) {
      out[a.EventType as EdgeEventType] = resolveEdgeFunction(appDir, stack, allStacks, a, where);
    }
    return out;
  };

  const behavior = (b: Json, pathPattern: string): BehaviorModel => {
    const cachePolicy = b.CachePolicyId
      ? policy(b.CachePolicyId, MANAGED_CACHE_POLICIES, 'AWS::CloudFront::CachePolicy', cachePolicyFromConfig, 'CachePolicyConfig')!
      : legacyCachePolicy(b);
    return {
      pathPattern,
      targetOriginId: String(b.TargetOriginId),
      viewerProtocolPolicy: b.ViewerProtocolPolicy ?? 'allow-all',
      allowedMethods: b.AllowedMethods ?? ['GET', 'HEAD'],
      cachedMethods: b.CachedMethods ?? ['GET', 'HEAD'],
      compress: b.Compress === true || b.Compress === 'true',
      cachePolicy,
      originRequestPolicy: policy(b.OriginRequestPolicyId, MANAGED_ORIGIN_REQUEST_POLICIES, 'AWS::CloudFront::OriginRequestPolicy', originRequestPolicyFromConfig, 'OriginRequestPolicyConfig'),
      responseHeadersPolicy: policy(b.ResponseHeadersPolicyId, MANAGED_RESPONSE_HEADERS_POLICIES, 'AWS::CloudFront::ResponseHeadersPolicy', responseHeadersPolicyFromConfig, 'ResponseHeadersPolicyConfig'),
      edgeFunctions: edgeFunctions(b.LambdaFunctionAssociations),
      functions: functionAssociations(b.FunctionAssociations, resources, r, `${where} behavior '${pathPattern}'`),
    };
  };

  const behaviors: BehaviorModel[] = (config.CacheBehaviors ?? []).map((b: Json) => behavior(b, String(b.PathPattern)));
  if (!config.DefaultCacheBehavior) throw new AssemblyError(`${where}: DistributionConfig has no DefaultCacheBehavior`);
  behaviors.push(behavior(config.DefaultCacheBehavior, '*'));

  const deployments = bucketDeployments(appDir, resources, r);
  const origins: Record<string, OriginModel> = {};
  for (const o of config.Origins ?? []) {
    const domainName = r.str(o.DomainName);
    const custom = o.CustomOriginConfig;
    const bucketId = o.DomainName?.['Fn::GetAtt']?.[0] ?? o.DomainName?.Ref;
    // A VPC origin (VpcOriginConfig) is reached over HTTP(S) like a custom origin.
    const isS3 = !!o.S3OriginConfig || (!custom && !o.VpcOriginConfig);
    const headers: Record<string, string> = {};
    for (const h of o.OriginCustomHeaders ?? []) headers[String(h.HeaderName).toLowerCase()] = r.str(h.HeaderValue);
    const shieldOn = o.OriginShield?.Enabled === true || o.OriginShield?.Enabled === 'true';
    origins[o.Id] = {
      id: o.Id,
      domainName,
      originPath: o.OriginPath ? r.str(o.OriginPath) : '',
      kind: isS3 ? 's3' : 'custom',
      protocolPolicy: custom?.OriginProtocolPolicy ?? 'https-only',
      httpPort: num(custom?.HTTPPort, 80),
      httpsPort: num(custom?.HTTPSPort, 443),
      readTimeoutSeconds: num(custom?.OriginReadTimeout, 30),
      customHeaders: headers,
      originShield: shieldOn ? { region: r.str(o.OriginShield.OriginShieldRegion ?? stack.region) } : undefined,
      s3Content: isS3 && bucketId ? deployments[bucketId] ?? [] : [],
    };
  }
  const originGroups: Record<string, OriginGroupModel> = {};
  for (const g of config.OriginGroups?.Items ?? []) {
    originGroups[g.Id] = {
      id: g.Id,
      members: (g.Members?.Items ?? []).map((m: Json) => String(m.OriginId)),
      failoverStatusCodes: (g.FailoverCriteria?.StatusCodes?.Items ?? []).map((c: Json) => num(c, 0)),
    };
  }
  for (const b of behaviors) {
    if (!origins[b.targetOriginId] && !originGroups[b.targetOriginId]?.members.every((m) => origins[m])) {
      throw new AssemblyError(`${where}: behavior '${b.pathPattern}' targets origin '${b.targetOriginId}', which is not in Origins`);
    }
  }

  const errorResponses: ErrorResponseModel[] = (config.CustomErrorResponses ?? []).map((e: Json) => ({
    errorCode: num(e.ErrorCode, 0),
    errorCachingMinTtl: e.ErrorCachingMinTTL === undefined ? undefined : num(e.ErrorCachingMinTTL, 10),
    responseCode: e.ResponseCode === undefined ? undefined : num(e.ResponseCode, 0),
    responsePagePath: e.ResponsePagePath,
  }));

  return {
    stackName: stack.stackName,
    logicalId,
    region: stack.region,
    behaviors,
    origins,
    originGroups,
    errorResponses,
    defaultRootObject: config.DefaultRootObject || undefined,
    cacheTagHeader: config.CacheTagConfig?.HeaderName ? r.str(config.CacheTagConfig.HeaderName).toLowerCase() : undefined,
    keyValueStores: keyValueStores(appDir, resources, r, kvsFiles),
    plan: planOf(stack.template, logicalId),
  };
}

/** ForwardedValues (legacy cache settings) expressed as a cache policy. */
function legacyCachePolicy(b: Json): CachePolicyModel {
  const fv = b.ForwardedValues ?? {};
  const qs = fv.QueryString === true || fv.QueryString === 'true';
  const qsKeys: string[] = fv.QueryStringCacheKeys ?? [];
  const headers: string[] = (fv.Headers ?? []).map((h: string) => h.toLowerCase());
  const cookies = fv.Cookies?.Forward ?? 'none';
  return {
    ...LEGACY_DEFAULT_CACHE_POLICY,
    minTtl: num(b.MinTTL, 0),
    defaultTtl: num(b.DefaultTTL, 86400),
    maxTtl: num(b.MaxTTL, 31536000),
    gzip: b.Compress === true,
    brotli: b.Compress === true,
    headers: headers.length ? { behavior: 'whitelist', items: headers } : { behavior: 'none', items: [] },
    queryStrings: !qs ? { behavior: 'none', items: [] } : qsKeys.length ? { behavior: 'whitelist', items: qsKeys } : { behavior: 'all', items: [] },
    cookies: cookies === 'all' ? { behavior: 'all', items: [] } : cookies === 'whitelist' ? { behavior: 'whitelist', items: fv.Cookies.WhitelistedNames ?? [] } : { behavior: 'none', items: [] },
  };
}

function assetFolder(appDir: string, res: Json, s3Key: string | undefined): string | undefined {
  const metaPath = res?.Metadata?.['aws:asset:path'];
  const candidates: string[] = [];
  if (typeof metaPath === 'string') candidates.push(path.isAbsolute(metaPath) ? metaPath : path.join(appDir, metaPath));
  if (s3Key) candidates.push(path.join(appDir, `asset.${s3Key.replace(/\.zip$/, '')}`));
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isDirectory());
}

function resolveEdgeFunction(appDir: string, stack: StackTemplate, allStacks: StackTemplate[], assoc: Json, where: string): EdgeFunctionModel {
  const arn = assoc.LambdaFunctionARN;
  const eventType = assoc.EventType as EdgeEventType;
  const includeBody = assoc.IncludeBody === true || assoc.IncludeBody === 'true';
  // Same-stack edge functions are referenced through their version; an edge function in a
  // cross-region stack is read through an SSM parameter whose value refers to the version there.
  let versionId: string | undefined = arn?.Ref;
  let home: StackTemplate = stack;
  if (!versionId && arn?.['Fn::GetAtt']) {
    const readerId = arn['Fn::GetAtt'][0];
    const reader = stack.template.Resources?.[readerId];
    const paramName = JSON.stringify(reader?.Properties ?? {}).match(/\/cdk\/EdgeFunctionArn\/[^"\\]+/)?.[0];
    for (const s of allStacks) {
      for (const res of Object.values<Json>(s.template.Resources ?? {})) {
        if (res.Type === 'AWS::SSM::Parameter' && paramName && res.Properties?.Name === paramName && res.Properties?.Value?.Ref) {
          versionId = res.Properties.Value.Ref;
          home = s;
        }
      }
    }
  }
  const resources = home.template.Resources ?? {};
  let fnId: string | undefined;
  const version = versionId ? resources[versionId] : undefined;
  if (version?.Type === 'AWS::Lambda::Version') fnId = version.Properties?.FunctionName?.Ref;
  else if (versionId && resources[versionId]?.Type === 'AWS::Lambda::Function') fnId = versionId;
  const fn = fnId ? resources[fnId] : undefined;
  if (!fn || fn.Type !== 'AWS::Lambda::Function') {
    throw new AssemblyError(`${where}: cannot find the Lambda function of the ${eventType} association ${JSON.stringify(arn)}`);
  }
  const codeDir = assetFolder(appDir, fn, fn.Properties?.Code?.S3Key);
  if (!codeDir) {
    if (fn.Properties?.Code?.ZipFile) {
      const dir = path.join(appDir, '.tiered-cdn-local', fnId!);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'index.js'), String(fn.Properties.Code.ZipFile));
      return { eventType, codeDir: dir, handler: fn.Properties.Handler ?? 'index.handler', name: fnId!, includeBody, runtime: runtimeOf(fn) };
    }
    throw new AssemblyError(`${where}: the code folder of edge function ${fnId} (${eventType}) is not in ${appDir}; run npx cdk synth again`);
  }
  return { eventType, codeDir, handler: fn.Properties?.Handler ?? 'index.handler', name: fnId!, includeBody, runtime: runtimeOf(fn) };
}

function runtimeOf(fn: Json): string | undefined {
  return typeof fn.Properties?.Runtime === 'string' ? fn.Properties.Runtime : undefined;
}

/** Bucket logical id -> the content BucketDeployments put in it, from their source asset folders. */
function bucketDeployments(appDir: string, resources: Record<string, Json>, r: Resolver): Record<string, S3Content[]> {
  const out: Record<string, S3Content[]> = {};
  for (const res of Object.values<Json>(resources)) {
    if (res.Type !== 'Custom::CDKBucketDeployment') continue;
    const p = res.Properties ?? {};
    const bucketId = p.DestinationBucketName?.Ref;
    if (!bucketId) continue;
    const folders: string[] = [];
    for (const key of p.SourceObjectKeys ?? []) {
      const k = r.str(key);
      const dir = path.join(appDir, `asset.${k.replace(/\.zip$/, '')}`);
      if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) folders.push(dir);
    }
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries<Json>(p.SystemMetadata ?? {})) metadata[k.toLowerCase()] = r.str(v);
    for (const [k, v] of Object.entries<Json>(p.UserMetadata ?? {})) metadata[`x-amz-meta-${k.toLowerCase()}`] = r.str(v);
    const keyPrefix = p.DestinationBucketKeyPrefix ? r.str(p.DestinationBucketKeyPrefix).replace(/^\/+/, '') : '';
    // The deployment handler passes every --exclude, then every --include, to aws s3 sync.
    const filters = [
      ...(p.Exclude ?? []).map((f: Json) => ({ kind: 'exclude' as const, pattern: r.str(f) })),
      ...(p.Include ?? []).map((f: Json) => ({ kind: 'include' as const, pattern: r.str(f) })),
    ];
    (out[bucketId] ??= []).push({ folders, keyPrefix, metadata, ...(filters.length > 0 ? { filters } : {}) });
  }
  return out;
}
