import * as crypto from 'crypto';
import type * as http from 'http';
import { MAX_PATHS_IN_PROGRESS, MAX_WILDCARDS_IN_PROGRESS, isWildcard } from '../../lambda-edge/shared/invalidation';
import { LocalEdgeError } from './types';

/**
 * The part of the CloudFront API that invalidations use, as the AWS SDK speaks it (REST, XML,
 * API version 2020-05-31): CreateInvalidation, GetInvalidation, ListInvalidations for the one
 * distribution the local edge runs. Objects leave every cache when the invalidation is created;
 * its status reads `InProgress` for `completionSeconds` (so `--wait` has something to wait for)
 * and `Completed` after. The in-progress quotas hold as in CloudFront: 3,000 paths (a tag item is
 * one path) and 15 wildcards, else TooManyInvalidationsInProgress.
 *
 * @see https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 */
export class CloudFrontInvalidationApi {
  private readonly invalidations: StoredInvalidation[] = [];

  constructor(
    readonly distributionId: string,
    /** Applies the items to every cache; throws LocalEdgeError for an invalid item. */
    private readonly apply: (items: readonly string[]) => number,
    private readonly completionSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Answers one request; false when the URL is not a CloudFront API path. */
  handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const m = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation(?:\/([^/]+))?\/?$/.exec(url.pathname);
    if (!m) return sendError(res, 404, 'Sender', 'InvalidArgument', `The local edge answers only the invalidation API (/2020-05-31/distribution/{id}/invalidation), not ${req.method} ${url.pathname}.`);
    const [, distributionId, id] = m.map((x) => (x === undefined ? x : decodeURIComponent(x)));
    if (distributionId !== this.distributionId) {
      return sendError(res, 404, 'Sender', 'NoSuchDistribution', `The specified distribution does not exist: ${distributionId}. This local edge runs ${this.distributionId}.`);
    }
    if (req.method === 'POST' && !id) return this.create(body.toString('utf8'), res);
    if (req.method === 'GET' && id) return this.get(id, res);
    if (req.method === 'GET') return this.list(url.searchParams, res);
    return sendError(res, 405, 'Sender', 'InvalidArgument', `${req.method} is not supported on ${url.pathname}.`);
  }

  private create(xml: string, res: http.ServerResponse): void {
    const callerReference = textOf(xml, 'CallerReference');
    const quantity = Number(textOf(xml, 'Quantity'));
    const items = allTextOf(xml, 'Path');
    if (!callerReference) return sendError(res, 400, 'Sender', 'MissingBody', 'InvalidationBatch.CallerReference is required.');
    if (!Number.isInteger(quantity) || quantity !== items.length) {
      return sendError(res, 400, 'Sender', 'InconsistentQuantities', `Paths.Quantity (${textOf(xml, 'Quantity')}) does not match the number of paths (${items.length}).`);
    }
    const same = this.invalidations.find((i) => i.callerReference === callerReference);
    if (same) {
      // CloudFront: the same caller reference with the same batch returns the first invalidation.
      if (same.items.join('\n') === items.join('\n')) return send(res, 201, invalidationXml(same, this.status(same)), { location: this.location(same.id) });
      return sendError(res, 409, 'Sender', 'InvalidationBatchAlreadyExists', `CallerReference ${callerReference} was already used for a different batch (${same.id}).`);
    }
    const inProgress = this.invalidations.filter((i) => this.status(i) === 'InProgress');
    const paths = inProgress.reduce((n, i) => n + i.items.length, 0) + items.length;
    const wildcards = inProgress.reduce((n, i) => n + i.items.filter(isWildcard).length, 0) + items.filter(isWildcard).length;
    if (paths > MAX_PATHS_IN_PROGRESS || wildcards > MAX_WILDCARDS_IN_PROGRESS) {
      return sendError(res, 400, 'Sender', 'TooManyInvalidationsInProgress', `Processing your request will cause you to exceed the maximum number of in-progress invalidations (${MAX_PATHS_IN_PROGRESS} paths, ${MAX_WILDCARDS_IN_PROGRESS} wildcards).`);
    }
    let removed: number;
    try {
      removed = this.apply(items);
    } catch (e) {
      if (e instanceof LocalEdgeError) return sendError(res, 400, 'Sender', 'InvalidArgument', e.message);
      throw e;
    }
    const inv: StoredInvalidation = { id: `I${crypto.randomBytes(13).toString('hex').toUpperCase().slice(0, 13)}`, callerReference, items, createdAt: this.now(), removed };
    this.invalidations.unshift(inv);
    send(res, 201, invalidationXml(inv, this.status(inv)), { location: this.location(inv.id) });
  }

  private get(id: string, res: http.ServerResponse): void {
    const inv = this.invalidations.find((i) => i.id === id);
    if (!inv) return sendError(res, 404, 'Sender', 'NoSuchInvalidation', `The specified invalidation does not exist: ${id}.`);
    send(res, 200, invalidationXml(inv, this.status(inv)));
  }

  private list(params: URLSearchParams, res: http.ServerResponse): void {
    const max = Math.max(1, Math.min(100, Number(params.get('MaxItems') ?? 100) || 100));
    const marker = params.get('Marker') ?? '';
    const start = marker ? this.invalidations.findIndex((i) => i.id === marker) + 1 : 0;
    const page = this.invalidations.slice(start, start + max);
    const truncated = start + max < this.invalidations.length;
    const summaries = page
      .map((i) => `<InvalidationSummary><Id>${i.id}</Id><CreateTime>${new Date(i.createdAt).toISOString()}</CreateTime><Status>${this.status(i)}</Status></InvalidationSummary>`)
      .join('');
    send(
      res,
      200,
      `<InvalidationList xmlns="${NS}"><Marker>${escapeXml(marker)}</Marker>${truncated ? `<NextMarker>${page[page.length - 1].id}</NextMarker>` : ''}<MaxItems>${max}</MaxItems><IsTruncated>${truncated}</IsTruncated><Quantity>${page.length}</Quantity>${page.length > 0 ? `<Items>${summaries}</Items>` : ''}</InvalidationList>`,
    );
  }

  /** Invalidations created so far, newest first, with how many cached objects each removed. */
  get created(): readonly { id: string; items: readonly string[]; removed: number; status: string }[] {
    return this.invalidations.map((i) => ({ id: i.id, items: i.items, removed: i.removed, status: this.status(i) }));
  }

  private status(i: StoredInvalidation): 'InProgress' | 'Completed' {
    return this.now() - i.createdAt >= this.completionSeconds * 1000 ? 'Completed' : 'InProgress';
  }

  private location(id: string): string {
    return `/2020-05-31/distribution/${this.distributionId}/invalidation/${id}`;
  }
}

interface StoredInvalidation {
  readonly id: string;
  readonly callerReference: string;
  readonly items: readonly string[];
  readonly createdAt: number;
  readonly removed: number;
}

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

function invalidationXml(i: StoredInvalidation, status: string): string {
  const paths = i.items.map((p) => `<Path>${escapeXml(p)}</Path>`).join('');
  return `<Invalidation xmlns="${NS}"><Id>${i.id}</Id><Status>${status}</Status><CreateTime>${new Date(i.createdAt).toISOString()}</CreateTime><InvalidationBatch><Paths><Quantity>${i.items.length}</Quantity>${paths ? `<Items>${paths}</Items>` : ''}</Paths><CallerReference>${escapeXml(i.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`;
}

function send(res: http.ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': crypto.randomUUID(), ...headers });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, type: string, code: string, message: string): void {
  send(res, status, `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`);
}

// The SDK writes simple, namespace-free element content: text with the five XML entities and
// numeric character references. That is all these readers need to understand.
function textOf(xml: string, element: string): string | undefined {
  return allTextOf(xml, element)[0];
}

function allTextOf(xml: string, element: string): string[] {
  const re = new RegExp(`<${element}>([^<]*)</${element}>`, 'g');
  return [...xml.matchAll(re)].map((m) => unescapeXml(m[1]));
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e]!;
  });
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
