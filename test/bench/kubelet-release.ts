// The chart installed from the local images (`npm run images`) onto a real kubelet node, as
// test/cluster/kubelet-pod.test.ts installs it, one pod per release, with the `kubernetes`
// Service relayed into that pod (no kube-proxy here) so its sidecar reaches the API server.
import { CHART, helmPath, runTool } from '../charts/k8s-tools.ts';
import type { Cluster } from '../helpers/cluster/cluster.ts';
import type { KubeletNode } from '../helpers/cluster/node.ts';

const APP_IMAGE = 'localhost/hotcycle-nginx:dev';
const SIDECAR_IMAGE = 'localhost/hotcycle:dev';
/** What KubeletNode.start must import for these releases. */
export const LOCAL_IMAGES = [APP_IMAGE, SIDECAR_IMAGE];

export interface LocalRelease { namespace: string; pod: string; uid: string }

/** `helm install hotcycle` (1 replica, `args` on top) into a new namespace; resolves once its pod is Ready and reaches the API. */
export async function installLocalImages(cluster: Cluster, node: KubeletNode, prefix: string, args: string[]): Promise<LocalRelease> {
  const namespace = await cluster.namespace(prefix);
  const [app, sidecar] = [APP_IMAGE, SIDECAR_IMAGE].map((image) => image.split(':')[0]);
  const helm = await runTool(helmPath(), ['install', 'hotcycle', CHART, '--kubeconfig', cluster.info.kubeconfig, '--namespace', namespace,
    '--set', 'replicaCount=1',
    '--set', `image.repository=${app},image.tag=dev,image.pullPolicy=Never`,
    '--set', `sidecar.image.repository=${sidecar},sidecar.image.tag=dev,sidecar.image.pullPolicy=Never`, ...args]);
  if (!helm.ok) throw new Error(`helm install failed: ${helm.stderr}`);
  const rollout = await cluster.kubectl(['rollout', 'status', 'deployment/hotcycle', '-n', namespace, '--timeout=180s']);
  if (!rollout.ok) throw new Error(`${namespace}: the pod did not become Ready under kubelet: ${rollout.stderr}\n${node.diagnostics()}`);
  const list = await cluster.json<{ items: Array<{ metadata: { name: string; uid: string } }> }>(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/instance=hotcycle']);
  const pod = list.items[0]?.metadata;
  if (!pod || list.items.length !== 1) throw new Error(`${namespace}: ${list.items.length} pods, not 1`);
  await node.serviceInPod(cluster, pod.uid);
  return { namespace, pod: pod.name, uid: pod.uid };
}
