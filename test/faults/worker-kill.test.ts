// Fault matrix 1 and 2: kill -9 of a new worker during the ready phase rolls the cycle
// back; kill -9 of an old worker while it drains leaves new traffic untouched.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchText, Load } from '../helpers/load.ts';
import { alive, demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { recordFault } from './report.ts';

let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port), { 'message.txt': 'steady' });
});
after(() => master.cleanup());

test('1: kill -9 of a new worker during the ready phase rolls back', async (t) => {
  // Workers that never report ready (and never listen) hold the cycle in its ready phase for
  // as long as the test needs, and cannot answer a request that the kill would cut off.
  await master.writeConfig(demoConfig(port, { command: ['node', fixture('never-ready.ts')], readiness: { mode: 'notify', timeoutMs: 60_000 } }));
  const oldPids = await master.pids();
  const load = new Load({ port, connections: 4, keepAlive: false, maxRequests: 1_000_000 }).start();
  await load.flowing();
  let inReady!: () => void;
  const ready = new Promise<void>((resolve) => (inReady = resolve));
  const reload = master.reload({ reason: 'fault 1' }, (e) => e.event === 'phase' && e.name === 'start' && inReady());
  await ready;
  const starting = (await master.status()).generations.find((g) => g.state === 'starting')!;
  process.kill(starting.workers[0]!.pid, 'SIGKILL');
  const result = await reload;
  const summary = await load.stop();
  assert.equal(result.ok, false);
  assert.equal(result.error?.phase, 'ready');
  assert.match(result.error?.message ?? '', /killed by SIGKILL before it was ready/);
  assert.deepEqual(await master.pids(), oldPids);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.deepEqual(Object.keys(summary.generations), ['1']);
  recordFault(t, { fault: '1 kill -9 new worker in ready phase', expected: 'rollback, old generation serves', observed: `${result.error?.phase}/${result.error?.code}, generation ${result.generation} serves`, failedRequests: summary.failed });
});

test('2: kill -9 of an old worker while it drains does not touch new traffic', async (t) => {
  await master.writeConfig(demoConfig(port, { count: 1 }));
  await master.reload();
  const oldPid = (await master.pids())[0]!;
  const started = master.nextLog((l) => l.message.startsWith('demo: slow request started'));
  const slow = fetchText(port, '/slow?ms=30000').then(() => 'answered', () => 'lost');
  await started;
  const draining = master.nextLog((l) => l.message.startsWith(`demo: SIGTERM: draining (pid ${oldPid}`));
  const result = await master.reload({ reason: 'fault 2' });
  assert.equal(result.ok, true);
  // New traffic: connections made once the old worker stopped accepting, kept alive. (Until it
  // handles SIGTERM, an old worker still accepts from the shared socket, like nginx's.)
  await draining;
  const load = new Load({ port, connections: 4, keepAlive: true, maxRequests: 1_000_000 }).start();
  await load.flowing();
  const drained = master.nextLog((l) => l.event === 'generation.drained' && l.generation === result.generation - 1);
  assert.ok(alive(oldPid), 'the old worker drains its slow request');
  process.kill(oldPid, 'SIGKILL');
  await drained;
  await load.until(load.completed + 200);
  const summary = await load.stop();
  assert.equal(await slow, 'lost', 'only the killed worker\'s own request is lost');
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.equal((await master.status()).generation, result.generation);
  recordFault(t, { fault: '2 kill -9 old worker while draining', expected: 'new traffic unaffected', observed: `generation ${result.generation} serves; drained`, failedRequests: summary.failed });
});
