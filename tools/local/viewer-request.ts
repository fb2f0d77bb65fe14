import type * as http from 'http';
import type { AccessLog } from './access-log';
import { handleControl } from './control';
import { cloudFrontErrorPage } from './errors';
import { type CfHeaders, type EdgeRequest, getHeader, headerValue, headersFromRaw, type RawHeaderNotes } from './http-types';
import type { EdgePipeline } from './pipeline';
import {
  CONTROL_PREFIX,
  count,
  MAX_URL_BYTES,
  newRequestId,
  type Pop,
  POP_HEADER,
  type Processed,
  VIEWER_COUNTRY_HOOK,
  VIEWER_PROTOCOL_HOOK,
} from './types';
import { notModifiedForViewer, rangeForViewer, writeResponse } from './viewer-response';

export interface ViewerDefaults {
  readonly viewerCountry: string;
  readonly viewerProtocol: 'http' | 'https';
  /** The port the edge listens on, once it does: control requests must name it in Host. */
  readonly port: () => number;
  readonly maxRequestBodyBytes: number;
}

const NO_BODY = Buffer.alloc(0);
const STEERING_HEADERS = [POP_HEADER, VIEWER_COUNTRY_HOOK, VIEWER_PROTOCOL_HOOK];

/** The request body ended early, or grew past the limit: the connection is cut. */
export class RequestBodyError extends Error {
  constructor(readonly tooLarge: boolean) {
    super(tooLarge ? 'request body too large' : 'request body ended early');
  }
}

/** What the viewer sent, with the local edge's steering headers taken off. */
interface ViewerInput {
  readonly started: bigint;
  readonly requestId: string;
  readonly rawUrl: string;
  readonly pop: Pop;
  readonly country: string;
  readonly viewerProtocol: string;
  readonly request: EdgeRequest;
  readonly notes: RawHeaderNotes;
}

/** Receives each viewer connection's requests: steering hooks, CloudFront's request limits, the pipeline, the response and the access log. */
export class ViewerEndpoint {
  private rr = 0;

  constructor(
    private readonly pipeline: EdgePipeline,
    private readonly defaults: ViewerDefaults,
    private readonly log: AccessLog,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * Answers one viewer request. A fresh cache hit is answered and written before this returns;
   * anything that waits (a body, a Lambda@Edge function, the origin) returns a promise.
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    // Only the access log reads the start time.
    const started = this.log.enabled ? process.hrtime.bigint() : 0n;
    const requestId = newRequestId();
    const rawUrl = req.url ?? '/';
    if (rawUrl.startsWith(CONTROL_PREFIX)) return handleControl(this.pipeline, req, res, rawUrl, this.defaults.port());
    // Read from the raw list once; node's req.headers object is never built on this path.
    const notes: RawHeaderNotes = { hosts: 0, body: false, hooks: false };
    const viewerHeaders = headersFromRaw(req.rawHeaders, notes);
    // The edge location is picked on arrival, before the body is read, so round-robin follows arrival order.
    const pop = this.pickPop(notes.hooks ? joined(viewerHeaders, POP_HEADER) : undefined);
    const max = this.defaults.maxRequestBodyBytes;
    const declared = notes.body ? Number(headerValue(viewerHeaders, 'content-length') ?? 0) : 0;
    if (declared > max) return this.refuseBody(req, res, requestId);
    // The body is read only once the viewer-request functions let the request go on (a 401 is
    // answered while an upload is still arriving), and only up to the limit.
    let reading: Promise<Buffer> | undefined;
    // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 section
    // 6.3): nothing to wait for, so the stream is not read (most GETs, every cache hit).
    const bodyless = !notes.body;
    const body = bodyless ? undefined : (): Promise<Buffer> => (reading ??= readBody(req, max));
    const input = this.viewerInput(req, viewerHeaders, notes, rawUrl, pop, started, requestId);
    const p = this.answer(input, body);
    // Without a body nothing is left unread, though node marks the request complete only after this
    // event (a fresh hit is written before that).
    if (!(p instanceof Promise)) return this.respond(req, res, input, p, bodyless);
    return p.then(
      (q) => this.respond(req, res, input, q, bodyless || reading !== undefined),
      (e) => {
        if (!(e instanceof RequestBodyError)) throw e;
        if (e.tooLarge) return this.refuseBody(req, res, requestId);
        res.destroy();
      },
    );
  }

  /** Writes the answer (a conditional or range GET's form of it) and logs it. */
  private respond(req: http.IncomingMessage, res: http.ServerResponse, input: ViewerInput, p: Processed, noUnreadBody: boolean): void {
    // A body nobody read (the edge answered first) is not drained: the connection closes instead.
    if (!noUnreadBody && !req.complete) {
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroy());
    }
    let bytes = 0;
    let served: Processed | undefined;
    try {
      served = rangeForViewer(notModifiedForViewer(p, input.request), input.request);
      bytes = writeResponse(res, input.request.method, input.request, served, input.pop, input.requestId, this.pipeline.clock);
    } catch (e) {
      this.warn(`could not write the response to ${input.request.method} ${input.rawUrl}: ${e instanceof Error ? e.message : String(e)}`);
      res.destroy();
    }
    if (this.log.enabled) this.writeLog(req, input, p, served, bytes);
  }

  /** 413 for a body beyond the limit, as CloudFront refuses it; the rest of the upload is never read. */
  private refuseBody(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): void {
    const page = cloudFrontErrorPage(413, `Bad request: the request body exceeds ${this.defaults.maxRequestBodyBytes} bytes.`, requestId);
    res.writeHead(413, { 'content-type': 'text/html', 'content-length': page.body.length, server: 'CloudFront', 'x-cache': 'Error from cloudfront', connection: 'close' });
    res.end(page.body, () => req.socket.destroy());
  }

  private pickPop(hookPop: string | undefined): Pop {
    const pops = this.pipeline.pops;
    if (typeof hookPop === 'string') {
      const byIndex = /^\d+$/.test(hookPop) ? pops[Number(hookPop) % pops.length] : undefined;
      return byIndex ?? pops.find((p) => p.name === hookPop) ?? pops[0];
    }
    return pops[this.rr++ % pops.length];
  }

  /** `headers`: the viewer's, as read from the raw list; the steering headers are taken off them. */
  private viewerInput(req: http.IncomingMessage, headers: CfHeaders, notes: RawHeaderNotes, rawUrl: string, pop: Pop, started: bigint, requestId: string): ViewerInput {
    const hookCountry = notes.hooks ? joined(headers, VIEWER_COUNTRY_HOOK) : undefined;
    const country = (typeof hookCountry === 'string' ? hookCountry : this.defaults.viewerCountry).toUpperCase();
    const hookProto = notes.hooks ? joined(headers, VIEWER_PROTOCOL_HOOK) : undefined;
    const viewerProtocol = hookProto === 'http' || hookProto === 'https' ? hookProto : this.defaults.viewerProtocol;
    if (notes.hooks) for (const h of STEERING_HEADERS) if (h in headers) delete headers[h];
    const q = rawUrl.indexOf('?');
    let uri = q < 0 ? rawUrl : rawUrl.slice(0, q);
    // DefaultRootObject applies to the root URL only, never to subfolders (as in CloudFront).
    const root = this.pipeline.model.defaultRootObject;
    if (uri === '/' && root) uri = `/${root.replace(/^\/+/, '')}`;
    const querystring = q < 0 ? '' : rawUrl.slice(q + 1);
    const address = req.socket.remoteAddress ?? '127.0.0.1';
    const clientIp = address.startsWith('::ffff:') ? address.slice(7) : address;
    const method = req.method ?? 'GET';
    return { started, requestId, rawUrl, pop, country, viewerProtocol, request: { method, uri, querystring, headers, clientIp, body: NO_BODY }, notes };
  }

  /** CloudFront's answer to one viewer request, counted in the statistics; a promise only when something waits. */
  private answer(input: ViewerInput, body: (() => Promise<Buffer>) | undefined): Processed | Promise<Processed> {
    const { rawUrl, request: viewerReq, requestId, pop } = input;
    const stats = this.pipeline.stats;
    stats.viewerRequests++;
    const ps = (stats.byPop[pop.name] ??= { requests: 0, hits: 0 });
    ps.requests++;
    let p: Processed | Promise<Processed>;
    if (Buffer.byteLength(rawUrl) > MAX_URL_BYTES) {
      p = { response: cloudFrontErrorPage(413, `Bad request: the URL is longer than ${MAX_URL_BYTES} bytes.`, requestId), resultType: 'Error', request: viewerReq };
    } else if (!viewerReq.uri.startsWith('/') || input.notes.hosts > 1) {
      // Two Host fields: RFC 9112 section 3.2 requires a 400 (CloudFront does not document its answer).
      p = { response: cloudFrontErrorPage(400, 'Bad request.', requestId), resultType: 'Error', request: viewerReq };
    } else if (viewerReq.method === 'GET' && input.notes.body && declaresBody(viewerReq.headers)) {
      // "If a viewer GET request includes a body, CloudFront returns an HTTP status code 403 (Forbidden)
      // to the viewer" (Request and response behavior for custom origins / for Amazon S3 origins).
      p = { response: cloudFrontErrorPage(403, 'Bad request: a GET request may not include a body.', requestId), resultType: 'Error', request: viewerReq };
    } else {
      // A HEAD request's body (CloudFront documents none) is never read, so never forwarded.
      if (viewerReq.method === 'HEAD' && body) body = () => Promise.resolve(Buffer.alloc(0));
      p = this.processed(input, body);
    }
    return p instanceof Promise ? p.then((q) => this.counted(q, ps)) : this.counted(p, ps);
  }

  /** The pipeline's answer, with the distribution's custom error page; an internal error is a 502. */
  private processed(input: ViewerInput, body: (() => Promise<Buffer>) | undefined): Processed | Promise<Processed> {
    const { request: viewerReq, requestId, pop, viewerProtocol, country } = input;
    let p: Processed | Promise<Processed>;
    try {
      // The pipeline works on copies: the viewer's headers stay as sent for conditional and range GETs.
      p = this.pipeline.process(viewerReq, pop, requestId, viewerProtocol, country, body);
    } catch (e) {
      return this.internalError(e, input);
    }
    // Closures only where something waits: a fresh hit makes none.
    if (p instanceof Promise) return p.then((q) => this.withErrorPage(q, input), (e) => this.internalError(e, input));
    return this.withErrorPage(p, input);
  }

  private withErrorPage(p: Processed, input: ViewerInput): Processed | Promise<Processed> {
    if (!this.pipeline.hasCustomErrorPage(p.response.status)) return p;
    return this.pipeline.customErrorPage(p, input.pop, input.requestId, input.viewerProtocol, input.country).catch((e) => this.internalError(e, input));
  }

  /** A 502 for a failure of the local edge itself; a failed body read goes on to the caller. */
  private internalError(e: unknown, input: ViewerInput): Processed {
    if (e instanceof RequestBodyError) throw e;
    const viewerReq = input.request;
    this.warn(`internal error on ${viewerReq.method} ${input.rawUrl}: ${e instanceof Error ? e.stack : String(e)}`);
    return { response: cloudFrontErrorPage(502, 'Internal error in the local edge.', input.requestId), resultType: 'Error', request: viewerReq };
  }

  private counted(p: Processed, ps: { hits: number }): Processed {
    const stats = this.pipeline.stats;
    count(stats.results, p.resultType);
    if (p.behavior) count(stats.byBehavior[p.behavior.pathPattern].results, p.resultType);
    if (p.resultType === 'Hit' || p.resultType === 'RefreshHit') ps.hits++;
    return p;
  }

  /** One line in CloudFront's standard log format. */
  private writeLog(req: http.IncomingMessage, input: ViewerInput, p: Processed, served: Processed | undefined, bytes: number): void {
    const { request, viewerProtocol, rawUrl } = input;
    const headers = request.headers;
    const now = new Date(this.pipeline.clock.now()).toISOString();
    const seconds = Number(process.hrtime.bigint() - input.started) / 1e9;
    this.log.write({
      date: now.slice(0, 10),
      time: now.slice(11, 19),
      'x-edge-location': input.pop.name,
      'sc-bytes': bytes,
      'c-ip': request.clientIp,
      'cs-method': request.method,
      'cs(Host)': this.pipeline.ctxBase.distributionDomainName,
      'cs-uri-stem': request.uri,
      'sc-status': p.response.status,
      'cs(Referer)': getHeader(headers, 'referer'),
      'cs(User-Agent)': getHeader(headers, 'user-agent'),
      'cs-uri-query': request.querystring,
      'cs(Cookie)': getHeader(headers, 'cookie'),
      'x-edge-result-type': p.resultType,
      'x-edge-request-id': input.requestId,
      'x-host-header': getHeader(headers, 'host'),
      'cs-protocol': viewerProtocol,
      'cs-bytes': Number(req.headers['content-length'] ?? 0) + rawUrl.length,
      'time-taken': seconds.toFixed(3),
      'x-forwarded-for': getHeader(headers, 'x-forwarded-for'),
      'ssl-protocol': viewerProtocol === 'https' ? 'TLSv1.3' : undefined,
      'ssl-cipher': viewerProtocol === 'https' ? 'TLS_AES_128_GCM_SHA256' : undefined,
      'x-edge-response-result-type': p.resultType,
      'cs-protocol-version': `HTTP/${req.httpVersion}`,
      'c-port': req.socket.remotePort,
      'time-to-first-byte': seconds.toFixed(3),
      'x-edge-detailed-result-type': p.detailed ?? p.resultType,
      'sc-content-type': getHeader(p.response.headers, 'content-type'),
      'sc-content-len': bytes,
      'sc-range-start': served?.range?.[0],
      'sc-range-end': served?.range?.[1],
    });
  }
}

/** Whether the request carries a body: a non-zero Content-Length, or any Transfer-Encoding. */
function declaresBody(headers: EdgeRequest['headers']): boolean {
  if ((headers['transfer-encoding'] ?? []).length > 0) return true;
  return (headers['content-length'] ?? []).some((h) => h.value.trim() !== '0');
}

/** A header's values joined with ', ', as node's `req.headers` joins repeated custom headers. */
function joined(headers: CfHeaders, name: string): string | undefined {
  const list = headers[name];
  return list && list.length ? list.map((e) => e.value).join(', ') : undefined;
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.pause();
        reject(new RequestBodyError(true));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new RequestBodyError(false)));
    req.on('aborted', () => reject(new RequestBodyError(false)));
  });
}
