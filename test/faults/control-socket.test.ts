// Fault matrix 7: the control socket under abuse — 1000 concurrent clients, slow-loris
// clients, oversized and invalid bodies, unknown paths, a client gone mid-reload — while a
// reload runs: the cycle completes, its result is kept, and the socket keeps answering.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { Load } from '../helpers/load.ts';
import { demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { recordFault } from './report.ts';

let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port, { readiness: { mode: 'settle', delayMs: 1000 } }));
});
after(() => master.cleanup());

function statusCode(method: string, path: string, body?: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ socketPath: master.socket, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

/** A client that sends half a request line and then nothing: it must be cut off. */
function slowLoris(): Promise<'closed by server'> {
  return new Promise((resolve) => {
    const socket = connect(master.socket, () => socket.write('GET /v1/status HTTP/1.1\r\nHost: x\r\n'));
    socket.on('error', () => undefined);
    socket.resume(); // read (and drop) the 408, or 'end' and 'close' never come
    socket.on('close', () => resolve('closed by server'));
  });
}

/** Starts a streamed reload; resolves once its cycle is in the start phase, with a way to vanish. */
function reloadThenVanish(reason: string): Promise<{ vanish: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath: master.socket, method: 'POST', path: '/v1/reload',
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (chunk.includes('"name":"start"')) resolve({ vanish: () => req.destroy() });
      });
      res.on('error', () => undefined);
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end(JSON.stringify({ reason }));
  });
}

test('7: 1000 clients, slow-loris, bad bodies and a client gone mid-reload', async (t) => {
  const load = new Load({ port, connections: 4, keepAlive: true, maxRequests: 1_000_000 }).start();
  await load.flowing();
  const loris = Array.from({ length: 20 }, slowLoris);
  const done = master.nextLog((l) => l.event === 'reload.ok' && l.reason === 'fault 7');
  const client = await reloadThenVanish('fault 7');
  const abuse = await Promise.all([
    ...Array.from({ length: 1000 }, () => statusCode('GET', '/v1/status')),
    statusCode('POST', '/v1/reload', Buffer.alloc(100 * 1024, 'x')),
    statusCode('POST', '/v1/reload', '{not json'),
    statusCode('GET', '/v1/../../etc/passwd'),
  ]);
  client.vanish();
  const finished = await done;
  assert.deepEqual(await Promise.all(loris), Array(20).fill('closed by server'));
  const summary = await load.stop();
  const statusOk = abuse.slice(0, 1000).filter((c) => c === 200).length;
  assert.equal(statusOk, 1000, 'every one of 1000 concurrent status requests was answered');
  assert.deepEqual(abuse.slice(1000), [413, 400, 404]);
  const status = await master.status();
  assert.equal(status.generation, finished.generation);
  assert.equal(status.lastResults[0]?.reason, 'fault 7', 'the vanished client\'s result is kept in status');
  assert.equal(status.lastResults[0]?.ok, true);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  recordFault(t, {
    fault: '7 control socket abuse', expected: 'cycle completes, result kept, socket answers',
    observed: `1000/1000 status answered; 413/400/404; 20 slow clients cut off; reload ok (generation ${finished.generation})`,
    failedRequests: summary.failed,
  });
});
