// Acceptance (sidecar) 5, fast path: with --watch-configmap, a ConfigMap update seen through the
// API is published and reloaded without waiting for kubelet's volume sync; the volume and the
// API never fight (same hash: nothing; a volume version the API already superseded: skipped);
// the watch survives a stream that ends and an expired resourceVersion (410).
// Limit: no real Kubernetes API server can run on this machine; see test/helpers/apiserver.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { fileSetFrom, hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { ApiServerStandIn } from '../helpers/apiserver.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { inClusterEnv, Pod, type HotcycleProcess } from '../helpers/sidecar.ts';

const NS = 'fast';
let api: ApiServerStandIn;
let pod: Pod;
let port: number;
let yaml: string;

const files = (message: string) => ({ 'hotcycle.yaml': yaml, 'message.txt': message });

before(async () => {
  api = await ApiServerStandIn.start();
  api.addPod(NS, 'web-0');
  port = await freePort();
  yaml = stringify(demoConfig(port, { count: 1 }));
  pod = await Pod.create(files('v0'));
  api.setConfigMap(NS, 'app-config', files('v0'));
});
after(async () => {
  await pod.cleanup();
  await api.close();
});

async function viaApi(sidecar: HotcycleProcess, message: string): Promise<void> {
  const hash = hashFileSet(fileSetFrom(files(message)));
  const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok' && l.configHash === hash);
  api.setConfigMap(NS, 'app-config', files(message));
  await reloaded;
  assert.match((await fetchText(port)).body, new RegExp(message));
}

test('ConfigMap updates through the API are published at once; the lagging volume never wins', async () => {
  const env = await inClusterEnv(pod.dir, api, { name: 'web-0', namespace: NS, uid: 'uid-web-0' });
  const sidecar = await pod.startSidecar(['--watch-configmap', 'app-config'], env);
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  const watching = (r: { path: string; query: Record<string, string> }) => r.path === `/api/v1/namespaces/${NS}/configmaps` && r.query.watch === 'true';
  await api.waitForRequest(watching);
  const start = await pod.masterStatus();

  await viaApi(sidecar, 'v1');
  assert.equal(await pod.sync().then((r) => r.outcome), 'stale', 'the volume still shows v0, which the API superseded: skipped');
  await pod.update(files('v1'));
  assert.equal(await pod.sync().then((r) => r.outcome), 'unchanged', 'kubelet caught up with the same version: same hash, nothing');

  api.endWatches(); // (3) a watch that ends is resumed
  await api.waitForRequest(watching, 2);
  await viaApi(sidecar, 'v2');

  api.setConfigMap(NS, 'unrelated', { a: 'b' }); // (4) 410: the resourceVersion expired
  api.compact();
  api.endWatches();
  await api.waitForRequest((r) => r.path === `/api/v1/namespaces/${NS}/configmaps` && r.query.watch !== 'true', 2);
  await viaApi(sidecar, 'v3');
  await viaApi(sidecar, 'v4');

  // kubelet, behind, now projects v3, which the API already superseded: skipped.
  await pod.update(files('v3'));
  const stale = await pod.sync();
  assert.equal(stale.outcome, 'stale');
  const status = await pod.masterStatus();
  assert.equal(status.configHash, hashFileSet(await readFileSet(pod.liveDir)));
  assert.match((await fetchText(port)).body, /v4/);
  assert.equal(status.generation, start.generation + 4, 'one cycle per API version, none for the volume');
});
