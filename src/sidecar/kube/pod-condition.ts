// Writes the Pod condition hotcycle.dev/config-applied (report/condition.ts) on the sidecar's own
// Pod: a strategic merge patch of status.conditions through the pods/status subresource. The
// list's merge key is `type`, so the patch sets this one condition and leaves kubelet's (Ready,
// ContainersReady, …) as they are. Desired state, like the annotations: reconciled until it
// holds (desired-patch.ts), a newer condition replacing one not yet written. lastTransitionTime
// moves only when the status changes (on the first write: now, the Pod's earlier one unknown).
// Needs RBAC: core pods/status `patch`; the chart's policy (templates/pod-status-policy.yaml)
// lets the sidecar change this one condition of its own Pod and nothing else.
import type { Logger } from '../../log.ts';
import { CONFIG_APPLIED, type ConfigApplied } from '../report/condition.ts';
import { callOptions, type KubeClient } from './client.ts';
import { PatchReconciler } from './desired-patch.ts';
import { ANNOTATION_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import type { KubeIdentity, ReportOutcome } from './types.ts';

export interface PodConditionOptions {
  client: KubeClient;
  identity: KubeIdentity;
  logger: Logger;
  onOutcome: (outcome: ReportOutcome) => void;
  /** Over ANNOTATION_RETRY_POLICY: desired state, no age limit. */
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  now?: () => Date;
}

interface StatusPatch {
  status: { conditions: Array<ConfigApplied & { type: string; lastTransitionTime: string }> };
}

export class PodCondition {
  readonly #options: PodConditionOptions;
  readonly #patches: PatchReconciler<StatusPatch>;
  #since: { status: string; at: string } | null = null;

  constructor(options: PodConditionOptions) {
    this.#options = options;
    const { client, identity, logger, onOutcome } = options;
    this.#patches = new PatchReconciler({
      call: 'condition', logger, onOutcome, policy: { ...ANNOTATION_RETRY_POLICY, ...options.retry },
      patch: async (body, signal) => {
        const { k8s, core } = client;
        const call = { timeoutMs: options.requestTimeoutMs ?? 5000, signal, patchContentType: k8s.PatchStrategy.StrategicMergePatch };
        await core.patchNamespacedPodStatus({ name: identity.podName, namespace: identity.namespace, body }, callOptions(k8s, call));
      },
    });
  }

  set(condition: ConfigApplied): void {
    if (this.#since?.status !== condition.status) this.#since = { status: condition.status, at: (this.#options.now?.() ?? new Date()).toISOString() };
    const body = { status: { conditions: [{ type: CONFIG_APPLIED, ...condition, lastTransitionTime: this.#since.at }] } };
    this.#patches.set(body, `condition ${condition.status} ${condition.reason}`);
  }

  /** Resolves when the newest condition was written or given up. */
  flush(): Promise<void> {
    return this.#patches.flush();
  }

  /** Idempotent; a write in flight or a backoff gets up to `graceMs` first. */
  close(graceMs: number): Promise<void> {
    return this.#patches.close(graceMs);
  }
}
