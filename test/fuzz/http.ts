// A raw HTTP/1.1 client for fuzzing the control server: it writes exactly the bytes it is given
// (lying lengths, broken chunking, pipelined requests) and parses what comes back strictly, so
// a malformed answer is an error rather than something a forgiving client papers over.

import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Exchange {
  /** Every complete response, in order. */
  responses: RawResponse[];
  /** Bytes after the last complete response (must be none). */
  rest: Buffer;
}

/**
 * Connects, writes `parts` one event-loop turn apart (so the server's parser sees every
 * boundary), then half-closes, or destroys the socket when `abort`; resolves with what the
 * server sent once it closes. Rejects if the server has not closed within `deadlineMs`.
 */
export function exchange(socketPath: string, parts: readonly Buffer[], options: { abort?: boolean; deadlineMs: number }): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close within ${options.deadlineMs} ms after ${received.length} chunks`));
    }, options.deadlineMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined); // a reset after the server's answer is a close like any other
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(received)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.once('connect', () => void writeParts(socket, parts, options.abort ?? false));
  });
}

async function writeParts(socket: import('node:net').Socket, parts: readonly Buffer[], abort: boolean): Promise<void> {
  for (const part of parts) {
    if (socket.destroyed) return;
    socket.write(part);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (abort) socket.destroy();
  else socket.end();
}

/** Strict parser for a sequence of responses; throws on anything that is not HTTP/1.1. */
export function parseResponses(data: Buffer): Exchange {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`a truncated response head: ${JSON.stringify(data.subarray(at, at + 200).toString('latin1'))}`);
    const [statusLine = '', ...lines] = data.subarray(at, end).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine);
    if (!status) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const header = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!header) throw new Error(`not a header line: ${JSON.stringify(line)}`);
      headers[(header[1] ?? '').toLowerCase()] = header[2] ?? '';
    }
    const code = Number(status[1]);
    // 1xx, 204 and 304 have no body, whatever their headers say.
    const [body, next] = code < 200 || code === 204 || code === 304 ? [Buffer.alloc(0), end + 4] : readBody(data, end + 4, headers);
    responses.push({ status: code, headers, body });
    at = next;
  }
  return { responses, rest: data.subarray(at) };
}

function readBody(data: Buffer, start: number, headers: Record<string, string>): [Buffer, number] {
  if (headers['transfer-encoding'] === 'chunked') {
    const chunks: Buffer[] = [];
    for (let at = start; ;) {
      const lineEnd = data.indexOf('\r\n', at);
      const size = lineEnd < 0 ? NaN : parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
      if (!Number.isInteger(size) || lineEnd + 2 + size + 2 > data.length) throw new Error('a truncated or malformed chunked body');
      if (size === 0) return [Buffer.concat(chunks), lineEnd + 4];
      chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (!Number.isInteger(length) || start + length > data.length) throw new Error(`a body shorter than its content-length ${length}`);
    return [data.subarray(start, start + length), start + length];
  }
  // No framing: only a response the server closes after (Node's own parser errors) may do this.
  if (headers.connection !== 'close') throw new Error('an unframed body on a connection that stays open');
  return [data.subarray(start), data.length];
}
