// Issue 18 item 5, `kubectl hotcycle reload pod/NAME`, under a real kubelet (test/helpers/cluster/
// node.ts, as in kubelet-pod.test.ts) with its default syncFrequency (1 min): the chart's pod, the
// user's annotation, kubelet's own downwardAPI volume of the Pod's annotations (the chart's
// pod-info), the sidecar acting on it and acknowledging it. Measures how long kubelet takes to
// put an annotation into the file: from the request (its value is the time the plugin made it)
// to the sidecar's reload-request.received line. The images are the local builds, overridable
// by HOTCYCLE_IMAGE / HOTCYCLE_NGINX_IMAGE (scripts/lib/containers.sh) to test other tags.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CHART, helmPath, kubectlPath, ROOT, runTool } from '../charts/k8s-tools.ts';
import { Cluster } from '../helpers/cluster/cluster.ts';
import { KubeletNode } from '../helpers/cluster/node.ts';
import { LoggedProcess } from '../helpers/logged-process.ts';

const APP_IMAGE = process.env.HOTCYCLE_NGINX_IMAGE ?? 'localhost/hotcycle-nginx:dev';
const SIDECAR_IMAGE = process.env.HOTCYCLE_IMAGE ?? 'localhost/hotcycle:dev';
const PLUGIN = join(ROOT, 'dist', 'kubectl-hotcycle.mjs');
const REQUESTS = 5;
const run = promisify(execFile);

let cluster: Cluster | undefined;
let node: KubeletNode | undefined;
let namespace = '';

before(async () => {
  cluster = await Cluster.start({ scheduler: true });
  node = await KubeletNode.start(cluster, { images: [APP_IMAGE, SIDECAR_IMAGE], syncFrequency: null });
}, { timeout: 300_000 });

after(async () => {
  if (namespace) await cluster?.kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=90s']);
  await node?.stop();
  await cluster?.stop();
}, { timeout: 240_000 });

const image = (ref: string) => ({ repository: ref.slice(0, ref.lastIndexOf(':')), tag: ref.slice(ref.lastIndexOf(':') + 1) });

test('reload pod/NAME under kubelet: the annotation reaches the sidecar through kubelet\'s downward API file; each request reloads once and is acknowledged', { timeout: 900_000 }, async () => {
  const c = cluster!;
  const n = node!;
  namespace = await c.namespace('kubelet-reload');
  const [app, sidecarImage] = [image(APP_IMAGE), image(SIDECAR_IMAGE)];
  const helm = await runTool(helmPath(), ['install', 'hotcycle', CHART, '--kubeconfig', c.info.kubeconfig, '--namespace', namespace, '--set', 'replicaCount=1',
    '--set', `image.repository=${app.repository},image.tag=${app.tag},image.pullPolicy=Never`,
    '--set', `sidecar.image.repository=${sidecarImage.repository},sidecar.image.tag=${sidecarImage.tag},sidecar.image.pullPolicy=Never`]);
  assert.ok(helm.ok, `helm install failed: ${helm.stderr}`);
  const rollout = await c.kubectl(['rollout', 'status', 'deployment/hotcycle', '-n', namespace, '--timeout=180s']);
  assert.ok(rollout.ok, `the pod did not become Ready: ${rollout.stderr}\n${n.diagnostics()}`);
  const pod = (await c.json<{ items: Array<{ metadata: { name: string; uid: string } }> }>(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/instance=hotcycle'])).items[0]!;
  // The sidecar's way to the API server (no kube-proxy here): its acknowledgment is a patch.
  await n.serviceInPod(c, pod.metadata.uid);
  const logs = new LoggedProcess([kubectlPath(), '--kubeconfig', c.info.kubeconfig, 'logs', '-f', '-n', namespace, pod.metadata.name, '-c', 'hotcycle']);
  const delays: number[] = [];
  try {
    await logs.waitForLog((l) => l.event === 'sidecar.started');
    for (let i = 0; i < REQUESTS; i++) {
      const received = logs.nextLog((l) => l.event === 'reload-request.received');
      const { stdout } = await run(process.execPath, [PLUGIN, 'reload', `pod/${pod.metadata.name}`, '-n', namespace, '--kubeconfig', c.info.kubeconfig, '--timeout', '150s']);
      assert.match(stdout, new RegExp(`^pod/${pod.metadata.name}: reloaded config [0-9a-f]{12}, generation \\d+\\n$`));
      const line = await received;
      delays.push(Date.parse(String(line.timestamp)) - Date.parse(String(line.request)));
    }
    assert.equal(logs.logs.filter((l) => l.event === 'reload-request.received').length, REQUESTS, 'one reload per request');
  } finally {
    await logs.stop();
  }
  const sorted = [...delays].sort((a, b) => a - b);
  process.stderr.write(`[kubelet] reload requested → the sidecar saw it (kubelet's downward API file, syncFrequency 1m): ${delays.join(', ')} ms; `
    + `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms\n`);
});
