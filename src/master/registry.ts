// The native driver's one record of its generations (tableflip's single owner of lifecycle
// state): the current cycle, the generation a cycle is starting, and every generation still
// draining. A cycle tells it what it started, committed and retired; status and shutdown
// read it. Invariant: at most one generation is starting.
import type { Logger } from '../log.ts';
import type { GenerationStatus } from './generation.ts';
import type { Cycle, Workers } from './cycle.ts';

export interface Retirement {
  /** Removes a drained generation's snapshot directory. */
  removeSnapshot(dir: string): Promise<void>;
  logger: Logger;
}

export class GenerationRegistry {
  readonly #retirement: Retirement;
  readonly #draining = new Map<Workers, Promise<void>>();
  #current: Cycle | null = null;
  #starting: Workers | null = null;

  constructor(retirement: Retirement) {
    this.#retirement = retirement;
  }

  get current(): Cycle | null {
    return this.#current;
  }

  /** A cycle spawned `workers`: status shows them starting until commit or retire. */
  starting(workers: Workers): void {
    if (this.#starting) throw new Error(`generation ${this.#starting.number} is still starting; ${workers.number} cannot start`);
    this.#starting = workers;
  }

  /** The cycle's generation is now the current one; returns the cycle it replaces. */
  commit(cycle: Cycle): Cycle | null {
    const old = this.#current;
    this.#current = cycle;
    if (this.#starting === cycle.workers) this.#starting = null;
    return old;
  }

  /** Drains `workers` in the background, then removes their snapshot. Idempotent. */
  retire(workers: Workers): void {
    if (this.#starting === workers) this.#starting = null;
    if (this.#draining.has(workers)) return;
    const drained = workers.stop().then(async (results) => {
      await this.#retirement.removeSnapshot(workers.spec.snapshotDir);
      this.#draining.delete(workers);
      const forced = results.filter((r) => r.forced).length;
      this.#retirement.logger.info('generation drained', { event: 'generation.drained', generation: workers.number, forced });
    });
    this.#draining.set(workers, drained);
  }

  /** Retires the current cycle (no current one is left); returns it so its listeners can close. */
  retireCurrent(): Cycle | null {
    const current = this.#current;
    if (current) this.retire(current.workers);
    this.#current = null;
    return current;
  }

  /** Every generation still alive: starting, current, draining. */
  all(): Workers[] {
    return [...(this.#starting ? [this.#starting] : []), ...(this.#current ? [this.#current.workers] : []), ...this.#draining.keys()];
  }

  /** Newest first. */
  status(): GenerationStatus[] {
    return this.all().sort((a, b) => b.number - a.number).map((g) => g.status());
  }

  /** Resolves when every retired generation has drained. */
  async drained(): Promise<void> {
    await Promise.all(this.#draining.values());
  }
}
