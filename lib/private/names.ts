/** Construct-id fragments. Construct ids are public contract: changing these replaces resources. */

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function pascal(s: string): string {
  return s.split(/[^A-Za-z0-9]+/).filter(Boolean).map(capitalize).join('');
}

/** A construct-id fragment from a path pattern: `/api/me/*` -> `ApiMe`, `*` -> `Default`. */
export function routeSlug(pattern: string): string {
  return pattern === '*' ? 'Default' : pascal(pattern.replace(/\*/g, ' ').replace(/\?/g, ' ')) || 'Root';
}
