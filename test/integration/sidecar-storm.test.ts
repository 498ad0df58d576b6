// Acceptance (sidecar) 1: 100 kubelet-style updates in quick succession end with the live
// directory and the master on the last version, in a handful of cycles, the final state never missed.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod } from '../helpers/sidecar.ts';

let pod: Pod;
let port: number;
const UPDATES = 100;
const DEBOUNCE_MAX_MS = 5_000; // the default: a storm that lasts longer syncs once per this, at most

before(async () => {
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'update 0' }, demoConfig(port, { count: 1 }));
});
after(() => pod.cleanup());

test('100 ..data swaps in a row: the last version is live and served after a few cycles', async () => {
  const sidecar = await pod.startSidecar();
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  const before = await pod.masterStatus();

  const started = performance.now();
  for (let i = 1; i <= UPDATES; i++) await pod.update({ 'message.txt': `update ${i}` }, demoConfig(port, { count: 1 }));
  const stormMs = performance.now() - started;
  const finalHash = hashFileSet(await readFileSet(pod.source.dir));
  await sidecar.waitForLog((l) => l.event === 'reload.ok' && l.configHash === finalHash);

  const after = await pod.masterStatus();
  assert.equal(after.configHash, finalHash, 'the master runs the last version');
  assert.equal(hashFileSet(await readFileSet(pod.liveDir)), finalHash, 'the live directory holds the last version');
  assert.equal(await readFile(join(pod.liveDir, 'message.txt'), 'utf8'), `update ${UPDATES}`);
  assert.match((await fetchText(port)).body, new RegExp(`update ${UPDATES}`));
  const cycles = after.generation - before.generation;
  // One cycle for a storm that ends within the debounce's maximum wait; one more per maximum
  // wait it lasted (a loaded machine swaps slower); one a sync in flight may add.
  const bound = 3 + Math.floor(stormMs / DEBOUNCE_MAX_MS);
  assert.ok(cycles >= 1 && cycles <= bound, `at most ${bound} cycles for a ${Math.round(stormMs)} ms storm, got ${cycles}`);
  const publishes = sidecar.logs.filter((l) => l.event === 'config.published' && l.changed === true).length;
  assert.ok(publishes <= 1 + cycles, `each publish is followed by a cycle (publishes ${publishes}, cycles ${cycles})`);
});
