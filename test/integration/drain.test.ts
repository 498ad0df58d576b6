// Acceptance (engine) 4: a long in-flight request on an old worker completes during the
// drain, and a worker that ignores SIGTERM is killed once the drain timeout passes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { alive, demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const masters: MasterProcess[] = [];
after(() => Promise.all(masters.map((m) => m.cleanup())));

test('a long request in flight on an old worker completes after the reload', async () => {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: 1 }), { 'message.txt': 'old' });
  masters.push(master);
  const oldPid = (await master.pids())[0]!;
  const started = master.nextLog((l) => l.message.startsWith('demo: slow request started'));
  // Long enough to outlast a reload on a loaded machine (they take 0.3–1 s here).
  const slow = fetchText(port, '/slow?ms=6000');
  let answered = false;
  void slow.then(() => { answered = true; }, () => undefined);
  // The request is in the old worker's hands before the reload starts.
  await started;
  await master.writeFile('message.txt', 'new');
  const drained = master.nextLog((l) => l.event === 'generation.drained' && l.generation === 1);
  const result = await master.reload();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.equal(answered, false, 'the reload committed while the old worker still had the request');
  assert.match((await fetchText(port)).body, /new/);
  const answer = await slow;
  assert.equal(answer.status, 200);
  assert.match(answer.body, /old \(after 6000 ms\)/);
  assert.equal(answer.headers['x-pid'], String(oldPid));
  assert.equal((await drained).forced, 0, 'it exited on its own, not by SIGKILL');
});

test('a worker that ignores SIGTERM is killed after shutdown.timeoutMs', async () => {
  const port = await freePort();
  const stubborn = { command: ['node', fixture('ignore-sigterm.ts')], count: 1, shutdown: { signal: 'SIGTERM', timeoutMs: 1200 } };
  const master = await MasterProcess.start(demoConfig(port, stubborn));
  masters.push(master);
  const oldPid = (await master.pids())[0]!;
  const drained = master.nextLog((l) => l.event === 'generation.drained' && l.generation === 1);
  const ignored = master.nextLog((l) => l.message.includes('ignoring SIGTERM'));
  const result = await master.reload();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  await ignored;
  const log = await drained;
  // forced: the stop helper's SIGTERM did not end it within shutdown.timeoutMs; SIGKILL did.
  assert.equal(log.forced, 1, 'one worker needed SIGKILL');
  assert.equal(alive(oldPid), false);
});
