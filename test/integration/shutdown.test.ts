// SIGTERM/SIGINT to the master: no new reloads, workers drain (an in-flight request
// completes), exit 0; a second signal forces. A master killed with -9 leaves a stale
// socket that the next master replaces.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { alive, demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const masters: MasterProcess[] = [];
after(() => Promise.all(masters.map((m) => m.cleanup())));

test('SIGTERM drains in-flight requests and exits 0', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: 1 }), { 'message.txt': 'bye' });
  masters.push(master);
  const pids = await master.pids();
  const started = master.nextLog((l) => l.message.startsWith('demo: slow request started'));
  const slow = fetchText(port, '/slow?ms=1500');
  await started;
  master.child.kill('SIGTERM');
  const stopping = await master.nextLog((l) => l.event === 'master.shutdown');
  assert.equal(stopping.signal, 'SIGTERM');
  await assert.rejects(master.reload(), /shutting down|cannot reach/);
  const answer = await slow;
  assert.match(answer.body, /bye \(after 1500 ms\)/);
  const exit = await master.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  for (const pid of pids) assert.equal(alive(pid), false);
  assert.equal(existsSync(master.socket), false, 'the socket file is removed');
});

test('SIGTERM during a reload rolls the new generation back before draining', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: 1 }));
  masters.push(master);
  await master.writeConfig(demoConfig(port, { count: 1, command: ['node', fixture('never-ready.ts')], readiness: { mode: 'notify', timeoutMs: 60_000 } }));
  let inReady!: () => void;
  const ready = new Promise<void>((resolve) => (inReady = resolve));
  const reload = master.reload({ reason: 'interrupted' }, (e) => e.event === 'phase' && e.name === 'start' && inReady());
  await ready;
  master.child.kill('SIGTERM');
  const result = await reload;
  assert.equal(result.ok, false);
  assert.equal(result.error?.code, 'EABORTED');
  assert.equal(result.generation, 1);
  assert.deepEqual(await master.exited, { code: 0, signal: null });
});

test('a second signal forces the workers down and exits 1', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: 1, command: ['node', fixture('ignore-sigterm.ts')], shutdown: { signal: 'SIGTERM', timeoutMs: 60_000 } }));
  masters.push(master);
  const [pid] = await master.pids();
  const ignored = master.nextLog((l) => l.message.includes('ignoring SIGTERM'));
  master.child.kill('SIGTERM');
  await ignored;
  assert.ok(alive(pid!));
  master.child.kill('SIGINT');
  assert.deepEqual(await master.exited, { code: 1, signal: null });
  assert.equal(alive(pid!), false);
});

test('a stale socket left by a master killed with -9 is replaced by the next master', async () => {
  const port = await freePort();
  const first = await MasterProcess.start(demoConfig(port, { count: 1 }));
  masters.push(first);
  const [orphan] = await first.pids();
  first.child.kill('SIGKILL');
  await first.exited;
  process.kill(orphan!, 'SIGKILL'); // what the container runtime does to the rest of the pod
  assert.ok(existsSync(first.socket), 'the dead master left its socket file');
  const second = await MasterProcess.restartIn(first);
  masters.push(second);
  assert.equal((await second.status()).state, 'running');
  assert.equal((await fetchText(port)).status, 200);
});
