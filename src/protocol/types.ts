// The control API's messages (DESIGN.md §4). Both sockets speak these; the schemas in
// schemas.ts validate them on both ends.
import type { ErrorCode, ErrorInfo, Phase } from '../errors.ts';

export interface PhaseRecord {
  name: Phase;
  ms: number;
  ok: boolean;
}

export interface ReloadRequest {
  reason?: string;
  /** Reload only if the config directory holds exactly this set (sha256 hex). */
  expectHash?: string;
}

export interface ReloadResult {
  ok: boolean;
  /** The generation serving after this reload (the old one when it failed). */
  generation: number;
  /** The hash of the config set this reload read (the current one when the check failed before). */
  configHash: string;
  durationMs: number;
  phases: PhaseRecord[];
  error?: ErrorInfo;
  reason: string;
  startedAt: string;
  /** How many requests this one cycle answered (coalesced while another ran). */
  requests: number;
  /** Driver-specific facts, e.g. nginx's new worker pids. */
  detail?: Record<string, unknown>;
}

/**
 * Failed reloads that say nothing against the version: the live directory held another one
 * (EHASHMISMATCH: not tried), or the server got the reload and never confirmed it, so it may
 * still switch (ENGINXRELOADTIMEOUT: unconfirmed; status then shows the config as unknown).
 */
export const NOT_TRIED = 'EHASHMISMATCH' satisfies ErrorCode;
export const UNCONFIRMED = 'ENGINXRELOADTIMEOUT' satisfies ErrorCode;
/**
 * Failed reloads the master's own shutdown cut short (or refused): no verdict on the version.
 * ABORTED: a cycle rolled back mid-way; SHUTTING_DOWN: no cycle is started any more.
 */
export const ABORTED = 'EABORTED' satisfies ErrorCode;
export const SHUTTING_DOWN = 'ESHUTTINGDOWN' satisfies ErrorCode;

export interface CheckResult {
  ok: boolean;
  configHash: string;
  durationMs: number;
  error?: ErrorInfo;
}

export interface WorkerInfo {
  pid: number;
  generation: number;
  slot: number;
  state: string;
  since: string;
}

export interface GenerationInfo {
  generation: number;
  configHash: string;
  state: string;
  since: string;
  restarts: number;
  crashLoop: boolean;
  workers: WorkerInfo[];
}

export interface ListenerInfo {
  name: string;
  key: string;
}

/** `waiting`: the first cycle failed and nothing serves (--start-failure wait); a reload may start one. */
export const MASTER_STATES = ['starting', 'running', 'waiting', 'reloading', 'stopping'] as const;
export type MasterState = (typeof MASTER_STATES)[number];

export interface MasterStatus {
  driver: string;
  pid: number;
  state: MasterState;
  startedAt: string;
  generation: number;
  configHash: string;
  configDir: string;
  listeners: ListenerInfo[];
  generations: GenerationInfo[];
  pendingReload: boolean;
  lastResults: ReloadResult[];
  /** Driver-specific state, e.g. the nginx master pid and draining generations. */
  detail?: Record<string, unknown>;
}

/** One line of an NDJSON reload stream; the stream's last line is the ReloadResult itself. */
export type ReloadEvent =
  | { event: 'queued'; requests: number }
  | ({ event: 'phase' } & PhaseRecord);

export interface ErrorBody {
  error: ErrorInfo;
}
