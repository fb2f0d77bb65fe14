import * as fs from 'fs';
import * as path from 'path';
import type { VariantPathConfig } from '../lambda-edge/shared/config';
import { isDocument, variantObjectUri } from '../lambda-edge/shared/variant-documents';
import type { ExperimentProps } from './routing';

/*
 * Experiments with variant path prefixes on the site bucket: the construct lists `site.source` at
 * synth, so it knows which documents each variant folder holds. The variant copies found are baked
 * into the origin-request function (a missing one is served as the control document there), and
 * the missing ones become a synth warning, or an error with `missingVariantDocuments: 'error'`.
 */

/** Every file under `dir`, as object paths (`/variants/redesign/index.html`), sorted. */
export function listSiteFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(d, entry.name), `${prefix}${entry.name}/`);
      else out.push(`/${prefix}${entry.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** The documents one variant lacks. */
export interface MissingVariantDocuments {
  readonly experiment: string;
  readonly variant: string;
  readonly pathPrefix: string;
  /** Control documents (`/about.html`) with no copy under the prefix. */
  readonly documents: readonly string[];
  readonly mode: 'fallback' | 'error';
}

export interface VariantDocumentsPlan {
  /** Variant copies of documents the site holds: `OriginRequestConfig.variantDocuments`. */
  readonly variantDocuments: string[];
  readonly missing: MissingVariantDocuments[];
}

const under = (file: string, prefix: string) => file.startsWith(`${prefix}/`);

/**
 * `files`: the site's object paths. Control documents are the documents outside every variant
 * prefix; each variant with a prefix should hold a copy of each of them.
 */
export function planVariantDocuments(
  files: readonly string[],
  variantPaths: readonly VariantPathConfig[],
  experiments: readonly ExperimentProps[],
): VariantDocumentsPlan {
  const prefixes = variantPaths.flatMap((vp) => Object.values(vp.prefixes));
  const present = new Set(files);
  const control = files.filter((f) => isDocument(f) && !prefixes.some((p) => under(f, p)));
  const variantDocuments = files.filter((f) => isDocument(f) && prefixes.some((p) => under(f, p)));
  const missing: MissingVariantDocuments[] = [];
  for (const vp of variantPaths) {
    const mode = experiments.find((e) => e.name === vp.experiment)?.missingVariantDocuments ?? 'fallback';
    for (const [variant, pathPrefix] of Object.entries(vp.prefixes)) {
      const documents = control.filter((d) => !present.has(variantObjectUri(d, pathPrefix)));
      if (documents.length > 0) missing.push({ experiment: vp.experiment, variant, pathPrefix, documents, mode });
    }
  }
  return { variantDocuments, missing };
}

/** The warning or error for one variant's missing documents; `where` names the route. */
export function describeMissing(m: MissingVariantDocuments, where: string, source: string): string {
  const list = m.documents.map((d) => `${m.pathPrefix}${d}`).join(', ');
  const head = `${where}.experiments '${m.experiment}' variant '${m.variant}' has no copy of ${m.documents.length} document${m.documents.length === 1 ? '' : 's'} in ${show(source)}: ${list}.`;
  return m.mode === 'error'
    ? `${head} Add them, or set missingVariantDocuments: 'fallback' to serve the control documents there.`
    : `${head} Its viewers get the control document there; add them, or set missingVariantDocuments: 'error' to fail the synth instead.`;
}

function show(s: string): string {
  return JSON.stringify(s);
}
