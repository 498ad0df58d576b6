// The only place that loads @kubernetes/client-node, and only through a dynamic import(): the
// library costs ~90 MB RSS, and the master and the CLI must never pay it (DESIGN.md §6). Every
// other module in this folder imports its *types* only, which type stripping erases.
import type * as K8s from '@kubernetes/client-node';

export type KubeModule = typeof K8s;

export interface KubeClient {
  k8s: KubeModule;
  kubeConfig: K8s.KubeConfig;
  core: K8s.CoreV1Api;
  events: K8s.EventsV1Api;
  /** The rollout Lease (sidecar/rollout/store.ts). */
  coordination: K8s.CoordinationV1Api;
}

/** Loads the library; without `kubeConfig`, uses the in-cluster service account. */
export async function loadKubeClient(kubeConfig?: K8s.KubeConfig): Promise<KubeClient> {
  const k8s = await import('@kubernetes/client-node');
  let kc = kubeConfig;
  if (!kc) {
    kc = new k8s.KubeConfig();
    kc.loadFromCluster();
  }
  return {
    k8s, kubeConfig: kc, core: kc.makeApiClient(k8s.CoreV1Api), events: kc.makeApiClient(k8s.EventsV1Api),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
  };
}

/**
 * Per-call options: a deadline (the generated client has none, and a hung API server must not
 * hold the report queue forever), the caller's abort signal, and, for patches, the content
 * type. client-node 2.x sends
 * every PATCH as `application/json-patch+json` unless a middleware overrides the header; a merge
 * patch body under that type is rejected, so `patchContentType` must be given for merge patches.
 */
export function callOptions(
  k8s: KubeModule,
  call: { timeoutMs: number; signal: AbortSignal; patchContentType?: K8s.PatchStrategy },
): K8s.ConfigurationOptions {
  const { timeoutMs, signal, patchContentType } = call;
  const deadline: K8s.ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]));
      return new k8s.Observable(Promise.resolve(request));
    },
    post: (response) => new k8s.Observable(Promise.resolve(response)),
  };
  const base: K8s.ConfigurationOptions = { middleware: [deadline], middlewareMergeStrategy: 'append' };
  return patchContentType ? k8s.setHeaderOptions('Content-Type', patchContentType, base) : base;
}

/**
 * The in-cluster configuration with the service-account files under `root` (client-node's
 * `loadFromCluster` path prefix): `${root}/var/run/secrets/kubernetes.io/serviceaccount/…`.
 * Only for HOTCYCLE_KUBE_ROOT, the documented test hook that points a real sidecar process at
 * the API-server stand-in; in a pod the root is `/` and loadKubeClient() needs no config.
 */
export async function inClusterKubeConfig(root: string): Promise<K8s.KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromCluster(root);
  return kc;
}
