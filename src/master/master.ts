// The master: one driver, one queue, the last results, and an orderly shutdown.
// Control requests, signals and respawns only enqueue; the queue acts. Shutdown happens in two
// steps: refuseReloads (the running cycle rolls back, new reloads are refused, the current
// generation keeps serving and is still respawned — the shutdown delay), then shutdown (every
// worker drains); `/v1/check` only reads, and runs beside it.
import { HotcycleError, toErrorInfo } from '../errors.ts';
import type { Logger } from '../log.ts';
import { SHUTTING_DOWN, type CheckResult, type MasterState, type MasterStatus, type ReloadRequest, type ReloadResult } from '../protocol/types.ts';
import type { Driver, ReloadAttempt } from './driver.ts';
import { Coalescer, SerialQueue } from '../queue.ts';
import { PhaseClock, round } from './phases.ts';
import { ReloadBatch, type BatchListener } from './reload-batch.ts';

const HISTORY = 10;

export class Master {
  readonly #driver: Driver;
  readonly #logger: Logger;
  readonly #configDir: string;
  readonly #queue = new SerialQueue();
  readonly #history: ReloadResult[] = [];
  readonly #startedAt = new Date();
  readonly #timers = new Set<NodeJS.Timeout>();
  #state: MasterState = 'starting';
  readonly #reloads = new Coalescer(this.#queue, () => new ReloadBatch(), (batch: ReloadBatch) => this.#runBatch(batch));
  #cycleAbort: AbortController | null = null;
  /** Why reloads are refused, once the master is stopping. */
  #refusal: string | null = null;
  #stopped: Promise<void> | null = null;

  constructor(options: { driver: Driver; logger: Logger; configDir: string }) {
    this.#driver = options.driver;
    this.#logger = options.logger;
    this.#configDir = options.configDir;
  }

  /** Queues a reload; joins the queued one if there is one. Resolves with its result. */
  requestReload(request: ReloadRequest, listener?: BatchListener): Promise<ReloadResult> {
    if (this.#refusal !== null) return Promise.reject(this.#refused());
    return this.#reloads.request({ request, listener });
  }

  /** Runs `task` through the queue after `delayMs` (respawns), unless shutting down. */
  schedule(delayMs: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#stopped) void this.#queue.run(async () => task());
    }, delayMs);
    this.#timers.add(timer);
  }

  async check(): Promise<CheckResult> {
    const started = performance.now();
    try {
      const { configHash } = await this.#driver.check();
      return { ok: true, configHash, durationMs: round(performance.now() - started) };
    } catch (error) {
      return { ok: false, configHash: '', durationMs: round(performance.now() - started), error: toErrorInfo(error, 'check') };
    }
  }

  status(): MasterStatus {
    const driver = this.#driver.status();
    return {
      driver: this.#driver.name,
      pid: process.pid,
      state: this.#state,
      startedAt: this.#startedAt.toISOString(),
      generation: driver.generation,
      configHash: driver.configHash,
      configDir: this.#configDir,
      listeners: driver.listeners,
      generations: driver.generations,
      pendingReload: this.#reloads.waiting,
      lastResults: [...this.#history],
      ...(driver.detail ? { detail: driver.detail } : {}),
    };
  }

  /**
   * The first step of a shutdown: a cycle in progress rolls back, and every reload from now on
   * is refused with ESHUTTINGDOWN (`why` says what the master does meanwhile). The current
   * generation keeps serving. Idempotent: the first `why` stays.
   */
  refuseReloads(why = 'the master is shutting down'): void {
    this.#refusal ??= why;
    this.#state = 'stopping';
    this.#cycleAbort?.abort('shutdown');
  }

  /** Graceful: no new reloads, the running cycle rolls back, every worker drains. */
  shutdown(force = false): Promise<void> {
    if (force) return this.#driver.shutdown(true);
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.refuseReloads();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#queue.idle();
    await this.#driver.shutdown(false);
  }

  #refused(): HotcycleError {
    return new HotcycleError('control', SHUTTING_DOWN, `${this.#refusal ?? 'the master is shutting down'}; no reload is started`);
  }

  async #runBatch(batch: ReloadBatch): Promise<ReloadResult> {
    const startedAt = new Date();
    const clock = new PhaseClock((record) => batch.emit({ event: 'phase', ...record }));
    const abort = new AbortController();
    const base = { reason: batch.reason, startedAt: startedAt.toISOString(), requests: batch.requests.length };
    let attempt: ReloadAttempt;
    try {
      if (this.#refusal !== null) throw this.#refused();
      this.#cycleAbort = abort;
      this.#state = 'reloading';
      attempt = await this.#driver.reload({ clock, signal: abort.signal, expectHash: batch.expectHash });
    } catch (error) {
      attempt = { ok: false, error, configHash: undefined };
    } finally {
      this.#cycleAbort = null;
      if (this.#state !== 'stopping') this.#state = this.#driver.status().generation > 0 ? 'running' : 'waiting';
    }
    let result: ReloadResult;
    if (attempt.ok) {
      result = { ok: true, ...attempt.outcome, durationMs: elapsed(startedAt), phases: [...clock.records], ...base };
    } else {
      const current = this.#driver.status();
      result = {
        ok: false, generation: current.generation, configHash: attempt.configHash ?? current.configHash,
        durationMs: elapsed(startedAt), phases: [...clock.records], error: toErrorInfo(attempt.error, 'check'), ...base,
      };
    }
    this.#record(result);
    return result;
  }

  #record(result: ReloadResult): void {
    this.#history.unshift(result);
    this.#history.length = Math.min(this.#history.length, HISTORY);
    const fields = {
      event: result.ok ? 'reload.ok' : 'reload.failed', generation: result.generation, configHash: result.configHash,
      durationMs: result.durationMs, reason: result.reason, requests: result.requests,
      phases: result.phases.map((p) => `${p.name}:${p.ms}`).join(','),
    };
    if (result.ok) this.#logger.info('reload complete', fields);
    else this.#logger.error(`reload failed in ${result.error?.phase}: ${result.error?.message}`, { ...fields, ...result.error });
  }
}

function elapsed(since: Date): number {
  return round(Date.now() - since.getTime());
}
