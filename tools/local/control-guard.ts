import type * as http from 'http';
import * as net from 'net';
import { CONTROL_HEADER } from './types';

/**
 * Whether `host` (a Host header) names this server: `localhost` or an IP literal, on the port it
 * listens on. Any other name is refused: a DNS-rebinding page reaches 127.0.0.1 under its own
 * domain name, and its requests carry that name.
 */
export function isOwnHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(host.trim());
  if (!m) return false;
  const name = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const hostPort = m[2] === undefined ? 80 : Number(m[2]);
  return hostPort === port && (name.toLowerCase() === 'localhost' || net.isIP(name) !== 0);
}

/**
 * Why a request to a control endpoint is refused, or undefined when it may go on: it must carry
 * CONTROL_HEADER (no cross-site page can, without a preflight), must not come from a page of
 * another origin (`Origin`, `Sec-Fetch-Site`), and must name this server in `Host`.
 */
export function controlRefusal(req: http.IncomingMessage, port: number): string | undefined {
  return (
    apiRefusal(req, port) ??
    (typeof req.headers[CONTROL_HEADER] !== 'string'
      ? `control requests must carry the ${CONTROL_HEADER} header (any value), e.g. curl -H '${CONTROL_HEADER}: 1'`
      : undefined)
  );
}

/** The local CloudFront API: signed SDK requests carry no Origin; a page's requests do, and are refused. */
export function apiRefusal(req: http.IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  if (!isOwnHost(host, port)) return `Host ${JSON.stringify(host ?? '')} is not this server; send requests to localhost or an IP address on port ${port}`;
  const origin = req.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, port)) return `requests from pages of another origin (${origin}) are refused`;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `requests from pages of another origin (Sec-Fetch-Site: ${site}) are refused`;
  return undefined;
}

function isOwnOrigin(origin: string, port: number): boolean {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && isOwnHost(u.host, port);
  } catch {
    return false;
  }
}
