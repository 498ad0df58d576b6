// Fault matrix 5: publishing into the live emptyDir fails — ENOSPC on a tiny tmpfs, EPERM on a
// directory made immutable (`chattr +i`; root ignores mode bits, so no chmod can fake it) —
// → the previous version stays live and served, the error is reported in the sidecar's status,
// and once the cause is gone the next version goes through.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';
import { probe } from '../helpers/sidecar.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';
import { podFiles, podLoad, podLogs } from './pod-files.ts';
import { recordFault } from './report.ts';

const run = promisify(execFile);

/**
 * Updates the source; resolves with the log line of the watcher's sync that failed to publish.
 * (Not a sync of its own: the watcher's would follow it and be mid-publish while we look.)
 */
async function publishFails(pod: Pod, files: ReturnType<typeof podFiles>) {
  const failed = pod.sidecar.nextLog((l) => l.event === 'sync.failed');
  await pod.kubelet.update(files);
  return failed;
}

async function expectOldVersionKept(pod: Pod, port: number, before: { generation: number; configHash: string }) {
  assert.equal(await pod.liveHash(), before.configHash, 'the previous version is still live');
  assert.equal((await pod.masterStatus()).generation, before.generation, 'no cycle');
  assert.match((await fetchText(port)).body, /one/);
  const leftovers = (await readdir(pod.liveDir)).filter((e) => e.startsWith('..') && e !== '..data');
  assert.equal(leftovers.length, 1, `only the live version directory: ${leftovers.join(', ')}`);
}

test('5a: ENOSPC on a tiny tmpfs live directory', async (t) => {
  const tmpfs = await mountTmpfs({ size: '64k' });
  const port = await freePort();
  const pod = await Pod.start({ files: podFiles(port, 'one'), liveDir: tmpfs.dir });
  t.after(async () => {
    await pod.cleanup();
    await tmpfs.close();
  });
  const before = await pod.masterStatus();
  const load = await podLoad(port);
  t.after(() => load.stop());
  const line = await publishFails(pod, podFiles(port, 'two', {}, { 'big.txt': 'x'.repeat(200 * 1024) }));
  const status = await pod.sidecarStatus();
  const failed = status.lastResults.find((r) => r.error?.code === 'EWRITE');
  assert.ok(failed, `the failed publish is in the sidecar's status: ${JSON.stringify(line)}`);
  assert.match(failed.error?.message ?? '', /no space left on device/i);
  assert.equal(failed.error?.detail, 'ENOSPC');
  assert.equal(status.publishedHash, before.configHash);
  await expectOldVersionKept(pod, port, before);
  assert.equal(line.detail, 'ENOSPC', `the failure is logged:\n${podLogs(pod)}`);
  assert.match((await probe(pod.metricsPort, '/metrics')).body, /^hotcycle_sync_errors_total\{phase="publish"\} [1-9]/m);

  const reloaded = pod.sidecar.nextLog((l) => l.event === 'reload.ok');
  await pod.kubelet.update(podFiles(port, 'three'));
  await reloaded;
  await load.until(load.completed + 100);
  const summary = await load.stop();
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.match((await fetchText(port)).body, /three/);
  recordFault(t, { fault: '5a ENOSPC publishing (64k tmpfs)', expected: 'old version stays, error reported', observed: `${failed.error?.code}/${failed.error?.detail} in status, log (sync.failed) and metric; next small version published`, failedRequests: summary.failed });
});

test('5b: an immutable (read-only) live directory', async (t) => {
  const port = await freePort();
  const pod = await Pod.start({ files: podFiles(port, 'one') });
  t.after(async () => {
    await run('chattr', ['-i', pod.liveDir]).catch(() => undefined);
    await pod.cleanup();
  });
  const before = await pod.masterStatus();
  const load = await podLoad(port);
  t.after(() => load.stop());
  await run('chattr', ['+i', pod.liveDir]);
  const line = await publishFails(pod, podFiles(port, 'two'));
  const status = await pod.sidecarStatus();
  const failed = status.lastResults.find((r) => r.error?.code === 'EWRITE');
  assert.ok(failed, `the failed publish is in the sidecar's status: ${JSON.stringify(line)}`);
  assert.equal(failed.error?.detail, 'EPERM');
  await expectOldVersionKept(pod, port, before);
  assert.equal(line.detail, 'EPERM', `the failure is logged:\n${podLogs(pod)}`);

  await run('chattr', ['-i', pod.liveDir]);
  const again = await pod.sync({ reason: 'writable again' });
  assert.equal(again.outcome, 'reloaded', JSON.stringify(again));
  await load.until(load.completed + 100);
  const summary = await load.stop();
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.match((await fetchText(port)).body, /two/);
  recordFault(t, { fault: '5b read-only live dir (chattr +i)', expected: 'old version stays, error reported', observed: `${failed.error?.code}/${failed.error?.detail} in status and log; published once writable`, failedRequests: summary.failed });
});
