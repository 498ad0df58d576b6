// The ConfigMap watch (src/sidecar/kube/configmap-watch.ts) in this process, through the real
// @kubernetes/client-node list + watch, against the real kube-apiserver. The 410 Gone from a real
// etcd compaction and an API-server restart are proven end to end in sidecar-fastpath.test.ts;
// a scripted HTTP 410 or 500 on the watch request, which a real server does not answer on
// demand, stays in test/sidecar/kube/configmap-watch.test.ts (the stand-in).
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { startWatch } from '../helpers/configmap-watch.ts';
import type { Line } from '../helpers/log-capture.ts';

const cluster = useCluster();
let admin: KubeConfig;

before(async () => {
  const c = await cluster();
  admin = new KubeConfig();
  admin.loadFromFile(c.info.kubeconfig);
});

const start = (t: TestContext, namespace: string, watchTimeoutSeconds?: number) => startWatch(t, admin, namespace, watchTimeoutSeconds);

/** `kubectl apply` of a ConfigMap; its new resourceVersion. */
async function apply(namespace: string, name: string, data: Record<string, string>, binaryData?: Record<string, string>): Promise<string> {
  const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data, ...(binaryData ? { binaryData } : {}) };
  const applied = await (await cluster()).must(['apply', '-f', '-', '-o', 'jsonpath={.metadata.resourceVersion}'], JSON.stringify(manifest));
  return applied.trim();
}

test('publishes the listed version, then every change, with data and binaryData merged', { timeout: 60_000 }, async (t) => {
  const ns = await (await cluster()).namespace('watch-a');
  const rv1 = await apply(ns, 'app-config', { 'nginx.conf': 'events {}\n' }, { 'logo.bin': Buffer.from([1, 2, 3]).toString('base64') });
  await apply(ns, 'other', { x: 'not ours' });
  const { watch, next } = await start(t, ns);
  const first = await next();
  assert.equal(first.rv, rv1);
  assert.equal(first.files.get('nginx.conf'), 'events {}\n');
  assert.equal(first.files.get('logo.bin'), '\u0001\u0002\u0003');
  assert.equal(first.files.has('x'), false, 'only the named ConfigMap');

  await (await cluster()).must(['replace', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns }, data: { 'nginx.conf': 'events { worker_connections 512; }\n' } }));
  const second = await next();
  assert.equal(second.files.get('nginx.conf'), 'events { worker_connections 512; }\n');
  assert.equal(second.files.has('logo.bin'), false);
  assert.equal(watch.resourceVersion, second.rv);
  await watch.close();
  await watch.close();
});

test('a watch the server ends (its timeoutSeconds) is resumed from the last resourceVersion, without listing again', { timeout: 60_000 }, async (t) => {
  const ns = await (await cluster()).namespace('watch-b');
  await apply(ns, 'app-config', { 'a.conf': 'v1' });
  const { next, waitLine, seen } = await start(t, ns, 2);
  await next();
  const resumed = (l: Line) => l.message === 'configmap watch ended; resuming';
  // From the object's resourceVersion, or a newer one a BOOKMARK (sent as the server ends a watch) gave.
  assert.ok(Number((await waitLine(resumed)).resourceVersion) >= Number(seen[0]!.rv));
  await waitLine(resumed, 2); // and again: each watch is resumed
  await apply(ns, 'app-config', { 'a.conf': 'v2' });
  assert.equal((await next()).files.get('a.conf'), 'v2');
  assert.equal(seen.length, 2, 'no list again: a list would have delivered v1 once more');
});

test('a deleted ConfigMap publishes nothing; one that appears later is published', { timeout: 60_000 }, async (t) => {
  const ns = await (await cluster()).namespace('watch-c');
  const { next, waitLine, seen } = await start(t, ns);
  await waitLine((l) => /does not exist \(yet\)/.test(String(l.message)));
  await apply(ns, 'app-config', { 'a.conf': 'v1' });
  assert.equal((await next()).files.get('a.conf'), 'v1');
  await (await cluster()).must(['delete', 'configmap', 'app-config', '-n', ns]);
  await waitLine((l) => /was deleted; keeping the last published version/.test(String(l.message)));
  await apply(ns, 'app-config', { 'a.conf': 'v2' });
  assert.equal((await next()).files.get('a.conf'), 'v2');
  assert.equal(seen.length, 2);
});
