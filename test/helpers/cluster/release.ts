// The chart installed for real into a test namespace, and what a sidecar of one of its Pods
// would see: the Pod objects kube-controller-manager created, a service-account token the
// TokenRequest API bound to one of them (what kubelet projects into the Pod), and the
// in-cluster environment a hotcycle process needs to use it (HOTCYCLE_KUBE_ROOT).
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { CHART, helmPath, runTool } from '../../charts/k8s-tools.ts';
import { writeServiceAccount, type Cluster } from './cluster.ts';

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
  const replicas = (await cluster.json<{ spec: { replicas: number } }>(['get', 'deployment', 'hotcycle', '-n', namespace])).spec.replicas;
  await cluster.must(['wait', 'deployment/hotcycle', '-n', namespace, `--for=jsonpath={.status.replicas}=${replicas}`, '--timeout=90s']);
  const list = await cluster.json<{ items: Array<{ metadata: PodRef }> }>(['get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/instance=hotcycle']);
  const pod = await cluster.json<{ spec: { serviceAccountName: string } }>(['get', 'pod', list.items[0]!.metadata.name, '-n', namespace]);
  return { namespace, serviceAccount: pod.spec.serviceAccountName, pods: list.items.map((p) => ({ name: p.metadata.name, uid: p.metadata.uid })) };
}

/** A token for the release's ServiceAccount bound to `pod`, as kubelet requests one. */
export async function boundToken(cluster: Cluster, release: Release, pod: PodRef): Promise<string> {
  const token = await cluster.must(['create', 'token', release.serviceAccount, '-n', release.namespace,
    '--bound-object-kind', 'Pod', '--bound-object-name', pod.name, '--bound-object-uid', pod.uid, '--duration', '1h']);
  return token.trim();
}

/** The environment of a hotcycle sidecar in `pod`: service-account files under `dir`, Downward API. */
export async function sidecarEnv(cluster: Cluster, release: Release, pod: PodRef, dir: string, options: { withUid: boolean }): Promise<NodeJS.ProcessEnv> {
  const root = join(dir, 'kube-root');
  await writeServiceAccount(root, { token: await boundToken(cluster, release, pod), caCert: cluster.info.pki.caCert, namespace: release.namespace });
  return {
    HOTCYCLE_KUBE_ROOT: root, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(cluster.info.port),
    POD_NAME: pod.name, POD_NAMESPACE: release.namespace, ...(options.withUid ? { POD_UID: pod.uid } : {}),
  };
}

export interface ApiAnswer { status: number; body: { message?: string; [key: string]: unknown } }

/**
 * One API request as the holder of `token` (the sidecar's own identity, not the admin's
 * certificate), without kubectl: `kubectl patch` reads the object first, which the sidecar's
 * Role does not allow and the sidecar never does.
 */
export function apiAs(cluster: Cluster, token: string, method: string, path: string, body?: object, contentType = 'application/merge-patch+json'): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cluster.info.server), {
      method, ca: readFileSync(cluster.info.pki.caCert),
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': contentType } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) as ApiAnswer['body'] : {} });
      });
    });
    req.on('error', reject).end(body ? JSON.stringify(body) : undefined);
  });
}
