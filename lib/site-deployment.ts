import { CustomResource, Lazy } from 'aws-cdk-lib/core';
import { globMatch } from '../lambda-edge/shared/path-pattern';
import { IMMUTABLE_CACHE_CONTROL } from './tier-policies';
import { listSiteFiles } from './variant-documents';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { S3_METADATA_HEADER_PREFIX, SITE_ENTRY_DOCUMENT_TAG, tagItem } from '../lambda-edge/shared/invalidation';
import { ResolvedCacheTags, SiteObjectGroup } from './cache-tags';

export interface SiteDeploymentsProps {
  readonly source: string;
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  readonly entryDocuments: readonly string[];
  /** Undefined with cache tags off. */
  readonly cacheTags?: ResolvedCacheTags;
  /** From planSiteObjectTags, with cache tags on. */
  readonly groups?: readonly SiteObjectGroup[];
  /**
   * Path patterns of the static-tier behaviors the site bucket serves (`/assets/*`): their objects
   * are uploaded with `Cache-Control: public, max-age=31536000, immutable` in their S3 metadata,
   * which S3 sends with the object and never with an error (a missing asset's 403), so that an error
   * is never kept by browsers for a year. The static tier's response headers policy adds none.
   */
  readonly immutablePatterns?: readonly string[];
}

/** S3 object metadata for content-hashed assets. */
const IMMUTABLE = [s3deploy.CacheControl.fromString(IMMUTABLE_CACHE_CONTROL)];

/** `aws s3 sync` filters for CloudFront path patterns (both: `*` any run, `/` included; `?` one character). */
function syncGlobs(patterns: readonly string[]): string[] {
  return patterns.map((p) => p.replace(/^\//, ''));
}

function isImmutable(key: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globMatch(p.replace(/^\//, ''), key));
}

/** Shared by every deployment so they use one handler function (it is keyed by memory size). */
const MEMORY_MB = 512;

/**
 * Fills the site bucket. With cache tags off: one deployment, and the entry documents are
 * invalidated by path afterwards. With cache tags on: one deployment per set of tags (S3 metadata
 * is set per upload), each syncing only its own objects; the untagged-assets deployment
 * (`SiteDeployment`, the id it always had) syncs everything else and prunes what left the
 * folder; the entry documents go last, after the assets they link to, and the deploy invalidates
 * them with the single tag item `#site:html`.
 *
 * @returns the deployments, `SiteDeployment` first
 */
export function deploySite(scope: Construct, props: SiteDeploymentsProps): s3deploy.BucketDeployment[] {
  const asset = s3deploy.Source.asset(props.source);
  const hasEntries = props.entryDocuments.length > 0;
  const immutable = props.immutablePatterns ?? [];
  if (!props.cacheTags || !props.groups) {
    const rest = new s3deploy.BucketDeployment(scope, 'SiteDeployment', {
      sources: [asset],
      destinationBucket: props.bucket,
      distribution: hasEntries ? props.distribution : undefined,
      distributionPaths: hasEntries ? [...props.entryDocuments] : undefined,
      ...(immutable.length > 0 ? { exclude: syncGlobs(immutable) } : {}),
      memoryLimit: MEMORY_MB,
    });
    if (immutable.length === 0) return [rest];
    const assets = new s3deploy.BucketDeployment(scope, 'SiteDeploymentImmutable', {
      sources: [asset],
      destinationBucket: props.bucket,
      exclude: ['*'],
      include: syncGlobs(immutable),
      cacheControl: IMMUTABLE,
      memoryLimit: MEMORY_MB,
    });
    uploadedAfter(rest, assets);
    return [rest, assets];
  }
  const metadataKey = props.cacheTags.headerName.slice(S3_METADATA_HEADER_PREFIX.length);
  const rest = props.groups.find((g) => g.rest)!;
  const others = props.groups.filter((g) => !g.rest);
  const entryGroups = others.filter((g) => g.entryDocuments);
  const invalidating = entryGroups[entryGroups.length - 1];
  // Entry documents that are no file of the folder carry no tag: they are invalidated by path.
  const byPath = hasEntries && !invalidating;
  const restDeployment = new s3deploy.BucketDeployment(scope, 'SiteDeployment', {
    sources: [asset],
    destinationBucket: props.bucket,
    metadata: { [metadataKey]: rest.tags.join(',') },
    distribution: byPath ? props.distribution : undefined,
    distributionPaths: byPath ? [...props.entryDocuments] : undefined,
    // Objects of the other groups are theirs to upload (with their own tags) and never pruned here;
    // the immutable assets are the next deployment's.
    exclude: others.length > 0 || immutable.length > 0 ? [...others.flatMap((g) => g.keys), ...syncGlobs(immutable)] : undefined,
    memoryLimit: MEMORY_MB,
  });
  const out = [restDeployment];
  const first = [restDeployment];
  if (immutable.length > 0) {
    const taken = new Set(others.flatMap((g) => g.keys));
    const keys = listSiteFiles(props.source).map((k) => k.slice(1)).filter((k) => !taken.has(k) && isImmutable(k, immutable));
    if (keys.length > 0) {
      const d = new s3deploy.BucketDeployment(scope, 'SiteDeploymentImmutable', {
        sources: [asset],
        destinationBucket: props.bucket,
        metadata: { [metadataKey]: rest.tags.join(',') },
        exclude: ['*'],
        include: keys,
        cacheControl: IMMUTABLE,
        memoryLimit: MEMORY_MB,
      });
      out.push(d);
      first.push(d);
      uploadedAfter(restDeployment, d);
    }
  }
  const used = new Set<string>();
  let last: s3deploy.BucketDeployment | undefined;
  for (const group of others) {
    let id = `SiteDeployment${groupId(group)}`;
    for (let n = 2; used.has(id); n++) id = `SiteDeployment${groupId(group)}${n}`;
    used.add(id);
    const isLast = group === invalidating;
    const fixed = group.keys.filter((k) => isImmutable(k, immutable));
    const plain = group.keys.filter((k) => !isImmutable(k, immutable));
    // A group of assets only keeps its id, with the assets' lifetime; a mixed one gets a second deployment.
    const parts: Array<{ id: string; keys: string[]; immutable: boolean }> =
      plain.length === 0 ? [{ id, keys: fixed, immutable: true }] : [{ id, keys: plain, immutable: false }, ...(fixed.length > 0 ? [{ id: `${id}Immutable`, keys: fixed, immutable: true }] : [])];
    for (const part of parts) {
      const invalidates = isLast && part === parts[0];
      const d = new s3deploy.BucketDeployment(scope, part.id, {
        sources: [asset],
        destinationBucket: props.bucket,
        metadata: { [metadataKey]: group.tags.join(',') },
        exclude: ['*'],
        include: part.keys,
        ...(part.immutable ? { cacheControl: IMMUTABLE } : {}),
        distribution: invalidates ? props.distribution : undefined,
        // aws-cdk-lib checks literal paths for a leading '/'; a tag item is passed through as is.
        distributionPaths: invalidates ? [Lazy.string({ produce: () => tagItem(SITE_ENTRY_DOCUMENT_TAG) })] : undefined,
        memoryLimit: MEMORY_MB,
      });
      // New entry documents must never link to assets that are not uploaded yet.
      for (const f of first) d.node.addDependency(f);
      if (invalidates) last = d;
      out.push(d);
    }
  }
  if (last) for (const other of out.slice(1)) if (other !== last) last.node.addDependency(other);
  return out;
}

/**
 * Assets first (with their browser lifetime in S3 metadata), then the rest: an entry document is
 * never published before the assets it links to. The dependency is the upload's (its custom
 * resource): the first deployment also owns the handler's layer, which every upload uses.
 */
function uploadedAfter(later: s3deploy.BucketDeployment, earlier: s3deploy.BucketDeployment): void {
  const upload = later.node.children.find((c) => c instanceof CustomResource);
  (upload ?? later).node.addDependency(earlier);
}

/** `Html` for the standard entry-document group, otherwise the tags in PascalCase, cut to 40 characters. */
function groupId(group: SiteObjectGroup): string {
  const extra = group.tags.slice(2);
  const base = group.entryDocuments ? 'Html' : 'Assets';
  const suffix = extra
    .join(' ')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
    .slice(0, 40);
  return `${base}${suffix}`;
}
