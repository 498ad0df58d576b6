// The plain data the sidecar hands to the Kubernetes reporter. Nothing here depends on the
// client library, so the gate and the driver can build reports without loading it.
import type { Diagnostic } from '../../diagnostic.ts';
import type { ErrorCode, Phase } from '../../errors.ts';

/** Who we are, from the Downward API (`fieldRef: metadata.name` etc.). */
export interface KubeIdentity {
  podName: string;
  namespace: string;
  /** `metadata.uid` (POD_UID, or the bound token's claim): `kubectl describe pod` matches Events by it. */
  podUid: string;
}

/** The master applied a new configuration. */
export interface ReloadedReport {
  generation: number;
  configHash: string;
  durationMs: number;
}

/** The master refused or rolled back a reload. */
export interface ReloadFailedReport {
  phase: Phase;
  message: string;
  configHash: string;
}

/** The sidecar's checks rejected a version before it reached the live directory. */
export interface ConfigRejectedReport {
  configHash: string;
  diagnostics: Diagnostic[];
}

/** The sidecar's checks could not run on a version (no scratch space…); it is retried. */
export interface CheckFailedReport {
  configHash: string;
  code: ErrorCode;
  message: string;
  retryInMs: number;
}

/** The pod serves the release's stored last good config: its source version `instead` was rejected. */
export interface RunningLastGoodReport {
  configHash: string;
  generation: number;
  storedAt: string;
  instead: string;
  /** Why `instead` is not run: `was rejected`, `is marked bad in the fleet rollout (…)`. */
  why: string;
}

/** A version the master ran was too large to keep as the last good config. */
export interface LastGoodNotStoredReport {
  configHash: string;
  bytes: number;
  limit: number;
}

/** A checked certificate expires within the warning window (--tls-expiry-warning-days). */
export interface CertificateExpiringReport {
  file: string;
  notAfter: string;
  days: number;
}

/** A fleet rollout of `configHash` started (this pod its canary) or completed. */
export interface RolloutReport {
  configHash: string;
}

/** This pod judged the rollout's version harmful (judge.ts's signal and figures) and is back on `serving`. */
export interface RolloutAbortedReport extends RolloutReport {
  signal: string;
  figures: string;
  serving: string;
}

/** A reload requested through the Pod annotation: the request's value, and the outcome line (`ok: …` / `failed: …`). */
export interface ReloadRequestedReport {
  request: string;
  ok: boolean;
  outcome: string;
}

/** Which API call a report became: an Event on the Pod, the Pod's annotations or its condition, or the last-good Secret. */
export type ReportCall = 'event' | 'annotations' | 'condition' | 'last-good';

/**
 * ok: delivered (perhaps late); retry: a retryable failure, will try again; failed: an answer that
 * will not change (403, 404, 422), not retried; dropped: never taken by the API server — queue full,
 * too old after an outage, or the reporter closed.
 */
export type ReportResult = 'ok' | 'retry' | 'failed' | 'dropped';

/** One delivery outcome, for metrics (`hotcycle_kube_reports_total{call,result}` or similar). */
export interface ReportOutcome {
  call: ReportCall;
  result: ReportResult;
  /** HTTP status of the last answer; absent for network errors and drops. */
  status?: number;
}
