// Acceptance (sidecar) 6: a sidecar restart reconciles without a needless reload — the live
// directory and the master already hold the source's version, so no cycle runs; a change made
// while the sidecar was down is picked up at start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe } from '../helpers/sidecar.ts';

let pod: Pod;
let port: number;

before(async () => {
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
});
after(() => pod.cleanup());

test('a restarted sidecar finds the master on its version and reloads nothing', async () => {
  const first = await pod.startSidecar();
  await first.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  const sync = await first.waitForLog((l) => l.event === 'sidecar.first-sync');
  assert.equal(sync.outcome, 'applied', 'the master started on the published version: no reload at start either');
  const before = await pod.masterStatus();
  assert.equal(before.lastResults.length, 1, 'only the master\'s own start cycle');

  assert.deepEqual(await first.stop(), { code: 0, signal: null });
  const second = await pod.startSidecar();
  const again = await second.waitForLog((l) => l.event === 'sidecar.first-sync');
  assert.equal(again.outcome, 'applied');
  assert.equal(second.logs.some((l) => l.event === 'config.published' && l.changed === true), false, 'the live directory was already current');
  const after = await pod.masterStatus();
  assert.equal(after.generation, before.generation, 'no cycle');
  assert.equal(after.lastResults.length, 1);
  assert.equal((await probe(pod.metricsPort, '/readyz')).status, 200);

  // Changed while the sidecar was down: published and reloaded at start.
  assert.deepEqual(await second.stop(), { code: 0, signal: null });
  await pod.update({ 'message.txt': 'two' }, demoConfig(port, { count: 1 }));
  const third = await pod.startSidecar();
  const changed = await third.waitForLog((l) => l.event === 'sidecar.first-sync');
  assert.equal(changed.outcome, 'reloaded');
  assert.equal((await pod.masterStatus()).generation, before.generation + 1);
});
