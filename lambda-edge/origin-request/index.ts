// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import type {
  CloudFrontHeaders,
  CloudFrontOrigin,
  CloudFrontRequest,
  CloudFrontRequestEvent,
  CloudFrontS3Origin,
} from 'aws-lambda';
import type { OriginRequestConfig, OriginTarget, RoutingRule } from '../shared/config';
import { deviceHeader, experimentHeader, VIEWER_COUNTRY_HEADER } from '../shared/names';
import { isDocument } from '../shared/variant-documents';
import { variantDocumentUri } from '../viewer-request/experiments';

/** Values CloudFront documents for an origin it has no distribution settings for. */
const DEFAULT_READ_TIMEOUT = 30;
const DEFAULT_KEEPALIVE_TIMEOUT = 5;
const DEFAULT_SSL_PROTOCOLS: readonly string[] = ['TLSv1.2'];

export interface RoutingDecision {
  /** Key into `OriginRequestConfig.origins`. */
  readonly originId: string;
  /** Index of the rule that matched, for logs and tests. */
  readonly rule: number;
}

function header(request: CloudFrontRequest, name: string): string | undefined {
  const values = request.headers[name];
  return values && values.length > 0 && values[0] ? values[0].value : undefined;
}

function matches(rule: RoutingRule, request: CloudFrontRequest): boolean {
  if (rule.countries) {
    const sent = header(request, VIEWER_COUNTRY_HEADER);
    const country = sent === undefined ? undefined : sent.toUpperCase();
    if (!country || rule.countries.indexOf(country) < 0) return false;
  }
  if (rule.device && header(request, deviceHeader(rule.device)) !== 'true') return false;
  // A rule with no condition never matches: validation refuses it, and routing everything
  // elsewhere by accident is worse than not routing.
  return rule.countries !== undefined || rule.device !== undefined;
}

/**
 * The first rule whose conditions all hold (country in `countries`, and the viewer is the
 * `device`), or `undefined` to keep the behavior's own origin. The viewer headers are present only
 * when the origin request policy forwards them; a missing header matches no rule.
 */
export function decide(request: CloudFrontRequest, config: Pick<OriginRequestConfig, 'rules'>): RoutingDecision | undefined {
  for (let i = 0; i < config.rules.length; i++) {
    if (matches(config.rules[i], request)) return { originId: config.rules[i].origin, rule: i };
  }
  return undefined;
}

/**
 * The behavior origin's custom headers, then the target's own on top. Every routed origin is an
 * origin of the same distribution, and the distribution's custom headers (such as the origin-verify
 * secret, resolved by CloudFormation at deploy and so never in the bundle) are meant for all of its
 * origins of that kind; dropping them would get the request refused by the routed origin.
 */
function mergeHeaders(inherited: CloudFrontHeaders | undefined, own: Readonly<Record<string, string>> | undefined): CloudFrontHeaders {
  const out: CloudFrontHeaders = Object.assign({}, inherited);
  const keys = own ? Object.keys(own) : [];
  for (let i = 0; i < keys.length; i++) out[keys[i].toLowerCase()] = [{ key: keys[i], value: own![keys[i]] }];
  return out;
}

/** `bucket.s3.eu-west-1.amazonaws.com`, `bucket.s3-eu-west-1.amazonaws.com`; the global name is us-east-1. */
export function s3RegionOf(domainName: string): string | undefined {
  const m = /\.s3[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com$/.exec(domainName);
  if (m) return m[1];
  return /\.s3\.amazonaws\.com$/.test(domainName) ? 'us-east-1' : undefined;
}

/**
 * Points the request at `target`: the origin object is replaced (never both `custom` and `s3`)
 * and the Host header names the new origin, since the origin routes or signs by Host.
 *
 * Custom: timeouts and TLS versions come from the target, else from the behavior's own custom
 * origin, else CloudFront's defaults. S3: an origin access identity can only be kept from one S3
 * origin to another (CloudFront refuses one after a custom origin), so switching S3 to S3 keeps the
 * behavior origin's `authMethod` and region (the target's region wins); custom to S3 uses `none`.
 * Custom headers of the behavior origin are kept when the target is of the same kind (custom to
 * custom, S3 to S3), with the target's own added on top; across kinds only the target's are sent.
 */
export function applyOrigin(request: CloudFrontRequest, target: OriginTarget): CloudFrontRequest {
  const current = request.origin;
  let origin: CloudFrontOrigin;
  if (target.kind === 'custom') {
    const was = current ? current.custom : undefined;
    origin = {
      custom: {
        customHeaders: mergeHeaders(was && was.customHeaders, target.customHeaders),
        domainName: target.domainName,
        keepaliveTimeout: firstDefined(target.keepaliveTimeout, was && was.keepaliveTimeout, DEFAULT_KEEPALIVE_TIMEOUT),
        path: target.path,
        port: target.port,
        protocol: target.protocol,
        readTimeout: firstDefined(target.readTimeout, was && was.readTimeout, DEFAULT_READ_TIMEOUT),
        sslProtocols: firstDefined(target.sslProtocols, was && was.sslProtocols, DEFAULT_SSL_PROTOCOLS).slice(),
      },
    };
  } else {
    const was = current ? current.s3 : undefined;
    const customHeaders = mergeHeaders(was && was.customHeaders, target.customHeaders);
    let s3: CloudFrontS3Origin;
    if (was && was.authMethod === 'origin-access-identity') {
      const region = firstDefined(target.region, s3RegionOf(target.domainName), was.region);
      s3 = { authMethod: 'origin-access-identity', customHeaders, domainName: target.domainName, path: target.path, region };
    } else {
      s3 = { authMethod: 'none', customHeaders, domainName: target.domainName, path: target.path };
    }
    origin = { s3 };
  }
  const headers = Object.assign({}, request.headers, { host: [{ key: 'Host', value: target.domainName }] });
  return Object.assign({}, request, { origin, headers });
}

/** The first of `a`, `b` that is neither undefined nor null, else `c` (what `a ?? b ?? c` says). */
function firstDefined<T>(a: T | undefined, b: T | undefined, c: T): T {
  return a !== undefined && a !== null ? a : b !== undefined && b !== null ? b : c;
}

export { isDocument };

// The baked list is one constant per bundle: its lookup is built once (the last list is kept).
let lastList: readonly string[] | undefined;
let lastDocuments: { has(uri: string): boolean } | undefined;

function documentSet(list: readonly string[] | undefined): { has(uri: string): boolean } | undefined {
  if (!list) return undefined;
  if (list !== lastList || !lastDocuments) {
    const keys: Record<string, true> = Object.create(null);
    for (let i = 0; i < list.length; i++) keys[list[i]] = true;
    lastDocuments = { has: (uri) => uri in keys };
    lastList = list;
  }
  return lastDocuments;
}

/**
 * Prefixes the URI of an HTML document with the path of the viewer's variant, read from
 * `x-experiment-<name>`. That header is trustworthy here: the viewer-request function overwrote
 * whatever the viewer sent, and it is in the cache key, so each variant's document is cached under
 * its own key. Other files of the route (`/favicon.ico`, `/robots.txt`) are fetched unchanged, so a
 * variant folder holds only documents. A document the variant folder lacks (per
 * `config.variantDocuments`, listed at synth) is fetched as the control document.
 */
export function applyVariantPaths(request: CloudFrontRequest, config: OriginRequestConfig): CloudFrontRequest {
  if (!config.variantPaths || config.variantPaths.length === 0 || !isDocument(request.uri)) return request;
  let prefix = '';
  for (let i = 0; i < config.variantPaths.length; i++) {
    const vp = config.variantPaths[i];
    const variant = header(request, experimentHeader(vp.experiment));
    if (variant !== undefined && Object.prototype.hasOwnProperty.call(vp.prefixes, variant)) prefix += vp.prefixes[variant];
  }
  const uri = variantDocumentUri(request.uri, prefix, documentSet(config.variantDocuments));
  return uri === request.uri ? request : Object.assign({}, request, { uri });
}

/**
 * The request as it should leave for the origin: the variant's path, then the origin of the first
 * matching rule; untouched when neither applies.
 */
export function routeRequest(request: CloudFrontRequest, config: OriginRequestConfig): CloudFrontRequest {
  const withPath = applyVariantPaths(request, config);
  const decision = decide(withPath, config);
  if (!decision) return withPath;
  const target = config.origins[decision.originId];
  // Validation at synth refuses unknown ids; if one slips through, the behavior's origin still serves.
  return target ? applyOrigin(withPath, target) : withPath;
}

/** The Lambda@Edge handler. No async closure (the CloudFront Functions language has none): a throw still rejects. */
export function createHandler(config: OriginRequestConfig) {
  return (event: CloudFrontRequestEvent): Promise<CloudFrontRequest> =>
    new Promise((resolve) => resolve(routeRequest(event.Records[0].cf.request, config)));
}
