// What protects a control socket from its clients, apart from the route checks:
//   - a deadline per connection: the whole request must arrive within 10 s (Node's own
//     headersTimeout/requestTimeout run on a timer and are kept as a second line);
//   - requests Node's parser refuses (malformed, headers too large, too slow, `Expect:`)
//     answered with the same JSON error shape as every other 4xx, then closed.
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorInfo } from '../errors.ts';

export const REQUEST_DEADLINE_MS = 10_000;
const deadlines = new WeakMap<Socket, NodeJS.Timeout>();

export function armDeadline(socket: Socket): void {
  disarmDeadline(socket);
  deadlines.set(socket, setTimeout(() => socket.destroy(), REQUEST_DEADLINE_MS).unref());
}

export function disarmDeadline(socket: Socket): void {
  clearTimeout(deadlines.get(socket));
  deadlines.delete(socket);
}

export function guard(server: Server): void {
  server.headersTimeout = 5_000;
  server.requestTimeout = REQUEST_DEADLINE_MS;
  server.on('connection', (socket: Socket) => armDeadline(socket));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const [status, code] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'ETOOLARGE']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'ETIMEOUT'] : [400, 'EBADREQUEST'];
    answerRaw(socket, status, { phase: 'control', code, message: `malformed or incomplete request: ${error.code ?? error.message}` });
  });
  server.on('checkExpectation', (req, res) => {
    req.resume();
    const body = JSON.stringify({ error: { phase: 'control', code: 'EBADREQUEST', message: `unsupported Expect: ${req.headers.expect}` } });
    res.writeHead(417, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
}

function answerRaw(socket: Socket, status: number, error: ErrorInfo): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
