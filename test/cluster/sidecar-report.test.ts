// Issue 10, acceptances 2, 3 and 6, and issue 20's status that says why (item 2), against the
// real kube-apiserver. The chart is installed for real; a real sidecar process (the CLI from
// source) runs as one of the chart's Pods would: in-cluster settings, the cluster's CA, a token
// that the TokenRequest API bound to that Pod for the chart's ServiceAccount — so it has exactly
// the chart's permissions, narrowed by the chart's ValidatingAdmissionPolicy — and no POD_UID
// (the uid comes from the token's pod claim).
// The app container's processes run on this machine (test/helpers/sidecar.ts): no kubelet runs
// the Pod here, the API server only holds it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { SidecarStatus } from '../../src/protocol/sidecar.ts';
import { apiAs, boundToken, installRelease, podEvents, sidecarEnv, type ApiAnswer, type Release } from '../helpers/cluster/release.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { CLI, demoConfig, fixture, type LogLine } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod } from '../helpers/sidecar.ts';

const cluster = useCluster();
let release: Release;
let pod: Pod;
let port: number;

before(async () => {
  release = await installRelease(await cluster(), 'report');
  assert.ok(release.pods.length >= 2, 'the default values make two replicas');
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
}, { timeout: 180_000 });
after(() => pod?.cleanup());

const run = promisify(execFile);
const delivered = (l: LogLine) => l.event === 'kube-report' && l.result === 'ok';

test('Reloaded, ConfigRejected and ReloadFailed show in kubectl describe pod; the annotations match hotcycle status', async () => {
  const c = await cluster();
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
  // Three Events, each delivered (the sidecar's debug line per delivery); the annotation patches
  // (the reload's, then hotcycle.dev/last-failure's) are awaited below, on the Pod itself.
  const event = (l: LogLine) => delivered(l) && String(l.what).startsWith('Event ');
  await sidecar.waitForLog((l) => event(l) && sidecar.logs.filter(event).length >= 3);

  const described = await c.must(['describe', 'pod', self.name, '-n', release.namespace]);
  const events = described.slice(described.indexOf('Events:'));
  assert.match(events, /Normal\s+Reloaded\s+.*Reloaded to generation \d+, config [0-9a-f]{12}/);
  assert.match(events, /Warning\s+ConfigRejected\s+.*hotcycle\.yaml:2:10: workers\.count/);
  assert.match(events, /Warning\s+ReloadFailed\s+.*failed in phase (start|ready)/);
  const listed = await podEvents(c, release.namespace, self.uid);
  assert.deepEqual(listed.map((e) => e.reason).sort(), ['ConfigRejected', 'ReloadFailed', 'Reloaded']);

  const status = await pod.masterStatus();
  await c.must(['wait', `pod/${self.name}`, '-n', release.namespace, '--timeout=30s', `--for=jsonpath={.metadata.annotations.hotcycle\\.dev/config-hash}=${status.configHash}`]);
  assert.deepEqual(sidecar.logs.filter((l) => l.event === 'kube-report' && l.result !== 'ok'), [], 'no report failed');
  const annotations = (await c.json<{ metadata: { annotations: Record<string, string> } }>(['get', 'pod', self.name, '-n', release.namespace])).metadata.annotations;
  assert.equal(annotations['hotcycle.dev/generation'], String(status.generation));
  assert.equal(annotations['hotcycle.dev/config-hash'], status.configHash);
  assert.match(annotations['hotcycle.dev/reloaded-at']!, /^\d{4}-\d{2}-\d{2}T/);
});

test('after a rejected edit, hotcycle status (text and --json) and the Pod\'s hotcycle.dev/last-failure annotation say why: file:line:col and the message', async () => {
  const c = await cluster();
  const self = release.pods[0]!;
  const sidecar = pod.sidecar!;
  const rejected = sidecar.nextLog((l) => l.event === 'config.rejected');
  await pod.update({ 'message.txt': 'four' }, 'workers:\n  count: two\n  command: [node]\n  restart: {backoffMs: -1}\n');
  const hash = String((await rejected).configHash);
  const why = 'hotcycle.yaml:2:10: workers.count: expected an integer between 1 and 1024, got "two" (+1 more)';

  const text = await run(process.execPath, [CLI, 'status', '--sidecar-socket', pod.sidecarSocket]);
  const lines = text.stdout.split('\n');
  const synced = lines.findIndex((l) => new RegExp(`^  \\S+ volume ${hash.slice(0, 12)} rejected — `).test(l));
  assert.ok(synced > 0, `a last sync of ${hash.slice(0, 12)} rejected:\n${text.stdout}`);
  assert.equal(lines[synced + 1], `      ${why}`);
  const json = JSON.parse((await run(process.execPath, [CLI, 'status', '--sidecar-socket', pod.sidecarSocket, '--json'])).stdout) as { sidecar: SidecarStatus };
  const result = json.sidecar.lastResults.find((r) => r.configHash === hash);
  assert.equal(result?.why, why);
  assert.equal(result?.rejected?.length, 2, 'and every finding, in full');

  // kubectl wait watches the Pod until the annotation holds exactly this line.
  const line = `rejected ${hash.slice(0, 12)}: ${why}`;
  await c.must(['wait', `pod/${self.name}`, '-n', release.namespace, '--timeout=30s', `--for=jsonpath={.metadata.annotations.hotcycle\\.dev/last-failure}=${line}`]);
  const annotations = (await c.json<{ metadata: { annotations: Record<string, string> } }>(['get', 'pod', self.name, '-n', release.namespace])).metadata.annotations;
  assert.equal(annotations['hotcycle.dev/last-failure'], line);
  assert.ok(Date.parse(annotations['hotcycle.dev/last-failure-at'] ?? '') >= Date.parse(result?.startedAt ?? ''), 'when: at or after the sync began');
});

test('least privilege: the sidecar\'s token patches only its own Pod\'s hotcycle.dev/* annotations, and reads no Secret', async () => {
  const c = await cluster();
  const [self, other] = [release.pods[0]!, release.pods[1]!];
  const token = await boundToken(c, release, self);
  const pods = `/api/v1/namespaces/${release.namespace}/pods`;
  const patch = (name: string, body: object, type?: string) => apiAs(c, token, 'PATCH', `${pods}/${name}`, body, type);
  const annotate = (name: string, key: string) => patch(name, { metadata: { annotations: { [key]: '42' } } });

  const own = await annotate(self.name, 'hotcycle.dev/generation');
  assert.equal(own.status, 200, `its own Pod's hotcycle.dev/* annotation: ${own.body.message}`);
  const denied: Array<[string, Promise<ApiAnswer>, RegExp]> = [
    ['another Pod', annotate(other.name, 'hotcycle.dev/generation'), /may patch only its own Pod/],
    ['a label', patch(self.name, { metadata: { labels: { tier: 'evil' } } }), /may change only hotcycle\.dev\/\* annotations/],
    ['another annotation', annotate(self.name, 'example.com/owner'), /may change only hotcycle\.dev\/\* annotations/],
    ['the image', patch(self.name, { spec: { containers: [{ name: 'app', image: 'evil:latest' }] } }, 'application/strategic-merge-patch+json'),
      /may change only hotcycle\.dev\/\* annotations \(not the spec/],
  ];
  for (const [what, answer, message] of denied) {
    const { status, body } = await answer;
    assert.equal(status, 403, `${what}: ${status} ${body.message}`);
    assert.match(body.message ?? '', /ValidatingAdmissionPolicy/, `${what}: denied by the chart's policy`);
    assert.match(body.message ?? '', message, what);
  }
  for (const path of [`/api/v1/namespaces/${release.namespace}/secrets`, `/api/v1/namespaces/${release.namespace}/configmaps`, `${pods}/${self.name}`]) {
    const read = await apiAs(c, token, 'GET', path);
    assert.equal(read.status, 403, `GET ${path} was allowed`);
  }
});
