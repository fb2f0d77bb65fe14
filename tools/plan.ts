import { PLAN_METADATA_KEY, PLAN_VERSION } from '../lib/metadata-keys';
import type { PlanDocument, PlanDocumentBehavior } from '../lib/plan';

/*
 * Reading the plan a TieredCdn writes into its template (lib/plan.ts). A template without one (a
 * plain aws-cdk-lib distribution) has no plan: every reader here then answers `undefined` or
 * nothing, and the tools fall back to what the template alone says.
 */

export interface TemplateLike {
  readonly Metadata?: Record<string, unknown>;
}

/** Every plan in a template, paired with the logical id of its distribution (and of its staging distribution). */
export function plansOf(template: TemplateLike): PlanDocument[] {
  const out: PlanDocument[] = [];
  for (const [key, value] of Object.entries(template.Metadata ?? {})) {
    if (key !== PLAN_METADATA_KEY && !key.startsWith(`${PLAN_METADATA_KEY}/`)) continue;
    const doc = value as Partial<PlanDocument> | null;
    // A newer construct may write a version this reader does not know: ignore it rather than misread it.
    if (!doc || doc.version !== PLAN_VERSION || !Array.isArray(doc.behaviors) || typeof doc.distribution !== 'string') continue;
    out.push(doc as PlanDocument);
  }
  return out;
}

/** The planned behaviors of one distribution (primary or staging), by path pattern. */
export function plannedBehaviors(template: TemplateLike, distributionLogicalId: string): Map<string, PlanDocumentBehavior> | undefined {
  for (const plan of plansOf(template)) {
    const behaviors = plan.distribution === distributionLogicalId ? plan.behaviors : plan.staging?.distribution === distributionLogicalId ? plan.staging.behaviors : undefined;
    if (behaviors) return new Map(behaviors.map((b) => [b.pathPattern, b]));
  }
  return undefined;
}

/** The plan of one distribution, primary or staging. */
export function planOf(template: TemplateLike, distributionLogicalId: string): PlanDocument | undefined {
  return plansOf(template).find((p) => p.distribution === distributionLogicalId || p.staging?.distribution === distributionLogicalId);
}
