// Pure: the fleet view of one Deployment — one row per pod from the annotations and the
// hotcycle.dev/config-applied condition its sidecar keeps (src/sidecar/kube/events.ts,
// src/sidecar/report/condition.ts), its role from the rollout Lease (role.ts), and the rollout's
// own line — as text (a table, then the rollout) and as the JSON of --json.
import {
  ANNOTATION_CONFIG_HASH, ANNOTATION_GENERATION, ANNOTATION_LAST_FAILURE, ANNOTATION_LAST_FAILURE_AT, ANNOTATION_RELOADED_AT, ANNOTATION_RUNNING_LAST_GOOD,
} from '../sidecar/kube/events.ts';
import type { RolloutPhase, RolloutState } from '../sidecar/rollout/lease.ts';
import { podRole, type PodRole } from './role.ts';

/** The pod's hotcycle.dev/config-applied condition: does it serve what the release should now. */
export interface AppliedCondition {
  status: string;
  reason: string;
}

/** What the view needs of a Pod. */
export interface PodInput {
  name: string;
  annotations: Readonly<Record<string, string>>;
  /** null: the sidecar has not set it (yet). */
  applied: AppliedCondition | null;
  ready: boolean;
  /** metadata.creationTimestamp, ISO 8601. */
  createdAt: string;
}

export interface FleetInput {
  namespace: string;
  deployment: string;
  pods: readonly PodInput[];
  /** null: the Deployment's sidecars run no rollout (no --rollout-lease), or its Lease is missing. */
  lease: { name: string; state: RolloutState } | null;
}

export interface PodRow {
  pod: string;
  /** The config hash the pod runs, whole ('' before its first reload). */
  version: string;
  generation: number | null;
  lastResult: string;
  role: PodRole;
  applied: AppliedCondition | null;
  ready: boolean;
  runningLastGood: boolean;
  createdAt: string;
  age: string;
}

export interface RolloutView {
  lease: string;
  phase: RolloutPhase | 'idle';
  version: string;
  paused: boolean;
  bad: { hash: string; reason: string; at: string }[];
}

export interface FleetView {
  namespace: string;
  deployment: string;
  pods: PodRow[];
  /** null: rollout off. */
  rollout: RolloutView | null;
}

export const SHORT_HASH = 12;
export const MAX_FAILURE = 60;

/** kubectl's style of age: 45s, 12m, 5h, 3d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** `text` cut to `max` characters, `…` marking the cut. */
export function shorten(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * The pod's last result: its last failure (shortened) when that is newer than its last reload,
 * else how long ago it reloaded; `-` when its sidecar has reported neither.
 */
export function lastResult(annotations: Readonly<Record<string, string>>, now: number): string {
  const failure = annotations[ANNOTATION_LAST_FAILURE];
  const reloadedAt = Date.parse(annotations[ANNOTATION_RELOADED_AT] ?? '');
  const failedAt = Date.parse(annotations[ANNOTATION_LAST_FAILURE_AT] ?? '');
  const failedLast = failure !== undefined && failure !== '' && (Number.isNaN(reloadedAt) || Number.isNaN(failedAt) || failedAt >= reloadedAt);
  if (failedLast) return `failed: ${shorten(failure, MAX_FAILURE)}`;
  if (!Number.isNaN(reloadedAt)) return `reloaded ${formatAge(now - reloadedAt)} ago`;
  return '-';
}

function generationOf(annotations: Readonly<Record<string, string>>): number | null {
  const text = annotations[ANNOTATION_GENERATION];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

export function buildView(input: FleetInput, now: number): FleetView {
  const state = input.lease?.state ?? null;
  const pods = [...input.pods].sort((a, b) => a.name.localeCompare(b.name)).map((p): PodRow => ({
    pod: p.name,
    version: p.annotations[ANNOTATION_CONFIG_HASH] ?? '',
    generation: generationOf(p.annotations),
    lastResult: lastResult(p.annotations, now),
    role: podRole(state, p.name),
    applied: p.applied,
    ready: p.ready,
    runningLastGood: p.annotations[ANNOTATION_RUNNING_LAST_GOOD] === 'true',
    createdAt: p.createdAt,
    age: formatAge(now - Date.parse(p.createdAt)),
  }));
  const rollout = input.lease && state ? {
    lease: `${input.namespace}/${input.lease.name}`,
    phase: state.version === '' ? 'idle' as const : state.phase,
    version: state.version,
    paused: state.paused,
    bad: state.bad.map((b) => ({ hash: b.hash, reason: b.reason, at: b.at })),
  } : null;
  return { namespace: input.namespace, deployment: input.deployment, pods, rollout };
}

/** The rollout's line (and one line per bad version under it). */
export function formatRollout(rollout: RolloutView | null): string {
  if (!rollout) return 'rollout: off';
  const version = rollout.version === '' ? 'no version yet' : `config ${rollout.version.slice(0, SHORT_HASH)}`;
  const lines = [`rollout: ${rollout.phase} ${version}${rollout.paused ? ' · paused' : ''} (Lease ${rollout.lease})`];
  for (const b of rollout.bad) lines.push(`  bad ${b.hash.slice(0, SHORT_HASH)}: ${b.reason}`);
  return lines.join('\n');
}

const HEADERS = ['POD', 'VERSION', 'GEN', 'LAST RESULT', 'ROLE', 'APPLIED', 'READY', 'AGE'];

export function formatTable(rows: readonly PodRow[]): string {
  const cells = rows.map((r) => [
    r.pod, r.version === '' ? '-' : r.version.slice(0, SHORT_HASH), r.generation === null ? '-' : String(r.generation),
    r.runningLastGood ? `${r.lastResult} (running last good)` : r.lastResult, r.role,
    r.applied ? `${r.applied.status} ${r.applied.reason}` : '-', r.ready ? 'yes' : 'no', r.age,
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('   ');
  return [line(HEADERS), ...cells.map(line)].join('\n');
}

export function formatView(view: FleetView): string {
  const pods = view.pods.length === 0 ? `no pods match deployment ${view.namespace}/${view.deployment}'s selector` : formatTable(view.pods);
  return `${pods}\n\n${formatRollout(view.rollout)}`;
}
