// Issue 10, acceptances 2, 3 and 6, against the real kube-apiserver. The chart is installed for
// real; a real sidecar process (the CLI from source) runs as one of the chart's Pods would:
// in-cluster settings, the cluster's CA, a token that the TokenRequest API bound to that Pod for
// the chart's ServiceAccount — so it has exactly the chart's permissions, narrowed by the chart's
// ValidatingAdmissionPolicy — and no POD_UID (the uid comes from the token's pod claim).
// The app container's processes run on this machine (test/helpers/sidecar.ts): no kubelet runs
// the Pod here, the API server only holds it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boundToken, installRelease, kubectlWithToken, sidecarEnv, type Release } from '../helpers/cluster/release.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { demoConfig, fixture, type LogLine } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe } from '../helpers/sidecar.ts';

const cluster = useCluster();
let release: Release;
let pod: Pod;
let port: number;

before(async () => {
  release = await installRelease(await cluster.ready(), 'report');
  assert.ok(release.pods.length >= 2, 'the default values make two replicas');
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
}, { timeout: 180_000 });
after(() => pod?.cleanup());

interface EventList { items: Array<{ reason: string; type: string; message?: string; note?: string; involvedObject?: { uid: string }; regarding?: { uid: string } }> }
const delivered = (l: LogLine) => l.event === 'kube-report' && l.result === 'ok';

test('Reloaded, ConfigRejected and ReloadFailed show in kubectl describe pod; the annotations match hotcycle status', async () => {
  const c = cluster();
  const self = release.pods[0]!;
  const sidecar = await pod.startSidecar(['--log-level', 'debug'], await sidecarEnv(c, release, self, pod.dir, { withUid: false }));
  await sidecar.waitForLog((l) => l.event === 'kube-reporting' && l.enabled === true);
  await sidecar.waitForLog((l) => l.event === 'config.published');
  await pod.startMaster();
  assert.equal((await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync')).outcome, 'applied');

  const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
  await pod.update({ 'message.txt': 'two' }, demoConfig(port, { count: 1 }));
  await reloaded;
  const rejected = sidecar.nextLog((l) => l.event === 'config.rejected');
  await pod.update({ 'message.txt': 'two' }, 'workers:\n  count: two\n  command: [node]\n');
  await rejected;
  const failed = sidecar.nextLog((l) => l.event === 'reload.failed');
  await pod.update({ 'message.txt': 'three' }, demoConfig(port, { count: 1, command: ['node', fixture('crash-on-start.ts')] }));
  await failed;
  // Three Events and one annotation patch, each delivered (the sidecar's debug line per delivery).
  await sidecar.waitForLog((l) => delivered(l) && sidecar.logs.filter(delivered).length >= 4);
  assert.deepEqual(sidecar.logs.filter((l) => l.event === 'kube-report' && l.result !== 'ok'), [], 'no report failed');
  const metrics = (await probe(pod.metricsPort, '/metrics')).body;
  assert.match(metrics, /^hotcycle_kube_reports_total\{call="event",result="ok"\} 3$/m);
  assert.match(metrics, /^hotcycle_kube_reports_total\{call="annotations",result="ok"\} 1$/m);

  const described = await c.must(['describe', 'pod', self.name, '-n', release.namespace]);
  const events = described.slice(described.indexOf('Events:'));
  assert.match(events, /Normal\s+Reloaded\s+.*Reloaded to generation \d+, config [0-9a-f]{12}/);
  assert.match(events, /Warning\s+ConfigRejected\s+.*hotcycle\.yaml:2:10: workers\.count/);
  assert.match(events, /Warning\s+ReloadFailed\s+.*failed in phase (start|ready)/);
  const listed = await c.json<EventList>(['get', 'events', '-n', release.namespace, '--field-selector', `involvedObject.uid=${self.uid}`]);
  assert.deepEqual(listed.items.map((e) => e.reason).sort(), ['ConfigRejected', 'ReloadFailed', 'Reloaded']);

  const status = await pod.masterStatus();
  const annotations = (await c.json<{ metadata: { annotations: Record<string, string> } }>(['get', 'pod', self.name, '-n', release.namespace])).metadata.annotations;
  assert.equal(annotations['hotcycle.dev/generation'], String(status.generation));
  assert.equal(annotations['hotcycle.dev/config-hash'], status.configHash);
  assert.match(annotations['hotcycle.dev/reloaded-at']!, /^\d{4}-\d{2}-\d{2}T/);
});

test('least privilege: the sidecar\'s token patches only its own Pod\'s hotcycle.dev/* annotations, and reads no Secret', async () => {
  const c = cluster();
  const [self, other] = [release.pods[0]!, release.pods[1]!];
  const token = await boundToken(c, release, self);
  const as = (args: string[]) => kubectlWithToken(c, token, pod.dir, ['-n', release.namespace, ...args]);
  const merge = (name: string, patch: object) => as(['patch', 'pod', name, '--type', 'merge', '-p', JSON.stringify(patch)]);

  const own = await merge(self.name, { metadata: { annotations: { 'hotcycle.dev/generation': '42' } } });
  assert.ok(own.ok, `its own Pod's hotcycle.dev/* annotation: ${own.stderr}`);
  const denied: Array<[string, ReturnType<typeof merge>, RegExp]> = [
    ['another Pod', merge(other.name, { metadata: { annotations: { 'hotcycle.dev/generation': '42' } } }), /may patch only its own Pod/],
    ['a label', merge(self.name, { metadata: { labels: { tier: 'evil' } } }), /may change only hotcycle\.dev\/\* annotations/],
    ['another annotation', merge(self.name, { metadata: { annotations: { 'example.com/owner': 'evil' } } }), /may change only hotcycle\.dev\/\* annotations/],
    ['the image', as(['set', 'image', `pod/${self.name}`, '*=evil:latest']), /may change only hotcycle\.dev\/\* annotations \(not the spec/],
  ];
  for (const [what, result, message] of denied) {
    const { ok, stderr } = await result;
    assert.equal(ok, false, `${what} was allowed`);
    assert.match(stderr, /ValidatingAdmissionPolicy/, `${what}: denied by the chart's policy`);
    assert.match(stderr, message, what);
  }
  for (const args of [['get', 'secrets'], ['get', 'secret', 'any'], ['get', 'configmaps']]) {
    const read = await as(args);
    assert.equal(read.ok, false, `${args.join(' ')} was allowed`);
    assert.match(read.stderr, /Forbidden|forbidden/);
  }
});
