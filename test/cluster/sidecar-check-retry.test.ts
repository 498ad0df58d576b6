// Issue 11, defect 1: check commands run in a scratch copy under TMPDIR. On a read-only root
// filesystem that is EROFS — a failure of the checks, not a finding about the version. The
// version must not be skipped as "unchanged" afterwards: it is reported (log line, metric,
// status, a Warning Event `CheckFailed`) and tried again with backoff, and once TMPDIR is
// writable it is checked, published and served without any new edit of the source.
// TMPDIR is a real tmpfs remounted read-only (root ignores mode bits, not a read-only mount).
// The sidecar reports to the real kube-apiserver as one of the chart's Pods (its bound token).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { installRelease, sidecarEnv, type Release } from '../helpers/cluster/release.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe } from '../helpers/sidecar.ts';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.ts';

const cluster = useCluster();
let release: Release;
let pod: Pod;
let scratch: Tmpfs;
let port: number;

before(async () => {
  release = await installRelease(await cluster(), 'check-retry');
  scratch = await mountTmpfs({ size: '4m' });
  await scratch.setReadOnly(true);
  port = await freePort();
  const config = { ...demoConfig(port, { count: 1 }), checks: { commands: [{ command: ['sh', '-c', 'grep -q hello message.txt'] }] } };
  pod = await Pod.create({ 'message.txt': 'hello' }, stringify(config));
});
after(async () => {
  await pod.cleanup();
  await scratch.close();
});

test('a version whose check commands cannot run is reported and retried, then goes through once TMPDIR is writable', async () => {
  const c = await cluster();
  const env = await sidecarEnv(c, release, release.pods[0]!, pod.dir, { withUid: true });
  const sidecar = await pod.startSidecar(['--log-level', 'debug'], { ...env, TMPDIR: scratch.dir });
  const source = hashFileSet(await readFileSet(pod.source.dir));

  const failed = await sidecar.waitForLog((l) => l.event === 'config.check-failed');
  assert.equal(failed.code, 'ESCRATCH');
  assert.equal(failed.configHash, source);
  assert.match(String(failed.message), /read-only file system/);
  const status = await pod.sidecarStatus();
  assert.equal(status.checkError?.configHash, source);
  assert.equal(status.checkError?.error.code, 'ESCRATCH');
  assert.equal(status.publishedHash, '', 'nothing published');
  assert.equal((await probe(pod.metricsPort, '/startupz')).status, 503, 'the pod does not start on an unchecked version');
  assert.match((await probe(pod.metricsPort, '/metrics')).body, /^hotcycle_check_errors_total [1-9]\d*$/m);
  const delivered = await sidecar.waitForLog((l) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).startsWith('Event CheckFailed '));
  const name = String(delivered.what).split(' ')[2];
  const event = await c.json<Record<string, string>>(['get', 'events.v1.events.k8s.io', String(name), '-n', release.namespace]);
  assert.deepEqual([event.reason, event.type, event.action], ['CheckFailed', 'Warning', 'Check']);
  assert.match(event.note ?? '', /could not run \(ESCRATCH\)/);

  // No edit of the source: the retry alone checks, publishes and (the master started) serves it.
  const published = sidecar.nextLog((l) => l.event === 'config.published' && l.configHash === source);
  await scratch.setReadOnly(false);
  await published;
  assert.equal(hashFileSet(await readFileSet(pod.liveDir)), source);
  assert.equal((await pod.sidecarStatus()).checkError, undefined);
  await pod.startMaster();
  assert.match((await fetchText(port)).body, /hello/);
});
