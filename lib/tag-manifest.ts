import { IConstruct } from 'constructs';
import { Lazy, Stack, Token } from 'aws-cdk-lib';
import { checkPath } from '../tools/invalidate/paths';

/**
 * Key under the template's top-level `Metadata` holding the invalidation tag manifest. Kept in the
 * template so the manifest travels with the stack: `tiered-cdn invalidate --tags` reads it from
 * `cdk.out` or, with `--stack`, from the deployed template.
 */
export const TAG_MANIFEST_METADATA_KEY = 'TieredCdn::InvalidationTags';

/** The manifest as written to a template or a JSON file: tag -> invalidation paths. */
export interface TagManifestDocument {
  readonly version: 1;
  readonly tags: { readonly [tag: string]: readonly string[] };
}

const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Names groups of invalidation paths ("tags") so a deploy or an operator can invalidate by meaning
 * (`--tags html`) instead of listing paths. One manifest per stack:
 *
 * ```ts
 * TagManifest.of(this).addPaths('html', ['/', '/index.html']);
 * ```
 */
export class TagManifest {
  /** The manifest of the stack that contains `scope`, created on first use. */
  public static of(scope: IConstruct): TagManifest {
    const stack = Stack.of(scope);
    let manifest = MANIFESTS.get(stack);
    if (!manifest) {
      manifest = new TagManifest(stack);
      MANIFESTS.set(stack, manifest);
    }
    return manifest;
  }

  private readonly entries = new Map<string, string[]>();

  private constructor(stack: Stack) {
    stack.templateOptions.metadata = {
      ...stack.templateOptions.metadata,
      [TAG_MANIFEST_METADATA_KEY]: Lazy.any({ produce: () => (this.entries.size === 0 ? undefined : this.toJSON()) }),
    };
  }

  /**
   * Adds paths to a tag (repeats are ignored). Paths are validated as `tiered-cdn invalidate`
   * would: a leading `/`, `*` only at the end, URL-encoded.
   */
  public addPaths(tag: string, paths: readonly string[]): this {
    const problems: string[] = [];
    if (!TAG_NAME.test(tag)) {
      problems.push(`tag name must be 1-128 letters, digits, '.', '_', ':' or '-' starting with a letter or digit, got: '${tag}'`);
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
      throw new Error(`TagManifest.addPaths('${tag}'): ${problems.join('; ')}`);
    }
    const list = this.entries.get(tag) ?? [];
    for (const p of paths) if (!list.includes(p)) list.push(p);
    this.entries.set(tag, list);
    return this;
  }

  /** Tag names in the manifest, sorted. */
  public get tags(): string[] {
    return [...this.entries.keys()].sort();
  }

  public pathsOf(tag: string): readonly string[] {
    return this.entries.get(tag) ?? [];
  }

  public toJSON(): TagManifestDocument {
    const tags: Record<string, string[]> = {};
    for (const tag of this.tags) tags[tag] = [...this.entries.get(tag)!];
    return { version: 1, tags };
  }
}

const MANIFESTS = new WeakMap<Stack, TagManifest>();
