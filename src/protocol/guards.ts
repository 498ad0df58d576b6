// What protects a control socket from its clients, apart from the route checks:
//   - deadlines per connection (../http-deadlines.ts): the request head within 5 s (else 408),
//     the whole request within 10 s (else the socket is closed);
//   - requests Node's parser refuses (malformed, headers too large, `Expect:`) and heads that
//     came too late answered with the same JSON error shape as every other 4xx, then closed.
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorInfo } from '../errors.ts';
import type { Deadlines } from '../http-deadlines.ts';

export const REQUEST_DEADLINE_MS = 10_000;
const HEADERS_DEADLINE_MS = 5_000;

export const CONTROL_DEADLINES: Deadlines = {
  headersMs: HEADERS_DEADLINE_MS, requestMs: REQUEST_DEADLINE_MS,
  onHeadersTimeout: (socket) => answerRaw(socket, 408, { phase: 'control', code: 'ETIMEOUT', message: `the request head did not arrive within ${HEADERS_DEADLINE_MS} ms` }),
};

export function guard(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    answerRaw(socket, status, { phase: 'control', code: status === 431 ? 'ETOOLARGE' : 'EBADREQUEST', message: `malformed or incomplete request: ${error.code ?? error.message}` });
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
