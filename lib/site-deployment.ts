import { Lazy } from 'aws-cdk-lib';
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
  if (!props.cacheTags || !props.groups) {
    return [
      new s3deploy.BucketDeployment(scope, 'SiteDeployment', {
        sources: [asset],
        destinationBucket: props.bucket,
        distribution: hasEntries ? props.distribution : undefined,
        distributionPaths: hasEntries ? [...props.entryDocuments] : undefined,
        memoryLimit: MEMORY_MB,
      }),
    ];
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
    // Objects of the other groups are theirs to upload (with their own tags) and never pruned here.
    exclude: others.length > 0 ? others.flatMap((g) => g.keys) : undefined,
    memoryLimit: MEMORY_MB,
  });
  const out = [restDeployment];
  const used = new Set<string>();
  for (const group of others) {
    const last = group === invalidating;
    let id = `SiteDeployment${groupId(group)}`;
    for (let n = 2; used.has(id); n++) id = `SiteDeployment${groupId(group)}${n}`;
    used.add(id);
    const d = new s3deploy.BucketDeployment(scope, id, {
      sources: [asset],
      destinationBucket: props.bucket,
      metadata: { [metadataKey]: group.tags.join(',') },
      exclude: ['*'],
      include: [...group.keys],
      distribution: last ? props.distribution : undefined,
      // aws-cdk-lib checks literal paths for a leading '/'; a tag item is passed through as is.
      distributionPaths: last ? [Lazy.string({ produce: () => tagItem(SITE_ENTRY_DOCUMENT_TAG) })] : undefined,
      memoryLimit: MEMORY_MB,
    });
    // New entry documents must never link to assets that are not uploaded yet.
    d.node.addDependency(restDeployment);
    out.push(d);
  }
  if (invalidating) {
    const d = out[1 + others.indexOf(invalidating)];
    for (const other of out.slice(1)) if (other !== d) d.node.addDependency(other);
  }
  return out;
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
