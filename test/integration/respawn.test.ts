// A worker of the current generation that dies is respawned (nginx's RESPAWN), with
// exponential backoff; a worker that keeps dying shows as a crash loop in status.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { alive, demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const masters: MasterProcess[] = [];
after(() => Promise.all(masters.map((m) => m.cleanup())));

test('a killed worker of the current generation is replaced in its slot', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { restart: { backoffMs: 50, maxBackoffMs: 1000 } }));
  masters.push(master);
  const [victim, survivor] = await master.pids();
  const respawned = master.nextLog((l) => l.event === 'worker.respawn' && l.pid === victim);
  process.kill(victim!, 'SIGKILL');
  const log = await respawned;
  assert.equal(log.signal, 'SIGKILL');
  assert.equal(log.delayMs, 50);
  // The replacement is spawned after the backoff and becomes ready.
  const ready = await master.nextLog((l) => l.event === 'worker.respawned');
  const status = await master.status();
  const pids = status.generations[0]!.workers.map((w) => w.pid);
  assert.equal(pids.length, 2);
  assert.ok(pids.includes(survivor!));
  assert.ok(!pids.includes(victim!));
  assert.ok(pids.includes(ready.pid as number));
  assert.ok(status.generations[0]!.workers.every((w) => w.state === 'ready'));
  assert.equal(status.generations[0]!.restarts, 1);
  assert.equal(status.generation, 1, 'a respawn is not a new generation');
  assert.equal((await fetchText(port)).status, 200);
});

test('a worker that keeps crashing after ready is reported as a crash loop', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, {
    count: 1, command: ['node', fixture('crash-after-ready.ts')], env: { CRASH_AFTER_READY_MS: '100' },
    restart: { backoffMs: 10, maxBackoffMs: 40 },
  }));
  masters.push(master);
  await master.waitForLog((l) => l.event === 'worker.respawn' && l.crashLoop === true);
  const status = await master.status();
  assert.equal(status.generations[0]!.crashLoop, true);
  assert.ok(status.generations[0]!.restarts >= 4);
  const delays = master.logs.filter((l) => l.event === 'worker.respawn').map((l) => l.delayMs);
  assert.deepEqual(delays.slice(0, 4), [10, 20, 40, 40], 'backoff doubles up to maxBackoffMs');
  // A reload to a healthy config ends the loop.
  await master.writeConfig(demoConfig(port, { count: 1, command: ['node', fixture('crash-after-ready.ts')] }));
  const result = await master.reload();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  const after = await master.status();
  assert.equal(after.generations.find((g) => g.state === 'current')?.crashLoop, false);
  for (const w of after.generations.find((g) => g.state === 'current')!.workers) assert.ok(alive(w.pid));
});
