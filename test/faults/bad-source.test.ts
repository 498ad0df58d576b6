// Fault matrix 9: a ConfigMap volume that can never be a config set — a symlink pointing outside
// it, a file that is not regular (a fifo), more than the ConfigMap limit (2 MiB) — is rejected
// with an error that names the file, nothing is published, and the master's generation stays.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rename, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { formatDiagnostic } from '../../src/diagnostic.ts';
import { fetchText } from '../helpers/load.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';
import { podFiles, podLoad } from './pod-files.ts';
import { recordFault } from './report.ts';

const run = promisify(execFile);
let pod: Pod;
let port: number;

before(async () => {
  port = await freePort();
  pod = await Pod.start({ files: podFiles(port, 'steady') });
  await writeFile(join(pod.dir, 'secret.txt'), 'outside the volume');
});
after(() => pod.cleanup());

/** A kubelet update whose new version `plant` edits before the swap (what no ConfigMap can hold). */
async function badVersion(message: string, plant: (versionDir: string) => Promise<void>, extra: Record<string, string> = {}): Promise<void> {
  const version = await pod.kubelet.crashBeforeSwap(podFiles(port, message, {}, extra));
  await plant(version);
  await symlink(basename(version), join(pod.kubelet.dir, '..data_tmp'));
  await rename(join(pod.kubelet.dir, '..data_tmp'), join(pod.kubelet.dir, '..data'));
}

const CASES: Array<{ name: string; finding: RegExp; make: () => Promise<void> }> = [
  { name: 'symlink out of the set', finding: /leak\.txt is a symlink that points outside the config set/, make: () => badVersion('bad 1', (dir) => symlink(join(pod.dir, 'secret.txt'), join(dir, 'leak.txt'))) },
  { name: 'fifo', finding: /pipe is not a regular file \(fifo\)/, make: () => badVersion('bad 2', async (dir) => void (await run('mkfifo', [join(dir, 'pipe')]))) },
  { name: '2 MiB set', finding: /config set is larger than 1048576 bytes/, make: () => badVersion('bad 3', async () => undefined, { 'big.bin': 'x'.repeat(2 * 1024 * 1024) }) },
];

for (const [i, bad] of CASES.entries()) {
  test(`9${'abc'[i]}: ${bad.name} is rejected; nothing is published`, async (t) => {
    const before = await pod.masterStatus();
    const live = await pod.liveHash();
    const load = await podLoad(port);
    t.after(() => load.stop());
    // An unreadable version has no hash, and both the watcher and the sync below reject it, so
    // the previous case's second rejection can still be on its way: wait for this case's finding.
    const rejected = pod.sidecar.nextLog((l) => l.event === 'config.rejected' && (l.diagnostics as string[]).some((d) => bad.finding.test(d)));
    await bad.make();
    const sync = await pod.sync({ reason: `fault 9 ${bad.name}` });
    assert.equal(sync.outcome, 'rejected', JSON.stringify(sync));
    const findings = (sync.rejected ?? []).map(formatDiagnostic).join('; ');
    assert.match(findings, bad.finding, 'the sync answers with this version\'s finding');
    await rejected;
    assert.equal(await pod.liveHash(), live, 'the live directory is untouched');
    const after = await pod.masterStatus();
    assert.equal(after.generation, before.generation, 'no cycle');
    await load.until(load.completed + 100);
    const summary = await load.stop();
    assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
    assert.match((await fetchText(port)).body, /steady/);
    recordFault(t, { fault: `9${'abc'[i]} ${bad.name}`, expected: 'rejected with a clear error, nothing published', observed: findings.slice(0, 120), failedRequests: summary.failed });
  });
}
