// A client for the control sockets: HTTP/1.1 over a Unix socket, JSON in and out,
// every answer checked against its schema. Failures are HotcycleErrors in phase
// `control` whose message says what to do (is the master running? which socket?).
import { request, type IncomingMessage } from 'node:http';
import { HotcycleError, osErrorCode, UnreachableError } from '../errors.ts';
import { isErrorBody } from './schemas.ts';
import type { Check } from './validate.ts';

export interface CallOptions<T> {
  socketPath: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  expect: Check<T>;
  /** For NDJSON streams: called with each line before the final value. */
  onEvent?: (event: unknown) => void;
  timeoutMs?: number;
}

export async function call<T>(options: CallOptions<T>): Promise<T> {
  const response = await send(options);
  const lines = await readBody(response, options.onEvent);
  const value = lines.at(-1);
  // An error can also end a stream that had already started with 200 (e.g. shutting down).
  if (isErrorBody(value)) {
    throw new HotcycleError(value.error.phase, value.error.code, value.error.message, { detail: value.error.detail });
  }
  if (response.statusCode !== 200) {
    throw new HotcycleError('control', 'EPROTOCOL', `${options.path} answered HTTP ${response.statusCode} without an error body`);
  }
  if (!options.expect(value)) {
    throw new HotcycleError('control', 'EPROTOCOL', `${options.path} answered with an unexpected body`, { detail: options.expect.errors() });
  }
  return value;
}

function send(options: CallOptions<unknown>): Promise<IncomingMessage> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath: options.socketPath,
      method: options.method,
      path: options.path,
      headers: {
        host: 'hotcycle',
        accept: options.onEvent ? 'application/x-ndjson' : 'application/json',
        ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
      },
      // A connection of its own: the global agent's 5 s socket timeout would cut off a reload
      // whose ready phase takes longer. Only a caller's explicit timeout applies.
      agent: false,
    }, resolve);
    if (options.timeoutMs !== undefined) {
      const { timeoutMs } = options;
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    }
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(options.socketPath, error)));
    req.end(payload);
  });
}

async function readBody(response: IncomingMessage, onEvent?: (event: unknown) => void): Promise<unknown[]> {
  const values: unknown[] = [];
  let pending = '';
  const take = (line: string) => {
    if (!line.trim()) return;
    const value: unknown = JSON.parse(line);
    values.push(value);
    onEvent?.(value);
  };
  response.setEncoding('utf8');
  try {
    for await (const chunk of response) {
      const parts = (pending + String(chunk)).split('\n');
      pending = parts.pop() ?? '';
      parts.forEach(take);
    }
    take(pending);
  } catch (error) {
    throw new HotcycleError('control', 'EPROTOCOL', 'the control socket sent a body that is not JSON', { cause: error });
  }
  return values;
}

function connectionError(socketPath: string, error: NodeJS.ErrnoException): HotcycleError {
  const hints: Record<string, string> = {
    ENOENT: 'no socket there: is it running, and is --socket right?',
    ECONNREFUSED: 'nothing listens there: the process that made it has exited',
    EACCES: 'permission denied: run as the socket owner or a member of its group',
    EAGAIN: 'its queue of pending connections is full (overloaded); try again',
  };
  const hint = hints[error.code ?? ''] ?? error.message;
  return new UnreachableError('control', osErrorCode(error) ?? 'ECONNECT', `cannot reach ${socketPath}: ${hint}`, { cause: error });
}
