import * as crypto from 'crypto';
import { DEVICE_HEADERS } from '../../lambda-edge/shared/names';
import { CLOUDFRONT_VIEWER_HEADER_KEYS } from '../../lambda-edge/shared/viewer-header-keys';
import { CliError } from '../errors';
import type { CacheTier } from './cache';
import type { Clock } from './clock';
import type { EdgeRequest, EdgeResponse } from './http-types';
import type { FunctionLanguageReport, FunctionStats } from './cf-function-runner';
import type { BehaviorModel, DistributionModel } from './model';

/* The local edge's public types and constants, and the small values its parts share. */

/** A problem starting the local edge that the user can fix; the message says how. */
export class LocalEdgeError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'LocalEdgeError';
  }
}

/** CloudFront's request limits ("Quotas": general quotas). Both answered with 413. */
export const MAX_URL_BYTES = 8192;
export const MAX_REQUEST_HEADER_BYTES = 20480;

/** Request headers that steer the local edge in tests; removed before anything else sees the request. */
export const POP_HEADER = 'x-tiered-cdn-pop';
export const VIEWER_COUNTRY_HOOK = 'x-tiered-cdn-viewer-country';
export const VIEWER_PROTOCOL_HOOK = 'x-tiered-cdn-viewer-protocol';
export const CONTROL_PREFIX = '/__tiered-cdn/';
/**
 * Header every control request must carry (any value). A web page cannot send a custom header to
 * another origin without a CORS preflight, which the local edge never grants, so a page the
 * developer happens to have open cannot invalidate or move the clock.
 */
export const CONTROL_HEADER = 'x-tiered-cdn-control';

/**
 * Largest request body accepted (413 beyond it, refused from Content-Length or while streaming).
 * CloudFront's quota page last published 20 GB as the "maximum file size for HTTP GET, POST, and
 * PUT requests"; the current page lists no body quota besides the 20,480 bytes of request line
 * and headers.
 */
export const MAX_REQUEST_BODY_BYTES = 20 * 1024 ** 3;
/** A viewer gets this long to send its request line and headers; slower senders get 408 and are cut off. */
export const HEADERS_TIMEOUT_MS = 10_000;

export interface LocalEdgeOptions {
  /** Cloud assembly folder. @default 'cdk.out' */
  readonly app?: string;
  /** A distribution model to run instead of reading `app` (for tests of the engine itself). */
  readonly distribution?: DistributionModel;
  /** Stack name (or `Stack/LogicalId`) when the assembly has several distributions. */
  readonly stack?: string;
  /** @default 8080; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Origin id, domain name or bucket logical id -> URL the local edge sends that origin's requests to. */
  readonly origins?: Readonly<Record<string, string>>;
  /** Number of edge locations, each with its own cache. @default 1 */
  readonly pops?: number;
  /** Access log: a file (appended), '-' for stdout, or a function receiving each line. @default - no log */
  readonly log?: string | ((line: string) => void);
  /** @default 'real' */
  readonly clock?: 'real' | 'virtual';
  /** Largest request body accepted; larger ones are answered 413 without being read. @default MAX_REQUEST_BODY_BYTES (20 GB) */
  readonly maxRequestBodyBytes?: number;
  /** Time a viewer gets to send the request line and headers. @default HEADERS_TIMEOUT_MS (10 s) */
  readonly headersTimeoutMs?: number;
  /** CloudFront-Viewer-Country for viewers that do not say (`x-tiered-cdn-viewer-country`). @default 'US' */
  readonly viewerCountry?: string;
  /** The protocol viewers are taken to use; the local edge itself speaks HTTP. @default 'https' */
  readonly viewerProtocol?: 'http' | 'https';
  /** Receives warnings (e.g. an origin with no --origin mapping). @default - printed to stderr */
  readonly onWarning?: (message: string) => void;
  /** Key value store (logical id or name) -> import-source JSON file to load instead of the template's. */
  readonly kvsFiles?: Readonly<Record<string, string>>;
  /** Local compute time per CloudFront Function invocation reported as over budget. @default 1 */
  readonly functionBudgetMs?: number;
  /** Receives CloudFront Functions' console output and budget notices. @default - printed to stderr */
  readonly onFunctionLog?: (line: string) => void;
  /**
   * Receives what Lambda@Edge functions log (in AWS: CloudWatch Logs), among them one JSON line per
   * rejection (`{"event":"tiered-cdn.rejection","reason":...}`).
   * @default - printed to stderr as `tiered-cdn local: <function>: <line>`
   */
  readonly onEdgeLog?: (line: string, fn: string) => void;
  /** Re-read `app` whenever a synth rewrites it, swapping behaviors, policies and functions without a restart. @default false */
  readonly watch?: boolean;
  /** Called after each reload `watch` triggers. */
  readonly onReload?: (result: { ok: boolean; error?: string }) => void;
  /** Port of the CloudFront invalidation API (`cloudfrontEndpoint`), on `host`. @default 0 (a free port) */
  readonly cloudfrontPort?: number;
  /** Port of the KeyValueStore data-plane API (`kvsEndpoint`), on `host`. @default 0 (a free port) */
  readonly kvsPort?: number;
  /** Seconds an invalidation reads `InProgress` before `Completed` (objects leave the caches at once). @default 1 */
  readonly invalidationSeconds?: number;
}

export interface BehaviorStats {
  requests: number;
  originFetches: number;
  results: Record<string, number>;
}

export interface LocalEdgeStats {
  viewerRequests: number;
  /** Requests that reached an origin (custom or S3), after every cache tier. */
  originFetches: number;
  /** x-cache result types (`Hit`, `Miss`, ...) counted. */
  results: Record<string, number>;
  byBehavior: Record<string, BehaviorStats>;
  byPop: Record<string, { requests: number; hits: number }>;
  shieldHits: number;
  edgeFunctionInvocations: Record<string, number>;
  /** Per CloudFront Function (logical id): invocations, over-budget runs, highest compute utilization, failures. */
  functions: Record<string, FunctionStats>;
}

export interface LocalEdge {
  readonly url: string;
  readonly port: number;
  readonly distribution: DistributionModel;
  /** Edge location names, as sent in `x-amz-cf-pop`; pick one with the `x-tiered-cdn-pop` header. */
  readonly pops: readonly string[];
  readonly clock: Clock & { advance?(seconds: number): number };
  readonly stats: LocalEdgeStats;
  /**
   * CloudFront Functions whose code is outside the runtime's language (lib/edge/cf-language), each
   * with its construct path, the behaviors that run it and every construct with its line.
   */
  readonly functionLanguage: readonly FunctionLanguageReport[];
  /**
   * Removes the objects of these paths from every edge location and shield, as a CloudFront
   * invalidation does: every cached variant of the path (query strings, headers, cookies); a path may
   * end in `*` to match a prefix. Returns the number of objects removed.
   */
  invalidate(paths: readonly string[]): number;
  /**
   * The CloudFront API endpoint for invalidations (CreateInvalidation, GetInvalidation,
   * ListInvalidations): `tiered-cdn invalidate --endpoint <this> --distribution <distributionId>`
   * or any AWS SDK client.
   */
  readonly cloudfrontEndpoint: string;
  /** The KeyValueStore data-plane API of the local edge's stores: `--endpoint` for `tiered-cdn experiment`. */
  readonly kvsEndpoint: string;
  /** The distribution id the CloudFront API answers for. */
  readonly distributionId: string;
  /** Waits for background refreshes (stale-while-revalidate) to finish. */
  settle(): Promise<void>;
  resetStats(): void;
  /** Reads the assembly again (what `watch` does on a change); the running configuration stays on an error. */
  reload(): { ok: true } | { ok: false; error: string };
  close(): Promise<void>;
}

export function emptyStats(): LocalEdgeStats {
  return { viewerRequests: 0, originFetches: 0, results: {}, byBehavior: {}, byPop: {}, shieldHits: 0, edgeFunctionInvocations: {}, functions: {} };
}

/**
 * 56 characters like CloudFront's request ids: 42 random bytes in base64url. The bytes are drawn and
 * encoded 256 ids at a time (one syscall); 42 bytes are a whole number of base64 groups, so each id
 * is its own 56 characters of the batch's encoding.
 */
let idPool = '';
let idOffset = 0;
export function newRequestId(): string {
  if (idOffset >= idPool.length) {
    idPool = crypto.randomBytes(42 * 256).toString('base64url');
    idOffset = 0;
  }
  const id = idPool.slice(idOffset, idOffset + 56);
  idOffset += 56;
  return id;
}

export function hex(seed: string, n: number): string {
  return crypto.createHash('sha256').update(seed).digest('hex').slice(0, n);
}

/** One edge location: its name and cache. */
export interface Pop {
  readonly name: string;
  readonly cache: CacheTier;
  readonly viaId: string;
}

/** A viewer request after the distribution has answered it, before it is written out. */
export interface Processed {
  response: EdgeResponse;
  /** Byte range served (206), for the access log. */
  range?: [number, number];
  resultType: string;
  behavior?: BehaviorModel;
  age?: number;
  request: EdgeRequest;
  detailed?: string;
  /**
   * The response is the one shared by the hits on a stored object (see EdgePipeline.renderedHit):
   * nothing changes it, so what is written for it can be prepared once.
   */
  shared?: boolean;
}

export function count(rec: Record<string, number>, k: string): number {
  return (rec[k] = (rec[k] ?? 0) + 1);
}

/** CloudFront-Is-*-Viewer from the User-Agent, as CloudFront derives them. */
export function deviceHeaders(userAgent: string | undefined): Record<string, string> {
  const ua = userAgent ?? '';
  const tablet = /iPad|Tablet|Nexus 7|Nexus 10|SM-T/i.test(ua);
  const mobile = !tablet && /Mobi|iPhone|Android.*Mobile|Windows Phone/i.test(ua);
  const smarttv = /SmartTV|SMART-TV|HbbTV|AppleTV|GoogleTV|Web0S/i.test(ua);
  const desktop = !tablet && !mobile && !smarttv;
  const b = (v: boolean) => (v ? 'true' : 'false');
  return {
    [CLOUDFRONT_VIEWER_HEADER_KEYS[DEVICE_HEADERS.mobile]]: b(mobile),
    [CLOUDFRONT_VIEWER_HEADER_KEYS[DEVICE_HEADERS.tablet]]: b(tablet),
    [CLOUDFRONT_VIEWER_HEADER_KEYS[DEVICE_HEADERS.smarttv]]: b(smarttv),
    [CLOUDFRONT_VIEWER_HEADER_KEYS[DEVICE_HEADERS.desktop]]: b(desktop),
  };
}
