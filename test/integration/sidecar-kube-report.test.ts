// Acceptance (sidecar) 5, reporting: a real sidecar process in "a cluster" — the in-cluster
// environment pointing at the API-server stand-in — turns every outcome into exactly one Event
// on its Pod, and a reload into one JSON merge patch of the Pod's annotations.
// Limit: no real Kubernetes API server can run on this machine. test/helpers/apiserver.ts checks
// what the real one checks for these calls (method, path, bearer token, patch content type,
// required Event fields, microsecond eventTime) — not RBAC or admission.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiServerStandIn } from '../helpers/apiserver.ts';
import { demoConfig, fixture, type LogLine } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { inClusterEnv, Pod, probe } from '../helpers/sidecar.ts';

const NS = 'shop';
let api: ApiServerStandIn;
let pod: Pod;
let port: number;

before(async () => {
  api = await ApiServerStandIn.start();
  api.addPod(NS, 'web-0', 'uid-web-0');
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
});
after(async () => {
  await pod.cleanup();
  await api.close();
});

const posts = () => api.requests.filter((r) => r.method === 'POST' && r.path === `/apis/events.k8s.io/v1/namespaces/${NS}/events`);
const patches = () => api.requests.filter((r) => r.method === 'PATCH');

test('Reloaded, ConfigRejected and ReloadFailed Events, and the annotations as a merge patch', async () => {
  const env = await inClusterEnv(pod.dir, api, { name: 'web-0', namespace: NS, uid: 'uid-web-0' });
  const sidecar = await pod.startSidecar(['--log-level', 'debug'], env);
  await sidecar.waitForLog((l) => l.event === 'kube-reporting' && l.enabled === true);
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  assert.equal((await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync')).outcome, 'applied');

  const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
  await pod.update({ 'message.txt': 'two' }, demoConfig(port, { count: 1 }));
  const ok = await reloaded;
  await api.waitForRequest((r) => r.method === 'PATCH', 1);
  await pod.update({ 'message.txt': 'two' }, 'workers:\n  count: two\n  command: [node]\n');
  await api.waitForRequest((r) => posts().includes(r), 2);
  await pod.update({ 'message.txt': 'three' }, demoConfig(port, { count: 1, command: ['node', fixture('crash-on-start.ts')] }));
  await api.waitForRequest((r) => posts().includes(r), 3);

  const events = posts().map((r) => r.body as Record<string, string>);
  assert.deepEqual(events.map((e) => [e.reason, e.type, e.action]), [
    ['Reloaded', 'Normal', 'Reload'], ['ConfigRejected', 'Warning', 'Check'], ['ReloadFailed', 'Warning', 'Reload'],
  ]);
  assert.ok(posts().every((r) => r.status === 201 && r.headers['content-type'] === 'application/json' && r.headers.authorization === `Bearer ${api.token}`));
  assert.match(events[0]!.note!, new RegExp(`^Reloaded to generation ${String(ok.generation)}, config ${String(ok.configHash).slice(0, 12)}, in \\d+ ms$`));
  assert.match(events[1]!.note!, /rejected: hotcycle\.yaml:2:10: workers\.count/);
  assert.match(events[2]!.note!, /failed in phase (start|ready)/);
  assert.deepEqual(events.map((e) => (e.regarding as unknown as { uid: string }).uid), ['uid-web-0', 'uid-web-0', 'uid-web-0']);

  assert.equal(patches().length, 1, 'one patch: only a successful reload annotates');
  const patch = patches()[0]!;
  assert.equal(patch.path, `/api/v1/namespaces/${NS}/pods/web-0`);
  assert.equal(patch.headers['content-type'], 'application/merge-patch+json');
  assert.equal(patch.status, 200);
  const annotations = (api.pods.get(`${NS}/web-0`)!.metadata as { annotations: Record<string, string> }).annotations;
  assert.equal(annotations['hotcycle.dev/generation'], String(ok.generation));
  assert.equal(annotations['hotcycle.dev/config-hash'], ok.configHash);
  assert.match(annotations['hotcycle.dev/reloaded-at']!, /^\d{4}-\d{2}-\d{2}T/);

  // The stand-in counts a request once it answered; the sidecar counts it once it read the
  // answer. Its debug line for the last delivery says the counters are up to date.
  const delivered = (l: LogLine) => l.event === 'kube-report' && l.result === 'ok';
  await sidecar.waitForLog((l) => delivered(l) && sidecar.logs.filter(delivered).length >= 4);
  const metrics = (await probe(pod.metricsPort, '/metrics')).body;
  assert.match(metrics, /^hotcycle_kube_reports_total\{call="event",result="ok"\} 3$/m);
  assert.match(metrics, /^hotcycle_kube_reports_total\{call="annotations",result="ok"\} 1$/m);
});
