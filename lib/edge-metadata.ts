import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type { ViewerResponseConfig } from '../lambda-edge/shared/config';
import { VIEWER_ID_COOKIE, experimentCookie } from '../lambda-edge/shared/names';
import { EDGE_SET_COOKIES_METADATA_KEY } from './metadata-keys';

export { EDGE_SET_COOKIES_METADATA_KEY };

/** Path pattern -> cookie names set by that behavior's viewer-response function. */
export type EdgeSetCookies = Readonly<Record<string, readonly string[]>>;

export function edgeSetCookies(routes: ReadonlyArray<{ readonly pathPattern: string; readonly edge: { readonly viewerResponse?: ViewerResponseConfig } }>): EdgeSetCookies {
  const out: Record<string, string[]> = {};
  for (const r of routes) {
    const experiments = r.edge.viewerResponse?.experiments ?? [];
    if (experiments.length > 0) out[r.pathPattern] = [VIEWER_ID_COOKIE, ...experiments.map((e) => experimentCookie(e.name))];
  }
  return out;
}

/** Writes the metadata on the distribution's CloudFormation resource (nothing when no route sets cookies). */
export function recordEdgeSetCookies(distribution: cloudfront.Distribution, cookies: EdgeSetCookies): void {
  if (Object.keys(cookies).length === 0) return;
  (distribution.node.defaultChild as cloudfront.CfnDistribution).cfnOptions.metadata = {
    ...(distribution.node.defaultChild as cloudfront.CfnDistribution).cfnOptions.metadata,
    [EDGE_SET_COOKIES_METADATA_KEY]: cookies,
  };
}
