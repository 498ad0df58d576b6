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
  /** Set by the driver as soon as it knows the hash of the config set it read. */
  observed: { configHash?: string };
}

export interface DriverOutcome {
  generation: number;
  configHash: string;
  detail?: Record<string, unknown>;
}

export interface DriverStatus {
  generation: number;
  configHash: string;
  listeners: ListenerInfo[];
  generations: GenerationInfo[];
  detail?: Record<string, unknown>;
}

export interface Driver {
  readonly name: string;
  /** Builds a new cycle from the config directory; throws a HotcycleError, old cycle intact. */
  reload(ctx: ReloadContext): Promise<DriverOutcome>;
  /** The check phase alone; returns the hash of the set it checked. */
  check(): Promise<{ configHash: string }>;
  status(): DriverStatus;
  /** Graceful: drain everything within the configured timeouts. Forced: SIGKILL now. */
  shutdown(force: boolean): Promise<void>;
}
