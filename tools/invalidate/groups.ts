import * as fs from 'fs';
import * as path from 'path';
import { LEGACY_PATH_GROUPS_METADATA_KEY, PATH_GROUPS_METADATA_KEY } from '../../lib/metadata-keys';
import type { PathGroupsDocument } from '../../lib/path-groups';
import { CliError } from '../errors';

export class PathGroupsError extends CliError {
  constructor(message: string, options: { exitCode?: number } = {}) {
    super(message, options);
    this.name = 'PathGroupsError';
  }
}

const SHAPE = '{ "version": 1, "groups": { "<group>": ["/path", ...] } }';

/**
 * Reads named groups of invalidation paths from:
 * - a JSON file `{ "version": 1, "groups": { "<group>": ["/path", ...] } }` kept by the user,
 * - a synthesized template (`*.template.json`) whose `Metadata` holds the groups, or
 * - a cloud assembly folder (`cdk.out`): the groups of all its templates, merged.
 * Files and templates written before the rename (`"tags"` instead of `"groups"`) are read too.
 */
export function loadPathGroups(source: string): PathGroupsDocument {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new PathGroupsError(`--manifest '${source}' does not exist; pass a path groups JSON file, a *.template.json or a cdk.out folder (run 'npx cdk synth' first)`);
  }
  if (stat.isDirectory()) {
    const templates = fs.readdirSync(source).filter((f) => f.endsWith('.template.json')).sort();
    const docs = templates
      .map((f) => groupsFromTemplate(readJson(path.join(source, f)), path.join(source, f)))
      .filter((d): d is PathGroupsDocument => d !== undefined);
    if (docs.length === 0) {
      throw new PathGroupsError(`no template in '${source}' carries path groups (Metadata.${PATH_GROUPS_METADATA_KEY}); add them with PathGroups.of(stack).add(...) and synthesize again`);
    }
    return mergePathGroups(docs);
  }
  const json = readJson(source);
  const fromTemplate = groupsFromTemplate(json, source);
  if (fromTemplate) return fromTemplate;
  return parsePathGroups(json, source);
}

/** The groups in a CloudFormation template's `Metadata`, or undefined when it has none. */
export function groupsFromTemplate(template: unknown, source: string): PathGroupsDocument | undefined {
  if (!isObject(template) || !isObject(template.Metadata)) return undefined;
  for (const key of [PATH_GROUPS_METADATA_KEY, LEGACY_PATH_GROUPS_METADATA_KEY]) {
    const doc = template.Metadata[key];
    if (doc !== undefined) return parsePathGroups(doc, `${source} (Metadata.${key})`);
  }
  return undefined;
}

export function parsePathGroups(json: unknown, source: string): PathGroupsDocument {
  const groups = isObject(json) ? (json.groups ?? json.tags) : undefined;
  if (!isObject(json) || !isObject(groups)) {
    throw new PathGroupsError(`${source} is not a path groups file: expected ${SHAPE}`);
  }
  if (json.version !== 1) {
    throw new PathGroupsError(`${source}: unsupported path groups version ${JSON.stringify(json.version)}; this tiered-cdn reads version 1`);
  }
  const out: Record<string, string[]> = {};
  for (const [group, paths] of Object.entries(groups)) {
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      throw new PathGroupsError(`${source}: group '${group}' must map to an array of path strings, got ${JSON.stringify(paths)}`);
    }
    out[group] = paths as string[];
  }
  return { version: 1, groups: out };
}

export function mergePathGroups(docs: readonly PathGroupsDocument[]): PathGroupsDocument {
  const groups: Record<string, string[]> = {};
  for (const doc of docs) {
    for (const [group, paths] of Object.entries(doc.groups)) {
      const list = (groups[group] ??= []);
      for (const p of paths) if (!list.includes(p)) list.push(p);
    }
  }
  return { version: 1, groups };
}

/** The paths of the given groups, in order; every unknown group is reported at once with the known ones. */
export function pathsForGroups(doc: PathGroupsDocument, names: readonly string[], source: string): string[] {
  const unknown = names.filter((g) => !Object.prototype.hasOwnProperty.call(doc.groups, g));
  if (unknown.length > 0) {
    const known = Object.keys(doc.groups).sort();
    throw new PathGroupsError(
      `unknown group${unknown.length === 1 ? '' : 's'} ${unknown.map((g) => `'${g}'`).join(', ')} in ${source}; known groups: ${known.length > 0 ? known.join(', ') : '(none)'}`,
      { exitCode: 2 },
    );
  }
  return names.flatMap((g) => doc.groups[g]);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PathGroupsError(`cannot read '${file}': ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PathGroupsError(`'${file}' is not valid JSON: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
