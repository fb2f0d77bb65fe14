import { Duration, RemovalPolicy } from 'aws-cdk-lib/core';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { EdgeFunctionKind, ExperimentConfig } from '../../lambda-edge/shared/config';
import { bundleEdgeFunction } from '../edge/bundle';
import { cloudFrontFunctionCode, experimentStoreData, usesStore, viewerStepPlan } from '../edge/runtime-plan';
import { acknowledgeEdgeFunctionFindings } from '../nag';
import type { RouteProps } from '../routes';
import type { ResolvedRoute } from '../tiered-cdn';
import { pascal, routeSlug } from './names';

/** The event types of generated functions, in the order behaviors list them. */
const GENERATED: readonly { kind: EdgeFunctionKind; field: 'viewerRequest' | 'viewerResponse' | 'originRequest' | 'originResponse'; eventType: cloudfront.LambdaEdgeEventType }[] = [
  { kind: 'viewer-request', field: 'viewerRequest', eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST },
  { kind: 'viewer-response', field: 'viewerResponse', eventType: cloudfront.LambdaEdgeEventType.VIEWER_RESPONSE },
  { kind: 'origin-request', field: 'originRequest', eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST },
  { kind: 'origin-response', field: 'originResponse', eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE },
];

/**
 * Creates the Lambda@Edge functions of a TieredCdn: one per distinct bundle (routes whose baked
 * configuration is equal share a function), named after the first route that uses it.
 */
export class EdgeFunctionRenderer {
  /** By `<event type> <path pattern>` of the first route using each (prefixed for staging). */
  readonly functions: Record<string, cloudfront.experimental.EdgeFunction> = {};
  /** CloudFront Functions the construct generated, by `<event type> <path pattern>` of the first route using each. */
  readonly cloudFrontFunctions: Record<string, cloudfront.Function> = {};
  private readonly byBundle = new Map<string, cloudfront.experimental.EdgeFunction>();
  private readonly byCode = new Map<string, cloudfront.Function>();
  private store?: cloudfront.KeyValueStore;

  constructor(
    private readonly scope: Construct,
    private readonly retainOnDelete: boolean,
    /** Every experiment of the route tables: the initial data of the store their weights live in. */
    private readonly experiments: ReadonlyArray<Pick<ExperimentConfig, 'name' | 'variants'>> = [],
    /** Origin id -> domain of every routing target a CloudFront Function routes to (the store's `origin:` keys). */
    private readonly routingTargets: Readonly<Record<string, string>> = {},
  ) {}

  /** The store of experiment weights, created with the first CloudFront Function that reads it. */
  get keyValueStore(): cloudfront.KeyValueStore | undefined {
    return this.store;
  }

  private experimentStore(): cloudfront.KeyValueStore {
    if (!this.store) {
      const { data } = experimentStoreData(this.experiments, this.routingTargets);
      this.store = new cloudfront.KeyValueStore(this.scope, 'ExperimentStore', {
        comment: 'tiered-cdn experiment weights: tiered-cdn experiment set|off changes them without a deploy',
        source: cloudfront.ImportSource.fromInline(JSON.stringify({ data })),
      });
    }
    return this.store;
  }

  /** The route's viewer steps as CloudFront Functions, when they run there (see viewerStepPlan). */
  functionAssociationsFor(route: ResolvedRoute, idPrefix: string): cloudfront.FunctionAssociation[] {
    const { viewerRequest, viewerResponse } = route.edge;
    if (viewerStepPlan(route, viewerRequest, viewerResponse)?.runtime !== 'cloudfront-function') return [];
    const out: cloudfront.FunctionAssociation[] = [];
    if (viewerRequest) {
      const fn = this.cloudFrontFunction('viewer-request', viewerRequest, usesStore(viewerRequest), route, idPrefix);
      out.push({ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: fn });
    }
    if (viewerResponse) {
      out.push({ eventType: cloudfront.FunctionEventType.VIEWER_RESPONSE, function: this.cloudFrontFunction('viewer-response', viewerResponse, false, route, idPrefix) });
    }
    return out;
  }

  private cloudFrontFunction(kind: 'viewer-request' | 'viewer-response', config: unknown, kvs: boolean, route: RouteProps, idPrefix: string): cloudfront.Function {
    const { code } = cloudFrontFunctionCode(kind, config, kvs, `route '${route.pathPattern}'`);
    let fn = this.byCode.get(code);
    if (!fn) {
      const id = `${idPrefix}Function${pascal(kind)}${routeSlug(route.pathPattern)}`;
      fn = new cloudfront.Function(this.scope, this.scope.node.tryFindChild(id) ? `${id}Exact` : id, {
        code: cloudfront.FunctionCode.fromInline(code),
        runtime: cloudfront.FunctionRuntime.JS_2_0,
        comment: `tiered-cdn ${kind} for ${route.pathPattern}`.slice(0, 128),
        keyValueStore: kvs ? this.experimentStore() : undefined,
      });
      this.byCode.set(code, fn);
      this.cloudFrontFunctions[`${idPrefix ? `${idPrefix.toLowerCase()} ` : ''}${kind} ${route.pathPattern}`] = fn;
    }
    return fn;
  }

  /** The generated Lambda@Edge functions of a route, then the route's own `edgeLambdas`. */
  edgeLambdasFor(route: ResolvedRoute, idPrefix: string): cloudfront.EdgeLambda[] {
    const out: cloudfront.EdgeLambda[] = [];
    const viewerOnFunctions = viewerStepPlan(route, route.edge.viewerRequest, route.edge.viewerResponse)?.runtime === 'cloudfront-function';
    for (const { kind, field, eventType } of GENERATED) {
      if (viewerOnFunctions && (kind === 'viewer-request' || kind === 'viewer-response')) continue;
      const config = route.edge[field];
      if (config) out.push({ eventType, functionVersion: this.edgeFunction(kind, config, route, idPrefix) });
    }
    return [...out, ...(route.edgeLambdas ?? [])];
  }

  private edgeFunction(kind: EdgeFunctionKind, config: unknown, route: RouteProps, idPrefix: string): lambda.IVersion {
    const bundle = bundleEdgeFunction(kind, config);
    let fn = this.byBundle.get(bundle.dir);
    if (!fn) {
      const viewer = kind.startsWith('viewer');
      const id = `${idPrefix}${pascal(kind)}${routeSlug(route.pathPattern)}`;
      // `/api/me` and `/api/me/*` share a slug; the exact path is the one that yields.
      fn = new cloudfront.experimental.EdgeFunction(this.scope, this.scope.node.tryFindChild(id) ? `${id}Exact` : id, {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(bundle.dir),
        memorySize: 128,
        // CloudFront's limits: 5 s for viewer triggers, 30 s for origin triggers.
        timeout: Duration.seconds(viewer ? 5 : 30),
        description: `tiered-cdn ${kind} for ${route.pathPattern}`,
      });
      if (this.retainOnDelete) retainOnDelete(fn);
      acknowledgeEdgeFunctionFindings(fn);
      this.byBundle.set(bundle.dir, fn);
      this.functions[`${idPrefix ? `${idPrefix.toLowerCase()} ` : ''}${kind} ${route.pathPattern}`] = fn;
    }
    return fn.currentVersion;
  }
}

/** Keeps a Lambda@Edge function and its versions when the stack is deleted (see `retainEdgeFunctionsOnDelete`). */
function retainOnDelete(fn: cloudfront.experimental.EdgeFunction): void {
  for (const child of fn.node.findAll()) {
    if (child instanceof lambda.CfnFunction || child instanceof lambda.CfnVersion) child.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
