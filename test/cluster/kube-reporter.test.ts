// The Kubernetes reporter (src/sidecar/kube/reporter.ts) in this process, through the real
// @kubernetes/client-node, against the real kube-apiserver: what it sends is proven by what the
// server accepted and stored (the Events, the Pod's annotations), what it refuses by its answers.
// The scripted failures a real server cannot produce on demand (429/503 sequences, a response that
// never ends) stay in test/sidecar/kube/reporter.test.ts.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { Diagnostic } from '../../src/diagnostic.ts';
import { eventName, NOTE_LIMIT_BYTES } from '../../src/sidecar/kube/events.ts';
import { createKubeReporter, type KubeReporterOptions } from '../../src/sidecar/kube/reporter.ts';
import type { ReportOutcome } from '../../src/sidecar/kube/types.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { createPod, type PodRef } from '../helpers/cluster/release.ts';
import { captureLogger } from '../helpers/log-capture.ts';

const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const cluster = useCluster();
let namespace: string;
let pod: PodRef;
let admin: KubeConfig;

before(async () => {
  const c = await cluster();
  namespace = await c.namespace('reporter');
  pod = await createPod(c, namespace, 'web-0');
  admin = new KubeConfig();
  admin.loadFromFile(c.info.kubeconfig);
});

interface StoredEvent { metadata: { name: string }; reason: string; type: string; action: string; note: string; eventTime: string; reportingController: string; reportingInstance: string; regarding: Record<string, string> }

/** A reporter for `podName` whose log lines and outcomes the test reads. */
async function setup(podName: string, extra: Partial<KubeReporterOptions> = {}) {
  const { logger, waitLine } = captureLogger();
  const outcomes: ReportOutcome[] = [];
  const reporter = await createKubeReporter({
    logger, identity: { podName, namespace, podUid: pod.uid }, kubeConfig: admin, onOutcome: (o) => outcomes.push(o), ...extra,
  });
  return { reporter, waitLine, outcomes };
}

/** The Events stored for our reporting instance, oldest first, as events.k8s.io/v1 objects. */
async function storedEvents(reason?: string): Promise<StoredEvent[]> {
  const list = await (await cluster()).json<{ items: StoredEvent[] }>(['get', 'events.v1.events.k8s.io', '-n', namespace]);
  return list.items.filter((e) => !reason || e.reason === reason).sort((a, b) => a.eventTime.localeCompare(b.eventTime));
}

test('a reload makes one Reloaded Event and one merge patch with the three annotations', async () => {
  const { reporter, outcomes } = await setup('web-0');
  reporter.reloaded({ generation: 7, configHash: HASH, durationMs: 412.4 });
  await reporter.flush();
  // The Event queue and the annotation reconciler run side by side: either may finish first.
  assert.deepEqual(outcomes.toSorted((a, b) => a.call.localeCompare(b.call)), [{ call: 'annotations', result: 'ok' }, { call: 'event', result: 'ok' }]);

  const [event, ...more] = await storedEvents('Reloaded');
  assert.equal(more.length, 0);
  assert.match(event!.eventTime, MICRO);
  assert.equal(event!.reportingController, 'hotcycle.dev/sidecar');
  assert.equal(event!.reportingInstance, 'web-0');
  assert.deepEqual([event!.type, event!.action], ['Normal', 'Reload']);
  assert.equal(event!.note, 'Reloaded to generation 7, config a3f1c2d4e5b6, in 412 ms');
  assert.deepEqual(event!.regarding, { apiVersion: 'v1', kind: 'Pod', name: 'web-0', namespace, uid: pod.uid });
  const described = await (await cluster()).must(['describe', 'pod', 'web-0', '-n', namespace]);
  assert.match(described, /Normal\s+Reloaded\s+.*Reloaded to generation 7/, 'kubectl describe pod shows it (it matches the uid)');

  const annotations = (await (await cluster()).json<{ metadata: { annotations: Record<string, string> } }>(['get', 'pod', 'web-0', '-n', namespace])).metadata.annotations;
  assert.equal(annotations['hotcycle.dev/generation'], '7');
  assert.equal(annotations['hotcycle.dev/config-hash'], HASH);
  assert.ok(!Number.isNaN(Date.parse(annotations['hotcycle.dev/reloaded-at']!)));
  await reporter.close();
});

test('a failed reload and a rejected config become Warning Events naming the phase and file:line:col; no patch', async () => {
  const { reporter, outcomes } = await setup('web-0');
  reporter.reloadFailed({ phase: 'ready', message: 'worker 1234 exited with code 1', configHash: HASH });
  reporter.configRejected({ configHash: HASH, diagnostics: [{ file: 'nginx.conf', line: 12, column: 5, message: 'unexpected "}"', source: 'nginx' }] });
  await reporter.flush();
  const [failed] = await storedEvents('ReloadFailed');
  const [rejected] = await storedEvents('ConfigRejected');
  assert.deepEqual([failed!.type, failed!.action], ['Warning', 'Reload']);
  assert.equal(failed!.note, 'Reload to config a3f1c2d4e5b6 failed in phase ready: worker 1234 exited with code 1');
  assert.deepEqual([rejected!.type, rejected!.action], ['Warning', 'Check']);
  assert.equal(rejected!.note, 'Config a3f1c2d4e5b6 rejected: nginx.conf:12:5: unexpected "}"');
  assert.ok(outcomes.every((o) => o.call === 'event'), 'only a successful reload touches the annotations');
  await reporter.close();
});

test('long notes are cut under the 1 KiB limit and the API server accepts them', async () => {
  const { reporter, outcomes } = await setup('web-0');
  const diagnostics: Diagnostic[] = Array.from({ length: 80 }, (_, i) => ({ file: 'conf.d/app.conf', line: i + 1, column: 3, message: `unknown directive "x${i}" ${'é'.repeat(20)}`, source: 'nginx' }));
  reporter.configRejected({ configHash: HASH, diagnostics });
  reporter.reloadFailed({ phase: 'check', message: 'nginx: [emerg] ' + 'ü'.repeat(3000), configHash: HASH });
  await reporter.flush();
  assert.deepEqual(outcomes, [{ call: 'event', result: 'ok' }, { call: 'event', result: 'ok' }]);
  const rejected = (await storedEvents('ConfigRejected')).find((e) => e.note.includes('conf.d/app.conf'))!;
  const failed = (await storedEvents('ReloadFailed')).find((e) => e.note.includes('[emerg]'))!;
  for (const e of [rejected, failed]) assert.ok(Buffer.byteLength(e.note) <= NOTE_LIMIT_BYTES);
  assert.match(rejected.note, /conf\.d\/app\.conf:1:3: .*\(\+\d+ more\)$/);
  assert.match(failed.note, /ü…$/);
  await reporter.close();
});

test('a patch of a Pod that does not exist is logged and not retried (404)', async () => {
  const { reporter, outcomes, waitLine } = await setup('gone-0');
  reporter.reloaded({ generation: 3, configHash: HASH, durationMs: 10 });
  await reporter.flush();
  assert.deepEqual(outcomes.filter((o) => o.call === 'annotations'), [{ call: 'annotations', result: 'failed', status: 404 }]);
  const line = await waitLine((l) => l.call === 'annotations');
  assert.equal(line.level, 'warn');
  assert.equal(line.result, 'failed');
  assert.match(String(line.error), /pods "gone-0" not found/);
  await reporter.close();
});

test('409 AlreadyExists on a first try (the name is taken) and 401 Unauthorized are final', async () => {
  const now = new Date();
  const taken = eventName('web-0', now.getTime(), 0);
  await (await cluster()).must(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: taken, namespace }, eventTime: now.toISOString().replace('Z', '000Z'),
    reportingController: 'example.com/other', reportingInstance: 'other', action: 'Other', reason: 'Other', type: 'Normal',
    regarding: { apiVersion: 'v1', kind: 'Pod', name: 'web-0', namespace },
  }));
  const { reporter, outcomes } = await setup('web-0', { now: () => now });
  reporter.configRejected({ configHash: HASH, diagnostics: [] });
  await reporter.flush();
  assert.deepEqual(outcomes, [{ call: 'event', result: 'failed', status: 409 }]);
  await reporter.close();

  const stranger = new KubeConfig();
  stranger.loadFromOptions({ ...admin, users: [{ name: 'stranger', token: 'not-a-token' }], contexts: [{ name: 's', cluster: admin.getCurrentCluster()!.name, user: 'stranger' }], currentContext: 's', clusters: admin.clusters });
  const denied = await setup('web-0', { kubeConfig: stranger });
  denied.reporter.configRejected({ configHash: HASH, diagnostics: [] });
  await denied.reporter.flush();
  assert.deepEqual(denied.outcomes, [{ call: 'event', result: 'failed', status: 401 }]);
  await denied.reporter.close();
});
