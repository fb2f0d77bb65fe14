import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Problem, TieredCdn, TieredCdnProps, TieredCdnValidationError } from '../../lib';

export const SITE_DIR = path.join(__dirname, '..', '..', 'site');

/**
 * One cloud-assembly folder per jest worker. Each App otherwise gets a fresh temporary folder and
 * stages every asset into it again, among them aws-cdk-lib's 22 MB AWS CLI layer for the site
 * deployment; a shared folder stages each asset once. Tests in one worker run one at a time. The
 * folder lives in the run's own temporary folder (test/helpers/jest-run-dir.js): worker ids repeat
 * across runs, and two runs at once on one machine would otherwise read each other's templates.
 */
export function testOutdir(): string {
  const runDir = process.env.TIERED_CDN_JEST_RUN_DIR ?? path.join(os.tmpdir(), `tiered-cdn-jest-${process.pid}`);
  return path.join(runDir, `assembly-${process.env.JEST_WORKER_ID ?? '0'}`);
}

/** A small stack with one TieredCdn, in an explicit region as edge functions need. */
export function cdnStack(
  props: TieredCdnProps | ((stack: Stack) => TieredCdnProps),
  region = 'us-east-1',
): { stack: Stack; cdn: TieredCdn; template: Template } {
  const app = new App({ outdir: testOutdir() });
  const stack = new Stack(app, 'Test', { env: { region } });
  const cdn = new TieredCdn(stack, 'Cdn', typeof props === 'function' ? props(stack) : props);
  return { stack, cdn, template: Template.fromStack(stack) };
}

/** The distribution config of the only distribution in a template. */
export function distributionConfig(template: Template): any {
  const dists = template.findResources('AWS::CloudFront::Distribution');
  const [only] = Object.values(dists);
  return (only as any).Properties.DistributionConfig;
}

/** The resource a `{ Ref }` points to. */
export function deref(template: Template, ref: { Ref: string } | string): any {
  if (typeof ref === 'string') return ref;
  return template.toJSON().Resources[ref.Ref];
}

export function behaviorFor(template: Template, pathPattern: string): any {
  const config = distributionConfig(template);
  if (pathPattern === '*') return config.DefaultCacheBehavior;
  const b = config.CacheBehaviors.find((x: any) => x.PathPattern === pathPattern);
  if (!b) throw new Error(`no behavior for ${pathPattern}`);
  return b;
}

export function cachePolicyOf(template: Template, pathPattern: string): any {
  return deref(template, behaviorFor(template, pathPattern).CachePolicyId).Properties.CachePolicyConfig;
}

/** The problems (`{ code, path, message }`) a TieredCdn validation error lists for these props; fails when none is thrown. */
export function validationErrors(props: Parameters<typeof cdnStack>[0], region?: string): Problem[] {
  try {
    cdnStack(props, region);
  } catch (err) {
    if (err instanceof TieredCdnValidationError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a TieredCdnValidationError');
}

/** The messages of those problems. */
export function validationProblems(props: Parameters<typeof cdnStack>[0], region?: string): string[] {
  return validationErrors(props, region).map((p) => p.message);
}

/** `code path` of each of those problems, the stable part to assert. */
export function validationCodes(props: Parameters<typeof cdnStack>[0], region?: string): string[] {
  return validationErrors(props, region).map((p) => `${p.code} ${p.path}`);
}
