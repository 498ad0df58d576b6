// Driving the master (DESIGN.md §2 step 5): make it run a published version, retrying only what
// is safe to retry.
//   (1) Ask the master's status. Not up yet (no socket, refused, reset, shutting down, no cycle
//       yet) or in the middle of a cycle → back off and ask again, until `signal` aborts: a newer
//       request is waiting, and the master reads the live directory itself when it starts. (A
//       cycle in progress may well be landing on our version: asking now would only queue a
//       needless follow-up cycle.) A master `waiting` (its first cycle failed, it serves
//       nothing: --start-failure wait) is up: a reload may start its first generation.
//   (2) It already runs `hash` and nothing forces a cycle → done (the reconcile at start).
//   (3) POST /v1/reload { reason, expectHash: hash } and wait for the cycle's result. The
//       connection lost mid-cycle while the master still answers → back to (1): its status
//       tells what it runs now. The master gone (killed mid-cycle), or its own shutdown cutting
//       the cycle short (EABORTED, ESHUTTINGDOWN) → `interrupted`: no verdict on the version
//       (syncer.ts step (7)).
//   (4) A failed cycle (ok:false) is never retried here; the caller learns which hash the master
//       still runs, to decide about restoring the previous version.
import { setTimeout as sleep } from 'node:timers/promises';
import { HotcycleError, toErrorInfo, type ErrorCode, type ErrorInfo } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { backoffDelay, type BackoffPolicy } from '../../backoff.ts';
import { masterReload, masterStatus } from '../../protocol/master-client.ts';
import { ABORTED, SHUTTING_DOWN, type MasterStatus, type ReloadResult } from '../../protocol/types.ts';

export type DriveOutcome =
  | { kind: 'current'; status: MasterStatus }
  | { kind: 'reloaded'; result: ReloadResult; running: string | null }
  | { kind: 'unreachable'; error: ErrorInfo }
  /** The master died during the cycle: no verdict on `hash`. */
  | { kind: 'interrupted'; error: ErrorInfo };

export interface ApplyRequest {
  hash: string;
  reason: string;
  force: boolean;
  /** Aborts the wait for a master that is not up; never a reload in flight. */
  signal: AbortSignal;
}

/** Codes that mean "no master to talk to right now", not "the master said no". */
const NOT_UP = new Set<ErrorCode>(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNECT', SHUTTING_DOWN]);
/** Failed cycles that were interrupted, not rejected: the master shut down mid-cycle. */
const INTERRUPTED = new Set<ErrorCode>([ABORTED, SHUTTING_DOWN]);
/** The master's request schema bounds `reason`. */
const MAX_REASON = 200;
const DEFAULT_BACKOFF: BackoffPolicy = { backoffMs: 100, maxBackoffMs: 2000 };

export class MasterLink {
  readonly socketPath: string;
  readonly #logger: Logger;
  readonly #backoff: BackoffPolicy;

  constructor(options: { socketPath: string; logger: Logger; backoff?: BackoffPolicy }) {
    this.socketPath = options.socketPath;
    this.#logger = options.logger;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  status(): Promise<MasterStatus> {
    return masterStatus(this.socketPath);
  }

  async apply(request: ApplyRequest): Promise<DriveOutcome> {
    for (let attempt = 1; ; attempt++) {
      const status = await this.#statusWhenUp(request.signal); // (1)
      if ('error' in status) return { kind: 'unreachable', error: status.error };
      if (status.configHash === request.hash && !request.force) return { kind: 'current', status }; // (2)
      try {
        const result = await masterReload(this.socketPath, { reason: request.reason.slice(0, MAX_REASON), expectHash: request.hash }); // (3)
        if (!result.ok && result.error && INTERRUPTED.has(result.error.code)) {
          // The master's own shutdown cut the cycle short: no verdict on `hash`, as when it dies.
          this.#logger.warn('the master stopped during the reload', { event: 'drive.interrupted', attempt, configHash: request.hash });
          return { kind: 'interrupted', error: result.error };
        }
        return { kind: 'reloaded', result, running: result.ok ? result.configHash : await this.#runningHash() }; // (4)
      } catch (error) {
        if (!isNotUp(error)) return { kind: 'unreachable', error: toErrorInfo(error, 'control') };
        const gone = !(await this.#up());
        this.#logger.warn(`lost the master during a reload; ${gone ? 'it is gone' : 'asking again'}`, { event: 'drive.lost', attempt, gone, configHash: request.hash });
        // (3) The master itself died mid-cycle: the caller decides, as its restart would start on `hash` unproven.
        if (gone) return { kind: 'interrupted', error: toErrorInfo(error, 'control') };
      }
    }
  }

  /** The master's status once it is up and past its first cycle, or why we stopped waiting. */
  async #statusWhenUp(signal: AbortSignal): Promise<MasterStatus | { error: ErrorInfo }> {
    for (let attempt = 1; ; attempt++) {
      let why: ErrorInfo;
      try {
        const status = await masterStatus(this.socketPath);
        // `waiting`: its first cycle failed and it serves nothing; a reload may start a generation.
        if ((status.state === 'running' && status.generation > 0) || status.state === 'waiting') return status;
        why = status.generation === 0
          ? { phase: 'control', code: 'ESTARTING', message: 'the master is still starting' }
          : { phase: 'control', code: 'EBUSY', message: `the master is ${status.state}` };
      } catch (error) {
        if (!isNotUp(error)) return { error: toErrorInfo(error, 'control') };
        why = toErrorInfo(error, 'control');
      }
      if (attempt === 1) this.#logger.info(`waiting for the master: ${why.message}`, { event: 'drive.wait', socket: this.socketPath, code: why.code });
      const waited = await sleep(backoffDelay(this.#backoff, attempt), true, { signal }).catch(() => false);
      if (!waited) return { error: { ...why, message: `${why.message} (stopped waiting: ${String(signal.reason ?? 'aborted')})` } };
    }
  }

  /** The master answers and has served (a dropped connection, not a dead master). */
  async #up(): Promise<boolean> {
    return masterStatus(this.socketPath).then((status) => status.generation > 0, () => false);
  }

  async #runningHash(): Promise<string | null> {
    try {
      return (await masterStatus(this.socketPath)).configHash || null;
    } catch (error) {
      this.#logger.warn('cannot ask the master which version it runs', { event: 'drive.status.failed', ...toErrorInfo(error, 'control') });
      return null;
    }
  }
}

function isNotUp(error: unknown): boolean {
  return error instanceof HotcycleError && NOT_UP.has(error.code);
}
