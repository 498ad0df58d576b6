// Reports reload outcomes to Kubernetes: an events.k8s.io/v1 Event on the sidecar's own Pod for
// every outcome, and, after a successful reload, the Pod annotations `hotcycle.dev/generation`,
// `hotcycle.dev/config-hash` and `hotcycle.dev/reloaded-at` through a JSON merge patch, so
// `kubectl get pods` can show which replicas run which config. Reporting never breaks or delays
// a reload: calls only enqueue (report-queue.ts), failures are logged and counted.
// Needs RBAC: events.k8s.io events `create`; core pods `patch` (own Pod only, by resourceNames).
import type { ConfigurationOptions, KubeConfig, PatchStrategy } from '@kubernetes/client-node';
import type { Logger } from '../../log.ts';
import { callOptions, loadKubeClient, type KubeClient } from './client.ts';
import {
  annotationPatch, buildEventBody, checkFailedEvent, configRejectedEvent, eventName, reloadedEvent, reloadFailedEvent, type EventSpec,
} from './events.ts';
import { ReportQueue } from './report-queue.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import type { CheckFailedReport, ConfigRejectedReport, KubeIdentity, ReloadedReport, ReloadFailedReport, ReportOutcome } from './types.ts';

export interface KubeReporter {
  reloaded(report: ReloadedReport): void;
  reloadFailed(report: ReloadFailedReport): void;
  configRejected(report: ConfigRejectedReport): void;
  checkFailed(report: CheckFailedReport): void;
  /** Resolves when every report made so far was delivered or given up (tests, shutdown). */
  flush(): Promise<void>;
  /** Idempotent; waits up to `closeGraceMs` for queued reports, then drops the rest. */
  close(): Promise<void>;
}

export interface KubeReporterOptions {
  logger: Logger;
  identity: KubeIdentity;
  /** Defaults to the in-cluster service account; tests pass one pointing at a stand-in. */
  kubeConfig?: KubeConfig;
  /** Called for every delivery outcome: the metrics hook. */
  onOutcome?: (outcome: ReportOutcome) => void;
  retry?: Partial<RetryPolicy>;
  queueCapacity?: number;
  requestTimeoutMs?: number;
  closeGraceMs?: number;
  now?: () => Date;
}

/** Loads the Kubernetes client (dynamic import) and returns a reporter bound to our Pod. */
export async function createKubeReporter(options: KubeReporterOptions): Promise<KubeReporter> {
  const client = await loadKubeClient(options.kubeConfig);
  return new Reporter(options, client);
}

class Reporter implements KubeReporter {
  #options: KubeReporterOptions;
  #client: KubeClient;
  #queue: ReportQueue;
  #sequence = 0;
  #closing: Promise<void> | undefined;

  constructor(options: KubeReporterOptions, client: KubeClient) {
    this.#options = options;
    this.#client = client;
    this.#queue = new ReportQueue({
      logger: options.logger,
      capacity: options.queueCapacity ?? 64,
      policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    });
  }

  reloaded(report: ReloadedReport): void {
    this.#event(reloadedEvent(report));
    this.#annotate(report);
  }

  reloadFailed(report: ReloadFailedReport): void {
    this.#event(reloadFailedEvent(report));
  }

  configRejected(report: ConfigRejectedReport): void {
    this.#event(configRejectedEvent(report));
  }

  checkFailed(report: CheckFailedReport): void {
    this.#event(checkFailedEvent(report));
  }

  flush(): Promise<void> {
    return this.#queue.flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.#queue.close(this.#options.closeGraceMs ?? 2000);
    return this.#closing;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #event(spec: EventSpec): void {
    const { k8s, events } = this.#client;
    const who = this.#options.identity;
    const now = this.#now();
    // Built now, not at send time: the Event records when it happened, and a retry must reuse
    // the name so a create that did land is answered 409 rather than duplicated.
    const body = buildEventBody(spec, who, eventName(who.podName, now.getTime(), this.#sequence++), new k8s.V1MicroTime(now.getTime()));
    this.#queue.push({
      call: 'event',
      what: `Event ${spec.reason}`,
      send: async (signal) => {
        await events.createNamespacedEvent({ namespace: who.namespace, body }, this.#callOptions(signal));
      },
    });
  }

  #annotate(report: ReloadedReport): void {
    const { k8s, core } = this.#client;
    const { podName: name, namespace } = this.#options.identity;
    const body = annotationPatch(report, this.#now());
    this.#queue.push({
      call: 'annotations',
      what: `annotations generation ${report.generation}`,
      coalesceKey: 'annotations',
      send: async (signal) => {
        await core.patchNamespacedPod({ name, namespace, body }, this.#callOptions(signal, k8s.PatchStrategy.MergePatch));
      },
    });
  }

  #callOptions(signal: AbortSignal, patchContentType?: PatchStrategy): ConfigurationOptions {
    const timeoutMs = this.#options.requestTimeoutMs ?? 5000;
    return callOptions(this.#client.k8s, { timeoutMs, signal, ...(patchContentType ? { patchContentType } : {}) });
  }
}
