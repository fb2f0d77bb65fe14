import type { PlanDocument } from '../../lib/plan';
/**
 * The distribution as the local edge runs it: the parts of a synthesized
 * `AWS::CloudFront::Distribution` and its policies that decide what a viewer sees.
 * Built by `readDistribution` from cdk.out; plain data so tests can also build one by hand.
 */

export type HeaderBehavior = 'none' | 'whitelist' | 'allViewer' | 'allViewerAndWhitelistCloudFront' | 'allExcept';
export type ItemBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';

export interface ItemSelection<B extends string = ItemBehavior> {
  readonly behavior: B;
  /** Lower-cased for headers; as written for cookies and query strings (CloudFront matches those case-sensitively). */
  readonly items: readonly string[];
}

export interface CachePolicyModel {
  readonly id: string;
  readonly name: string;
  readonly minTtl: number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  readonly gzip: boolean;
  readonly brotli: boolean;
  readonly headers: ItemSelection<'none' | 'whitelist'>;
  readonly cookies: ItemSelection;
  readonly queryStrings: ItemSelection;
}

export interface OriginRequestPolicyModel {
  readonly id: string;
  readonly name: string;
  readonly headers: ItemSelection<HeaderBehavior>;
  readonly cookies: ItemSelection;
  readonly queryStrings: ItemSelection;
}

export interface SecurityHeaderSetting {
  readonly value: string;
  readonly override: boolean;
}

export interface ResponseHeadersPolicyModel {
  readonly id: string;
  readonly name: string;
  /** Header name (lower case) -> value and override flag: security headers and custom headers alike. */
  readonly set: Readonly<Record<string, SecurityHeaderSetting>>;
  readonly remove: readonly string[];
  readonly cors?: {
    readonly allowOrigins: readonly string[];
    readonly allowMethods: readonly string[];
    readonly allowHeaders: readonly string[];
    readonly exposeHeaders: readonly string[];
    readonly allowCredentials: boolean;
    readonly maxAgeSec?: number;
    readonly override: boolean;
  };
}

export type EdgeEventType = 'viewer-request' | 'origin-request' | 'origin-response' | 'viewer-response';

export interface EdgeFunctionModel {
  readonly eventType: EdgeEventType;
  /** Folder holding the function's code. */
  readonly codeDir: string;
  /** `file.export`, as in the Lambda `Handler` property. */
  readonly handler: string;
  /** Logical id of the Lambda function, for messages and logs. */
  readonly name: string;
  readonly includeBody: boolean;
  /** The Lambda `Runtime` property (`nodejs22.x`), when the template names one. */
  readonly runtime?: string;
}

export interface BehaviorModel {
  /** `*` for the default behavior. */
  readonly pathPattern: string;
  readonly targetOriginId: string;
  readonly viewerProtocolPolicy: 'allow-all' | 'redirect-to-https' | 'https-only';
  readonly allowedMethods: readonly string[];
  readonly cachedMethods: readonly string[];
  readonly compress: boolean;
  readonly cachePolicy: CachePolicyModel;
  readonly originRequestPolicy?: OriginRequestPolicyModel;
  readonly responseHeadersPolicy?: ResponseHeadersPolicyModel;
  readonly edgeFunctions: Partial<Record<EdgeEventType, EdgeFunctionModel>>;
  /** CloudFront Functions (`FunctionAssociations`). @default - none */
  readonly functions?: Partial<Record<FunctionEventType, CloudFrontFunctionModel>>;
}

export interface S3Content {
  /** Folders whose files are the objects, under `keyPrefix`. */
  readonly folders: readonly string[];
  readonly keyPrefix: string;
  /** Lower-cased metadata headers set by the deployment (e.g. `cache-control`). */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * The deployment's `--exclude` then `--include` filters (aws s3 sync): a key is deployed unless
   * the last filter matching it is an exclude. @default - every file
   */
  readonly filters?: readonly { readonly kind: 'exclude' | 'include'; readonly pattern: string }[];
}

export interface OriginModel {
  readonly id: string;
  /** The configured domain name, resolved as far as the template allows. */
  readonly domainName: string;
  readonly originPath: string;
  readonly kind: 'custom' | 's3';
  readonly protocolPolicy: 'http-only' | 'https-only' | 'match-viewer';
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly readTimeoutSeconds: number;
  readonly customHeaders: Readonly<Record<string, string>>;
  readonly originShield?: { readonly region: string };
  /** For an S3 origin: the content of the bucket as deployed by BucketDeployments in the same stack. */
  readonly s3Content: readonly S3Content[];
}

/** Origin failover: the secondary is asked when the primary fails or answers one of the status codes. */
export interface OriginGroupModel {
  readonly id: string;
  readonly members: readonly string[];
  readonly failoverStatusCodes: readonly number[];
}

export interface ErrorResponseModel {
  readonly errorCode: number;
  readonly errorCachingMinTtl?: number;
  readonly responseCode?: number;
  readonly responsePagePath?: string;
}

export interface DistributionModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly region: string;
  /** In precedence order; the default behavior is last. */
  readonly behaviors: readonly BehaviorModel[];
  readonly origins: Readonly<Record<string, OriginModel>>;
  /** Origin groups by id; a behavior may target a group instead of an origin. */
  readonly originGroups?: Readonly<Record<string, OriginGroupModel>>;
  readonly errorResponses: readonly ErrorResponseModel[];
  readonly defaultRootObject?: string;
  /** Key value stores of the stack, by logical id. @default - none */
  readonly keyValueStores?: Readonly<Record<string, KeyValueStoreModel>>;
  /** `CacheTagConfig.HeaderName`, lower case: the origin response header whose tags are stored. */
  readonly cacheTagHeader?: string;
  /**
   * The TieredCdn plan of this distribution (template Metadata `TieredCdn::Plan`). It names things
   * (routed domains, experiment cookies and headers); it never changes what is emulated.
   * @default - none: a plain CloudFront distribution
   */
  readonly plan?: PlanDocument;
}

export type FunctionEventType = 'viewer-request' | 'viewer-response';

/** An `AWS::CloudFront::Function` associated with a behavior, as the template holds it. */
export interface CloudFrontFunctionModel {
  readonly eventType: FunctionEventType;
  /** Logical id of the function resource, for messages and logs. */
  readonly name: string;
  /** `cloudfront-js-1.0` or `cloudfront-js-2.0`. */
  readonly runtime: string;
  /** The template's `FunctionCode`, exactly as CloudFront receives it. */
  readonly code: string;
  /** Logical ids of the associated key value stores (at most one on CloudFront). */
  readonly keyValueStores: readonly string[];
  /** The construct path of the resource (its `aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
}

/** An `AWS::CloudFront::KeyValueStore` with the data of its import source. */
export interface KeyValueStoreModel {
  readonly logicalId: string;
  readonly name: string;
  /** Local stand-in for the store's ARN; `cf.kvs(id)` accepts it, the id after the last '/', or the name. */
  readonly arn: string;
  readonly id: string;
  readonly data: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  /** Where the data came from, for messages. */
  readonly source: string;
}
