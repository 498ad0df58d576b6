// The Pod's `hotcycle.dev/*` annotations, and the last-good Secret, are desired state, not
// history: only the newest patch matters, and it is reconciled until it holds. One loop:
//   (1) set() replaces the desired patch and marks it dirty; it starts the loop if idle.
//   (2) Each try sends the desired patch as it is at that moment and clears the mark, so a set()
//       during a try or a backoff is what the next try sends (an outage never queues patches).
//   (3) Failures are retried with capped exponential backoff and no limit on tries or time
//       (ANNOTATION_RETRY_POLICY); only an answer that will not change (403, 404, 422) ends the
//       try, logged and counted as failed — until the next set().
//   (4) A try that succeeded while the mark was set again (a set() during it) runs once more.
//   (5) close() waits a grace, then aborts the try in flight or the backoff; the unapplied set is
//       dropped and counted.
import type { Logger } from '../../log.ts';
import { deliver, waitAtMost } from './deliver.ts';
import type { RetryPolicy } from './retry.ts';
import type { ReportCall, ReportOutcome } from './types.ts';

export interface PatchReconcilerOptions<Body> {
  /** What the patches are, for log lines and metrics. */
  call: ReportCall;
  logger: Logger;
  policy: RetryPolicy;
  onOutcome: (outcome: ReportOutcome) => void;
  /** One merge patch (our own Pod, the release's last-good Secret). */
  patch(body: Body, signal: AbortSignal): Promise<void>;
}

interface Desired<Body> { body: Body; what: string; at: number }

export class PatchReconciler<Body> {
  #options: PatchReconcilerOptions<Body>;
  #desired: Desired<Body> | undefined;
  #dirty = false;
  #idle: Promise<void> = Promise.resolve();
  #running = false;
  #abort = new AbortController();

  constructor(options: PatchReconcilerOptions<Body>) {
    this.#options = options;
  }

  /** (1) `what` names the state in log lines, e.g. `annotations generation 7`. */
  set(body: Body, what: string): void {
    if (this.#abort.signal.aborted) return;
    this.#desired = { body, what, at: Date.now() };
    this.#dirty = true;
    if (!this.#running) {
      this.#running = true;
      this.#idle = this.#run();
    }
  }

  /** Resolves when the newest desired set was applied or given up. */
  flush(): Promise<void> {
    return this.#idle;
  }

  /** (5) Idempotent; a try in flight or a backoff gets up to `graceMs` first. */
  async close(graceMs: number): Promise<void> {
    if (!this.#abort.signal.aborted) await waitAtMost(this.#idle, graceMs);
    this.#abort.abort();
    return this.#idle;
  }

  async #run(): Promise<void> {
    const { call, logger, policy, onOutcome, patch } = this.#options;
    const context = { logger, policy, onOutcome, signal: this.#abort.signal };
    const desired = (): Desired<Body> => this.#desired!;
    while (this.#dirty && !this.#abort.signal.aborted) { // (4)
      await deliver({
        call,
        get what() { return desired().what; },
        madeAt: desired().at,
        send: (signal) => { // (2)
          this.#dirty = false;
          return patch(desired().body, signal);
        },
      }, context); // (3)
    }
    this.#running = false;
  }
}
