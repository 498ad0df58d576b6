// Issue 11, defect 2 (native driver): with --shutdown-delay-ms, SIGTERM does not drain at once.
// For the delay every listener stays open and served — new TCP connections are answered (the
// Services of a terminating pod still send them) — and reloads are refused; then the workers
// drain, a request in flight across the end of the delay completes, and the master exits 0.
// A second signal skips the rest of the delay.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fetchText, Load } from '../helpers/load.ts';
import { alive, demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const DELAY_MS = 5000;
const masters: MasterProcess[] = [];
after(() => Promise.all(masters.map((m) => m.cleanup())));

test('during the shutdown delay new connections are served and reloads refused; then in-flight requests finish and the master exits 0', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: 1 }), { 'message.txt': 'bye' }, { args: ['--shutdown-delay-ms', String(DELAY_MS)] });
  masters.push(master);
  const pids = await master.pids();
  const delaying = master.nextLog((l) => l.event === 'master.shutdown-delay');
  master.child.kill('SIGTERM');
  assert.equal((await delaying).delayMs, DELAY_MS);

  // A bounded load, one new TCP connection per request: every one is answered.
  const load = new Load({ port, connections: 2, keepAlive: false, maxRequests: 40 }).start();
  await load.until(40);
  const summary = await load.stop();
  assert.deepEqual([summary.ok, summary.failed], [40, 0], JSON.stringify(summary.errors));
  await assert.rejects(master.reload(), { code: 'ESHUTTINGDOWN', message: /shutdown delay/ });
  assert.equal((await master.status()).state, 'stopping');
  // In flight across the end of the delay: started now, it answers after the drain began.
  const started = master.nextLog((l) => l.message.startsWith('demo: slow request started'));
  const slow = fetchText(port, `/slow?ms=${DELAY_MS}`);
  await started;
  assert.ok(!master.logs.some((l) => l.event === 'master.shutdown'), 'all of the above happened during the delay');

  const draining = await master.nextLog((l) => l.event === 'master.shutdown');
  assert.equal(draining.skipped, false);
  assert.match((await slow).body, new RegExp(`bye \\(after ${DELAY_MS} ms\\)`));
  assert.deepEqual(await master.exited, { code: 0, signal: null });
  for (const pid of pids) assert.equal(alive(pid), false);
});

test('a second signal skips the rest of the delay (HOTCYCLE_SHUTDOWN_DELAY_MS) and drains', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: 1 }), { 'message.txt': 'bye' }, { env: { HOTCYCLE_SHUTDOWN_DELAY_MS: '600000' } });
  masters.push(master);
  const delaying = master.nextLog((l) => l.event === 'master.shutdown-delay');
  master.child.kill('SIGTERM');
  assert.equal((await delaying).delayMs, 600_000);
  const started = master.nextLog((l) => l.message.startsWith('demo: slow request started'));
  const slow = fetchText(port, '/slow?ms=1000');
  await started;

  const skipped = master.nextLog((l) => l.event === 'master.shutdown-delay.skipped');
  const draining = master.nextLog((l) => l.event === 'master.shutdown');
  master.child.kill('SIGINT');
  assert.equal((await skipped).signal, 'SIGINT');
  assert.equal((await draining).skipped, true);
  assert.match((await slow).body, /bye \(after 1000 ms\)/);
  assert.deepEqual(await master.exited, { code: 0, signal: null });
});
