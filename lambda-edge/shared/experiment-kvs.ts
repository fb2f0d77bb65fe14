// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/**
 * How experiment weights live in the CloudFront KeyValueStore the construct creates: one key per
 * experiment, a JSON value. Shared by the construct (initial data), the generated CloudFront
 * Functions (reads) and `tiered-cdn experiment` (writes).
 */
export const KVS_EXPERIMENT_PREFIX = 'experiment:';

export function kvsExperimentKey(name: string): string {
  return `${KVS_EXPERIMENT_PREFIX}${name}`;
}

/** Key of a routing target's live domain: `origin:<origin id>` = `{"domainName":"..."}`. */
export const KVS_ORIGIN_PREFIX = 'origin:';

export function kvsOriginKey(originId: string): string {
  return `${KVS_ORIGIN_PREFIX}${originId}`;
}

export interface KvsOriginValue {
  /** Where requests the routing rules send to this origin go now. */
  readonly domainName: string;
}

export interface KvsExperimentValue {
  /** Variant name -> relative weight; a variant left out keeps its deployed weight. */
  readonly weights?: Readonly<Record<string, number>>;
  /** New viewers all get the first (control) variant; sticky viewers keep theirs. */
  readonly off?: boolean;
}
