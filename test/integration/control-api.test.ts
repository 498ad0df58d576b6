// Acceptance (engine) 8: malformed, oversized and unknown-path control requests get a 4xx
// JSON error and never disturb a running cycle; the socket is 0660, a stale socket file is
// replaced, and a live one is never stolen.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
let master: MasterProcess;
let gateDir: string;
let gate: string;

before(async () => {
  // Workers start only while the gate file exists (outside the config, which each generation
  // runs a frozen copy of): with it gone, a cycle waits in its ready phase as long as the test needs.
  gateDir = await mkdtemp(join(tmpdir(), 'hotcycle-gate-'));
  gate = join(gateDir, 'open');
  await writeFile(gate, '');
  master = await MasterProcess.start(demoConfig(await freePort(), {
    command: ['node', fixture('gated.ts')], env: { GATE: gate }, readiness: { mode: 'notify', timeoutMs: 60_000 },
  }));
});
after(async () => {
  await master.cleanup();
  await rm(gateDir, { recursive: true, force: true });
});

function raw(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: master.socket, method, path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('bad requests get 4xx JSON errors while a cycle runs, and the cycle completes', async () => {
  let started!: () => void;
  const inReadyPhase = new Promise<void>((resolve) => (started = resolve));
  await rm(gate);
  const cycle = master.reload({ reason: 'under fire' }, (e) => e.event === 'phase' && e.name === 'start' && started());
  await inReadyPhase;
  const cases: [string, Promise<Awaited<ReturnType<typeof raw>>>, number, string][] = [
    ['invalid JSON', raw('POST', '/v1/reload', '{"reason": '), 400, 'EBADREQUEST'],
    ['unknown field', raw('POST', '/v1/reload', '{"force": true}'), 400, 'EBADREQUEST'],
    ['bad hash', raw('POST', '/v1/reload', '{"expectHash": "abc"}'), 400, 'EBADREQUEST'],
    ['oversized body', raw('POST', '/v1/reload', Buffer.alloc(70 * 1024, 'a')), 413, 'ETOOLARGE'],
    ['unknown path', raw('GET', '/v2/everything'), 404, 'ENOTFOUND'],
    ['wrong method', raw('DELETE', '/v1/status'), 405, 'EMETHOD'],
    ['wrong content type', raw('POST', '/v1/check', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'EMEDIATYPE'],
  ];
  for (const [name, reply, status, code] of cases) {
    const { status: got, json } = await reply;
    assert.equal(got, status, name);
    assert.equal(json.error?.code, code, name);
    assert.ok(json.error?.message, `${name} explains itself`);
  }
  assert.equal((await master.status()).state, 'reloading', 'the bad requests arrived while the cycle ran');
  await writeFile(gate, '');
  const result = await cycle;
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.equal(result.generation, 2);
  assert.equal((await master.status()).lastResults[0]?.reason, 'under fire');
});

test('a client that disconnects mid-reload does not stop the cycle; its result is kept', async () => {
  const before = (await master.status()).generation;
  await new Promise<void>((resolve) => {
    const req = request({ socketPath: master.socket, method: 'POST', path: '/v1/reload', headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve());
    req.end(JSON.stringify({ reason: 'gone' }), () => setImmediate(() => (req.destroy(), resolve())));
  });
  const done = await master.waitForLog((l) => l.event === 'reload.ok' && l.reason === 'gone');
  assert.equal(done.generation, before + 1);
  assert.equal((await master.status()).lastResults[0]?.reason, 'gone');
});

test('the socket is 0660, and a second master refuses to steal it', async () => {
  const mode = (await stat(master.socket)).mode & 0o777;
  assert.equal(mode, 0o660);
  const second = await run(process.execPath, [CLI, 'master', '--config-dir', master.configDir, '--socket', master.socket])
    .then(() => assert.fail('a second master must not start'), (e: { code: number; stderr: string }) => e);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /in use by a running process/);
  assert.equal((await master.status()).state, 'running', 'the first master still answers');
});

test('every state-changing request is logged with the peer process that sent it (SO_PEERCRED)', async () => {
  const logged = master.nextLog((l) => l.event === 'control.request' && l.message === 'control POST /v1/check');
  await master.check();
  const line = await logged;
  assert.equal(line.peerPid, process.pid, 'this test process asked');
  assert.equal(line.peerUid, process.getuid?.());
});
