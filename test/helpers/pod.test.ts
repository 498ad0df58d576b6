// The local pod must be what it claims: two process trees that cannot see or signal each other
// (when namespaces are available), talking only through the control socket, updated by the
// kubelet stand-in, and stopped the way the kubelet stops a pod.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { fetchText } from './load.ts';
import { demoConfig } from './master.ts';
import { Pod } from './pod.ts';
import { freePort } from './ports.ts';

let pod: Pod;
let port: number;
const files = (message: string) => ({ 'hotcycle.yaml': stringify(demoConfig(port, { count: 1 })), 'message.txt': message });

before(async () => {
  port = await freePort();
  pod = await Pod.start({ files: files('one') });
});
after(() => pod.cleanup());

test('the containers are separate process trees, each PID 1 of its own namespace', async (t) => {
  if (!pod.isolated) {
    t.diagnostic('no namespaces on this machine: containers are plain process groups');
    return;
  }
  const master = await pod.masterStatus();
  assert.equal(master.pid, 1, 'hotcycle master is the app container\'s PID 1');
  assert.equal((await pod.sidecarStatus()).pid, 1, 'hotcycle sidecar is the hotcycle container\'s PID 1');
  const worker = master.generations[0]!.workers[0]!.pid;
  const inSidecar = await pod.sidecar.exec(['ls', '/proc']);
  const pids = inSidecar.stdout.split('\n').filter((e) => /^\d+$/.test(e)).map(Number);
  assert.ok(!pids.includes(pod.master.hostPid), `the master's host pid ${pod.master.hostPid} is not in the sidecar's /proc (${pids.join(',')})`);
  const kill = await pod.sidecar.exec(['sh', '-c', `kill -0 ${pod.master.hostPid}`]);
  assert.notEqual(kill.code, 0, 'the sidecar cannot signal the master');
  // The worker's pid as the app sees it is meaningless in the sidecar's namespace.
  const inApp = await pod.master.exec(['sh', '-c', `kill -0 ${worker} && cat /proc/${worker}/cmdline`]);
  assert.equal(inApp.code, 0, 'the worker exists in the app container');
  assert.match(inApp.stdout, /app\.ts/);
  const sidecarCmd = await pod.sidecar.exec(['sh', '-c', `cat /proc/${worker}/cmdline 2>/dev/null || true`]);
  assert.doesNotMatch(sidecarCmd.stdout, /app\.ts/, 'the sidecar does not see the app\'s worker');
});

test('a kubelet update reaches the master through the sidecar and the control socket', async () => {
  const before = await pod.masterStatus();
  const reloaded = pod.sidecar.nextLog((l) => l.event === 'reload.ok');
  // The old worker exits after the reload answered; until the master reaps it, it is a zombie
  // for a moment. Count zombies only once the master says the old generation is gone: what is
  // left then is an orphan nobody reaps.
  const drained = pod.master.nextLog((l) => l.event === 'generation.drained' && l.generation === before.generation);
  await pod.kubelet.update(files('two'));
  await reloaded;
  await drained;
  const status = await pod.status();
  assert.equal('error' in status.master, false);
  const master = status.master as Awaited<ReturnType<Pod['masterStatus']>>;
  assert.equal(master.generation, before.generation + 1);
  assert.equal(status.live, master.configHash, 'the live directory holds what the master runs');
  assert.deepEqual(status.zombies, { app: 0, sidecar: 0 });
  assert.match((await fetchText(port)).body, /two/);
});

test('restartMaster: the app container comes back on the live version; the sidecar reloads nothing', async () => {
  const before = await pod.masterStatus();
  await pod.kill9('app');
  await pod.restartMaster();
  const after = await pod.masterStatus();
  assert.equal(after.configHash, before.configHash);
  assert.match((await fetchText(port)).body, /two/);
});

test('stop: SIGTERM to both containers, both exit 0', async () => {
  const exits = await pod.stop();
  assert.deepEqual(exits, { app: { code: 0, signal: null }, sidecar: { code: 0, signal: null } });
  await assert.rejects(fetchText(port), /ECONNREFUSED/);
});
