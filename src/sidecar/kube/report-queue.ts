// The one owner of report delivery. Reports are enqueued and sent one at a time, in order, with
// limited retries; reloads never wait for them. The queue is bounded (the oldest waiting report
// is dropped when it is full) so an unreachable API server cannot grow memory, and reports with
// the same coalesce key replace a waiting one (only the newest annotations matter).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.ts';
import { decideRetry, describeFailure, type RetryPolicy } from './retry.ts';
import type { ReportCall, ReportOutcome } from './types.ts';

export interface ReportJob {
  call: ReportCall;
  /** For log lines, e.g. `Event Reloaded`. */
  what: string;
  coalesceKey?: string;
  /** One try; `signal` aborts it when the queue closes. */
  send(signal: AbortSignal): Promise<void>;
}

export interface ReportQueueOptions {
  logger: Logger;
  capacity: number;
  policy: RetryPolicy;
  onOutcome?: (outcome: ReportOutcome) => void;
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
    if (!this.#accepting) return this.#outcome(job, 'dropped');
    const same = job.coalesceKey === undefined ? -1 : this.#pending.findIndex((p) => p.coalesceKey === job.coalesceKey);
    if (same >= 0) {
      this.#pending[same] = job;
      return;
    }
    if (this.#pending.length >= this.#options.capacity) {
      const oldest = this.#pending.shift();
      if (oldest) {
        this.#options.logger.warn('kubernetes report dropped: queue full', { event: 'kube-report', call: oldest.call, what: oldest.what });
        this.#outcome(oldest, 'dropped');
      }
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
    const grace = new AbortController();
    await Promise.race([this.#idle, sleep(graceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
    grace.abort();
    this.#abort.abort();
    for (const job of this.#pending.splice(0)) this.#outcome(job, 'dropped');
    await this.#idle;
  }

  async #drain(): Promise<void> {
    for (let job = this.#pending.shift(); job; job = this.#pending.shift()) await this.#deliver(job);
    this.#running = false;
  }

  async #deliver(job: ReportJob): Promise<void> {
    const { logger, policy } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await job.send(this.#abort.signal);
        this.#outcome(job, 'ok');
        logger.debug('kubernetes report delivered', { event: 'kube-report', call: job.call, what: job.what, result: 'ok', attempt });
        return;
      } catch (error) {
        const failure = describeFailure(error);
        const decision = this.#abort.signal.aborted ? { retry: false as const, why: 'reporter closed' } : decideRetry(failure, attempt, policy);
        const fields = { event: 'kube-report', call: job.call, what: job.what, status: failure.status, error: failure.message, attempt };
        if (!decision.retry) {
          logger.warn(`kubernetes report failed: ${decision.why}`, fields);
          return this.#outcome(job, 'failed', failure.status);
        }
        logger.info(`kubernetes report will be retried in ${decision.delayMs} ms`, fields);
        this.#outcome(job, 'retry', failure.status);
        const waited = await sleep(decision.delayMs, true, { signal: this.#abort.signal }).catch(() => false);
        if (!waited) return this.#outcome(job, 'dropped');
      }
    }
  }

  #outcome(job: ReportJob, result: ReportOutcome['result'], status?: number): void {
    try {
      this.#options.onOutcome?.({ call: job.call, result, ...(status !== undefined ? { status } : {}) });
    } catch (error) {
      this.#options.logger.warn('kubernetes report outcome hook threw', { event: 'kube-report', error: String(error) });
    }
  }
}
