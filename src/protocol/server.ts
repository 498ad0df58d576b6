// The control server both sockets use: HTTP/1.1 on a Unix socket, a route table,
// JSON bodies checked by ajv, size and time limits, and one error shape. Handlers
// never see a malformed request, and a bad request never reaches the cycle.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { HotcycleError, toErrorInfo, type ErrorCode } from '../errors.ts';
import { armDeadline, createServerWithDeadlines, disarmDeadline } from '../http-deadlines.ts';
import type { Logger } from '../log.ts';
import { readCapped, readJson } from './body.ts';
import { peerOf } from './peer.ts';
import { CONTROL_DEADLINES, guard } from './guards.ts';
import { prepareSocketPath, removeSocket } from './socket-path.ts';
import type { Check } from './validate.ts';

const ACCEPT_BACKLOG = 1024;

export interface RequestContext {
  body: unknown;
  /** True when the client asked for `application/x-ndjson`: events as they happen. */
  streaming: boolean;
  /** Writes one NDJSON line (streaming only). */
  event: (value: unknown) => void;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  body?: Check<unknown>;
  handle: (ctx: RequestContext) => Promise<unknown>;
}

export interface ControlServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

export async function startControlServer(options: { socketPath: string; routes: readonly Route[]; logger: Logger }): Promise<ControlServer> {
  const { socketPath, routes, logger } = options;
  const server = createServerWithDeadlines({ maxHeaderSize: 8192 }, CONTROL_DEADLINES, (req, res) => {
    if (req.method !== 'GET') {
      const peer = peerOf(req.socket);
      logger.info(`control ${req.method ?? '?'} ${req.url ?? ''}`, { event: 'control.request', peerPid: peer?.pid, peerUid: peer?.uid });
    }
    void serve(routes, req, res).catch((error: unknown) => {
      const info = toErrorInfo(error, 'control');
      logger.error('control request failed', { event: 'control.error', method: req.method, path: req.url, ...info });
      reply(res, statusFor(error), { error: info });
    });
  });
  guard(server);
  await prepareSocketPath(socketPath);
  await listen(server, socketPath);
  logger.info('control socket listening', { event: 'control.listening', socket: socketPath });
  let closed: Promise<void> | undefined;
  return {
    socketPath,
    close: () => (closed ??= closeServer(server, socketPath)),
  };
}

async function serve(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A request target that is no URL (`http://[`) is the client's mistake, not an internal error.
  const path = URL.parse(req.url ?? '/', 'http://hotcycle')?.pathname;
  if (path === undefined) {
    await readCapped(req, 0);
    throw new HotcycleError('control', 'EBADREQUEST', `not a valid request target: ${req.url ?? ''}`);
  }
  const matches = routes.filter((r) => r.path === path);
  const route = matches.find((r) => r.method === req.method);
  if (!route) {
    await readCapped(req, 0);
    if (matches.length === 0) throw new HotcycleError('control', 'ENOTFOUND', `no such endpoint: ${path}`);
    res.setHeader('allow', matches.map((r) => r.method).join(', '));
    throw new HotcycleError('control', 'EMETHOD', `${req.method ?? '?'} is not allowed on ${path}`);
  }
  const body = route.method === 'POST' ? await readJson(req) : undefined;
  // The request has arrived: the answer (a reload) may take as long as it takes. The next
  // request on this keep-alive connection gets a fresh deadline.
  disarmDeadline(req.socket);
  res.once('finish', () => armDeadline(req.socket));
  if (route.body && !route.body(body)) {
    throw new HotcycleError('control', 'EBADREQUEST', `invalid request body for ${path}`, { detail: route.body.errors() });
  }
  const streaming = (req.headers.accept ?? '').includes('application/x-ndjson');
  if (streaming) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const event = (value: unknown) => {
    if (streaming && !res.writableEnded) res.write(JSON.stringify(value) + '\n');
  };
  const result = await route.handle({ body, streaming, event });
  if (streaming) res.end(JSON.stringify(result) + '\n');
  else reply(res, 200, result);
}

const STATUS: Readonly<Partial<Record<ErrorCode, number>>> = {
  ENOTFOUND: 404, EMETHOD: 405, EBADREQUEST: 400, ETOOLARGE: 413, EMEDIATYPE: 415, ESHUTTINGDOWN: 503, EBUSY: 503,
};

function statusFor(error: unknown): number {
  return error instanceof HotcycleError ? STATUS[error.code] ?? 500 : 500;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    // A stream already started: the error becomes its last line.
    if (!res.writableEnded) res.end(JSON.stringify(body) + '\n');
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(status >= 400 ? { connection: 'close' } : {}) });
  res.end(text);
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // The socket is created 0660 (umask 0117 at bind time): only its owner and group connect.
    const umask = process.umask(0o117);
    try {
      // A deep accept queue: a burst of clients (probes, scripts) waits instead of getting
      // EAGAIN, which a Unix socket answers at once when its queue is full.
      server.listen({ path: socketPath, backlog: ACCEPT_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

async function closeServer(server: Server, socketPath: string): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await removeSocket(socketPath);
}
