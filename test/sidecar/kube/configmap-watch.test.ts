// Limit: no real Kubernetes API server can run on this machine. These tests drive the real
// @kubernetes/client-node 2.x list + watch over real HTTPS against test/helpers/apiserver.ts, a
// stand-in that serves ConfigMap lists and newline-delimited JSON watch streams the way the real
// API server does (including 410 Gone, as an HTTP status or as an ERROR event), and nothing more.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once, EventEmitter } from 'node:events';
import { ApiServerStandIn, type RecordedRequest } from '../../helpers/apiserver.ts';
import { watchConfigMap, type ConfigMapWatch } from '../../../src/sidecar/kube/configmap-watch.ts';
import { silentLogger } from '../../../src/log.ts';

let api: ApiServerStandIn;
before(async () => { api = await ApiServerStandIn.start(); });
after(async () => { await api.close(); });

interface Seen { files: Map<string, string>; rv: string }

/** Starts a watch on `app-config` in `namespace`; `next()` resolves with the next version seen. */
async function start(t: TestContext, namespace: string): Promise<{ watch: ConfigMapWatch; next: () => Promise<Seen>; seen: Seen[] }> {
  const seen: Seen[] = [];
  const emitter = new EventEmitter();
  const watch = await watchConfigMap({
    logger: silentLogger(), namespace, name: 'app-config', kubeConfig: api.kubeConfig(), backoff: { initialMs: 10, maxMs: 50 },
    onData: (files, rv) => {
      seen.push({ files: new Map([...files].map(([k, v]) => [k, v.toString('utf8')])), rv });
      emitter.emit('data');
    },
  });
  t.after(() => watch.close());
  let taken = 0;
  const next = async (): Promise<Seen> => {
    while (seen.length <= taken) await once(emitter, 'data');
    return seen[taken++]!;
  };
  return { watch, next, seen };
}

function calls(namespace: string, kind: 'list' | 'watch'): RecordedRequest[] {
  return api.requests.filter((r) => r.path === `/api/v1/namespaces/${namespace}/configmaps` && (r.query.watch === 'true') === (kind === 'watch'));
}

describe('configmap watch against the API-server stand-in', () => {
  test('publishes the listed version, then every MODIFIED, with data and binaryData merged', async (t) => {
    const rv1 = api.setConfigMap('ns-a', 'app-config', { 'nginx.conf': 'events {}\n' }, { 'logo.bin': Buffer.from([1, 2, 3]).toString('base64') });
    api.setConfigMap('ns-a', 'other', { 'x': 'not ours' });
    const { watch, next } = await start(t, 'ns-a');
    const first = await next();
    assert.equal(first.rv, rv1);
    assert.equal(first.files.get('nginx.conf'), 'events {}\n');
    assert.equal(first.files.get('logo.bin'), '\u0001\u0002\u0003');
    assert.equal(first.files.has('x'), false);
    assert.equal(calls('ns-a', 'list')[0]!.query.fieldSelector, 'metadata.name=app-config');

    await api.waitForRequest((r) => calls('ns-a', 'watch').includes(r));
    const rv2 = api.setConfigMap('ns-a', 'app-config', { 'nginx.conf': 'events { worker_connections 512; }\n' });
    const second = await next();
    assert.equal(second.rv, rv2);
    assert.equal(second.files.get('nginx.conf'), 'events { worker_connections 512; }\n');
    assert.equal(second.files.has('logo.bin'), false);
    assert.equal(watch.resourceVersion, rv2);
    await watch.close();
    await watch.close();
    await api.waitForOpenWatches(0);
  });

  test('a watch that ends is resumed from the last resourceVersion without listing again', async (t) => {
    api.setConfigMap('ns-b', 'app-config', { 'a.conf': 'v1' });
    const { watch, next } = await start(t, 'ns-b');
    await next();
    await api.waitForRequest((r) => calls('ns-b', 'watch').includes(r));
    const rv2 = api.setConfigMap('ns-b', 'app-config', { 'a.conf': 'v2' });
    await next();
    api.endWatches();
    const [, again] = await api.waitForRequest((r) => calls('ns-b', 'watch').includes(r), 2);
    assert.equal(again!.query.resourceVersion, rv2);
    api.setConfigMap('ns-b', 'app-config', { 'a.conf': 'v3' });
    assert.equal((await next()).files.get('a.conf'), 'v3');
    assert.equal(calls('ns-b', 'list').length, 1);
    await watch.close();
  });

  test('an expired resourceVersion (ERROR event with Status 410) makes it list again', async (t) => {
    api.setConfigMap('ns-c', 'app-config', { 'a.conf': 'v1' });
    const { watch, next } = await start(t, 'ns-c');
    const first = await next();
    await api.waitForRequest((r) => calls('ns-c', 'watch').includes(r));
    // Other objects move the store on while ours does not, then etcd compacts: our RV is too old.
    api.setConfigMap('ns-c', 'unrelated', { 'b': '1' });
    api.compact();
    api.endWatches();
    const relisted = await next();
    assert.equal(relisted.files.get('a.conf'), 'v1');
    assert.equal(relisted.rv, first.rv, 'the object itself did not change');
    assert.equal(calls('ns-c', 'list').length, 2);
    const watches = await api.waitForRequest((r) => calls('ns-c', 'watch').includes(r), 3);
    assert.deepEqual(watches.map((w) => w.query.resourceVersion === first.rv), [true, true, false], 'resumes from the list, not the object');
    assert.ok(Number(watches[2]!.query.resourceVersion) > Number(first.rv));
    api.setConfigMap('ns-c', 'app-config', { 'a.conf': 'v2' });
    assert.equal((await next()).files.get('a.conf'), 'v2');
    await watch.close();
  });

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

  test('a deleted ConfigMap publishes nothing; one that appears later is published', async (t) => {
    const { watch, next, seen } = await start(t, 'ns-e');
    await api.waitForRequest((r) => calls('ns-e', 'watch').includes(r));
    api.setConfigMap('ns-e', 'app-config', { 'a.conf': 'v1' });
    assert.equal((await next()).files.get('a.conf'), 'v1');
    api.deleteConfigMap('ns-e', 'app-config');
    api.setConfigMap('ns-e', 'app-config', { 'a.conf': 'v2' });
    assert.equal((await next()).files.get('a.conf'), 'v2');
    assert.equal(seen.length, 2);
    await watch.close();
  });
});
