// I/O: the user's kubeconfig, and the reads and writes the plugin makes — the Deployment, its
// Pods (by its selector), its rollout Lease (read, and written only as a compare-and-swap
// through the sidecar's own LeaseStore: PUT with the resourceVersion read, 409 → read again).
import type * as K8s from '@kubernetes/client-node';
import { HotcycleError } from '../errors.ts';
import { loadKubeClient, type KubeClient } from '../sidecar/kube/client.ts';
import { describeFailure } from '../sidecar/kube/retry.ts';
import { CONFIG_APPLIED } from '../sidecar/report/condition.ts';
import type { RolloutState } from '../sidecar/rollout/lease.ts';
import { LeaseStore } from '../sidecar/rollout/store.ts';
import { abortReason, withAborted } from './abort.ts';
import type { Target } from './args.ts';
import { rolloutLeaseName } from './lease-name.ts';
import { withPaused } from './paused.ts';
import { selectorString } from './selector.ts';
import type { AppliedCondition, FleetInput, PodInput } from './view.ts';

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
  /** The current context's user (its name in the kubeconfig), for the abort's reason. */
  user: string | undefined;
}

export async function connect(target: Pick<Target, 'kubeconfig' | 'namespace'>): Promise<Connection> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  const namespace = target.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const client = await loadKubeClient(kc);
  return { client, apps: kc.makeApiClient(k8s.AppsV1Api), namespace, user: kc.getCurrentUser()?.name };
}

export function failure(what: string, error: unknown): HotcycleError {
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
    applied: appliedCondition(pod),
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    createdAt: created instanceof Date ? created.toISOString() : String(created ?? ''),
  };
}

function appliedCondition(pod: K8s.V1Pod): AppliedCondition | null {
  const condition = pod.status?.conditions?.find((c) => c.type === CONFIG_APPLIED);
  return condition ? { status: condition.status, reason: condition.reason ?? '' } : null;
}

function leaseStore(c: Connection, name: string): LeaseStore {
  return new LeaseStore({ client: c.client, namespace: c.namespace, name });
}

/** The Pods the Deployment's selector matches. */
async function listPods(c: Connection, d: K8s.V1Deployment): Promise<K8s.V1Pod[]> {
  try {
    return (await c.client.core.listNamespacedPod({ namespace: c.namespace, labelSelector: selectorString(d.spec?.selector) })).items;
  } catch (error) {
    throw failure(`list the pods of deployment ${c.namespace}/${d.metadata?.name ?? ''}`, error);
  }
}

/** The names of the Deployment's Pods. */
export async function podsOf(c: Connection, deployment: string): Promise<string[]> {
  return (await listPods(c, await readDeployment(c, deployment))).map((p) => p.metadata?.name ?? '').filter((n) => n !== '').sort();
}

/** Every read of `status`: the Deployment, its Pods, its rollout Lease (null when off). */
export async function readFleet(c: Connection, deployment: string, signal: AbortSignal): Promise<FleetInput> {
  const d = await readDeployment(c, deployment);
  const pods = await listPods(c, d);
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
  return { namespace: c.namespace, deployment, pods: pods.map(podInput), lease };
}

const MAX_CONFLICTS = 20;

/**
 * One change to the Deployment's rollout Lease, as a compare-and-swap: read, `change` the state
 * (it may throw: nothing written), write with the resourceVersion read; 409 → read again.
 */
async function updateRollout(
  c: Connection, deployment: string, change: (state: RolloutState, lease: string) => RolloutState, signal: AbortSignal,
): Promise<{ lease: string; state: RolloutState }> {
  const d = await readDeployment(c, deployment);
  const name = rolloutLeaseName(d.spec?.template.spec);
  if (!name) throw new NoRollout(`deployment ${c.namespace}/${deployment} has no rollout: its Pod template gives no --rollout-lease (the chart's rollout.enabled)`);
  const store = leaseStore(c, name);
  for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
    const read = await store.read(signal);
    const written = await store.write(read, change(read.state, store.name), signal);
    if (written !== 'conflict') return { lease: store.name, state: written.state };
  }
  throw new HotcycleError('control', 'EROLLOUT', `Lease ${store.name} changed under every one of ${MAX_CONFLICTS} writes: try again`);
}

/** Sets `paused` in the Deployment's rollout Lease; the state written. */
export function setPaused(c: Connection, deployment: string, paused: boolean, signal: AbortSignal): Promise<{ lease: string; state: RolloutState }> {
  return updateRollout(c, deployment, (state) => withPaused(state, paused), signal);
}

/** Marks the version in flight bad (abort.ts); NothingInFlight when none is. The state written. */
export function abortRollout(c: Connection, deployment: string, text: string | undefined, signal: AbortSignal): Promise<{ lease: string; state: RolloutState }> {
  const reason = abortReason(c.user, text);
  return updateRollout(c, deployment, (state, lease) => withAborted(state, lease, reason, new Date()), signal);
}
