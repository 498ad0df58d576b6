// Fault matrix 3: kill -9 of the sidecar mid-publish, between writing the new timestamped
// directory and the `..data` swap — a real SIGKILL, sent the instant the new directory appears
// in the live emptyDir (a 300-file version keeps the writer in steps (6)–(7) long enough).
// The live directory stays on the previous version and the master keeps serving it; the
// restarted sidecar removes the leftover, publishes the newest version, and the master
// reloads once.
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { fetchText } from '../helpers/load.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';
import { podFiles, podLoad, podLogs } from './pod-files.ts';
import { recordFault } from './report.ts';

let pod: Pod;
let port: number;
const TIMESTAMP_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\./;
const padding = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`pad/${i}.txt`, `padding ${i}\n`]));

before(async () => {
  port = await freePort();
  pod = await Pod.start({ files: podFiles(port, 'one') });
});
after(() => pod.cleanup());

/** SIGKILLs the sidecar when a timestamped directory other than `live` appears; resolves with its name. */
function killOnNewVersion(live: string): Promise<string> {
  return new Promise((resolve) => {
    const watcher = watch(pod.liveDir, (_event, name) => {
      if (!name || !TIMESTAMP_DIR.test(name) || name === live) return;
      void pod.kill9('sidecar');
      watcher.close();
      resolve(name);
    });
  });
}

test('3: kill -9 of the sidecar mid-publish leaves the live directory intact; the restarted sidecar converges', async (t) => {
  const before = await pod.masterStatus();
  const live = await readlink(join(pod.liveDir, '..data'));
  const load = await podLoad(port);
  t.after(() => load.stop());

  const killed = killOnNewVersion(live);
  const next = podFiles(port, 'two', {}, padding);
  await pod.kubelet.update(next);
  const leftover = await killed;
  assert.deepEqual(await pod.sidecar.exited, { code: null, signal: 'SIGKILL' });

  // What the kill left: the half-written version beside the intact live one.
  const entries = await readdir(pod.liveDir);
  assert.ok(entries.includes(leftover), `the killed writer left ${leftover} (${entries.join(', ')})`);
  assert.equal(await readlink(join(pod.liveDir, '..data')), live, 'the swap never happened');
  assert.equal(await pod.liveHash(), before.configHash, 'the live directory still reads as the previous version');
  assert.equal((await pod.masterStatus()).generation, before.generation);
  assert.match((await fetchText(port)).body, /one/);

  await pod.restartSidecar();
  const sync = await pod.sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  const nextHash = hashFileSet(await readFileSet(pod.kubelet.dir));
  assert.equal(sync.outcome, 'reloaded', podLogs(pod));
  assert.equal(sync.configHash, nextHash);
  const summary = await load.stop();

  const after = await pod.masterStatus();
  assert.equal(after.configHash, nextHash, 'the master runs the newest version');
  assert.equal(after.generation, before.generation + 1, 'one reload');
  assert.equal(after.lastResults.length, before.lastResults.length + 1);
  assert.equal(await pod.liveHash(), nextHash);
  const versions = (await readdir(pod.liveDir)).filter((e) => TIMESTAMP_DIR.test(e));
  assert.deepEqual(versions, [await readlink(join(pod.liveDir, '..data'))], 'the leftover is gone; one version remains');
  assert.equal((await readdir(pod.liveDir)).includes('..data_tmp'), false);
  assert.match((await fetchText(port)).body, /two/);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  recordFault(t, {
    fault: '3 kill -9 sidecar mid-publish', expected: 'live intact; restarted sidecar cleans up, publishes, one reload',
    observed: `leftover ${leftover} removed; generation ${before.generation} → ${after.generation}`, failedRequests: summary.failed,
  });
});
