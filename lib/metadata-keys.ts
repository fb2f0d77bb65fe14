// The metadata keys the construct writes into its templates and the tools read back. Kept free of
// imports so the CLI reads a template without loading aws-cdk-lib and the construct's own modules.

/** Version of the plan's shape; tools refuse a plan whose version they do not know. */
export const PLAN_VERSION = 1;

/** Key under the template's top-level `Metadata` that holds the serialized plan. */
export const PLAN_METADATA_KEY = 'TieredCdn::Plan';

/**
 * Key under the template's top-level `Metadata` holding the named groups of invalidation paths.
 * Kept in the template so the groups travel with the stack: `tiered-cdn invalidate --group` reads
 * them from `cdk.out` or, with `--stack`, from the deployed template.
 */
export const PATH_GROUPS_METADATA_KEY = 'TieredCdn::InvalidationGroups';

/**
 * The key earlier versions wrote, when these groups were called "tags". Still read by
 * `tiered-cdn invalidate --group`, so stacks deployed before the rename keep working.
 */
export const LEGACY_PATH_GROUPS_METADATA_KEY = 'TieredCdn::InvalidationTags';

/**
 * Key of the distribution resource's `Metadata` naming, per behavior path pattern, the cookies the
 * construct's own edge functions set on responses. `tiered-cdn audit --app` reads it, so a cookie
 * the edge adds after the cache (never stored with the object) is not charged to the origin.
 */
export const EDGE_SET_COOKIES_METADATA_KEY = 'TieredCdn::EdgeSetCookies';
