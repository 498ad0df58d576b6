// The sidecar's Prometheus metrics (DESIGN.md §7), in a private registry: a library user's
// global registry is never touched, and tests can read one sidecar's numbers alone.
// The four classes come from their own modules: prom-client's entry also loads its Pushgateway
// (node:https, TLS, zlib), cluster aggregation and default metrics (v8, perf_hooks), none of which
// the sidecar uses — 17 MiB of RSS against 3 MiB (issue 13).
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import Registry from 'prom-client/lib/registry.js';
import type { ReportCall, ReportOutcome } from '../kube/types.ts';
import { shortHash } from '../../configset/fileset.ts';
import { HARM_SIGNALS } from '../rollout/judge.ts';

/** What the sync loop says of the newest version, read at each scrape (Syncer.lag). */
export interface SyncLag {
  /** The checks rejected the newest version judged. */
  sourceRejected: boolean;
  /** The master does not run the newest version read from the source (or its checks could not run). */
  behindSource: boolean;
  /** The version the master was last seen running ('' none yet). */
  appliedHash: string;
}

const REPORT_CALLS: readonly ReportCall[] = ['event', 'annotations', 'condition', 'last-good'];

export class SidecarMetrics {
  readonly registry = new Registry();
  readonly reloads = new Counter({
    name: 'hotcycle_reloads_total', help: 'Reloads the sidecar asked of the master, by result (ok, failed).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly reloadDuration = new Histogram({
    name: 'hotcycle_reload_duration_seconds', help: "The master's reload cycles, from request to result.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry],
  });
  readonly generation = new Gauge({
    name: 'hotcycle_config_generation', help: 'The generation the master serves, as last seen by the sidecar.', registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'hotcycle_config_rejected_total', help: "Config versions the sidecar's checks rejected (never published).", registers: [this.registry],
  });
  readonly rejectedByCheck = new Counter({
    name: 'hotcycle_config_rejected_by_check_total',
    help: 'Config versions rejected, by the check that found errors in them (hotcycle, schema, nginx, tls, command, fileset): a version two checks refuse counts under both.',
    labelNames: ['check'] as const, registers: [this.registry],
  });
  readonly sourceRejected = new Gauge({
    name: 'hotcycle_config_source_rejected', help: "1 while the checks reject the newest version read from the source (it is not published; the pod serves an older one, or nothing).",
    registers: [this.registry], collect: () => this.#collectLag(),
  });
  readonly behindSource = new Gauge({
    name: 'hotcycle_config_behind_source',
    help: '1 while the master does not run the newest version read from the source: rejected by the checks or the master, checks that cannot run, a publish or reload not done yet.',
    registers: [this.registry], collect: () => this.#collectLag(),
  });
  /** Which pod runs which version, fleet-wide: one series per pod, its label the short hash `hotcycle status` prints. */
  readonly appliedInfo = new Gauge({
    name: 'hotcycle_config_applied_info', help: 'Always 1, labelled with the config version (short hash) the master runs, as last seen by the sidecar; absent before the first.',
    labelNames: ['config_hash'] as const, registers: [this.registry], collect: () => this.#collectLag(),
  });
  readonly checkErrors = new Counter({
    name: 'hotcycle_check_errors_total', help: 'Attempts to check a version that failed to run the checks at all (retried with backoff).', registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'hotcycle_config_published_total', help: 'Config versions written into the live directory.', registers: [this.registry],
  });
  readonly syncErrors = new Counter({
    name: 'hotcycle_sync_errors_total', help: 'Syncs that failed outside the checks and the reload (publishing, reading the source), by phase.',
    labelNames: ['phase'] as const, registers: [this.registry],
  });
  readonly missed = new Counter({
    name: 'hotcycle_watch_missed_changes_total', help: 'Source changes found by the slow re-hash that no watch event announced.', registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'hotcycle_last_reload_success_timestamp_seconds', help: 'Unix time of the last successful reload.', registers: [this.registry],
  });
  readonly tlsExpiry = new Gauge({
    name: 'hotcycle_tls_certificate_expiry_timestamp_seconds', help: 'Unix time the leaf certificate of each checked certificate file expires, for the last accepted version.',
    labelNames: ['file'] as const, registers: [this.registry],
  });
  readonly lastGoodRunning = new Gauge({
    name: 'hotcycle_last_good_running', help: "1 while the pod serves the release's stored last good config because its source version was rejected or marked bad by the rollout.",
    registers: [this.registry],
  });
  readonly lastGoodNotStored = new Counter({
    name: 'hotcycle_last_good_not_stored_total', help: 'Versions the master ran that were not kept as the last good config: over the Secret size limit.',
    registers: [this.registry],
  });
  readonly kubeReports = new Counter({
    name: 'hotcycle_kube_reports_total', help: 'Kubernetes calls: Events, annotation and pod condition patches and last-good Secret writes, by call (event, annotations, condition, last-good) and outcome (ok, retry, failed, dropped).',
    labelNames: ['call', 'result'] as const, registers: [this.registry],
  });

  readonly rolloutPhase = new Gauge({
    name: 'hotcycle_rollout_phase', help: "The fleet rollout's phase as this pod last read it from the Lease: 1 for the current phase (canary, baking, waves, done, aborted), 0 for the others.",
    labelNames: ['phase'] as const, registers: [this.registry],
  });
  readonly rolloutAborts = new Counter({
    name: 'hotcycle_rollout_aborts_total', help: 'Rollouts this pod aborted: the version it baked harmed it, by signal (reload, workers, readiness, probe).',
    labelNames: ['signal'] as const, registers: [this.registry],
  });
  #lag: (() => SyncLag) | null = null;

  constructor() {
    // Exported at 0 from the start: a rate or increase() sees the first failure, and a dashboard
    // shows 0 rather than no data.
    for (const result of ['ok', 'failed'] as const) this.reloads.inc({ result }, 0);
    for (const call of REPORT_CALLS) this.kubeReports.inc({ call, result: 'dropped' }, 0);
    for (const signal of HARM_SIGNALS) this.rolloutAborts.inc({ signal }, 0);
  }

  /** The sync loop's state behind hotcycle_config_source_rejected and hotcycle_config_behind_source. */
  watchLag(lag: () => SyncLag): void {
    this.#lag = lag;
  }

  /** A version the checks rejected: once under each check that found errors in it. */
  rejectedBy(checks: Iterable<string>): void {
    this.rejected.inc();
    for (const check of new Set(checks)) this.rejectedByCheck.inc({ check });
  }

  #collectLag(): void {
    const lag = this.#lag?.();
    if (!lag) return;
    this.sourceRejected.set(lag.sourceRejected ? 1 : 0);
    this.behindSource.set(lag.behindSource ? 1 : 0);
    this.appliedInfo.reset();
    if (lag.appliedHash !== '') this.appliedInfo.set({ config_hash: shortHash(lag.appliedHash) }, 1);
  }

  kubeOutcome(outcome: ReportOutcome): void {
    this.kubeReports.inc({ call: outcome.call, result: outcome.result });
  }
}
