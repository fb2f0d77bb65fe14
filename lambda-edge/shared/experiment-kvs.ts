/**
 * How experiment weights live in the CloudFront KeyValueStore the construct creates: one key per
 * experiment, a JSON value. Shared by the construct (initial data), the generated CloudFront
 * Functions (reads) and `tiered-cdn experiment` (writes).
 */
export const KVS_EXPERIMENT_PREFIX = 'experiment:';

export function kvsExperimentKey(name: string): string {
  return `${KVS_EXPERIMENT_PREFIX}${name}`;
}

export interface KvsExperimentValue {
  /** Variant name -> relative weight; a variant left out keeps its deployed weight. */
  readonly weights?: Readonly<Record<string, number>>;
  /** New viewers all get the first (control) variant; sticky viewers keep theirs. */
  readonly off?: boolean;
}
