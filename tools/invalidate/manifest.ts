import * as fs from 'fs';
import * as path from 'path';
import { TAG_MANIFEST_METADATA_KEY, TagManifestDocument } from '../../lib/tag-manifest';

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Reads a tag manifest from:
 * - a JSON file `{ "version": 1, "tags": { "<tag>": ["/path", ...] } }` kept by the user,
 * - a synthesized template (`*.template.json`) whose `Metadata` holds the manifest, or
 * - a cloud assembly folder (`cdk.out`): the manifests of all its templates, merged.
 */
export function loadTagManifest(source: string): TagManifestDocument {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new ManifestError(`--manifest '${source}' does not exist; pass a tag manifest JSON file, a *.template.json or a cdk.out folder (run 'npx cdk synth' first)`);
  }
  if (stat.isDirectory()) {
    const templates = fs.readdirSync(source).filter((f) => f.endsWith('.template.json')).sort();
    const docs = templates
      .map((f) => manifestFromTemplate(readJson(path.join(source, f)), path.join(source, f)))
      .filter((d): d is TagManifestDocument => d !== undefined);
    if (docs.length === 0) {
      throw new ManifestError(`no template in '${source}' carries a tag manifest (Metadata.${TAG_MANIFEST_METADATA_KEY}); add one with TagManifest.of(stack).addPaths(...) and synthesize again`);
    }
    return mergeManifests(docs);
  }
  const json = readJson(source);
  const fromTemplate = manifestFromTemplate(json, source);
  if (fromTemplate) return fromTemplate;
  return parseTagManifest(json, source);
}

/** The manifest in a CloudFormation template's `Metadata`, or undefined when it has none. */
export function manifestFromTemplate(template: unknown, source: string): TagManifestDocument | undefined {
  if (!isObject(template) || !isObject(template.Metadata)) return undefined;
  const doc = template.Metadata[TAG_MANIFEST_METADATA_KEY];
  return doc === undefined ? undefined : parseTagManifest(doc, `${source} (Metadata.${TAG_MANIFEST_METADATA_KEY})`);
}

export function parseTagManifest(json: unknown, source: string): TagManifestDocument {
  if (!isObject(json) || !isObject(json.tags)) {
    throw new ManifestError(`${source} is not a tag manifest: expected { "version": 1, "tags": { "<tag>": ["/path", ...] } }`);
  }
  if (json.version !== 1) {
    throw new ManifestError(`${source}: unsupported manifest version ${JSON.stringify(json.version)}; this tiered-cdn reads version 1`);
  }
  const tags: Record<string, string[]> = {};
  for (const [tag, paths] of Object.entries(json.tags)) {
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      throw new ManifestError(`${source}: tag '${tag}' must map to an array of path strings, got ${JSON.stringify(paths)}`);
    }
    tags[tag] = paths as string[];
  }
  return { version: 1, tags };
}

export function mergeManifests(docs: readonly TagManifestDocument[]): TagManifestDocument {
  const tags: Record<string, string[]> = {};
  for (const doc of docs) {
    for (const [tag, paths] of Object.entries(doc.tags)) {
      const list = (tags[tag] ??= []);
      for (const p of paths) if (!list.includes(p)) list.push(p);
    }
  }
  return { version: 1, tags };
}

/** The paths of the given tags, in order; every unknown tag is reported at once with the known ones. */
export function pathsForTags(doc: TagManifestDocument, tags: readonly string[], source: string): string[] {
  const unknown = tags.filter((t) => !Object.prototype.hasOwnProperty.call(doc.tags, t));
  if (unknown.length > 0) {
    const known = Object.keys(doc.tags).sort();
    throw new ManifestError(
      `unknown tag${unknown.length === 1 ? '' : 's'} ${unknown.map((t) => `'${t}'`).join(', ')} in ${source}; known tags: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
  }
  return tags.flatMap((t) => doc.tags[t]);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ManifestError(`cannot read '${file}': ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`'${file}' is not valid JSON: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
