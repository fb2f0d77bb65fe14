import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { CLI, cliFromSources } from '../tools/invalidate-moto-server';

/**
 * node's arguments to run `tiered-cdn ...args` from the TypeScript sources (`cliFromSources`: under
 * jest, the bundle the run built from them at its start, about a third of the CPU of a start through
 * tsx). The tests that are about bin/tiered-cdn.js itself, or about a command as the README writes
 * it, run the bin.
 */
export function cliArgs(args: readonly string[]): string[] {
  // process.argv as the bin would see it: [node, bin, ...args].
  return ['-e', cliFromSources(), CLI, ...args];
}

/** One word for a POSIX shell, quoted. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Synthesizes a small app into a temporary cdk.out and returns the folder. */
export function synthApp(build: (stack: Stack) => void, stackName = 'LocalEdgeTest'): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cdn-local-'));
  const app = new App({ outdir });
  const stack = new Stack(app, stackName, { env: { region: 'us-east-1' } });
  build(stack);
  app.synth();
  return outdir;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestOrigin {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type OriginHandler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/** A real HTTP origin on 127.0.0.1 that records every request it receives. */
export async function startOrigin(handler: OriginHandler): Promise<TestOrigin> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(r);
      Promise.resolve(handler(r, res)).catch((e) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request with node's http client: no automatic decompression, raw headers as the viewer sees them. */
export function request(url: string, opts: RequestOptions = {}): Promise<Reply> {
  return collect(http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }), opts.body);
}

/**
 * One request to the host and port of `base` whose path goes on the wire byte for byte (a URL
 * object would resolve dot segments and escape what it dislikes), with any Host header `opts` sets.
 */
export function requestPath(base: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return collect(http.request({ hostname, port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }), opts.body);
}

function collect(req: http.ClientRequest, body: string | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes, text: bytes.toString() });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The origin's answer for a test: status, headers and body. */
export function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
}
