// The ConfigMap watch's answer to failures a real API server does not produce on request: an
// HTTP 410 and an HTTP 500 on the watch request itself, scripted on test/helpers/apiserver.ts (a
// stand-in), through the real @kubernetes/client-node 2.x over real HTTPS. Everything else —
// list, changes, resume, deletion, a 410 from a real etcd compaction, an API-server restart — is
// tested against the real kube-apiserver in test/cluster/configmap-watch.test.ts and
// test/cluster/sidecar-fastpath.test.ts.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ApiServerStandIn, type RecordedRequest } from '../../helpers/apiserver.ts';
import { startWatch } from '../../helpers/configmap-watch.ts';

let api: ApiServerStandIn;
before(async () => { api = await ApiServerStandIn.start(); });
after(async () => { await api.close(); });

const start = (t: TestContext, namespace: string) => startWatch(t, api.kubeConfig(), namespace);

function calls(namespace: string, kind: 'list' | 'watch'): RecordedRequest[] {
  return api.requests.filter((r) => r.path === `/api/v1/namespaces/${namespace}/configmaps` && (r.query.watch === 'true') === (kind === 'watch'));
}

describe('configmap watch: scripted failures (the API-server stand-in)', () => {
  test('an HTTP 410 on the watch makes it list again; a 500 is retried after a backoff', async (t) => {
    api.setConfigMap('ns-d', 'app-config', { 'a.conf': 'v1' });
    const { watch, next } = await start(t, 'ns-d');
    await next();
    await api.waitForRequest((r) => calls('ns-d', 'watch').includes(r));
    api.script((r) => r.path === '/api/v1/namespaces/ns-d/configmaps' && r.query.watch === 'true', { status: 500 }, { status: 410 });
    api.endWatches();
    await next(); // the re-list after 500 → resume → 410
    assert.deepEqual(calls('ns-d', 'watch').map((r) => r.status), [200, 500, 410]);
    assert.equal(calls('ns-d', 'list').length, 2);
    await api.waitForRequest((r) => calls('ns-d', 'watch').includes(r), 4);
    api.setConfigMap('ns-d', 'app-config', { 'a.conf': 'v2' });
    assert.equal((await next()).files.get('a.conf'), 'v2');
    await watch.close();
  });
});
