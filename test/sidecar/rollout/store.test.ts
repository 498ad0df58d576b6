// The rollout Lease store's retries (src/sidecar/rollout/store.ts) against the HTTPS stand-in
// (test/helpers/apiserver.ts: a real kube-apiserver cannot be made to answer 503 with a
// Retry-After on demand; the store against the real one is test/cluster/rollout.test.ts (d)):
// each wait between tries, a Retry-After too, is capped at the renewal period it is given, so a
// pod back from an API server outage renews within one period of the others.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HotcycleError } from '../../../src/errors.ts';
import { loadKubeClient } from '../../../src/sidecar/kube/client.ts';
import { LeaseStore } from '../../../src/sidecar/rollout/store.ts';
import { ApiServerStandIn } from '../../helpers/apiserver.ts';

let api: ApiServerStandIn;
before(async () => { api = await ApiServerStandIn.start(); });
after(async () => { await api.close(); });

test('waits between tries are capped at the renewal period, a Retry-After of 30 s too; a final answer ends it', async () => {
  const client = await loadKubeClient(api.kubeConfig());
  const delays: number[] = [];
  const store = new LeaseStore({ client, namespace: 'ns-cap', name: 'web-rollout', maxRetryDelayMs: 300, onRetry: (_what, _message, delayMs) => delays.push(delayMs) });
  api.script((r) => r.method === 'GET' && r.path.includes('/ns-cap/'), { status: 503 }, { status: 503 }, { status: 503 }, { status: 429, retryAfter: 30 }, { status: 503 });
  // After the script, the stand-in knows no Lease: a 404, which no retry changes.
  await assert.rejects(store.read(new AbortController().signal), (e: unknown) => e instanceof HotcycleError && / 404 /.test(e.message));
  assert.deepEqual(delays, [250, 300, 300, 300, 300], 'the kube layer\'s backoff from 250 ms, each wait at most 300 ms');
});

test('without a cap, the kube layer\'s own: a Retry-After is honoured', async () => {
  const client = await loadKubeClient(api.kubeConfig());
  const delays: number[] = [];
  const abort = new AbortController();
  const store = new LeaseStore({ client, namespace: 'ns-nocap', name: 'web-rollout', onRetry: (_what, _message, delayMs) => {
    delays.push(delayMs);
    abort.abort();
  } });
  api.script((r) => r.method === 'GET' && r.path.includes('/ns-nocap/'), { status: 429, retryAfter: 30 });
  await assert.rejects(store.read(abort.signal));
  assert.deepEqual(delays, [30_000]);
});
