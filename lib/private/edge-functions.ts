import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { EdgeFunctionKind } from '../../lambda-edge/shared/config';
import { bundleEdgeFunction } from '../edge/bundle';
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
  private readonly byBundle = new Map<string, cloudfront.experimental.EdgeFunction>();

  constructor(
    private readonly scope: Construct,
    private readonly retainOnDelete: boolean,
  ) {}

  /** The generated functions of a route, then the route's own `edgeLambdas`. */
  edgeLambdasFor(route: ResolvedRoute, idPrefix: string): cloudfront.EdgeLambda[] {
    const out: cloudfront.EdgeLambda[] = [];
    for (const { kind, field, eventType } of GENERATED) {
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
