// I/O: the user's kubeconfig, and the reads and writes the plugin makes — the Deployment, its
// Pods (by its selector), its rollout Lease (read, and written only as a compare-and-swap
// through the sidecar's own LeaseStore: PUT with the resourceVersion read, 409 → read again).
import type * as K8s from '@kubernetes/client-node';
import { HotcycleError } from '../errors.ts';
import { loadKubeClient, type KubeClient } from '../sidecar/kube/client.ts';
import { describeFailure } from '../sidecar/kube/retry.ts';
import type { RolloutState } from '../sidecar/rollout/lease.ts';
import { LeaseStore } from '../sidecar/rollout/store.ts';
import type { Target } from './args.ts';
import { rolloutLeaseName } from './lease-name.ts';
import { withPaused } from './paused.ts';
import { selectorString } from './selector.ts';
import type { FleetInput, PodInput } from './view.ts';

/** The Deployment does not exist (exit 1, its own message). */
export class DeploymentNotFound extends HotcycleError {
  constructor(namespace: string, name: string) {
    super('control', 'ENOTFOUND', `deployment ${namespace}/${name} not found`);
  }
}

/** The Deployment runs no rollout: nothing to pause or resume. */
export class NoRollout extends HotcycleError {
  constructor(message: string) {
    super('control', 'EROLLOUT', message);
  }
}

export interface Connection {
  client: KubeClient;
  apps: K8s.AppsV1Api;
  namespace: string;
}

export async function connect(target: Target): Promise<Connection> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  const namespace = target.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const client = await loadKubeClient(kc);
  return { client, apps: kc.makeApiClient(k8s.AppsV1Api), namespace };
}

function failure(what: string, error: unknown): HotcycleError {
  const f = describeFailure(error);
  return new HotcycleError('control', 'EUNKNOWN', `cannot ${what}: ${f.status === undefined ? '' : `HTTP ${f.status} `}${f.message}`, { cause: error });
}

async function readDeployment(c: Connection, name: string): Promise<K8s.V1Deployment> {
  try {
    return await c.apps.readNamespacedDeployment({ name, namespace: c.namespace });
  } catch (error) {
    if (describeFailure(error).status === 404) throw new DeploymentNotFound(c.namespace, name);
    throw failure(`get deployment ${c.namespace}/${name}`, error);
  }
}

function podInput(pod: K8s.V1Pod): PodInput {
  const created = pod.metadata?.creationTimestamp;
  return {
    name: pod.metadata?.name ?? '',
    annotations: pod.metadata?.annotations ?? {},
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    createdAt: created instanceof Date ? created.toISOString() : String(created ?? ''),
  };
}

function leaseStore(c: Connection, name: string): LeaseStore {
  return new LeaseStore({ client: c.client, namespace: c.namespace, name });
}

/** Every read of `status`: the Deployment, its Pods, its rollout Lease (null when off). */
export async function readFleet(c: Connection, deployment: string, signal: AbortSignal): Promise<FleetInput> {
  const d = await readDeployment(c, deployment);
  let pods: K8s.V1PodList;
  try {
    pods = await c.client.core.listNamespacedPod({ namespace: c.namespace, labelSelector: selectorString(d.spec?.selector) });
  } catch (error) {
    throw failure(`list the pods of deployment ${c.namespace}/${deployment}`, error);
  }
  const name = rolloutLeaseName(d.spec?.template.spec);
  let lease: FleetInput['lease'] = null;
  if (name) {
    try {
      lease = { name, state: (await leaseStore(c, name).read(signal)).state };
    } catch (error) {
      // No Lease: the rollout is off (a sidecar without it applies every version at once).
      if (!(error instanceof HotcycleError && error.detail === 'HTTP 404')) throw error;
    }
  }
  return { namespace: c.namespace, deployment, pods: pods.items.map(podInput), lease };
}

const MAX_CONFLICTS = 20;

/** Sets `paused` in the Deployment's rollout Lease (compare-and-swap); the state written. */
export async function setPaused(c: Connection, deployment: string, paused: boolean, signal: AbortSignal): Promise<{ lease: string; state: RolloutState }> {
  const d = await readDeployment(c, deployment);
  const name = rolloutLeaseName(d.spec?.template.spec);
  if (!name) throw new NoRollout(`deployment ${c.namespace}/${deployment} has no rollout: its Pod template gives no --rollout-lease (the chart's rollout.enabled)`);
  const store = leaseStore(c, name);
  for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
    const read = await store.read(signal);
    const written = await store.write(read, withPaused(read.state, paused), signal);
    if (written !== 'conflict') return { lease: store.name, state: written.state };
  }
  throw new HotcycleError('control', 'EROLLOUT', `Lease ${store.name} changed under every one of ${MAX_CONFLICTS} writes: try again`);
}
