// Written in the CloudFront Functions language (ES 5.1 plus what the runtime 2.0 page lists): the build
// of every generated function refuses anything else. See lambda-edge/README.md.
import { createHash, randomUUID } from 'crypto';
import type { CloudFrontHeaders, CloudFrontRequest } from 'aws-lambda';
import type { RequestExperimentConfig as ExperimentConfig } from '../shared/config';
import {
  encodeSetCookieInstruction,
  readCookies,
  VIEWER_ID_PATTERN,
} from '../shared/experiment-cookies';
import {
  EXPERIMENT_HEADER_PREFIX,
  EXPERIMENT_SET_COOKIE_HEADER,
  experimentCookie,
  experimentHeader,
  VIEWER_ID_COOKIE,
} from '../shared/names';
import { variantObjectUri } from '../shared/variant-documents';

// Set to false by the CloudFront Function build when no experiment is forced by query parameter, so
// the function carries no query parsing; unset (every other bundle and the tests) means "may be".
declare const __TCDN_QUERY__: boolean | undefined;

/**
 * A point in [0, 1) fixed by the viewer and the experiment: the same viewer lands in the same
 * variant on every edge location without shared state, and the experiment name in the hash keeps
 * two experiments' assignments independent of each other.
 */
export function bucketOf(viewerId: string, experimentName: string): number {
  const digest = createHash('sha256').update(experimentName).update('\0').update(viewerId).digest();
  // 48 bits: exact in a double, and far finer than any weight anyone configures.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** `name` when it names a variant of the experiment, else undefined (CloudFront Functions have no Set). */
function variantNamed(e: ExperimentConfig, name: string | undefined): string | undefined {
  return e.variants.some((v) => v.name === name) ? name : undefined;
}

/**
 * The variant whose slice of [0, 1) holds `u`: each variant gets a share equal to its weight (the
 * upper bound of variant i is the sum of the weights up to i over the total).
 */
export function pickVariant(experiment: ExperimentConfig, u: number): string {
  const variants = experiment.variants;
  let total = 0;
  for (let i = 0; i < variants.length; i++) total += variants[i].weight;
  let acc = 0;
  for (let i = 0; i < variants.length - 1; i++) if (u < (acc += variants[i].weight) / total) return variants[i].name;
  // Floating-point sums can leave the last bound a hair under 1.
  return variants[variants.length - 1].name;
}

/**
 * 122 random bits. `randomUUID` draws from a buffered entropy pool: about 10x cheaper per call
 * than `randomBytes(16)` (bench/edge-routing.ts), and new viewers are a large share of requests.
 */
export function newViewerId(): string {
  return randomUUID();
}

function queryValue(querystring: string, name: string): string | undefined {
  if (!querystring) return undefined;
  const value = new URLSearchParams(querystring).get(name);
  return value === null ? undefined : value;
}

function isEdgeAsserted(header: string): boolean {
  return header.startsWith(EXPERIMENT_HEADER_PREFIX) || header === EXPERIMENT_SET_COOKIE_HEADER;
}

function withoutExperimentHeaders(h: CloudFrontHeaders): CloudFrontHeaders {
  const headers: CloudFrontHeaders = {};
  const names = Object.keys(h);
  for (let i = 0; i < names.length; i++) if (!isEdgeAsserted(names[i])) headers[names[i]] = h[names[i]];
  return headers;
}

/**
 * What the experiment step does on a behavior without experiments: removes the `x-experiment-*`
 * and set-cookie instruction headers a viewer sent. On its own so a bundle without experiments
 * carries none of the assignment code.
 */
export function stripExperimentHeaders(request: CloudFrontRequest): CloudFrontRequest {
  return Object.keys(request.headers).some(isEdgeAsserted) ? Object.assign({}, request, { headers: withoutExperimentHeaders(request.headers) }) : request;
}

/**
 * Assigns the viewer to one variant of each experiment and states it in `x-experiment-<name>`,
 * a header in the cache key of the routes running the experiment, so each variant is cached apart.
 *
 * Order of precedence per experiment: the QA force query parameter, then the QA force cookie
 * (both only when configured; a value that is not a variant is ignored), then the viewer's
 * experiment cookie (sticky, even after the weights change), then the hash of the viewer id.
 * A viewer without a valid id gets a fresh random one.
 *
 * Every `x-experiment-*` header and the set-cookie instruction header the viewer sent are
 * replaced or removed: a viewer cannot choose a variant by header. Cookies to set travel to the
 * viewer-response function in `x-tcdn-set-cookie` (see names.ts); a forced variant is not
 * persisted, so a QA visit does not pin the viewer. Nothing else in the request changes.
 */
export function assignExperiments(
  request: CloudFrontRequest,
  experiments: readonly ExperimentConfig[],
): CloudFrontRequest {
  if (experiments.length === 0) return stripExperimentHeaders(request);
  const headers = withoutExperimentHeaders(request.headers);
  const cookies = readCookies(request.headers);
  const toSet: Array<[string, string]> = [];
  let viewerId: string | undefined;

  for (let i = 0; i < experiments.length; i++) {
    const e = experiments[i];
    const cookie = experimentCookie(e.name);
    let variant: string | undefined;
    if (e.forceQuery !== undefined && (typeof __TCDN_QUERY__ === 'undefined' || __TCDN_QUERY__)) {
      variant = variantNamed(e, queryValue(request.querystring, e.forceQuery));
    }
    // The force cookie, then the sticky cookie: a variant read from a cookie is not set again.
    if (variant === undefined && e.forceCookie !== undefined) variant = variantNamed(e, cookies.get(e.forceCookie));
    if (variant === undefined) variant = variantNamed(e, cookies.get(cookie));
    if (variant === undefined) {
      if (viewerId === undefined) {
        const existing = cookies.get(VIEWER_ID_COOKIE);
        if (existing !== undefined && VIEWER_ID_PATTERN.test(existing)) {
          viewerId = existing;
        } else {
          viewerId = newViewerId();
          toSet.push([VIEWER_ID_COOKIE, viewerId]);
        }
      }
      variant = pickVariant(e, bucketOf(viewerId, e.name));
      toSet.push([cookie, variant]);
    }
    const header = experimentHeader(e.name);
    headers[header] = [{ key: header, value: variant }];
  }

  if (toSet.length > 0) {
    headers[EXPERIMENT_SET_COOKIE_HEADER] = [
      { key: EXPERIMENT_SET_COOKIE_HEADER, value: encodeSetCookieInstruction(toSet) },
    ];
  }
  return Object.assign({}, request, { headers });
}

/**
 * The URI a viewer of a variant is served for a document: the variant's copy (`<prefix><uri>`)
 * when the variant folder holds it, else `uri` itself, the control document, so an experiment never
 * answers an error a control viewer would not get. `documents` are the variant copies the site
 * holds (object paths such as `/variants/redesign/index.html`), listed by the construct at synth;
 * `undefined` means the origin cannot be listed (the variant's copy is always asked for).
 */
export function variantDocumentUri(uri: string, prefix: string, documents: { has(uri: string): boolean } | undefined): string {
  if (!prefix) return uri;
  const own = variantObjectUri(uri, prefix);
  return documents === undefined || documents.has(own) ? own : uri;
}
