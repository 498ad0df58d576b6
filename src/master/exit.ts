// How the master ends (DESIGN.md §11). Endpoint removal takes seconds to reach Services and
// load balancers, which keep sending new connections to a pod told to stop meanwhile:
//   (1) The first SIGTERM/SIGINT: reloads are refused (a cycle in progress rolls back) and,
//       when a generation serves and a shutdown delay is set, every listener stays open and
//       served for the delay (`master.shutdown-delay`).
//   (2) Then everything drains (the native workers' stop signal; nginx: SIGQUIT) and the
//       master exits 0.
//   (3) A second signal during the delay ends the delay at once: (2) starts. A second signal
//       during the drain forces (SIGKILL) and exits 1.
//   A driver's fatal failure (the server died) ends the delay too, drains what is left and
//   exits 1.
import { setTimeout as sleep } from 'node:timers/promises';
import { toErrorInfo } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Master } from './master.ts';

export class Exit {
  readonly code: Promise<number>;
  readonly #master: Master;
  readonly #logger: Logger;
  readonly #delayMs: number;
  #resolve!: (code: number) => void;
  #stopping = false;
  #delay: AbortController | null = null;
  #failed = false;

  constructor(master: Master, logger: Logger, delayMs: number) {
    this.#master = master;
    this.#logger = logger;
    this.#delayMs = delayMs;
    this.code = new Promise((resolve) => (this.#resolve = resolve));
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#delay) {
      this.#logger.info(`second ${signal}: skipping the rest of the shutdown delay`, { event: 'master.shutdown-delay.skipped', signal });
      this.#delay.abort(); // (3)
      return;
    }
    if (this.#stopping) {
      this.#force(signal); // (3)
      return;
    }
    this.#stopping = true;
    const serving = this.#master.status().generation > 0;
    if (this.#delayMs > 0 && serving) {
      void this.#delayThenDrain(signal); // (1)
      return;
    }
    this.#master.refuseReloads();
    this.#logger.info(`${signal}: draining all workers, then exiting`, { event: 'master.shutdown', signal });
    this.#drain();
  }

  fail(message: string): void {
    this.#failed = true;
    if (this.#delay) {
      this.#logger.error(`${message}; ending the shutdown delay, draining what is left, then exiting 1`, { event: 'master.fail' });
      this.#delay.abort();
      return;
    }
    if (this.#stopping) return;
    this.#stopping = true;
    this.#logger.error(`${message}; draining what is left, then exiting 1`, { event: 'master.fail' });
    this.#drain();
  }

  async #delayThenDrain(signal: NodeJS.Signals): Promise<void> {
    const delay = new AbortController();
    this.#delay = delay;
    this.#master.refuseReloads(`the master is shutting down: its listeners serve for the ${this.#delayMs} ms shutdown delay, then it drains`);
    this.#logger.info(`${signal}: serving for ${this.#delayMs} ms more (shutdown delay), then draining`, {
      event: 'master.shutdown-delay', signal, delayMs: this.#delayMs,
    });
    const waited = await sleep(this.#delayMs, true, { signal: delay.signal }).catch(() => false);
    this.#delay = null;
    this.#logger.info(`${waited ? 'shutdown delay over' : 'shutdown delay cut short'}: draining all workers, then exiting`, {
      event: 'master.shutdown', signal, delayed: true, skipped: !waited,
    });
    this.#drain(); // (2)
  }

  #drain(): void {
    this.#master.shutdown().then(() => this.#resolve(this.#failed ? 1 : 0), (error: unknown) => {
      this.#logger.error('shutdown failed', { event: 'master.shutdown.failed', ...toErrorInfo(error, 'shutdown') });
      this.#resolve(1);
    });
  }

  #force(signal: NodeJS.Signals): void {
    this.#failed = true;
    this.#logger.warn(`second ${signal}: forcing workers down`, { event: 'master.force', signal });
    this.#master.shutdown(true).then(() => this.#resolve(1), (error: unknown) => {
      this.#logger.error('forced shutdown failed', { event: 'master.shutdown.failed', ...toErrorInfo(error, 'shutdown') });
      this.#resolve(1);
    });
  }
}
