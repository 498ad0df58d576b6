// One report, tried until it is delivered or given up: the loop the Event queue and the
// annotation reconciler share. retry.ts decides after each failed try; every end gets one log
// line naming the report and its result, so an operator can tell, per Event, whether it was
// delivered — late (`late: true`) when it needed more than one try or waited behind a report that
// did — or dropped; the metrics hook counts the same.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log.ts';
import { decideRetry, describeFailure, isRetryable, landedEarlier, type RetryDecision, type RetryPolicy } from './retry.ts';
import type { ReportCall, ReportOutcome } from './types.ts';

export interface Delivery {
  call: ReportCall;
  /** For log lines, e.g. `Event Reloaded web-0.1876…`; read at each line. */
  readonly what: string;
  /** Date.now() when the report was made: its age bounds the retries (RetryPolicy.giveUpAfterMs). */
  madeAt: number;
  /** One try; `signal` aborts it when the owner closes. */
  send(signal: AbortSignal): Promise<void>;
}

export interface DeliveryContext {
  logger: Logger;
  policy: RetryPolicy;
  /** Aborted when the owner closes: the try in flight and any backoff end, the report is dropped. */
  signal: AbortSignal;
  onOutcome: (outcome: ReportOutcome) => void;
  now?: () => number;
  /** The report waited behind one that needed retries (a queue after an outage): late even on a first try. */
  waited?: boolean;
}

/** How it ended, and after how many tries. */
export interface DeliveryEnd { result: ReportOutcome['result']; attempts: number }

export async function deliver(job: Delivery, context: DeliveryContext): Promise<DeliveryEnd> {
  const { logger, policy, signal } = context;
  const now = context.now ?? Date.now;
  const fields = () => ({ event: 'kube-report', call: job.call, what: job.what });
  for (let attempt = 1; ; attempt++) {
    try {
      await job.send(signal);
      return delivered(job, context, attempt, now() - job.madeAt, false);
    } catch (error) {
      const failure = describeFailure(error);
      if (landedEarlier(failure, attempt)) return delivered(job, context, attempt, now() - job.madeAt, true);
      const decision: RetryDecision = signal.aborted ? { retry: false, why: 'reporter closed' } : decideRetry(failure, attempt, now() - job.madeAt, policy);
      const tried = { ...fields(), status: failure.status, error: failure.message, attempt };
      if (!decision.retry) {
        // A request we got wrong failed; one the API server never took (outage, closing) is dropped.
        const result = isRetryable(failure) ? 'dropped' : 'failed';
        logger.warn(`kubernetes report ${result}: ${decision.why}`, { ...tried, result });
        context.onOutcome({ call: job.call, result, ...(failure.status !== undefined ? { status: failure.status } : {}) });
        return { result, attempts: attempt };
      }
      logger.info(`kubernetes report will be retried in ${decision.delayMs} ms`, { ...tried, result: 'retry', retryInMs: decision.delayMs });
      context.onOutcome({ call: job.call, result: 'retry', ...(failure.status !== undefined ? { status: failure.status } : {}) });
      const waited = await sleep(decision.delayMs, true, { signal }).catch(() => false);
      if (!waited) {
        logger.warn('kubernetes report dropped: reporter closed', { ...fields(), result: 'dropped', attempt });
        context.onOutcome({ call: job.call, result: 'dropped' });
        return { result: 'dropped', attempts: attempt };
      }
    }
  }
}

/** ok: debug when on time, info when late (`ageMs` after it was made, `attempt` tries). */
function delivered(job: Delivery, context: DeliveryContext, attempt: number, ageMs: number, alreadyExisted: boolean): DeliveryEnd {
  const late = attempt > 1 || context.waited === true;
  const fields = { event: 'kube-report', call: job.call, what: job.what, result: 'ok', attempt, late, ageMs, ...(alreadyExisted ? { alreadyExisted } : {}) };
  if (late) context.logger.info(`kubernetes report delivered late: ${job.what}, ${attempt} attempts, ${Math.round(ageMs)} ms after it was made${alreadyExisted ? ' (an earlier try had landed)' : ''}`, fields);
  else context.logger.debug('kubernetes report delivered', fields);
  context.onOutcome({ call: job.call, result: 'ok' });
  return { result: 'ok', attempts: attempt };
}

/** Resolves when `idle` does or after `graceMs`, whichever comes first: the grace a closing owner gives. */
export async function waitAtMost(idle: Promise<void>, graceMs: number): Promise<void> {
  const grace = AbortSignal.timeout(graceMs);
  await Promise.race([idle, new Promise((resolve) => grace.addEventListener('abort', resolve, { once: true }))]);
}
