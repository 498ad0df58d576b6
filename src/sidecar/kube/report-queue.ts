// The one owner of Event delivery. Events are enqueued and sent one at a time, in order, each
// retried across an outage until it is delivered (late, logged so) or too old (deliver.ts, retry.ts); reloads
// never wait for them. The queue is bounded: when it is full the oldest waiting Event is dropped,
// logged and counted, so an unreachable API server cannot grow memory.
import type { Logger } from '../../log.ts';
import { deliver, waitAtMost, type Delivery } from './deliver.ts';
import type { RetryPolicy } from './retry.ts';
import type { ReportOutcome } from './types.ts';

export type ReportJob = Delivery;

export interface ReportQueueOptions {
  logger: Logger;
  capacity: number;
  policy: RetryPolicy;
  onOutcome: (outcome: ReportOutcome) => void;
  now?: () => number;
}

export class ReportQueue {
  #options: ReportQueueOptions;
  #pending: ReportJob[] = [];
  #idle: Promise<void> = Promise.resolve();
  #running = false;
  #accepting = true;
  #abort = new AbortController();

  constructor(options: ReportQueueOptions) {
    this.#options = options;
  }

  push(job: ReportJob): void {
    if (!this.#accepting) return this.#drop(job, 'reporter closed');
    if (this.#pending.length >= this.#options.capacity) {
      const oldest = this.#pending.shift();
      if (oldest) this.#drop(oldest, `queue full (${this.#options.capacity} waiting)`);
    }
    this.#pending.push(job);
    if (!this.#running) {
      this.#running = true;
      this.#idle = this.#drain();
    }
  }

  /** Resolves when everything enqueued so far has been delivered or given up. */
  flush(): Promise<void> {
    return this.#idle;
  }

  /** Stops accepting, lets waiting reports finish for up to `graceMs`, then aborts the rest. */
  async close(graceMs: number): Promise<void> {
    if (!this.#accepting) return this.#idle;
    this.#accepting = false;
    await waitAtMost(this.#idle, graceMs);
    this.#abort.abort();
    for (const job of this.#pending.splice(0)) this.#drop(job, 'reporter closed');
    await this.#idle;
  }

  async #drain(): Promise<void> {
    const { logger, policy, onOutcome, now } = this.#options;
    const context = { logger, policy, onOutcome, signal: this.#abort.signal, ...(now ? { now } : {}) };
    // Reports that waited behind one needing retries are late too, until the queue has drained.
    let waited = false;
    for (let job = this.#pending.shift(); job; job = this.#pending.shift()) {
      const end = await deliver(job, { ...context, waited });
      waited = this.#pending.length > 0 && (waited || end.attempts > 1);
    }
    this.#running = false;
  }

  #drop(job: ReportJob, why: string): void {
    this.#options.logger.warn(`kubernetes report dropped: ${why}`, { event: 'kube-report', call: job.call, what: job.what, result: 'dropped' });
    this.#options.onOutcome({ call: job.call, result: 'dropped' });
  }
}
