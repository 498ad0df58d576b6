// Acceptance (sidecar) 3: a version the master rejects (its workers crash on start, so the
// cycle's ready phase fails) is rolled back in the live directory to the previous one; it is
// not retried; a restarted app container comes back on the last good config.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig, fixture } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe } from '../helpers/sidecar.ts';

let pod: Pod;
let port: number;

before(async () => {
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'good' }, demoConfig(port, { count: 1 }));
});
after(() => pod.cleanup());

test('the master rejects a version: the live directory goes back to the previous one', async () => {
  const sidecar = await pod.startSidecar();
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  const good = await pod.masterStatus();

  const failed = sidecar.nextLog((l) => l.event === 'reload.failed');
  await pod.update({ 'message.txt': 'bad' }, demoConfig(port, { count: 1, command: ['node', fixture('crash-on-start.ts')] }));
  const badHash = hashFileSet(await readFileSet(pod.source.dir));
  const line = await failed;
  assert.equal(line.configHash, badHash);
  assert.equal(line.restored, good.configHash);
  assert.equal(line.retry, false, 'a rejected version is not tried again');
  assert.equal(hashFileSet(await readFileSet(pod.liveDir)), good.configHash, 'the live directory holds the last good version again');

  const status = await pod.sidecarStatus();
  assert.deepEqual(status.failedHashes, [badHash]);
  assert.equal(status.publishedHash, good.configHash);
  assert.equal(status.appliedHash, good.configHash);
  assert.equal((await probe(pod.metricsPort, '/readyz')).status, 200, 'what is live is what runs');
  assert.match((await probe(pod.metricsPort, '/metrics')).body, /^hotcycle_reloads_total\{result="failed"\} 1$/m);

  // The same version again (an unforced sync) is neither published nor retried.
  const again = await pod.sync({ reason: 'test' });
  assert.equal(again.reload, undefined);
  assert.equal(again.published, false);
  assert.equal(hashFileSet(await readFileSet(pod.liveDir)), good.configHash);

  // The app container restarts: it comes back on the last good config.
  await pod.master!.stop();
  await pod.startMaster();
  assert.equal((await pod.masterStatus()).configHash, good.configHash);
  assert.match((await fetchText(port)).body, /good/);
});
