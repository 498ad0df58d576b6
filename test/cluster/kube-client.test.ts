// The two traps of @kubernetes/client-node 2.x that src/sidecar/kube/client.ts and events.ts work
// around, shown against the real kube-apiserver: every PATCH goes out as json-patch unless told
// otherwise (so a merge-patch body is refused), and a plain Date eventTime serialises with
// milliseconds, which the server's MicroTime decoder refuses.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { KubeConfig, setHeaderOptions, V1MicroTime, type ApiException, type EventsV1Event } from '@kubernetes/client-node';
import { callOptions, loadKubeClient, type KubeClient } from '../../src/sidecar/kube/client.ts';
import { buildEventBody, reloadedEvent } from '../../src/sidecar/kube/events.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { createPod, type PodRef } from '../helpers/cluster/release.ts';

const cluster = useCluster();
let namespace: string;
let pod: PodRef;
let client: KubeClient;

before(async () => {
  const c = await cluster();
  namespace = await c.namespace('client');
  pod = await createPod(c, namespace, 'web-0');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(c.info.kubeconfig);
  client = await loadKubeClient(kubeConfig);
});

const body = { metadata: { annotations: { 'hotcycle.dev/generation': '1' } } };
const signal = new AbortController().signal;

/** The status and Status message a call was answered with (200 when it succeeded). */
async function answer(call: Promise<unknown>): Promise<[number, string]> {
  try {
    await call;
    return [200, ''];
  } catch (error) {
    const e = error as ApiException<unknown>;
    return [e.code, String((JSON.parse(String(e.body)) as { message: string }).message)];
  }
}

test('the default PATCH content type is json-patch, so a merge-patch body is refused', async () => {
  const [code, message] = await answer(client.core.patchNamespacedPod({ name: 'web-0', namespace, body }));
  assert.equal(code, 400);
  assert.match(message, /error decoding patch: json: cannot unmarshal object into Go value of type \[\]handlers\.jsonPatchOp/);
});

test('an unsupported patch content type gets 415', async () => {
  const [code] = await answer(client.core.patchNamespacedPod({ name: 'web-0', namespace, body }, setHeaderOptions('Content-Type', 'application/json')));
  assert.equal(code, 415);
});

test('callOptions with MergePatch sends a merge patch, and it applies', async () => {
  const { k8s, core } = client;
  const patched = await core.patchNamespacedPod({ name: 'web-0', namespace, body }, callOptions(k8s, { timeoutMs: 5000, signal, patchContentType: k8s.PatchStrategy.MergePatch }));
  assert.equal(patched.metadata?.annotations?.['hotcycle.dev/generation'], '1');
});

test('a plain Date eventTime serialises with milliseconds and is refused; V1MicroTime is accepted', async () => {
  const { k8s, events } = client;
  const who = { podName: 'web-0', namespace, podUid: pod.uid };
  const spec = reloadedEvent({ generation: 1, configHash: 'abc', durationMs: 1 });
  const now = Date.now();
  const withDate: EventsV1Event = { ...buildEventBody(spec, who, 'web-0.a', new V1MicroTime(now)), eventTime: new Date(now) };
  const [code, message] = await answer(events.createNamespacedEvent({ namespace, body: withDate }));
  assert.equal(code, 400);
  assert.match(message, /parsing time "[^"]+\.\d{3}Z" as "2006-01-02T15:04:05\.000000Z07:00"/);
  const created = await events.createNamespacedEvent({ namespace, body: buildEventBody(spec, who, 'web-0.b', new k8s.V1MicroTime(now)) }, callOptions(k8s, { timeoutMs: 5000, signal }));
  assert.equal(created.reason, 'Reloaded');
});

test('an Event missing required fields gets 422 Invalid naming them', async () => {
  const [code, message] = await answer(client.events.createNamespacedEvent({ namespace, body: { metadata: { name: 'bad' }, eventTime: new V1MicroTime(), type: 'Info' } }));
  assert.equal(code, 422);
  for (const field of ['reportingController: Required value', 'reportingInstance: Required value', 'action: Required value', 'reason: Required value', 'type: Invalid value: "": has invalid value: Info']) {
    assert.ok(message.includes(field), `${field} in: ${message}`);
  }
});
