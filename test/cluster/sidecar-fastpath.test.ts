// Issue 10, acceptance 4, against the real kube-apiserver: with the fast path on
// (`--watch-configmap`, the chart's default values, so the sidecar's bound token has exactly the
// chart's list/watch on that one ConfigMap), `kubectl apply` of an edited ConfigMap is published and
// reloaded without waiting for the volume, which lags behind and never wins. The watch survives
// its kube-apiserver being stopped and started again on the same port, and a 410 Gone that a real
// etcd compaction produced. Issue 21: `hotcycle status` says the API brought the running version
// and how far the volume lags, until the volume confirms it (no second reload); a release
// installed with rbac.create=false (no Role: the installer's own must grant the watch) gets a
// clear `configmap watch forbidden` error and status, and edits still come through the volume.
//
// The sidecar talks to a private kube-apiserver on the run's etcd (Cluster.extraApiServer), so
// stopping it disturbs no other test file; edits made while it is down go through the shared one.
// That private API server runs with --watch-cache=false: with the watch cache, a watch resumed
// after a restart is answered from a cache freshly filled by a list, which has no history before
// the restart and answers 410 whether or not etcd compacted — the 410 would prove nothing about
// compaction. Without it every watch is an etcd watch: resumed from an old resourceVersion it
// replays what changed while the server was down (the restart case, no relist), and only after
// etcd compacted past that resourceVersion is it answered 410 (the compaction case, a relist).
// Compaction goes through etcd's HTTP gateway, as kube-apiserver's own periodic compaction does
// through the client (a routine event for every other user of the shared etcd).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { fileSetFrom, hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import type { ApiServer } from '../helpers/cluster/components.ts';
import { compactEtcd } from '../helpers/cluster/etcd.ts';
import { installRelease, startReleasePod, type Release } from '../helpers/cluster/release.ts';
import { fetchText } from '../helpers/load.ts';
import { CLI, demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, type HotcycleProcess } from '../helpers/sidecar.ts';

const cluster = useCluster();
let release: Release;
let apiServer: ApiServer;
let pod: Pod;
let sidecar: HotcycleProcess;
let port: number;
let yaml: string;

const files = (message: string) => ({ 'hotcycle.yaml': yaml, 'message.txt': message });
const hashOf = (message: string) => hashFileSet(fileSetFrom(files(message)));
const relisted = (l: { event?: string; message: string }) => l.event === 'configmap-watch' && /listing again/.test(l.message);
const run = promisify(execFile);

/** `hotcycle status` as an operator runs it in the pod (the text, not the JSON). */
async function statusText(of: Pod): Promise<string> {
  return (await run(process.execPath, [CLI, 'status', '--sidecar-socket', of.sidecarSocket])).stdout;
}

/** `kubectl apply` (or `replace`) of the release's ConfigMap with `message`, through the shared API server. */
async function apply(message: string, verb: 'apply' | 'replace' = 'apply'): Promise<void> {
  const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hotcycle', namespace: release.namespace }, data: files(message) };
  await (await cluster()).must([verb, '-f', '-'], JSON.stringify(manifest));
}

/** Waits until the master reloaded `message` (the sidecar's `reload.ok` line) and the app serves it. */
async function served(message: string): Promise<void> {
  await sidecar.waitForLog((l) => l.event === 'reload.ok' && l.configHash === hashOf(message));
  assert.match((await fetchText(port)).body, new RegExp(message));
}

before(async () => {
  const c = await cluster();
  release = await installRelease(c, 'fast'); // the defaults: the fast path is on
  apiServer = await c.extraApiServer(undefined, { watchCache: false });
  port = await freePort();
  yaml = stringify(demoConfig(port, { count: 1 }));
  await apply('v0', 'replace'); // exactly these files: an apply would keep the chart's nginx.conf
  pod = await Pod.create(files('v0'));
  sidecar = await startReleasePod(c, release, pod, { args: ['--watch-configmap', 'hotcycle'], apiServerPort: apiServer.port });
}, { timeout: 180_000 });
after(async () => {
  await pod?.cleanup();
  await apiServer?.process.stop();
});

test('kubectl apply is published and reloaded at once; the lagging volume never wins, and status says how far it lags', { timeout: 60_000 }, async (t) => {
  const start = await pod.masterStatus();
  const applied = performance.now();
  await apply('v1');
  await served('v1');
  const servedAt = performance.now();
  t.diagnostic(`kubectl apply → reloaded and served: ${Math.round(servedAt - applied)} ms (the volume unchanged)`);
  assert.equal((await pod.sync()).outcome, 'stale', 'the volume still shows v0, which the API superseded: skipped');
  const behind = await pod.sidecarStatus();
  assert.equal(behind.appliedHash, hashOf('v1'));
  assert.deepEqual([behind.runningSource, behind.volumeCaughtUp], ['api', false], 'brought by the API; the volume does not show it yet');
  assert.match(await statusText(pod), /^running config from: api \(volume \d+ s behind\)$/m);
  const updated = performance.now();
  await pod.update(files('v1'));
  assert.equal((await pod.sync()).outcome, 'unchanged', 'kubelet caught up with the same version: same hash, nothing');
  const confirmed = performance.now();
  const caughtUp = await pod.sidecarStatus();
  assert.deepEqual([caughtUp.runningSource, caughtUp.volumeCaughtUp], ['api', true]);
  const lag = caughtUp.volumeLagMs ?? -1;
  assert.ok(lag >= updated - servedAt && lag <= confirmed - applied, `the lag ${lag} ms runs from the API's delivery to the volume showing it`);
  assert.match(await statusText(pod), /^running config from: api \(the volume caught up \d+ s later\)$/m);
  const status = await pod.masterStatus();
  assert.equal(status.generation, start.generation + 1, 'one cycle for the edit, none for the volume');
  assert.equal(status.configHash, hashFileSet(await readFileSet(pod.liveDir)));
  assert.equal((await pod.sidecarStatus()).volumeLagMs, lag, 'confirmed: the figure no longer grows');
});

test('the watch survives its API server stopped and started again: it resumes and replays what changed meanwhile', { timeout: 120_000 }, async () => {
  await apiServer.process.stop();
  await apply('v2'); // through the shared API server, while the sidecar's is down
  apiServer = await (await cluster()).extraApiServer(apiServer.port, { watchCache: false });
  await served('v2');
  assert.equal(sidecar.logs.filter(relisted).length, 0, 'resumed from its resourceVersion, no 410, no relist');
  assert.ok(sidecar.logs.some((l) => l.event === 'configmap-watch' && l.level === 'warn'), 'the outage was seen and logged');
});

test('a 410 Gone from a real etcd compaction makes the watch list again, and the edit made meanwhile is published', { timeout: 120_000 }, async () => {
  await apiServer.process.stop();
  await apply('v3');
  await compactEtcd((await cluster()).info.etcdUrl); // past the sidecar's resourceVersion
  apiServer = await (await cluster()).extraApiServer(apiServer.port, { watchCache: false });
  await sidecar.waitForLog(relisted);
  await served('v3');
  await apply('v4');
  await served('v4');
  await pod.update(files('v3')); // kubelet, behind, projects v3, which the API already superseded
  assert.equal((await pod.sync()).outcome, 'stale');
  assert.match((await fetchText(port)).body, /v4/);
});

test('rbac.create=false and no Role of the installer\'s: the watch is forbidden, said once as an error and in status; the volume still brings edits', { timeout: 120_000 }, async () => {
  const c = await cluster();
  const bare = await installRelease(c, 'norbac', ['--set', 'rbac.create=false']);
  const volumePort = await freePort();
  const config = (message: string) => ({ 'hotcycle.yaml': stringify(demoConfig(volumePort, { count: 1 })), 'message.txt': message });
  const other = await Pod.create(config('w0'));
  try {
    const watching = await startReleasePod(c, bare, other, { args: ['--watch-configmap', 'hotcycle'] });
    const forbidden = await watching.waitForLog((l) => l.event === 'configmap-watch' && l.level === 'error');
    assert.match(forbidden.message, /configmap watch forbidden: grant list and watch on configmaps \S+\/hotcycle \(resourceNames: \[hotcycle\]/);
    assert.match(forbidden.message, /fastPath\.enabled=false/, 'names the way out');
    const status = await other.sidecarStatus();
    assert.match(status.kube.configMapError ?? '', /^forbidden: the ServiceAccount may not list and watch configmaps\/hotcycle$/);
    assert.match(await statusText(other), /fast path hotcycle@\? FAILING: forbidden/);
    await other.update(config('w1'));
    await watching.waitForLog((l) => l.event === 'reload.ok' && l.configHash === hashFileSet(fileSetFrom(config('w1'))));
    assert.match((await fetchText(volumePort)).body, /w1/);
    assert.equal((await other.sidecarStatus()).runningSource, 'volume');
    assert.equal(watching.logs.filter((l) => l.event === 'configmap-watch' && l.level === 'error').length, 1, 'retried quietly: said once');
  } finally {
    await other.cleanup();
  }
});
