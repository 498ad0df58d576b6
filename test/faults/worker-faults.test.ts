// Fault matrix 6: a port already in use, a worker that never becomes ready, a worker that
// ignores SIGTERM, a worker that crash-loops after commit — each under a bounded load that
// must see no failed request, each leaving a generation that serves.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { fetchText, Load, type LoadSummary } from '../helpers/load.ts';
import { alive, demoConfig, fixture, MasterProcess, type WorkersYaml } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { recordFault } from './report.ts';

let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port), { 'message.txt': 'steady' });
});
after(() => master.cleanup());

async function underLoad<T>(run: () => Promise<T>): Promise<{ value: T; summary: LoadSummary }> {
  const load = new Load({ port, connections: 4, keepAlive: false, maxRequests: 1_000_000 }).start();
  await load.flowing();
  const value = await run();
  await load.until(load.completed + 100);
  return { value, summary: await load.stop() };
}

async function reloadWith(workers: Partial<WorkersYaml>, extraListeners: { name: string; address: string }[] = []) {
  const config = demoConfig(port, workers);
  config.listeners.push(...extraListeners);
  await master.writeConfig(config);
  return master.reload({ reason: 'fault 6' });
}

test('6a: a listener port already in use', async (t) => {
  const taken = await freePort();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
  const before = await master.pids();
  const { value: result, summary } = await underLoad(() => reloadWith({}, [{ name: 'extra', address: `127.0.0.1:${taken}` }]));
  squatter.close();
  assert.equal(result.error?.code, 'EADDRINUSE');
  assert.deepEqual(await master.pids(), before);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  recordFault(t, { fault: '6a port already in use', expected: 'open fails, old generation serves', observed: `${result.error?.phase}/${result.error?.code}`, failedRequests: summary.failed });
});

test('6b: a worker that never becomes ready', async (t) => {
  const before = await master.pids();
  const { value: result, summary } = await underLoad(() => reloadWith({ command: ['node', fixture('never-ready.ts')], readiness: { mode: 'notify', timeoutMs: 1000 } }));
  assert.equal(result.error?.code, 'EREADYTIMEOUT');
  assert.deepEqual(await master.pids(), before);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  recordFault(t, { fault: '6b worker never ready', expected: 'ready times out, rollback', observed: `${result.error?.phase}/${result.error?.code}`, failedRequests: summary.failed });
});

test('6c: a worker that ignores SIGTERM is killed after the drain timeout', async (t) => {
  const stubborn = { command: ['node', fixture('ignore-sigterm.ts')], shutdown: { signal: 'SIGTERM', timeoutMs: 800 } };
  assert.equal((await reloadWith(stubborn)).ok, true);
  const stubbornPids = await master.pids();
  const drained = master.nextLog((l) => l.event === 'generation.drained' && l.forced === 2);
  const { value: result, summary } = await underLoad(async () => {
    const r = await reloadWith({});
    await drained;
    return r;
  });
  assert.equal(result.ok, true);
  for (const pid of stubbornPids) assert.equal(alive(pid), false);
  // A worker that ignores its stop signal keeps accepting until SIGKILL (nginx's workers
  // would too): connections it holds at that instant are reset. Nothing is ever refused.
  assert.deepEqual(Object.keys(summary.errors).filter((e) => e !== 'ECONNRESET'), [], JSON.stringify(summary.errors));
  assert.equal((await fetchText(port)).status, 200);
  recordFault(t, { fault: '6c worker ignores SIGTERM', expected: 'SIGKILL after shutdown.timeoutMs; no connection refused', observed: 'both old workers killed (forced=2)', failedRequests: `${summary.failed} (resets by the killed workers)` });
});

test('6d: a worker that crash-loops after commit is respawned with backoff and reported', async (t) => {
  const crashy = { count: 1, command: ['node', fixture('crash-after-ready.ts')], env: { CRASH_AFTER_READY_MS: '200' }, restart: { backoffMs: 20, maxBackoffMs: 80 } };
  const result = await reloadWith(crashy);
  assert.equal(result.ok, true, 'it was ready: the cycle commits');
  await master.waitForLog((l) => l.event === 'worker.respawn' && l.crashLoop === true);
  const status = await master.status();
  assert.equal(status.generations.find((g) => g.state === 'current')?.crashLoop, true);
  // The fix is a reload with a good config; the loop ends there.
  const fixed = await reloadWith({});
  assert.equal(fixed.ok, true);
  assert.equal((await fetchText(port)).status, 200);
  recordFault(t, { fault: '6d crash loop after commit', expected: 'respawn with backoff, CRASH-LOOP in status', observed: `crashLoop=true after ${status.generations[0]?.restarts} restarts; fixed by reload`, failedRequests: 'n/a (crashing by design)' });
});
