import { IConstruct } from 'constructs';
import { Lazy, Stack, Token } from 'aws-cdk-lib/core';
import { checkPath } from '../lambda-edge/shared/invalidation';
import { LEGACY_PATH_GROUPS_METADATA_KEY, PATH_GROUPS_METADATA_KEY } from './metadata-keys';

export { LEGACY_PATH_GROUPS_METADATA_KEY, PATH_GROUPS_METADATA_KEY };

/** The groups as written to a template or a JSON file: group name -> invalidation paths. */
export interface PathGroupsDocument {
  /** Version of the document shape. */
  readonly version: 1;
  /** Group name -> invalidation paths. */
  readonly groups: { readonly [group: string]: readonly string[] };
}

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Names groups of invalidation paths so a deploy or an operator can invalidate by meaning
 * (`--group html`) instead of listing paths. One set of groups per stack:
 *
 * ```ts
 * PathGroups.of(this).add('html', ['/', '/index.html']);
 * ```
 *
 * A group is a list of paths known at synth time. To invalidate what an origin marked at response
 * time (every API response that mentions product 42), use cache tags instead (`--tags`).
 */
export class PathGroups {
  /** The groups of the stack that contains `scope`, created on first use. */
  public static of(scope: IConstruct): PathGroups {
    const stack = Stack.of(scope);
    let groups = GROUPS.get(stack);
    if (!groups) {
      groups = new PathGroups(stack);
      GROUPS.set(stack, groups);
    }
    return groups;
  }

  private readonly entries = new Map<string, string[]>();

  private constructor(stack: Stack) {
    stack.templateOptions.metadata = {
      ...stack.templateOptions.metadata,
      [PATH_GROUPS_METADATA_KEY]: Lazy.any({ produce: () => (this.entries.size === 0 ? undefined : this.toJSON()) }),
    };
  }

  /**
   * Adds paths to a group (repeats are ignored). Paths are validated as `tiered-cdn invalidate`
   * would: a leading `/`, `*` only at the end, URL-encoded.
   */
  public add(group: string, paths: readonly string[]): this {
    const problems: string[] = [];
    if (!GROUP_NAME.test(group)) {
      problems.push(`group name must be 1-128 letters, digits, '.', '_', ':' or '-' starting with a letter or digit, got: '${group}'`);
    }
    for (const p of paths) {
      if (Token.isUnresolved(p)) {
        problems.push(`invalidation paths must be literal strings, got a token: '${p}'`);
        continue;
      }
      for (const problem of checkPath(p)) {
        problems.push(`path '${problem.path}' ${problem.reason}${problem.suggestion !== undefined ? ` (use '${problem.suggestion}')` : ''}`);
      }
    }
    if (problems.length > 0) {
      throw new Error(`PathGroups.add('${group}'): ${problems.join('; ')}`);
    }
    const list = this.entries.get(group) ?? [];
    for (const p of paths) if (!list.includes(p)) list.push(p);
    this.entries.set(group, list);
    return this;
  }

  /** Group names, sorted. */
  public get groups(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The paths of one group (empty when there is no such group). */
  public pathsOf(group: string): readonly string[] {
    return this.entries.get(group) ?? [];
  }

  /** The groups as the template Metadata carries them. */
  public toJSON(): PathGroupsDocument {
    const groups: Record<string, string[]> = {};
    for (const g of this.groups) groups[g] = [...this.entries.get(g)!];
    return { version: 1, groups };
  }
}

const GROUPS = new WeakMap<Stack, PathGroups>();
