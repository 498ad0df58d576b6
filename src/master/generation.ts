// All workers of one configuration generation. A generation is started, proven ready,
// made current (its crashed workers are respawned with backoff), and finally drained:
// told to stop with the configured signal and killed after the drain timeout.
import type { Logger } from '../log.ts';
import type { StopResult } from '../process/stop.ts';
import { backoffDelay, CRASH_LOOP_STREAK, nextStreak, type BackoffPolicy } from './backoff.ts';
import type { Readiness } from './readiness.ts';
import { Worker, type WorkerSpec, type WorkerStatus } from './workers.ts';

export type GenerationState = 'starting' | 'current' | 'draining' | 'ended';

export interface GenerationSpec {
  generation: number;
  configHash: string;
  snapshotDir: string;
  count: number;
  command: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  readiness: Readiness;
  shutdown: { signal: NodeJS.Signals; timeoutMs: number };
  restart: BackoffPolicy;
  listeners: readonly { name: string; fd: number }[];
}

export interface GenerationHooks {
  logger: Logger;
  onOutput: WorkerSpec['onOutput'];
  /** Runs a respawn through the master's queue, after `delayMs`. */
  scheduleRespawn: (delayMs: number, respawn: () => void) => void;
}

export interface GenerationStatus {
  generation: number;
  configHash: string;
  state: GenerationState;
  since: string;
  restarts: number;
  crashLoop: boolean;
  workers: WorkerStatus[];
}

export class Generation {
  readonly number: number;
  readonly spec: GenerationSpec;
  readonly #hooks: GenerationHooks;
  readonly #slots: Worker[] = [];
  #state: GenerationState = 'starting';
  #since = new Date();
  #restarts = 0;
  #streak = 0;
  #lastCrashAt: number | null = null;

  constructor(spec: GenerationSpec, hooks: GenerationHooks) {
    this.number = spec.generation;
    this.spec = spec;
    this.#hooks = hooks;
  }

  get state(): GenerationState {
    return this.#state;
  }

  get workers(): readonly Worker[] {
    return this.#slots;
  }

  /** Spawns every worker; throws (phase `start`) if one cannot be spawned at all. */
  start(): void {
    for (let slot = 0; slot < this.spec.count; slot++) this.#spawn(slot);
  }

  /** Resolves when every worker is ready; rejects with the first worker's failure. */
  async waitReady(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#slots.map((w) => w.waitReady(signal)));
  }

  makeCurrent(): void {
    this.#setState('current');
  }

  /** Drains every live worker: the configured signal, SIGKILL after the timeout. */
  async stop(timeoutMs = this.spec.shutdown.timeoutMs): Promise<StopResult[]> {
    this.#setState('draining');
    const results = await Promise.all(this.#slots.map((w) => w.stop({ signal: this.spec.shutdown.signal, timeoutMs })));
    this.#setState('ended');
    return results;
  }

  status(): GenerationStatus {
    return {
      generation: this.number,
      configHash: this.spec.configHash,
      state: this.#state,
      since: this.#since.toISOString(),
      restarts: this.#restarts,
      crashLoop: this.#streak >= CRASH_LOOP_STREAK,
      workers: this.#slots.map((w) => w.status()),
    };
  }

  #spawn(slot: number): Worker {
    const worker = new Worker({
      generation: this.number,
      slot,
      command: this.spec.command,
      cwd: this.spec.cwd,
      env: this.spec.env,
      configDir: this.spec.snapshotDir,
      listeners: this.spec.listeners,
      readiness: this.spec.readiness,
      onOutput: this.#hooks.onOutput,
    });
    this.#slots[slot] = worker;
    void worker.exited.then((exit) => this.#onExit(worker, exit.code, exit.signal));
    return worker;
  }

  // nginx's RESPAWN: a worker of the current generation that dies is replaced. Exits of
  // a starting generation are the cycle's business, and of a draining one expected.
  #onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#state !== 'current') return;
    const now = Date.now();
    this.#streak = nextStreak(this.#streak, this.#lastCrashAt, now);
    this.#lastCrashAt = now;
    const delayMs = backoffDelay(this.spec.restart, this.#streak);
    this.#hooks.logger.warn('worker died; respawning', {
      event: 'worker.respawn', generation: this.number, slot: worker.slot, pid: worker.pid,
      code, signal, delayMs, streak: this.#streak, crashLoop: this.#streak >= CRASH_LOOP_STREAK,
    });
    this.#hooks.scheduleRespawn(delayMs, () => {
      if (this.#state !== 'current' || this.#slots[worker.slot] !== worker) return;
      this.#restarts++;
      const replacement = this.#spawn(worker.slot);
      const fields = { generation: this.number, slot: worker.slot, pid: replacement.pid };
      replacement.waitReady().then(
        () => this.#hooks.logger.info('respawned worker ready', { event: 'worker.respawned', ...fields }),
        (error: unknown) => this.#hooks.logger.warn('respawned worker did not become ready', { event: 'worker.respawn.failed', ...fields, error: String(error) }),
      );
    });
  }

  #setState(next: GenerationState): void {
    if (this.#state === next) return;
    this.#state = next;
    this.#since = new Date();
  }
}
