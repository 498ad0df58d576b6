// Fuzzing the control API's request parser (issue 6) against a real control server on a Unix
// socket: random methods, targets, headers, bodies and framings, pipelined and split anywhere,
// connections dropped mid-request, and slow clients. The server must answer every request it
// can parse with a well-formed response (a JSON error of the documented shape for a 4xx),
// call a handler only with a body its schema accepts, never hang, and keep serving.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { silentLogger } from '../../src/log.ts';
import { isCheckRequest, isErrorBody, isReloadRequest, isReloadResult } from '../../src/protocol/schemas.ts';
import { startControlServer, type ControlServer, type Route } from '../../src/protocol/server.ts';
import { encodeRequest, requestSpec, splitAt } from './control-requests.ts';
import { exchange, type RawResponse } from './http.ts';
import { fuzzParameters } from './params.ts';

const RESULT = { ok: true, generation: 2, configHash: 'a'.repeat(64), durationMs: 1, phases: [], reason: 'fuzz', startedAt: new Date(0).toISOString(), requests: 1 };
const DEADLINE_MS = 5_000;

const calls: { path: string; body: unknown }[] = [];
/** What the fuzzing reached, so that a property cannot pass by never getting past the parser. */
const seen = { statuses: new Set<number>(), handled: 0 };
const routes: Route[] = [
  { method: 'GET', path: '/v1/status', handle: async () => ({ ok: true }) },
  {
    method: 'POST', path: '/v1/reload', body: isReloadRequest,
    handle: async ({ body, event }) => {
      calls.push({ path: '/v1/reload', body });
      event({ event: 'phase', name: 'check' });
      return RESULT;
    },
  },
  {
    method: 'POST', path: '/v1/check', body: isCheckRequest,
    handle: async ({ body }) => {
      calls.push({ path: '/v1/check', body });
      return { ok: true, configHash: RESULT.configHash, durationMs: 1 };
    },
  },
];

let dir: string;
let server: ControlServer;

before(async () => {
  assert.ok(isReloadResult(RESULT), 'the fixed result is a valid reload result');
  dir = await mkdtemp(join(tmpdir(), 'hotcycle-fuzz-control-'));
  server = await startControlServer({ socketPath: join(dir, 'master.sock'), routes, logger: silentLogger() });
});
after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A well-formed answer: JSON (or NDJSON) for a route's answer, the error shape for a 4xx. */
function assertWellFormed(response: RawResponse): void {
  const { status, headers, body } = response;
  assert.notEqual(status, 500, `no input is an internal error: ${body.toString()}`);
  if (status < 200) return;
  const type = headers['content-type'] ?? '';
  const lines = type === 'application/x-ndjson' ? body.toString().trimEnd().split('\n') : [body.toString()];
  const values = lines.map((line) => JSON.parse(line) as unknown);
  if (status >= 400) {
    assert.equal(type, 'application/json');
    assert.ok(isErrorBody(values[0]), `the error shape: ${body.toString()}`);
    assert.equal(headers.connection, 'close', 'an error closes the connection');
  } else {
    assert.equal(status, 200);
  }
}

function assertHandlersSawValidBodies(): void {
  seen.handled += calls.length;
  for (const call of calls) {
    const valid = call.path === '/v1/reload' ? isReloadRequest(call.body) : isCheckRequest(call.body);
    assert.ok(valid, `a handler got a body its schema rejects: ${JSON.stringify(call)}`);
  }
  calls.length = 0;
}

async function assertServing(): Promise<void> {
  const request = Buffer.from('GET /v1/status HTTP/1.1\r\nHost: hotcycle\r\nConnection: close\r\n\r\n');
  const { responses } = await exchange(server.socketPath, [request], { deadlineMs: DEADLINE_MS });
  assert.equal(responses.length, 1);
  assert.equal(responses[0]?.status, 200);
  assert.deepEqual(JSON.parse(responses[0]?.body.toString() ?? ''), { ok: true });
}

describe('control server under fuzzing', () => {
  test('random, pipelined and split requests: well-formed answers, valid bodies only, still serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestSpec, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 4 }), async (specs, cuts) => {
        const bytes = Buffer.concat(specs.map(encodeRequest));
        const { responses } = await exchange(server.socketPath, splitAt(bytes, cuts), { deadlineMs: DEADLINE_MS });
        for (const response of responses) {
          seen.statuses.add(response.status);
          assertWellFormed(response);
        }
        assertHandlersSawValidBodies();
        await assertServing();
      }),
      fuzzParameters(0xc0_0001, 250),
    );
    // Every 4xx is the JSON error shape, Node's own parser rejections included (guards.ts).
    // (Bodies here stay small: the 413 path has its own tests in test/protocol/body.test.ts.)
    for (const status of [200, 400, 404, 405, 415]) assert.ok(seen.statuses.has(status), `some request got ${status}: ${[...seen.statuses].join(', ')}`);
    assert.ok(seen.handled >= 10, `handlers were reached (${seen.handled} calls)`);
  });

  test('a request target that is no URL is a 400, not an internal error', async () => {
    const request = Buffer.from('GET http://[ HTTP/1.1\r\nHost: hotcycle\r\n\r\n');
    const { responses } = await exchange(server.socketPath, [request], { deadlineMs: DEADLINE_MS });
    assert.equal(responses[0]?.status, 400);
    assert.equal((JSON.parse(responses[0]?.body.toString() ?? '') as { error: { code: string } }).error.code, 'EBADREQUEST');
  });

  test('connections dropped anywhere in a request: no crash, still serving', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpec, fc.nat(), async (spec, cut) => {
        const bytes = encodeRequest(spec);
        await exchange(server.socketPath, [bytes.subarray(0, cut % (bytes.length + 1))], { abort: true, deadlineMs: DEADLINE_MS });
        assertHandlersSawValidBodies();
        await assertServing();
      }),
      fuzzParameters(0xc0_0002, 100),
    );
  });

  test('slow clients are cut off by the header and request timeouts, and others are served meanwhile', async () => {
    const headers = slowClient('GET /v1/status HTTP/1.1\r\nHost: hotcycle\r\nX-Pad: ' + 'a'.repeat(100));
    const body = slowClient(`POST /v1/reload HTTP/1.1\r\nHost: hotcycle\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"reason":"${'a'.repeat(180)}`, 96);
    await assertServing();
    const [h, b] = await Promise.all([headers, body]);
    // headersTimeout 5 s and requestTimeout 10 s, checked every second.
    assert.ok(h.ms >= 4_500 && h.ms < 8_000, `headers cut off after ${h.ms} ms`);
    assert.match(h.answer, /^HTTP\/1\.1 408 /);
    assert.ok(b.ms >= 9_500 && b.ms < 13_000, `body cut off after ${b.ms} ms`);
    // Past its head, a request cut off mid-body gets its socket closed (Node writes no 408 then).
    assert.match(b.answer, /^$|^HTTP\/1\.1 408 /);
    assert.equal(calls.length, 0);
    await assertServing();
  });
});

/** Sends `text[0..fast)` at once, then one byte every 250 ms; resolves when the server closes. */
function slowClient(text: string, fast = 0): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(server.socketPath);
    let answer = '';
    let at = fast;
    socket.write(text.slice(0, fast));
    const drip = setInterval(() => {
      if (at < text.length && !socket.destroyed) socket.write(text[at++] ?? '');
    }, 250);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      resolve({ ms: Date.now() - started, answer });
    });
  });
}
