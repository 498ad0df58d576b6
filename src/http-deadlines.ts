// Request deadlines for hotcycle's HTTP servers (the control sockets, the sidecar's probes), kept on
// each connection's own timers. Node enforces headersTimeout and requestTimeout by scanning every
// connection on an interval (connectionsCheckingInterval) that runs even when there is none, so an
// idle master woke every second for nothing (issue 13). Instead:
//   (1) on connect, the request head must arrive within `headersMs`, else `onHeadersTimeout`
//       answers (408) and closes (a later request on a kept-alive connection has (2) only; an idle
//       one is closed by the server's keepAliveTimeout first);
//   (2) on connect, the whole request must arrive within `requestMs`, else the socket is destroyed;
//       a server that has the whole request disarms (2) while it works on the answer, and arms it
//       again for the next request once the answer is sent;
//   (3) when the connection closes both are cleared: a closed connection never wakes the process.
// Node's own checker cannot be removed: it is given nothing to check and the longest period a
// timer allows (24.8 days).
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface Deadlines {
  headersMs: number;
  requestMs: number;
  /** Answers a request whose head did not arrive in time; the socket is closed after it. */
  onHeadersTimeout(socket: Socket): void;
}

const requestTimers = new WeakMap<Socket, { ms: number; timer?: NodeJS.Timeout }>();

/** node:http's createServer with Node's own checker off and the deadlines above on every connection. */
export function createServerWithDeadlines(options: ServerOptions, deadlines: Deadlines, listener: RequestListener): Server {
  const server = createServer({ ...options, headersTimeout: 0, requestTimeout: 0, connectionsCheckingInterval: LONGEST_TIMER_MS }, listener);
  const heads = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    heads.set(socket, setTimeout(() => deadlines.onHeadersTimeout(socket), deadlines.headersMs).unref()); // (1)
    requestTimers.set(socket, { ms: deadlines.requestMs });
    armDeadline(socket); // (2)
    socket.once('close', () => { // (3)
      clearTimeout(heads.get(socket));
      disarmDeadline(socket);
    });
  });
  server.on('request', (req: { socket: Socket }) => clearTimeout(heads.get(req.socket)));
  return server;
}

/** (2) The next request on `socket` must arrive whole within the server's `requestMs`. */
export function armDeadline(socket: Socket): void {
  const entry = requestTimers.get(socket);
  if (!entry || socket.destroyed) return;
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => socket.destroy(), entry.ms).unref();
}

/** (2) The request on `socket` has arrived whole: no deadline while the server answers it. */
export function disarmDeadline(socket: Socket): void {
  const entry = requestTimers.get(socket);
  if (entry) clearTimeout(entry.timer);
}
