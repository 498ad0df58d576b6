// What the master asks of the thing that actually serves: the native worker manager,
// or a real nginx master. The master owns the queue, results and shutdown order; a
// driver owns processes and sockets.
import type { GenerationInfo, ListenerInfo } from '../protocol/types.ts';
import type { PhaseClock } from './phases.ts';

export interface ReloadContext {
  clock: PhaseClock;
  /** Aborted when the master shuts down mid-cycle: roll back and return. */
  signal: AbortSignal;
  expectHash?: string;
}

export interface DriverOutcome {
  generation: number;
  configHash: string;
  detail?: Record<string, unknown>;
}

/**
 * A reload that failed; the old cycle keeps serving. `configHash`: the version the check phase
 * read, once it read one (the failed result names it), else undefined.
 */
export interface ReloadFailed {
  ok: false;
  error: unknown;
  configHash: string | undefined;
}

export type ReloadAttempt = { ok: true; outcome: DriverOutcome } | ReloadFailed;

export interface DriverStatus {
  generation: number;
  configHash: string;
  listeners: ListenerInfo[];
  generations: GenerationInfo[];
  detail?: Record<string, unknown>;
}

export interface Driver {
  readonly name: string;
  /** Builds a new cycle from the config directory; on failure (a HotcycleError), old cycle intact. */
  reload(ctx: ReloadContext): Promise<ReloadAttempt>;
  /** The check phase alone; returns the hash of the set it checked. */
  check(): Promise<{ configHash: string }>;
  status(): DriverStatus;
  /** Graceful: drain everything within the configured timeouts. Forced: SIGKILL now. */
  shutdown(force: boolean): Promise<void>;
}
