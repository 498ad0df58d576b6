// Reports reload outcomes to Kubernetes: an events.k8s.io/v1 Event on the sidecar's own Pod for
// every outcome, and, after a successful reload, the Pod annotations `hotcycle.dev/generation`,
// `hotcycle.dev/config-hash` and `hotcycle.dev/reloaded-at` through a JSON merge patch, so
// `kubectl get pods` can show which replicas run which config. Reporting never breaks or delays
// a reload: Events only enqueue (report-queue.ts), and the annotations are desired state that a
// reconciler applies until they hold (desired-patch.ts); every end is logged and counted.
// The annotations it keeps include `hotcycle.dev/running-last-good` once the pod has served the
// stored last good config, `hotcycle.dev/last-failure(-at)` once a version was not run, and
// `hotcycle.dev/last-reload-request`/`-outcome` once a requested reload ran. Needs RBAC: events.k8s.io events `create`; core pods `patch`.
import type { ConfigurationOptions, KubeConfig, PatchStrategy } from '@kubernetes/client-node';
import type { Logger } from '../../log.ts';
import { callOptions, loadKubeClient, type KubeClient } from './client.ts';
import {
  annotationPatch, buildEventBody, certificateExpiringEvent, checkFailedEvent, configRejectedEvent, eventName, lastFailurePatch, lastGoodNotStoredEvent, reloadedEvent,
  reloadFailedEvent, reloadRequestedEvent, reloadRequestPatch, rolloutAbortedEvent, rolloutCompletedEvent, rolloutStartedEvent, runningLastGoodEvent, runningLastGoodPatch, type AnnotationPatch, type EventSpec,
} from './events.ts';
import { PatchReconciler } from './desired-patch.ts';
import { ReportQueue } from './report-queue.ts';
import { ANNOTATION_RETRY_POLICY, EVENT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import type {
  CertificateExpiringReport, CheckFailedReport, ConfigRejectedReport, KubeIdentity, LastGoodNotStoredReport, ReloadedReport, ReloadFailedReport, ReloadRequestedReport, ReportOutcome,
  RolloutAbortedReport, RolloutReport, RunningLastGoodReport,
} from './types.ts';

export interface KubeReporter {
  reloaded(report: ReloadedReport): void;
  reloadFailed(report: ReloadFailedReport): void;
  configRejected(report: ConfigRejectedReport): void;
  checkFailed(report: CheckFailedReport): void;
  certificateExpiring(report: CertificateExpiringReport): void;
  runningLastGood(report: RunningLastGoodReport): void;
  leftLastGood(): void;
  lastGoodNotStored(report: LastGoodNotStoredReport): void;
  /** A version was not run (rejected, its checks could not run, the master refused it): `line` says why. */
  lastFailure(line: string): void;
  rolloutStarted(report: RolloutReport): void;
  rolloutCompleted(report: RolloutReport): void;
  rolloutAborted(report: RolloutAbortedReport): void;
  /** A reload asked for through hotcycle.dev/reload-requested: an Event, and the acknowledging annotations. */
  reloadRequested(report: ReloadRequestedReport): void;
  /** Resolves when every report made so far was delivered or given up (tests, shutdown). */
  flush(): Promise<void>;
  /** Idempotent; waits up to `closeGraceMs` for queued Events and the annotations, then drops the rest. */
  close(): Promise<void>;
}

export interface KubeReporterOptions {
  logger: Logger;
  identity: KubeIdentity;
  /** Defaults to the in-cluster service account; tests pass one pointing at a stand-in. */
  kubeConfig?: KubeConfig;
  /** Called for every delivery outcome: the metrics hook. */
  onOutcome?: (outcome: ReportOutcome) => void;
  /** Over EVENT_RETRY_POLICY and ANNOTATION_RETRY_POLICY. */
  retry?: { events?: Partial<RetryPolicy>; annotations?: Partial<RetryPolicy> };
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
  #annotations: PatchReconciler<AnnotationPatch>;
  /** Every annotation set so far: each patch carries them all, so a newer one never drops an older key. */
  #annotated: Record<string, string> = {};
  #sequence = 0;
  #closing: Promise<void> | undefined;

  constructor(options: KubeReporterOptions, client: KubeClient) {
    this.#options = options;
    this.#client = client;
    const { logger, onOutcome = () => undefined } = options;
    this.#queue = new ReportQueue({
      logger, onOutcome, capacity: options.queueCapacity ?? 64, policy: { ...EVENT_RETRY_POLICY, ...options.retry?.events },
      now: () => this.#now().getTime(),
    });
    this.#annotations = new PatchReconciler({
      call: 'annotations', logger, onOutcome, policy: { ...ANNOTATION_RETRY_POLICY, ...options.retry?.annotations },
      patch: async (body, signal) => {
        const { k8s, core } = this.#client;
        const { podName: name, namespace } = options.identity;
        await core.patchNamespacedPod({ name, namespace, body }, this.#callOptions(signal, k8s.PatchStrategy.MergePatch));
      },
    });
  }

  reloaded(report: ReloadedReport): void {
    this.#event(reloadedEvent(report));
    this.#annotate(annotationPatch(report, this.#now()), `annotations generation ${report.generation}`);
  }

  certificateExpiring(report: CertificateExpiringReport): void {
    this.#event(certificateExpiringEvent(report));
  }

  runningLastGood(report: RunningLastGoodReport): void {
    this.#event(runningLastGoodEvent(report));
    this.#annotate(runningLastGoodPatch(true), 'annotation running-last-good true');
  }

  leftLastGood(): void {
    this.#annotate(runningLastGoodPatch(false), 'annotation running-last-good false');
  }

  lastGoodNotStored(report: LastGoodNotStoredReport): void {
    this.#event(lastGoodNotStoredEvent(report));
  }

  reloadFailed(report: ReloadFailedReport): void {
    this.#event(reloadFailedEvent(report));
  }

  lastFailure(line: string): void {
    this.#annotate(lastFailurePatch(line, this.#now()), 'annotation last-failure');
  }

  rolloutStarted(report: RolloutReport): void {
    this.#event(rolloutStartedEvent(report));
  }

  rolloutCompleted(report: RolloutReport): void {
    this.#event(rolloutCompletedEvent(report));
  }

  rolloutAborted(report: RolloutAbortedReport): void {
    this.#event(rolloutAbortedEvent(report));
  }

  reloadRequested(report: ReloadRequestedReport): void {
    this.#event(reloadRequestedEvent(report));
    this.#annotate(reloadRequestPatch(report), `annotation last-reload-request ${report.request}`);
  }

  configRejected(report: ConfigRejectedReport): void {
    this.#event(configRejectedEvent(report));
  }

  checkFailed(report: CheckFailedReport): void {
    this.#event(checkFailedEvent(report));
  }

  async flush(): Promise<void> {
    await Promise.all([this.#queue.flush(), this.#annotations.flush()]);
  }

  close(): Promise<void> {
    const graceMs = this.#options.closeGraceMs ?? 2000;
    this.#closing ??= Promise.all([this.#queue.close(graceMs), this.#annotations.close(graceMs)]).then(() => undefined);
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
    const name = eventName(who.podName, now.getTime(), this.#sequence++);
    const body = buildEventBody(spec, who, name, new k8s.V1MicroTime(now.getTime()));
    this.#queue.push({
      call: 'event',
      what: `Event ${spec.reason} ${name}`,
      madeAt: now.getTime(),
      send: async (signal) => {
        await events.createNamespacedEvent({ namespace: who.namespace, body }, this.#callOptions(signal));
      },
    });
  }

  #annotate(patch: AnnotationPatch, what: string): void {
    this.#annotated = { ...this.#annotated, ...patch.metadata.annotations };
    this.#annotations.set({ metadata: { annotations: this.#annotated } }, what);
  }

  #callOptions(signal: AbortSignal, patchContentType?: PatchStrategy): ConfigurationOptions {
    const timeoutMs = this.#options.requestTimeoutMs ?? 5000;
    return callOptions(this.#client.k8s, { timeoutMs, signal, ...(patchContentType ? { patchContentType } : {}) });
  }
}
