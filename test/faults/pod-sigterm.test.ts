// Fault matrix 10: the pod is deleted (SIGTERM to both containers at once) while a reload is in
// its ready phase → the master aborts the cycle (rolled back, nothing half-applied), drains the
// generation that serves, and exits 0; the in-flight request completes; the sidecar exits 0;
// the live directory holds one complete version.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { fetchText } from '../helpers/load.ts';
import { DEMO_APP } from '../helpers/master.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';
import { podFiles, podLoad } from './pod-files.ts';
import { recordFault } from './report.ts';

let pod: Pod;
let port: number;
const MARK = 'fault10: new worker starting';

before(async () => {
  port = await freePort();
  pod = await Pod.start({ files: podFiles(port, 'old') });
});
after(() => pod.cleanup());

test('10: SIGTERM to the pod during a reload drains gracefully; no reload is half-applied', async (t) => {
  const before = await pod.masterStatus();
  const load = await podLoad(port);
  t.after(() => load.stop());
  const started = pod.master.nextLog((l) => l.message.startsWith('demo: slow request started'));
  const inFlight = fetchText(port, '/slow?ms=1500').then((r) => r.body, (e: Error) => `lost: ${e.message}`);
  await started;
  const starting = pod.master.nextLog((l) => l.message === MARK);
  const next = podFiles(port, 'new', { command: ['sh', '-c', `echo ${MARK}; exec node "$0"`, DEMO_APP], readiness: { mode: 'settle', delayMs: 3000 } });
  await pod.kubelet.update(next);
  await starting;
  assert.equal((await pod.masterStatus()).state, 'reloading');

  const exits = await pod.stop();
  const summary = await load.stop();
  assert.deepEqual(exits, { app: { code: 0, signal: null }, sidecar: { code: 0, signal: null } });
  assert.match(await inFlight, /^old \(after 1500 ms\)/, 'the in-flight request completed');
  const cycle = pod.master.logs.find((l) => (l.event === 'reload.ok' || l.event === 'reload.failed') && l.generation !== before.generation - 1 && l.reason !== 'start');
  assert.ok(cycle, 'the interrupted cycle has a result');
  assert.equal(cycle.event, 'reload.failed', 'rolled back, not committed');
  assert.equal(cycle.generation, before.generation, 'the old generation stayed current until the drain');
  assert.ok(pod.master.logs.some((l) => l.event === 'generation.drained' && l.generation === before.generation), 'the serving generation drained');
  // One complete version in the live directory: the published one, readable as a whole.
  const live = hashFileSet(await readFileSet(pod.liveDir));
  assert.ok([before.configHash, hashFileSet(await readFileSet(pod.kubelet.dir))].includes(live));
  assert.equal((await readdir(pod.liveDir)).filter((e) => e.startsWith('..') && e !== '..data').length, 1, 'one version directory, no ..data_tmp');
  // After the SIGTERM: refused once the listeners closed, and reset for the few connections the
  // kernel had queued on a listener nobody accepts on any more (see the report).
  const unexpected = Object.keys(summary.errors).filter((e) => e !== 'ECONNREFUSED' && e !== 'ECONNRESET');
  recordFault(t, {
    fault: '10 SIGTERM to the pod during a reload', expected: 'cycle rolled back, drain, both exit 0, in-flight completes',
    observed: `${cycle.event} ${String(cycle.code)}; in-flight answered; live = ${live === before.configHash ? 'old' : 'new'} version, complete`,
    failedRequests: `${summary.failed} after the listeners closed (${JSON.stringify(summary.errors)})`,
  });
  assert.deepEqual(unexpected, [], `only refused or reset connections after the SIGTERM: ${JSON.stringify(summary.errors)}`);
});
