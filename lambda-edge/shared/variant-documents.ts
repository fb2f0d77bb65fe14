// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
/*
 * Which requests of a route with variant path prefixes are documents, and where a variant keeps its
 * copy of one. Shared by the construct (which lists the site folder at synth and bakes the variant
 * documents it finds into the edge configuration) and the edge code (which falls back to the
 * control document when a variant has no copy).
 */

/** An HTML entry document: `/`, `/about/`, `/about`, `/index.html`; not `/favicon.ico`. */
export function isDocument(uri: string): boolean {
  const last = uri.slice(uri.lastIndexOf('/') + 1);
  return last === '' || !last.includes('.') || /\.html?$/i.test(last);
}

/**
 * The object holding a variant's copy of a document: `<prefix><uri>`, and a directory URI gets
 * `index.html` (a bucket's REST endpoint has no index documents, and the distribution's default
 * root object only covers `/` itself).
 */
export function variantObjectUri(uri: string, prefix: string): string {
  return prefix + (uri.endsWith('/') ? `${uri}index.html` : uri);
}
