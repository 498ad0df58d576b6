// Issue 11, "the pod, run for real", preferred form: the chart's pods run by a real kubelet
// (test/helpers/cluster/node.ts: kubelet 1.35 + Debian's containerd 1.6 and runc) against a
// private control plane with kube-scheduler, from the images built locally (npm run images).
// `helm install` with the default values (the fleet rollout off), the images pointed at the local builds: kubelet
// starts the native sidecar, its startup probe gates the app container, both become Ready, and
// nginx serves on the pod's own loopback. A `kubectl apply` of an edited ConfigMap reaches the
// sidecar through the default fast path (its API watch, once the Service relay lets it list), and
// the sidecar publishes and reloads it; kubelet's ..data swap confirms it later.
//
// The control plane is this file's own, not the run's shared one: a kubelet registered there
// would be handed every other test's pods (images nobody built, from registries nobody reaches).
// A component that cannot start fails the test with its output; nothing is skipped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHART, helmPath, kubectlPath, runTool } from '../charts/k8s-tools.ts';
import { Cluster } from '../helpers/cluster/cluster.ts';
import { KubeletNode, NODE_NAME } from '../helpers/cluster/node.ts';
import { watchPodEvents } from '../helpers/cluster/release.ts';
import { LoggedProcess } from '../helpers/logged-process.ts';

const APP_IMAGE = 'localhost/hotcycle-nginx:dev';
const SIDECAR_IMAGE = 'localhost/hotcycle:dev';

let cluster: Cluster | undefined;
let node: KubeletNode | undefined;
const namespaces: string[] = [];

before(async () => {
  const started = Date.now();
  cluster = await Cluster.start({ scheduler: true });
  const controlPlane = Date.now() - started;
  node = await KubeletNode.start(cluster, { images: [APP_IMAGE, SIDECAR_IMAGE] });
  const t = node.timings;
  process.stderr.write(`[kubelet] control plane ${controlPlane} ms; node: namespace ${t.namespace} ms, containerd ${t.containerd} ms, `
    + `images ${t.images} ms, kubelet ${t.kubelet} ms, Ready ${t.ready} ms\n`);
}, { timeout: 300_000 });

after(async () => {
  // Pods end gracefully while kubelet still runs (a deletion it carries out), then the node goes.
  for (const namespace of namespaces) await cluster?.kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=90s']);
  await node?.stop();
  await cluster?.stop();
}, { timeout: 240_000 });

function ready(): { cluster: Cluster; node: KubeletNode } {
  if (!cluster || !node) throw new Error('the cluster and its node are not started (before() failed)');
  return { cluster, node };
}

interface PodStatus {
  metadata: { name: string; uid: string };
  spec: { nodeName?: string };
  status: {
    phase: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; ready: boolean; started?: boolean; state: Record<string, unknown> }>;
    initContainerStatuses?: Array<{ name: string; ready: boolean; started?: boolean; state: Record<string, unknown> }>;
  };
}

/** helm install into a new restricted namespace; resolves when the Deployment is rolled out (a watch). */
async function install(c: Cluster, n: KubeletNode): Promise<{ namespace: string; pods: PodStatus[] }> {
  const namespace = await c.namespace('kubelet');
  namespaces.push(namespace);
  const started = Date.now();
  const helm = await runTool(helmPath(), ['install', 'hotcycle', CHART, '--kubeconfig', c.info.kubeconfig, '--namespace', namespace,
    '--set', `image.repository=${APP_IMAGE.split(':')[0]},image.tag=dev,image.pullPolicy=Never`,
    '--set', `sidecar.image.repository=${SIDECAR_IMAGE.split(':')[0]},sidecar.image.tag=dev,sidecar.image.pullPolicy=Never`,
    // One pod's path, timed: every pod applies an edit at once here. The fleet rollout (on by
    // default with 2 replicas) under kubelet is readme-on-a-cluster's and fleet-rollout's.
    '--set', 'rollout.enabled=false']);
  assert.ok(helm.ok, `helm install failed: ${helm.stderr}`);
  const rollout = await c.kubectl(['rollout', 'status', 'deployment/hotcycle', '-n', namespace, '--timeout=180s']);
  if (!rollout.ok) {
    const events = await c.kubectl(['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp', '-o', 'custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message']);
    assert.fail(`the chart's pods did not become Ready under kubelet: ${rollout.stderr}\n${events.stdout}\n${n.diagnostics()}`);
  }
  process.stderr.write(`[kubelet] helm install to rolled out (every pod Ready): ${Date.now() - started} ms\n`);
  const list = await c.json<{ items: PodStatus[] }>(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/instance=hotcycle']);
  return { namespace, pods: list.items };
}

/** An HTTP GET to the pod's own loopback, from inside the pod (kubectl exec through kubelet and containerd). */
async function getOnPodLoopback(c: Cluster, namespace: string, pod: string, url = 'http://127.0.0.1:8080/'): Promise<string> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => process.stdout.write(r.status + ' ' + await r.text()))`;
  return c.must(['exec', '-n', namespace, pod, '-c', 'hotcycle', '--', 'node', '-e', script]);
}

let release: { namespace: string; pods: PodStatus[] } | undefined;

test('kubelet runs the chart\'s pods: Running and Ready on node localhost, serving on the pod\'s loopback', async () => {
  const { cluster: c, node: n } = ready();
  release = await install(c, n);
  const { namespace, pods } = release;
  assert.equal(pods.length, 2, 'the default values ask for 2 replicas');
  for (const pod of pods) {
    assert.equal(pod.spec.nodeName, NODE_NAME);
    assert.equal(pod.status.phase, 'Running');
    assert.equal(pod.status.conditions?.find((x) => x.type === 'Ready')?.status, 'True');
    const prefix = n.podSubnet.replace(/0\/24$/, '');
    assert.ok(pod.status.podIP?.startsWith(prefix), `${pod.status.podIP} is from the node's pod network ${n.podSubnet}`);
    const sidecar = pod.status.initContainerStatuses?.find((s) => s.name === 'hotcycle');
    assert.ok(sidecar?.started && sidecar.ready && 'running' in sidecar.state, `the native sidecar runs: ${JSON.stringify(sidecar)}`);
    for (const container of pod.status.containerStatuses ?? []) assert.ok(container.ready && 'running' in container.state, `${container.name} runs: ${JSON.stringify(container)}`);
    assert.equal(await getOnPodLoopback(c, namespace, pod.metadata.name), '200 hello from hotcycle\n');
    const status = JSON.parse(await c.must(['exec', '-n', namespace, pod.metadata.name, '-c', 'hotcycle', '--', 'hotcycle', 'status', '--json'])) as unknown;
    assert.ok(status && typeof status === 'object', 'hotcycle status --json answers through kubectl exec');
  }
  // The sidecars' way to the API server for the tests after this one (no kube-proxy here).
  for (const pod of pods) await n.serviceInPod(c, pod.metadata.uid);
  // The containers are containerd's, created by kubelet through the CRI: two per pod and the sandbox.
  const containers = (await n.ctr(['containers', 'ls', '-q'])).split('\n').filter(Boolean);
  assert.ok(containers.length >= 6, `containerd holds the pods' containers: ${containers.join(', ')}`);
});

test('a ConfigMap edit (kubectl apply) reaches the pod through the default fast path, the sidecar reloads it and reports it on the Pod', async () => {
  const { cluster: c } = ready();
  assert.ok(release, 'the first test installed the release');
  const { namespace, pods } = release;
  const pod = pods[0]!.metadata.name;
  const configMap = await c.json<{ metadata: { name: string; namespace: string }; data: Record<string, string> }>(['get', 'configmap', 'hotcycle', '-n', namespace]);
  const nginxConf = configMap.data['nginx.conf'] ?? '';
  assert.ok(nginxConf.includes('hello from hotcycle'), `the default nginx.conf: ${nginxConf}`);
  // The watch lists once the first test's Service relay lets the sidecar reach the API server.
  const watching = new LoggedProcess([kubectlPath(), '--kubeconfig', c.info.kubeconfig, 'logs', '-f', '-n', namespace, pod, '-c', 'hotcycle']);
  await watching.waitForLog((l) => l.event === 'configmap-watch' && /^configmap watch: listed/.test(l.message)).finally(() => watching.stop());
  const since = new Date(Date.now() - 1000).toISOString();
  // The sidecar's log, followed from before the edit: its reload.ok line is the event waited for.
  const logs = new LoggedProcess([kubectlPath(), '--kubeconfig', c.info.kubeconfig, 'logs', '-f', '-n', namespace, pod, '-c', 'hotcycle', `--since-time=${since}`]);
  const events = watchPodEvents(c, namespace, pods[0]!.metadata.uid, 'Reloaded');
  try {
    const edited = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hotcycle', namespace },
      data: { ...configMap.data, 'nginx.conf': nginxConf.replace('hello from hotcycle', 'hello again from hotcycle') } };
    const applied = Date.now();
    await c.must(['apply', '-f', '-'], JSON.stringify(edited));
    const published = await logs.waitForLog((l) => l.event === 'config.published' && l.changed === true && Date.parse(String(l.timestamp)) >= applied - 1000);
    const reloaded = await logs.waitForLog((l) => l.event === 'reload.ok' && l.configHash === published.configHash);
    process.stderr.write(`[kubelet] kubectl apply to reload.ok: ${Date.parse(String(reloaded.timestamp)) - applied} ms (the fast path: the API watch, then the sidecar)\n`);
    assert.equal(await getOnPodLoopback(c, namespace, pod), '200 hello again from hotcycle\n');
    const status = JSON.parse(await c.must(['exec', '-n', namespace, pod, '-c', 'hotcycle', '--', 'hotcycle', 'status', '--json'])) as { sidecar: { runningSource?: string } };
    assert.equal(status.sidecar.runningSource, 'api', 'brought by the watch, not the volume');
    // Reported with the token kubelet projected into the pod: the annotation, and the Event.
    const hash = String(reloaded.configHash);
    await c.must(['wait', `pod/${pod}`, '-n', namespace, `--for=jsonpath={.metadata.annotations.hotcycle\\.dev/config-hash}=${hash}`, '--timeout=60s']);
    await events.waitForLog((l) => l.message.includes(`config ${hash.slice(0, 12)}`));
  } finally {
    await logs.stop();
    await events.stop();
  }
});

test('a syntax error in the ConfigMap is rejected inside the pod with file:line:col (in a ConfigRejected Event too), and the pod serves on', async () => {
  const { cluster: c } = ready();
  assert.ok(release, 'the first test installed the release');
  const { namespace, pods } = release;
  const pod = pods[0]!.metadata.name;
  const configMap = await c.json<{ data: Record<string, string> }>(['get', 'configmap', 'hotcycle', '-n', namespace]);
  const nginxConf = configMap.data['nginx.conf'] ?? '';
  assert.ok(nginxConf.includes('worker_connections 1024;'), `the nginx.conf to break: ${nginxConf}`);
  const since = new Date(Date.now() - 1000).toISOString();
  const logs = new LoggedProcess([kubectlPath(), '--kubeconfig', c.info.kubeconfig, 'logs', '-f', '-n', namespace, pod, '-c', 'hotcycle', `--since-time=${since}`]);
  const events = watchPodEvents(c, namespace, pods[0]!.metadata.uid, 'ConfigRejected');
  try {
    const broken = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hotcycle', namespace },
      data: { ...configMap.data, 'nginx.conf': nginxConf.replace('worker_connections 1024;', 'worker_connections 1024') } };
    await c.must(['apply', '-f', '-'], JSON.stringify(broken));
    const rejected = await logs.waitForLog((l) => l.event === 'config.rejected');
    const diagnostics = (rejected.diagnostics as string[] | undefined) ?? [];
    assert.ok(diagnostics.some((d) => /^nginx\.conf:\d+:\d+: /.test(d)), `a located diagnostic: ${JSON.stringify(diagnostics)}`);
    assert.equal(await getOnPodLoopback(c, namespace, pod), '200 hello again from hotcycle\n', 'the last good config serves on');
    const event = await events.waitForLog((l) => /nginx\.conf:\d+:\d+: /.test(l.message));
    assert.ok(diagnostics.some((d) => event.message.includes(d)), `the ConfigRejected Event names the diagnostic: ${event.message}`);
  } finally {
    await logs.stop();
    await events.stop();
  }
});

test('deleting a pod: kubelet stops both containers, each exits 0, well within the grace period', async () => {
  const { cluster: c } = ready();
  assert.ok(release, 'the first test installed the release');
  const { namespace, pods } = release;
  const pod = pods[1]!.metadata.name;
  const grace = (await c.json<{ spec: { terminationGracePeriodSeconds: number } }>(['get', 'pod', pod, '-n', namespace])).spec.terminationGracePeriodSeconds;
  // Every update of the pod as one line: deletion time, the sidecar's and the app's exit codes
  // (`<none>` while running). Custom columns, because with `-o jsonpath` and --watch kubectl 1.35
  // was seen to exit 0 after the deletion without printing a single further update.
  const columns = 'DELETING:.metadata.deletionTimestamp,SIDECAR:.status.initContainerStatuses[0].state.terminated.exitCode,'
    + 'APP:.status.containerStatuses[0].state.terminated.exitCode';
  const watch = new LoggedProcess([kubectlPath(), '--kubeconfig', c.info.kubeconfig, 'get', 'pod', pod, '-n', namespace, '-w', '--no-headers', '-o', `custom-columns=${columns}`]);
  try {
    await watch.waitForLog((l) => l.message.includes('<none>'));
    const started = Date.now();
    await c.must(['delete', 'pod', pod, '-n', namespace, '--wait=false']);
    const stopped = await watch.waitForLog((l) => /^\S+\s+\d+\s+\d+$/.test(l.message.trim()));
    const [, sidecarExit, appExit] = stopped.message.trim().split(/\s+/);
    assert.deepEqual({ sidecarExit, appExit }, { sidecarExit: '0', appExit: '0' }, 'both containers exit 0 (SIGTERM: the master drains, then the sidecar ends)');
    await c.must(['wait', '--for=delete', `pod/${pod}`, '-n', namespace, `--timeout=${grace}s`]);
    const ms = Date.now() - started;
    process.stderr.write(`[kubelet] kubectl delete pod to gone: ${ms} ms (grace period ${grace} s)\n`);
    assert.ok(ms < grace * 1000, `the pod was gone after ${ms} ms, within its grace period of ${grace} s`);
  } finally {
    await watch.stop();
  }
});
