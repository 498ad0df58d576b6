// Pure: what the reporter says. Reports become events.k8s.io/v1 Event bodies and the Pod
// annotation merge patch; no I/O, no client library (types only), so all of it is table-tested.
// Reasons are fixed CamelCase words and notes are deterministic for the same input, which keeps
// the API server's and kubectl's event aggregation working.
import type { EventsV1Event, V1MicroTime } from '@kubernetes/client-node';
import { formatDiagnostic } from '../../diagnostic.ts';
import { shortHash } from '../../configset/fileset.ts';
import type {
  CertificateExpiringReport, CheckFailedReport, ConfigRejectedReport, KubeIdentity, LastGoodNotStoredReport, ReloadedReport, ReloadFailedReport, ReloadRequestedReport,
  RolloutAbortedReport, RolloutReport, RunningLastGoodReport,
} from './types.ts';

/** A JSON merge patch of the Pod's annotations. */
export type AnnotationPatch = { metadata: { annotations: Record<string, string> } };

export const REPORTING_CONTROLLER = 'hotcycle.dev/sidecar';
/** events.k8s.io/v1 `note` limit, in bytes (NoteLengthLimit in Kubernetes' event validation). */
export const NOTE_LIMIT_BYTES = 1024;
export const ANNOTATION_GENERATION = 'hotcycle.dev/generation';
export const ANNOTATION_CONFIG_HASH = 'hotcycle.dev/config-hash';
export const ANNOTATION_RELOADED_AT = 'hotcycle.dev/reloaded-at';
export const ANNOTATION_RUNNING_LAST_GOOD = 'hotcycle.dev/running-last-good';
export const ANNOTATION_LAST_FAILURE = 'hotcycle.dev/last-failure';
export const ANNOTATION_LAST_FAILURE_AT = 'hotcycle.dev/last-failure-at';
/** Set by `kubectl hotcycle reload` (a user's patch), read through the downward API (sidecar/request/). */
export const ANNOTATION_RELOAD_REQUESTED = 'hotcycle.dev/reload-requested';
/** The sidecar's acknowledgment: the reload-requested value it acted on last, and what came of it. */
export const ANNOTATION_LAST_RELOAD_REQUEST = 'hotcycle.dev/last-reload-request';
export const ANNOTATION_LAST_RELOAD_OUTCOME = 'hotcycle.dev/last-reload-outcome';

const ELLIPSIS = '…';

export type EventReason = 'Reloaded' | 'ReloadFailed' | 'ConfigRejected' | 'CheckFailed' | 'RunningLastGood' | 'LastGoodNotStored'
  | 'CertificateExpiring' | 'RolloutStarted' | 'RolloutCompleted' | 'RolloutAborted' | 'ReloadRequested';

export interface EventSpec {
  reason: EventReason;
  type: 'Normal' | 'Warning';
  action: 'Reload' | 'Check' | 'Rollout';
  note: string;
}

export function reloadedEvent(r: ReloadedReport): EventSpec {
  const note = `Reloaded to generation ${r.generation}, config ${shortHash(r.configHash)}, in ${Math.round(r.durationMs)} ms`;
  return { reason: 'Reloaded', type: 'Normal', action: 'Reload', note: truncateNote(note) };
}

export function reloadFailedEvent(r: ReloadFailedReport): EventSpec {
  const note = `Reload to config ${shortHash(r.configHash)} failed in phase ${r.phase}: ${r.message}`;
  return { reason: 'ReloadFailed', type: 'Warning', action: 'Reload', note: truncateNote(note) };
}

/** Deterministic for one version and cause (the retry delay is left out), so retries aggregate. */
export function checkFailedEvent(r: CheckFailedReport): EventSpec {
  const note = `Checks of config ${shortHash(r.configHash)} could not run (${r.code}): ${r.message}; retrying`;
  return { reason: 'CheckFailed', type: 'Warning', action: 'Check', note: truncateNote(note) };
}

export function certificateExpiringEvent(r: CertificateExpiringReport): EventSpec {
  const note = `Certificate ${r.file} expires on ${r.notAfter} (in ${r.days} day${r.days === 1 ? '' : 's'}): renew it before then`;
  return { reason: 'CertificateExpiring', type: 'Warning', action: 'Check', note: truncateNote(note) };
}

export function runningLastGoodEvent(r: RunningLastGoodReport): EventSpec {
  const note = `Config ${shortHash(r.instead) || '(unreadable)'} ${r.why}; serving the last good config ${shortHash(r.configHash)} `
    + `(generation ${r.generation}, stored ${r.storedAt}) until the source is fixed`;
  return { reason: 'RunningLastGood', type: 'Warning', action: 'Reload', note: truncateNote(note) };
}

export function lastGoodNotStoredEvent(r: LastGoodNotStoredReport): EventSpec {
  const note = `Config ${shortHash(r.configHash)} is not kept as the last good config: ${r.bytes} bytes compressed, over the Secret limit of ${r.limit}`;
  return { reason: 'LastGoodNotStored', type: 'Warning', action: 'Reload', note: truncateNote(note) };
}

export function rolloutStartedEvent(r: RolloutReport): EventSpec {
  return { reason: 'RolloutStarted', type: 'Normal', action: 'Rollout', note: truncateNote(`Rollout of config ${shortHash(r.configHash)} started; this pod is its canary`) };
}

export function rolloutCompletedEvent(r: RolloutReport): EventSpec {
  return { reason: 'RolloutCompleted', type: 'Normal', action: 'Rollout', note: truncateNote(`Rollout of config ${shortHash(r.configHash)} completed: every pod applied it`) };
}

/** The signal and its figures, e.g. `probe: success ratio 0.00 < 0.95 (0/3 probes ok, 3 5xx)`. */
export function rolloutAbortedEvent(r: RolloutAbortedReport): EventSpec {
  const note = `Rollout of config ${shortHash(r.configHash)} aborted: harmed this pod (${r.signal}: ${r.figures}); marked bad, this pod back on ${shortHash(r.serving) || '(unknown)'}`;
  return { reason: 'RolloutAborted', type: 'Warning', action: 'Rollout', note: truncateNote(note) };
}

/** A reload a user asked for through the Pod annotation (`kubectl hotcycle reload`), and its outcome line. */
export function reloadRequestedEvent(r: ReloadRequestedReport): EventSpec {
  const note = `Reload requested (${ANNOTATION_RELOAD_REQUESTED} ${r.request}): ${r.outcome}`;
  return { reason: 'ReloadRequested', type: r.ok ? 'Normal' : 'Warning', action: 'Reload', note: truncateNote(note) };
}

/** Lists as many `file:line:col: message` findings as fit, then how many were left out. */
export function configRejectedEvent(r: ConfigRejectedReport): EventSpec {
  let note = `Config ${shortHash(r.configHash)} rejected`;
  const lines = r.diagnostics.map(formatDiagnostic);
  let shown = 0;
  for (const line of lines) {
    const next = `${note}${shown === 0 ? ': ' : '; '}${line}`;
    const rest = lines.length - shown - 1;
    const tail = rest > 0 ? ` (+${rest} more)` : '';
    if (Buffer.byteLength(next + tail) > NOTE_LIMIT_BYTES && shown > 0) break;
    note = next;
    shown++;
  }
  if (shown < lines.length) note += ` (+${lines.length - shown} more)`;
  return { reason: 'ConfigRejected', type: 'Warning', action: 'Check', note: truncateNote(note) };
}

/** Cuts `text` to at most `limit` UTF-8 bytes, ending in an ellipsis; never splits a character. */
export function truncateNote(text: string, limit: number = NOTE_LIMIT_BYTES): string {
  if (Buffer.byteLength(text) <= limit) return text;
  const budget = limit - Buffer.byteLength(ELLIPSIS);
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    out += ch;
    bytes += size;
  }
  return out + ELLIPSIS;
}

/**
 * The Event body. `eventTime` must be a V1MicroTime: client-node serialises a plain Date with
 * milliseconds (`.123Z`), which the API server's MicroTime decoder rejects; V1MicroTime's
 * toISOString pads to microseconds (`.123000Z`).
 */
export function buildEventBody(spec: EventSpec, who: KubeIdentity, name: string, eventTime: V1MicroTime): EventsV1Event {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace: who.namespace },
    eventTime,
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: who.podName,
    action: spec.action,
    reason: spec.reason,
    type: spec.type,
    note: spec.note,
    regarding: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: who.podName,
      namespace: who.namespace,
      uid: who.podUid,
    },
  };
}

/** A unique Event name the way client-go's recorder makes one: `<pod>.<hex timestamp>`. */
export function eventName(podName: string, epochMs: number, sequence: number): string {
  const nanos = BigInt(epochMs) * 1_000_000n + BigInt(sequence % 1_000_000);
  return `${podName}.${nanos.toString(16)}`;
}

/** A JSON merge patch (RFC 7386) setting the three annotations; values must be strings. */
export function annotationPatch(r: ReloadedReport, now: Date): AnnotationPatch {
  return {
    metadata: {
      annotations: {
        [ANNOTATION_GENERATION]: String(r.generation),
        [ANNOTATION_CONFIG_HASH]: r.configHash,
        [ANNOTATION_RELOADED_AT]: now.toISOString(),
      },
    },
  };
}

/** `hotcycle.dev/running-last-good`: "true" while the pod serves the stored last good config. */
export function runningLastGoodPatch(running: boolean): AnnotationPatch {
  return { metadata: { annotations: { [ANNOTATION_RUNNING_LAST_GOOD]: String(running) } } };
}

/**
 * `hotcycle.dev/last-failure`: the newest version not run and why, in one line (report/why.ts),
 * and when. History, not state: a later version that runs leaves it (compare with reloaded-at).
 */
export function lastFailurePatch(line: string, now: Date): AnnotationPatch {
  return { metadata: { annotations: { [ANNOTATION_LAST_FAILURE]: line, [ANNOTATION_LAST_FAILURE_AT]: now.toISOString() } } };
}

/** The acknowledgment `kubectl hotcycle reload` waits for: the request acted on, and its outcome line. */
export function reloadRequestPatch(r: ReloadRequestedReport): AnnotationPatch {
  return { metadata: { annotations: { [ANNOTATION_LAST_RELOAD_REQUEST]: r.request, [ANNOTATION_LAST_RELOAD_OUTCOME]: r.outcome } } };
}
