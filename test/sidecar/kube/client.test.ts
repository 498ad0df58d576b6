// Limit: no real Kubernetes API server can run on this machine. These tests drive the real
// @kubernetes/client-node 2.x over real HTTPS against test/helpers/apiserver.ts, a stand-in that
// checks what the real API server checks for the calls hotcycle makes. They pin the two client
// traps the reporter works around: the default PATCH content type and the eventTime format.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setHeaderOptions, V1MicroTime, type ApiException, type EventsV1Event } from '@kubernetes/client-node';
import { ApiServerStandIn } from '../../helpers/apiserver.ts';
import { callOptions, loadKubeClient } from '../../../src/sidecar/kube/client.ts';
import { buildEventBody, reloadedEvent } from '../../../src/sidecar/kube/events.ts';

let api: ApiServerStandIn;
before(async () => {
  api = await ApiServerStandIn.start();
  api.addPod('ns', 'web-0');
});
after(async () => { await api.close(); });

const body = { metadata: { annotations: { 'hotcycle.dev/generation': '1' } } };
const signal = new AbortController().signal;

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as ApiException<unknown>).code;
  }
}

describe('client-node 2.x against the API-server stand-in', () => {
  test('the default PATCH content type is json-patch, so a merge-patch body is refused', async () => {
    const { core } = await loadKubeClient(api.kubeConfig());
    assert.equal(await statusOf(core.patchNamespacedPod({ name: 'web-0', namespace: 'ns', body })), 400);
    assert.equal(api.requests.at(-1)!.headers['content-type'], 'application/json-patch+json');
  });

  test('an unsupported patch content type gets 415', async () => {
    const { core } = await loadKubeClient(api.kubeConfig());
    assert.equal(await statusOf(core.patchNamespacedPod({ name: 'web-0', namespace: 'ns', body }, setHeaderOptions('Content-Type', 'application/json'))), 415);
  });

  test('callOptions with MergePatch sends application/merge-patch+json and the patch applies', async () => {
    const { k8s, core } = await loadKubeClient(api.kubeConfig());
    const options = callOptions(k8s, { timeoutMs: 5000, signal, patchContentType: k8s.PatchStrategy.MergePatch });
    const pod = await core.patchNamespacedPod({ name: 'web-0', namespace: 'ns', body }, options);
    assert.equal(pod.metadata?.annotations?.['hotcycle.dev/generation'], '1');
    assert.equal(api.requests.at(-1)!.headers['content-type'], 'application/merge-patch+json');
  });

  test('a plain Date eventTime serialises with milliseconds and is refused; V1MicroTime is accepted', async () => {
    const { k8s, events } = await loadKubeClient(api.kubeConfig());
    const who = { podName: 'web-0', namespace: 'ns', podUid: 'uid-web-0' };
    const spec = reloadedEvent({ generation: 1, configHash: 'abc', durationMs: 1 });
    const now = Date.now();
    const withDate: EventsV1Event = { ...buildEventBody(spec, who, 'web-0.a', new V1MicroTime(now)), eventTime: new Date(now) };
    assert.equal(await statusOf(events.createNamespacedEvent({ namespace: 'ns', body: withDate })), 400);
    assert.match(String((api.requests.at(-1)!.body as { eventTime: string }).eventTime), /\.\d{3}Z$/);
    const withMicro = buildEventBody(spec, who, 'web-0.b', new k8s.V1MicroTime(now));
    const created = await events.createNamespacedEvent({ namespace: 'ns', body: withMicro }, callOptions(k8s, { timeoutMs: 5000, signal }));
    assert.equal(created.reason, 'Reloaded');
    assert.match(String((api.requests.at(-1)!.body as { eventTime: string }).eventTime), /\.\d{6}Z$/);
  });

  test('an Event missing required fields gets 422 Invalid naming them', async () => {
    const { events } = await loadKubeClient(api.kubeConfig());
    const error = await events.createNamespacedEvent({ namespace: 'ns', body: { metadata: { name: 'bad' }, eventTime: new V1MicroTime(), type: 'Info' } })
      .then(() => undefined, (e: unknown) => e as ApiException<string>);
    assert.equal(error?.code, 422);
    const status = JSON.parse(String(error.body)) as { reason: string; details: { causes: Array<{ field: string }> } };
    assert.equal(status.reason, 'Invalid');
    assert.deepEqual(status.details.causes.map((c) => c.field), ['type', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding']);
  });
});
