// The sidecar's HTTP port (`--listen`, default :9090): Prometheus text on /metrics and the
// probes the chart uses.
//   /startupz  the first version is published: the app container (started only after the
//              native sidecar's startup probe passes) finds a config in the live directory.
//   /healthz   the process answers and the source watcher runs.
//   /readyz    published and applied: the master runs what the live directory holds.
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HotcycleError } from '../../errors.ts';
import { armDeadline, createServerWithDeadlines, disarmDeadline } from '../../http-deadlines.ts';
import type { Registry } from 'prom-client';

export interface Probes {
  started(): boolean;
  healthy(): boolean;
  ready(): boolean;
}

export interface ProbeServer {
  readonly port: number;
  close(): Promise<void>;
}

/** `:9090`, `0.0.0.0:9090`, `[::1]:9090` → host (undefined: every address) and port. */
export function parseListen(text: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new HotcycleError('config', 'EUSAGE', `--listen takes [HOST]:PORT (e.g. :9090), not "${text}"`);
  const host = match[1] ?? match[2];
  return { host: host ? host : undefined, port };
}

export async function startProbeServer(listen: string, registry: Registry, probes: Probes): Promise<ProbeServer> {
  const { host, port } = parseListen(listen);
  const checks: Record<string, () => boolean> = { '/startupz': probes.started, '/healthz': probes.healthy, '/readyz': probes.ready };
  const server = createServerWithDeadlines({}, {
    headersMs: 5_000, requestMs: 10_000,
    onHeadersTimeout: (socket) => socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'),
  }, (req, res) => {
    // Probes and /metrics have no body: the request is whole once its head is.
    disarmDeadline(req.socket);
    res.once('finish', () => armDeadline(req.socket));
    const path = new URL(req.url ?? '/', 'http://sidecar').pathname;
    const probe = checks[path];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    if (probe) return send(res, probe() ? 200 : 503, probe() ? 'ok\n' : 'not yet\n');
    if (path !== '/metrics') return send(res, 404, 'not found\n');
    registry.metrics().then((text) => send(res, 200, text, registry.contentType), () => send(res, 500, 'metrics failed\n'));
  });
  await bindServer(server, host, port);
  let closed: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () => (closed ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function bindServer(server: Server, host: string | undefined, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
