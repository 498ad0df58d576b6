// The chart installed for real into a test namespace, and what a sidecar of one of its Pods
// would see: the Pod objects kube-controller-manager created, a service-account token the
// TokenRequest API bound to one of them (what kubelet projects into the Pod), and the
// in-cluster environment a hotcycle process needs to use it (HOTCYCLE_KUBE_ROOT).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART, helmPath, kubectlPath, runTool } from '../../charts/k8s-tools.ts';
import { LoggedProcess } from '../logged-process.ts';
import { httpsRequest } from './https.ts';
import { writeServiceAccount, type Cluster } from './cluster.ts';
import type { HotcycleProcess, Pod } from '../sidecar.ts';

export interface PodRef { name: string; uid: string }

export interface Release {
  namespace: string;
  serviceAccount: string;
  pods: PodRef[];
}

/** `helm install hotcycle` into a new restricted namespace; resolves once every Pod exists. */
export async function installRelease(cluster: Cluster, prefix: string, args: string[] = []): Promise<Release> {
  const namespace = await cluster.namespace(prefix);
  const install = await runTool(helmPath(), ['install', 'hotcycle', CHART, '--kubeconfig', cluster.info.kubeconfig, '--namespace', namespace, ...args]);
  if (!install.ok) throw new Error(`helm install failed: ${install.stderr}`);
  const pods = await podsCreated(cluster, namespace);
  const pod = await cluster.json<{ spec: { serviceAccountName: string } }>(['get', 'pod', pods[0]!.name, '-n', namespace]);
  return { namespace, serviceAccount: pod.spec.serviceAccountName, pods };
}

/**
 * Waits (a watch, through kubectl wait) until the ReplicaSet controller created every Pod of
 * the `hotcycle` Deployment in `namespace`, and returns them. A Pod that admission refused
 * fails it with the namespace's Events, which say why.
 */
export async function podsCreated(cluster: Cluster, namespace: string): Promise<PodRef[]> {
  const replicas = (await cluster.json<{ spec: { replicas: number } }>(['get', 'deployment', 'hotcycle', '-n', namespace])).spec.replicas;
  const waited = await cluster.kubectl(['wait', 'deployment/hotcycle', '-n', namespace, `--for=jsonpath={.status.replicas}=${replicas}`, '--timeout=90s']);
  if (!waited.ok) {
    const events = await cluster.kubectl(['get', 'events', '-n', namespace, '-o', 'custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message']);
    throw new Error(`the ReplicaSet did not create ${replicas} pods: ${waited.stderr}\n${events.stdout}`);
  }
  const list = await cluster.json<{ items: Array<{ metadata: PodRef }> }>(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/instance=hotcycle']);
  if (list.items.length !== replicas) throw new Error(`${list.items.length} pods, not ${replicas}`);
  return list.items.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid }));
}

/** One Event as `kubectl get events` (core v1) shows it: an events.k8s.io `note` is its `message`. */
export interface PodEvent { reason: string; type: string; message?: string; metadata: { name: string } }

/** The Events about the Pod with `uid`, as `kubectl describe pod` finds them (by involvedObject.uid). */
export async function podEvents(cluster: Cluster, namespace: string, uid: string): Promise<PodEvent[]> {
  return (await cluster.json<{ items: PodEvent[] }>(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.uid=${uid}`])).items;
}

/** Follows the Events of one Pod with one reason (`kubectl get events -w`): one line per Event, its message. */
export function watchPodEvents(cluster: Cluster, namespace: string, podUid: string, reason: string): LoggedProcess {
  return new LoggedProcess([kubectlPath(), '--kubeconfig', cluster.info.kubeconfig, 'get', 'events', '-n', namespace, '-w', '--no-headers',
    '--field-selector', `involvedObject.uid=${podUid},reason=${reason}`, '-o', 'custom-columns=MESSAGE:.message']);
}

/** A token for the release's ServiceAccount bound to `pod`, as kubelet requests one. */
export async function boundToken(cluster: Cluster, release: Release, pod: PodRef): Promise<string> {
  const token = await cluster.must(['create', 'token', release.serviceAccount, '-n', release.namespace,
    '--bound-object-kind', 'Pod', '--bound-object-name', pod.name, '--bound-object-uid', pod.uid, '--duration', '1h']);
  return token.trim();
}

/**
 * The environment of a hotcycle sidecar in `pod`: service-account files under `dir`, Downward API.
 * `apiServerPort` aims it at another API server on the cluster's etcd (Cluster.extraApiServer).
 */
export async function sidecarEnv(cluster: Cluster, release: Release, pod: PodRef, dir: string, options: { withUid: boolean; apiServerPort?: number }): Promise<NodeJS.ProcessEnv> {
  const root = join(dir, 'kube-root');
  await writeServiceAccount(root, { token: await boundToken(cluster, release, pod), caCert: cluster.info.pki.caCert, namespace: release.namespace });
  return {
    HOTCYCLE_KUBE_ROOT: root, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(options.apiServerPort ?? cluster.info.port),
    POD_NAME: pod.name, POD_NAMESPACE: release.namespace, ...(options.withUid ? { POD_UID: pod.uid } : {}),
  };
}

export interface ApiAnswer { status: number; body: { message?: string; [key: string]: unknown } }

/**
 * One API request as the holder of `token` (the sidecar's own identity, not the admin's
 * certificate), without kubectl: `kubectl patch` reads the object first, which the sidecar's
 * Role does not allow and the sidecar never does.
 */
export async function apiAs(cluster: Cluster, token: string, method: string, path: string, body?: object, contentType = 'application/merge-patch+json'): Promise<ApiAnswer> {
  const { status, text } = await httpsRequest(new URL(path, cluster.info.server), {
    method, ca: readFileSync(cluster.info.pki.caCert),
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': contentType } : {}) },
  }, body ? JSON.stringify(body) : undefined);
  return { status, body: text ? JSON.parse(text) as ApiAnswer['body'] : {} };
}

/**
 * A bare Pod object in `namespace` that the restricted Pod Security Standard admits, for tests
 * that need a Pod but not the chart. No kubelet runs it; the API server only holds it.
 */
export async function createPod(cluster: Cluster, namespace: string, name: string): Promise<PodRef> {
  // The ServiceAccount admission plugin needs `default`, which a controller creates after the namespace.
  await cluster.must(['wait', '--for=create', 'serviceaccount/default', '-n', namespace, '--timeout=60s']);
  const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  await cluster.must(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image: 'registry.invalid/app:1', securityContext: restricted }],
    },
  }));
  const pod = await cluster.json<{ metadata: PodRef }>(['get', 'pod', name, '-n', namespace]);
  return { name: pod.metadata.name, uid: pod.metadata.uid };
}

/**
 * Runs `pod` (a pod on this machine) as one of the release's Pods (`self`, default the first):
 * its sidecar with that Pod's in-cluster environment (aimed at `apiServerPort`, default the
 * cluster's) and `args`, then the master; resolves once the first version is published and
 * applied — or, with `startMaster: false`, once it is published (the test starts the master).
 */
export async function startReleasePod(
  cluster: Cluster, release: Release, pod: Pod,
  options: { args?: string[]; apiServerPort?: number; self?: PodRef; startMaster?: boolean } = {},
): Promise<HotcycleProcess> {
  const self = options.self ?? release.pods[0]!;
  const env = await sidecarEnv(cluster, release, self, pod.dir, { withUid: true, ...(options.apiServerPort ? { apiServerPort: options.apiServerPort } : {}) });
  const sidecar = await pod.startSidecar(options.args ?? [], env);
  await sidecar.waitForLog((l) => l.event === 'config.published');
  if (options.startMaster === false) return sidecar;
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  return sidecar;
}
