import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import { openAccessLog } from './access-log';
import * as fs from 'fs';
import { readDistribution } from './assembly';
import { FunctionCodeError } from './cf-function';
import { FunctionRunner, formatLanguageReport } from './cf-function-runner';
import { LocalKeyValueStore } from './kvs';
import type { DistributionModel } from './model';
import { CacheTier } from './cache';
import { type Clock, RealClock, VirtualClock } from './clock';
import { captureEdgeConsole, runtimeMismatch } from './edge-functions';
import { cloudFrontErrorPage, reason } from './errors';
import { routedDomains, resolveOriginMap, warnUnmappedOrigins } from './origin-map';
import { EdgePipeline } from './pipeline';
import { HEADERS_TIMEOUT_MS, hex, type LocalEdge, LocalEdgeError, type LocalEdgeOptions, MAX_REQUEST_BODY_BYTES, MAX_REQUEST_HEADER_BYTES, newRequestId, type Pop } from './types';
import { ViewerEndpoint } from './viewer-request';
import { apiRefusal } from './control-guard';
import { CloudFrontInvalidationApi } from './cloudfront-api';
import { KeyValueStoreApi } from './kvs-api';

export {
  CONTROL_HEADER,
  CONTROL_PREFIX,
  LocalEdgeError,
  MAX_REQUEST_HEADER_BYTES,
  MAX_URL_BYTES,
  POP_HEADER,
  VIEWER_COUNTRY_HOOK,
  VIEWER_PROTOCOL_HOOK,
} from './types';
export type { BehaviorStats, LocalEdge, LocalEdgeOptions, LocalEdgeStats } from './types';
export { routedDomains } from './origin-map';

const POP_CODES = ['IAD89-C1', 'FRA56-P3', 'NRT57-P2', 'GRU3-C1', 'SYD62-P1', 'BOM78-P4', 'CDG52-P1', 'LHR61-P5', 'SIN2-P1', 'SFO53-P2'];

/** Calls `onChange` once a synth has finished rewriting the assembly (its manifest.json), debounced. */
function watchAssembly(appDir: string, onChange: () => void): fs.FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  const w = fs.watch(appDir, (_event, file) => {
    if (file && file !== 'manifest.json' && !String(file).endsWith('.template.json')) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, 200);
    timer.unref();
  });
  w.unref();
  return w;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new LocalEdgeError(`port ${port} on ${host} is already in use: stop what listens there, or pass --port N (0 picks a free port)`));
      else if (err.code === 'EACCES') reject(new LocalEdgeError(`no permission to listen on port ${port}: use a port above 1023, or --port 0`));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Answers what Node's HTTP parser refused (oversized request line or headers, malformed requests) as CloudFront does. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW' || err.code === 'HPE_URI_TOO_LONG';
  const tooSlow = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = tooLarge ? 413 : tooSlow ? 408 : 400;
  const detail = tooLarge ? `Bad request: the request line and headers exceed ${MAX_REQUEST_HEADER_BYTES} bytes.` : tooSlow ? 'The request headers did not arrive in time.' : 'Bad request.';
  const page = cloudFrontErrorPage(status, detail, newRequestId());
  socket.write(
    `HTTP/1.1 ${status} ${reason(status)}\r\nServer: CloudFront\r\nContent-Type: text/html\r\nContent-Length: ${page.body.length}\r\nX-Cache: Error from cloudfront\r\nConnection: close\r\n\r\n`,
  );
  socket.end(page.body);
}

/** The CloudFront invalidation API of the local edge, on its own port as CloudFront's API has its own host. */
async function startCloudFrontApi(pipeline: EdgePipeline, host: string, options: LocalEdgeOptions, sockets: Set<Socket>): Promise<{ server: http.Server; port: number }> {
  const seconds = options.invalidationSeconds ?? 1;
  if (!Number.isFinite(seconds) || seconds < 0) throw new LocalEdgeError(`--invalidation-seconds must be a number >= 0, got: ${options.invalidationSeconds}`);
  const api = new CloudFrontInvalidationApi(pipeline.ctxBase.distributionId, (items) => pipeline.invalidate(items), seconds);
  return startApiServer((req, body, res) => api.handle(req, body, res), host, options.cloudfrontPort ?? 0, sockets);
}

/** The KeyValueStore data-plane API of the local edge's stores, on its own port as CloudFront's has its own host. */
async function startKeyValueStoreApi(pipeline: EdgePipeline, host: string, port: number, sockets: Set<Socket>): Promise<{ server: http.Server; port: number }> {
  const api = new KeyValueStoreApi(() => pipeline.functions.stores.values());
  return startApiServer((req, body, res) => api.handle(req, body, res), host, port, sockets);
}

/**
 * One of the local edge's API servers (CloudFront invalidations, KeyValueStore): like the control
 * endpoints it answers no page of another origin and no DNS-rebound name, since either API changes
 * what the edge serves (what is cached, which variant a new viewer gets).
 */
async function startApiServer(
  handle: (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void,
  host: string,
  requestedPort: number,
  sockets: Set<Socket>,
): Promise<{ server: http.Server; port: number }> {
  let port = 0;
  const server = http.createServer((req, res) => {
    const refused = apiRefusal(req, port);
    if (refused) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: refused }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen(server, requestedPort, host);
  port = (server.address() as AddressInfo).port;
  return { server, port };
}

/** The viewer-facing HTTP server, with CloudFront's header limits and the connections it holds (closed on `close`). */
function viewerServer(viewers: ViewerEndpoint, headersTimeout: number, warn: (message: string) => void): { server: http.Server; sockets: Set<Socket> } {
  const serverOptions: http.ServerOptions = {
    maxHeaderSize: MAX_REQUEST_HEADER_BYTES,
    keepAliveTimeout: 5000,
    // Slow header senders (slowloris) are answered 408 and cut off; Node checks every interval.
    headersTimeout,
    requestTimeout: 0,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
  const failed = (res: http.ServerResponse, e: unknown) => {
    warn(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
    if (!res.headersSent) res.writeHead(502);
    res.end();
  };
  const server = http.createServer(serverOptions, (req, res) => {
    // A fresh hit is written before handle returns; other requests finish later.
    try {
      viewers.handle(req, res)?.catch((e) => failed(res, e));
    } catch (e) {
      failed(res, e);
    }
  });
  server.on('clientError', answerClientError);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { server, sockets };
}

/** Starts a local CloudFront edge that runs the distribution of a cloud assembly (or a given model). */
export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const read = () => readDistribution(options.app ?? 'cdk.out', options.stack, { kvsFiles: options.kvsFiles });
  const model = options.distribution ?? read();
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`tiered-cdn local: ${m}\n`));
  const originMap = resolveOriginMap(model, options.origins ?? {}, routedDomains(model), warn);
  const loadFunctions = (m: DistributionModel, stores?: FunctionRunner['stores']) => {
    try {
      return new FunctionRunner(m, { budgetMs: options.functionBudgetMs, onLog: options.onFunctionLog ?? ((l) => process.stderr.write(`tiered-cdn local: ${l}\n`)) }, stores);
    } catch (e) {
      if (e instanceof FunctionCodeError) throw new LocalEdgeError(e.message);
      throw e;
    }
  };
  warnUnmappedOrigins(model, originMap, warn);
  const mismatches = new Set(model.behaviors.flatMap((b) => Object.values(b.edgeFunctions).map((fn) => runtimeMismatch(fn!))));
  for (const m of mismatches) if (m) warn(m);
  const popCount = options.pops ?? 1;
  if (!Number.isInteger(popCount) || popCount < 1 || popCount > 64) throw new LocalEdgeError(`--pops must be an integer from 1 to 64, got: ${options.pops}`);
  const clock: Clock & { advance?(s: number): number } = options.clock === 'virtual' ? new VirtualClock() : new RealClock();
  const pops: Pop[] = Array.from({ length: popCount }, (_, i) => {
    const name = i < POP_CODES.length ? POP_CODES[i] : `LCL${i + 1}-P1`;
    return { name, cache: new CacheTier(name, clock), viaId: hex(`via-${name}`, 16) };
  });
  const pipeline = new EdgePipeline(model, clock, pops, originMap, warn, loadFunctions(model));
  for (const r of pipeline.functions.languageReports()) warn(formatLanguageReport(r));
  captureEdgeConsole(pipeline.handlers, options.onEdgeLog ?? ((line, fn) => process.stderr.write(`tiered-cdn local: ${fn}: ${line}\n`)));
  /**
   * Reads the assembly again and swaps behaviors, policies and functions in; caches and key value
   * store contents stay, as they do across a CloudFront deployment. On an error the running
   * configuration stays and the error is returned.
   */
  const reload = (): { ok: true } | { ok: false; error: string } => {
    if (options.distribution) return { ok: false, error: 'this local edge runs a distribution model given in code, not an assembly' };
    try {
      const next = read();
      const nextMap = resolveOriginMap(next, options.origins ?? {}, routedDomains(next));
      // Stores that still exist keep what the data-plane API wrote; a new store starts from its import source.
      const old = pipeline.functions.stores;
      const stores = new Map(Object.values(next.keyValueStores ?? {}).map((s) => [s.logicalId, old.get(s.logicalId) ?? new LocalKeyValueStore(s)]));
      const functions = loadFunctions(next, stores);
      pipeline.model = next;
      pipeline.originMap = nextMap;
      pipeline.functions = functions;
      pipeline.stats.functions = functions.stats;
      return { ok: true };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  };
  const watcher =
    options.watch && !options.distribution
      ? watchAssembly(options.app ?? 'cdk.out', () => {
          const r = reload();
          const m = pipeline.model;
          if (r.ok) warn(`reloaded ${m.stackName}/${m.logicalId} from ${options.app ?? 'cdk.out'}: ${m.behaviors.length} behaviors, ${pipeline.functions.functionCount} CloudFront Functions`);
          if (r.ok) for (const l of pipeline.functions.languageReports()) warn(formatLanguageReport(l));
          else warn(`kept the running configuration: ${r.error}`);
          options.onReload?.(r);
        })
      : undefined;
  const log = openAccessLog(options.log);
  let port = 0;
  const viewers = new ViewerEndpoint(
    pipeline,
    {
      viewerCountry: options.viewerCountry ?? 'US',
      viewerProtocol: options.viewerProtocol ?? 'https',
      port: () => port,
      maxRequestBodyBytes: options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES,
    },
    log,
    warn,
  );

  const { server, sockets } = viewerServer(viewers, options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, warn);
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 8080, host);
  port = (server.address() as AddressInfo).port;
  const api = await startCloudFrontApi(pipeline, host, options, sockets);
  const kvsApi = await startKeyValueStoreApi(pipeline, host, options.kvsPort ?? 0, sockets);
  const urlOf = (p: number) => `http://${host.includes(':') ? `[${host}]` : host}:${p}`;

  return {
    url: urlOf(port),
    port,
    cloudfrontEndpoint: urlOf(api.port),
    kvsEndpoint: urlOf(kvsApi.port),
    distributionId: pipeline.ctxBase.distributionId,
    get distribution() {
      return pipeline.model;
    },
    reload,
    pops: pops.map((p) => p.name),
    clock,
    get stats() {
      return pipeline.stats;
    },
    get functionLanguage() {
      return pipeline.functions.languageReports();
    },
    resetStats: () => pipeline.resetStats(),
    invalidate: (paths) => pipeline.invalidate(paths),
    async settle() {
      await Promise.all(pipeline.allTiers().map((t) => t.settle()));
    },
    async close() {
      watcher?.close();
      await Promise.all(pipeline.allTiers().map((t) => t.settle()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await new Promise<void>((resolve) => api.server.close(() => resolve()));
      await new Promise<void>((resolve) => kvsApi.server.close(() => resolve()));
      pipeline.agents.http.destroy();
      pipeline.agents.https.destroy();
      await log.close();
    },
  };
}
