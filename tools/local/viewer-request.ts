import type * as http from 'http';
import type { AccessLog } from './access-log';
import { handleControl } from './control';
import { cloudFrontErrorPage } from './errors';
import { type EdgeRequest, cloneHeaders, getHeader, headersFromRaw } from './http-types';
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

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = newRequestId();
    const rawUrl = req.url ?? '/';
    if (rawUrl.startsWith(CONTROL_PREFIX)) return handleControl(this.pipeline, req, res, rawUrl);
    // The edge location is picked on arrival, before the body is read, so round-robin follows arrival order.
    const pop = this.pickPop(req);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    const input = this.viewerInput(req, rawUrl, body, pop, started, requestId);
    const p = await this.answer(input);
    let bytes = 0;
    let served: Processed | undefined;
    try {
      served = rangeForViewer(notModifiedForViewer(p, input.request), input.request);
      bytes = writeResponse(res, input.request.method, input.request, served, input.pop, requestId, this.pipeline.clock);
    } catch (e) {
      this.warn(`could not write the response to ${input.request.method} ${rawUrl}: ${e instanceof Error ? e.message : String(e)}`);
      res.destroy();
    }
    if (this.log.enabled) this.writeLog(req, input, p, served, bytes);
  }

  private pickPop(req: http.IncomingMessage): Pop {
    const pops = this.pipeline.pops;
    const hookPop = req.headers[POP_HEADER];
    if (typeof hookPop === 'string') {
      const byIndex = /^\d+$/.test(hookPop) ? pops[Number(hookPop) % pops.length] : undefined;
      return byIndex ?? pops.find((p) => p.name === hookPop) ?? pops[0];
    }
    return pops[this.rr++ % pops.length];
  }

  private viewerInput(req: http.IncomingMessage, rawUrl: string, body: Buffer, pop: Pop, started: bigint, requestId: string): ViewerInput {
    const hookCountry = req.headers[VIEWER_COUNTRY_HOOK];
    const country = (typeof hookCountry === 'string' ? hookCountry : this.defaults.viewerCountry).toUpperCase();
    const hookProto = req.headers[VIEWER_PROTOCOL_HOOK];
    const viewerProtocol = hookProto === 'http' || hookProto === 'https' ? hookProto : this.defaults.viewerProtocol;
    const headers = headersFromRaw(req.rawHeaders);
    for (const h of [POP_HEADER, VIEWER_COUNTRY_HOOK, VIEWER_PROTOCOL_HOOK]) delete headers[h];
    const q = rawUrl.indexOf('?');
    let uri = q < 0 ? rawUrl : rawUrl.slice(0, q);
    // DefaultRootObject applies to the root URL only, never to subfolders (as in CloudFront).
    const root = this.pipeline.model.defaultRootObject;
    if (uri === '/' && root) uri = `/${root.replace(/^\/+/, '')}`;
    const querystring = q < 0 ? '' : rawUrl.slice(q + 1);
    const clientIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const method = req.method ?? 'GET';
    return { started, requestId, rawUrl, pop, country, viewerProtocol, request: { method, uri, querystring, headers, clientIp, body } };
  }

  /** CloudFront's answer to one viewer request, counted in the statistics. */
  private async answer(input: ViewerInput): Promise<Processed> {
    const { rawUrl, request: viewerReq, requestId, pop, viewerProtocol, country } = input;
    const stats = this.pipeline.stats;
    stats.viewerRequests++;
    const ps = (stats.byPop[pop.name] ??= { requests: 0, hits: 0 });
    ps.requests++;
    let p: Processed;
    if (Buffer.byteLength(rawUrl) > MAX_URL_BYTES) {
      p = { response: cloudFrontErrorPage(413, `Bad request: the URL is longer than ${MAX_URL_BYTES} bytes.`, requestId), resultType: 'Error', request: viewerReq };
    } else if (!viewerReq.uri.startsWith('/')) {
      p = { response: cloudFrontErrorPage(400, 'Bad request.', requestId), resultType: 'Error', request: viewerReq };
    } else {
      try {
        p = await this.pipeline.processRequest({ ...viewerReq, headers: cloneHeaders(viewerReq.headers) }, pop, requestId, viewerProtocol, country);
        if (p.response.status >= 400) p = await this.pipeline.customErrorPage(p, pop, requestId, viewerProtocol, country);
      } catch (e) {
        this.warn(`internal error on ${viewerReq.method} ${rawUrl}: ${e instanceof Error ? e.stack : String(e)}`);
        p = { response: cloudFrontErrorPage(502, 'Internal error in the local edge.', requestId), resultType: 'Error', request: viewerReq };
      }
    }
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
      'cs-bytes': request.body.length + rawUrl.length,
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

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
