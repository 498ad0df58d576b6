// All workers of one configuration generation. A generation is started, proven ready,
// made current (its crashed workers are respawned with backoff), and finally drained:
// told to stop with the configured signal and killed after the drain timeout.
import type { Logger } from '../log.ts';
import type { GenerationInfo } from '../protocol/types.ts';
import type { ExitInfo } from '../process/exit.ts';
import type { StopResult } from '../process/stop.ts';
import { socketInodes, waitUntilNotListening } from './accepting.ts';
import { backoffDelay, CRASH_LOOP_STREAK, nextStreak } from '../backoff.ts';
import type { WorkersConfig } from '../config/types.ts';
import { Worker, type WorkerSpec, type WorkerStatus } from './workers.ts';

export type GenerationState = 'starting' | 'current' | 'draining' | 'ended';

const TRANSITIONS: Readonly<Record<GenerationState, readonly GenerationState[]>> = {
  starting: ['current', 'draining'],
  current: ['draining'],
  draining: ['ended'],
  ended: [],
};

/**
 * hotcycle.yaml's worker settings, with `cwd` resolved in the generation's snapshot and `env`
 * over the master's own, and what the cycle gives the generation.
 */
export interface GenerationSpec extends WorkersConfig {
  generation: number;
  configHash: string;
  snapshotDir: string;
  listeners: readonly { name: string; fd: number }[];
}

export interface GenerationHooks {
  logger: Logger;
  onOutput: WorkerSpec['onOutput'];
  /** Runs a respawn through the master's queue, after `delayMs`. */
  scheduleRespawn: (delayMs: number, respawn: () => void) => void;
}

/** The protocol's GenerationInfo, with this driver's states. */
export interface GenerationStatus extends GenerationInfo {
  state: GenerationState;
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
  #stopped: Promise<StopResult[]> | null = null;
  #inodes: ReadonlySet<string> = new Set();

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
    // Taken now: the master may close a removed listener's fd before this generation drains.
    this.#inodes = socketInodes(this.spec.listeners.map((l) => l.fd));
    for (let slot = 0; slot < this.spec.count; slot++) this.#spawn(slot);
  }

  /** Resolves when every worker is ready; rejects with the first worker's failure. */
  async waitReady(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#slots.map((w) => w.waitReady(signal)));
  }

  /** The generation serves. A worker that died between its ready and now is replaced at once. */
  makeCurrent(): void {
    this.#setState('current');
    for (const worker of this.#slots) {
      if (worker.state === 'failed' || worker.state === 'exited') void worker.exited.then((exit) => this.#onExit(worker, exit));
    }
  }

  /** Drains every live worker: the configured signal, SIGKILL after the timeout. Idempotent. */
  stop(timeoutMs = this.spec.shutdown.timeoutMs): Promise<StopResult[]> {
    this.#stopped ??= (async () => {
      this.#setState('draining');
      const results = await Promise.all(this.#slots.map((w) => w.stop({ signal: this.spec.shutdown.signal, timeoutMs })));
      this.#setState('ended');
      return results;
    })();
    return this.#stopped;
  }

  /**
   * After stop(): resolves once no worker of this generation holds a listening socket any
   * more (each closed its copy, or exited), or when `timeoutMs` runs out; returns the pids
   * still accepting then.
   */
  stoppedAccepting(timeoutMs: number): Promise<number[]> {
    return waitUntilNotListening(this.#slots.map((w) => w.pid), this.#inodes, timeoutMs);
  }

  /** Forced: SIGKILL every worker now, whatever stop is under way; nothing is respawned. */
  async kill(): Promise<void> {
    if (this.#state === 'starting' || this.#state === 'current') this.#setState('draining');
    await Promise.all(this.#slots.map((w) => w.stop({ signal: 'SIGKILL', timeoutMs: 1000 })));
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
    void worker.exited.then((exit) => this.#onExit(worker, exit));
    return worker;
  }

  // nginx's RESPAWN: a worker of the current generation that dies is replaced, after a
  // backoff that grows with the crash streak. Exits of a starting generation are the
  // cycle's business, of a draining one expected, and of a replaced worker stale.
  #onExit(worker: Worker, exit: ExitInfo): void {
    if (this.#state !== 'current' || this.#slots[worker.slot] !== worker) return;
    const now = Date.now();
    this.#streak = nextStreak(this.#streak, this.#lastCrashAt, now);
    this.#lastCrashAt = now;
    const delayMs = backoffDelay(this.spec.restart, this.#streak);
    this.#hooks.logger.warn('worker died; respawning', {
      event: 'worker.respawn', generation: this.number, slot: worker.slot, pid: worker.pid,
      code: exit.code, signal: exit.signal, delayMs, streak: this.#streak, crashLoop: this.#streak >= CRASH_LOOP_STREAK,
    });
    this.#hooks.scheduleRespawn(delayMs, () => this.#respawn(worker));
  }

  #respawn(dead: Worker): void {
    if (this.#state !== 'current' || this.#slots[dead.slot] !== dead) return;
    let replacement: Worker;
    try {
      replacement = this.#spawn(dead.slot);
    } catch (error) {
      // EAGAIN at the pid limit, EMFILE: a failed spawn counts as another crash, and is retried.
      this.#hooks.logger.error('cannot respawn worker', { event: 'worker.respawn.failed', generation: this.number, slot: dead.slot, error: String(error) });
      this.#onExit(dead, { code: null, signal: null });
      return;
    }
    this.#restarts++;
    const fields = { generation: this.number, slot: dead.slot, pid: replacement.pid };
    replacement.waitReady().then(
      () => this.#hooks.logger.info('respawned worker ready', { event: 'worker.respawned', ...fields }),
      (error: unknown) => {
        // Stopped, its exit respawns it again with the next backoff.
        this.#hooks.logger.warn('respawned worker did not become ready', { event: 'worker.respawn.failed', ...fields, error: String(error) });
        void replacement.stop(this.spec.shutdown);
      },
    );
  }

  #setState(next: GenerationState): void {
    if (this.#state === next) return;
    if (!TRANSITIONS[this.#state].includes(next)) throw new Error(`generation ${this.number}: illegal transition ${this.#state} → ${next}`);
    this.#state = next;
    this.#since = new Date();
  }
}
