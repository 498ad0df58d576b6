// Issue 11, defect 1: check commands run in a scratch copy under TMPDIR. On a read-only root
// filesystem that is EROFS — a failure of the checks, not a finding about the version. The
// version must not be skipped as "unchanged" afterwards: it is reported (log line, metric,
// status, a Warning Event `CheckFailed`) and tried again with backoff, and once TMPDIR is
// writable it is checked, published and served without any new edit of the source.
// TMPDIR is a real tmpfs remounted read-only (root ignores mode bits, not a read-only mount).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { ApiServerStandIn } from '../helpers/apiserver.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { inClusterEnv, Pod, probe } from '../helpers/sidecar.ts';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.ts';

const NS = 'shop';
let api: ApiServerStandIn;
let pod: Pod;
let scratch: Tmpfs;
let port: number;

before(async () => {
  api = await ApiServerStandIn.start();
  api.addPod(NS, 'web-0', 'uid-web-0');
  scratch = await mountTmpfs({ size: '4m' });
  await scratch.setReadOnly(true);
  port = await freePort();
  const config = { ...demoConfig(port, { count: 1 }), checks: { commands: [{ command: ['sh', '-c', 'grep -q hello message.txt'] }] } };
  pod = await Pod.create({ 'message.txt': 'hello' }, stringify(config));
});
after(async () => {
  await pod.cleanup();
  await scratch.close();
  await api.close();
});

test('a version whose check commands cannot run is reported and retried, then goes through once TMPDIR is writable', async () => {
  const env = await inClusterEnv(pod.dir, api, { name: 'web-0', namespace: NS, uid: 'uid-web-0' });
  const sidecar = await pod.startSidecar([], { ...env, TMPDIR: scratch.dir });
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
  const [event] = await api.waitForRequest((r) => r.method === 'POST' && r.path === `/apis/events.k8s.io/v1/namespaces/${NS}/events`);
  const body = event?.body as Record<string, string>;
  assert.deepEqual([body.reason, body.type, body.action], ['CheckFailed', 'Warning', 'Check']);
  assert.match(body.note ?? '', /could not run \(ESCRATCH\)/);

  // No edit of the source: the retry alone checks, publishes and (the master started) serves it.
  const published = sidecar.nextLog((l) => l.event === 'config.published' && l.configHash === source);
  await scratch.setReadOnly(false);
  await published;
  assert.equal(hashFileSet(await readFileSet(pod.liveDir)), source);
  assert.equal((await pod.sidecarStatus()).checkError, undefined);
  await pod.startMaster();
  assert.match((await fetchText(port)).body, /hello/);
});
