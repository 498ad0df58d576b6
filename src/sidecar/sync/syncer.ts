// The sidecar's one serial loop (DESIGN.md §2): every sync — a file event, the re-hash timer,
// `/v1/sync`, ConfigMap data, a check retry — runs through it, one at a time. A sync of one version:
//   (1) Read the version (every source directory through its `..data`, or the ConfigMap's data).
//   (2) Skip it when its origin shows nothing new (same hash as that origin's last, and as the
//       last version judged), or when it is a volume version the API already superseded
//       (decideVersion, decision.ts).
//   (3) Run the checks; findings reject it, and the live directory is not touched. Checks that
//       cannot run (no scratch space, …) judge nothing: the version is reported and tried again
//       with backoff, and by any later sync, until they run.
//   (4) A version the master rejected before is not published again (unless forced). With a
//       fleet rollout (--rollout-lease), a version its gate has not admitted is held: not
//       wanted, not published; the rollout's loop applies it when its turn comes (applyHeld),
//       or orders the version run before back (rollBack) — both ordinary syncs through (5)–(8).
//   (5) Publish it into the live directory (the atomic `..data` swap). A failed publish leaves
//       live ≠ wanted: the next sync, the re-hash at the latest, publishes it again.
//   (6) Make the master run what the live directory holds (drive.ts). When the master rejects
//       it, restore the previous version in the live directory — only when the master still
//       runs exactly that previous version: then the live directory, the running server and a
//       restarted app container all agree on the last good config. If the master runs
//       something else (it restarted in between, or never ran the previous one), putting the
//       previous version back would not match anything, so the rejected one stays and is
//       marked failed, never retried — unless the failure says nothing against it (an nginx
//       that never confirmed its SIGHUP; a live directory that held another version): then
//       the next sync, the re-hash at the latest, tries it again.
//   (7) The master died during the cycle (no verdict): the live version is unproven, and the app
//       container's restart would start on it — and, if it is bad, fail to start, again and
//       again. So put the previous version back (when the master ran it), wait for the master
//       to come back on it, then publish the interrupted version again and reload it, once.
//   (8) Last good (fallback.ts): a version the master is seen running is stored for the
//       release; a pod with nothing good to serve — its source version rejected, held as bad by
//       the rollout, or refused by the master while the master runs nothing — publishes the
//       stored version instead, and says so.
// (5)–(7) are the reconciler's (reconcile.ts).
import { backoffDelay, type BackoffPolicy } from '../../backoff.ts';
import { checkFileSet, unreadableVersion, type CheckOptions } from '../../checks/gate.ts';
import { hashFileSet, type FileSet } from '../../configset/fileset.ts';
import { readSources, sourceDirs, type Source } from '../../configset/sources.ts';
import { errorsOf, type Diagnostic } from '../../diagnostic.ts';
import { errorMessage, HotcycleError, toErrorInfo, type ErrorInfo } from '../../errors.ts';
import type { CheckError, SyncOrigin, SyncResult } from '../../protocol/sidecar.ts';
import type { ReloadResult } from '../../protocol/types.ts';
import { Coalescer, SerialQueue } from '../../queue.ts';
import type { Version } from '../publish/publisher.ts';
import type { SyncLag } from '../report/metrics.ts';
import { SourceArbiter } from './arbiter.ts';
import { Arrivals, type RunningArrival } from './arrivals.ts';
import { SyncBatch, type SyncRequestOptions } from './batch.ts';
import { decideVersion, NOTHING_SEEN, noteSeen, type Rollback } from './decision.ts';
import type { LastGood } from './last-good.ts';
import { LastGoodFallback } from './fallback.ts';
import { Reconciler, type Link, type LivePublisher, type Pass, type Step } from './reconcile.ts';

/** What the loop tells the outside world (logs, metrics, Kubernetes); see report/outcomes.ts. */
export interface SyncEvents {
  rejected(hash: string, diagnostics: Diagnostic[]): void;
  /** The checks of `hash` could not run; it is tried again after `retryInMs`. */
  checkFailed(report: CheckError): void;
  published(hash: string, changed: boolean): void;
  applied(hash: string): void;
  reloaded(result: ReloadResult): void;
  /** `after`: see Rollback. */
  reloadFailed(result: ReloadResult, after: Rollback): void;
  missed(hash: string): void;
  unreachable(hash: string, error: ErrorInfo): void;
  /** A sync that ended in an error outside the checks and the reload (publish, read). */
  failed(hash: string, error: ErrorInfo): void;
  /** (8) The stored last-good version is published instead of the source's (lastGood.running says which, and why). */
  runningLastGood(lastGood: LastGood): void;
  /** (8) The stored last-good version failed the checks of this sidecar: no fallback. */
  lastGoodRejected(hash: string, diagnostics: Diagnostic[]): void;
  /** (8) The master runs `hash`: the pod no longer serves the stored last-good version. */
  leftLastGood(hash: string): void;
}

export interface SyncerOptions {
  /** The root source first (configset/sources.ts). */
  sources: readonly Source[];
  publisher: LivePublisher;
  link: Link;
  check: CheckOptions;
  events: SyncEvents;
  /** The checks (3); checkFileSet unless a test injects them. */
  runChecks?: (set: FileSet, options: CheckOptions) => Promise<Diagnostic[]>;
  /** When to try a version again whose checks could not run. */
  checkRetry?: BackoffPolicy;
  /** (8) The release's last good config; without it, no fallback. */
  lastGood?: LastGood;
  /** (4) The fleet rollout's admission (rollout/loop.ts); without it, every checked version is applied at once. */
  rollout?: RolloutGate;
}

/** (4) The gate's answer: apply it now, hold it for its turn, or never (the rollout marked it bad: why). */
export type Admission = { kind: 'admit' } | { kind: 'hold' } | { kind: 'bad'; reason: string };

/** (4) Whether a checked version may be applied now; `running` is what the master was last seen running. */
export interface RolloutGate {
  admit(hash: string, running: string): Promise<Admission>;
  /**
   * (8) Whether a version the master runs may be kept as the release's last good config: not
   * while the rollout still judges it, nor once it is marked bad. Absent: always.
   */
  proven?(hash: string): boolean;
}

interface Context extends Pass { origin: SyncOrigin }

const HISTORY = 10;
const CHECK_RETRY: BackoffPolicy = { backoffMs: 1000, maxBackoffMs: 60_000 };

export class Syncer {
  readonly #options: SyncerOptions;
  readonly #queue = new SerialQueue();
  readonly #arbiter = new SourceArbiter();
  readonly #arrivals = new Arrivals();
  readonly #reconciler: Reconciler;
  readonly #fallback: LastGoodFallback | null;
  readonly #history: SyncResult[] = [];
  readonly #syncs = new Coalescer(this.#queue, () => new SyncBatch(), (batch: SyncBatch) => this.#runBatch(batch));
  #seen = NOTHING_SEEN;
  /** The checks rejected the newest version judged (null: they accepted it). */
  #rejected: string | null = null;
  #checkError: CheckError | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  #waiting: AbortController | null = null;
  /** (4) The checked version the rollout holds back, until applyHeld(); `bad`: marked bad, never applied. */
  #held: { version: Version; origin: SyncOrigin; bad: string | null } | null = null;
  #closed: Promise<void> | undefined;

  constructor(options: SyncerOptions) {
    this.#options = options;
    this.#reconciler = new Reconciler(options.publisher, options.link, options.events);
    this.#fallback = options.lastGood ? new LastGoodFallback({ ...options, lastGood: options.lastGood, reconciler: this.#reconciler }) : null;
  }

  /** Queues a sync, or joins the queued one; resolves with that batch's result. */
  request(request: SyncRequestOptions): Promise<SyncResult> {
    if (this.#closed) return Promise.reject(new Error('the sidecar is shutting down'));
    const result = this.#syncs.request(request);
    // A sync stuck waiting for a master that is not up gives way to the newer request.
    this.#waiting?.abort('a newer sync is waiting');
    return result;
  }

  state(): { sourceHash: string; appliedHash: string; publishedHash: string; failedHashes: string[]; lastResults: SyncResult[]; checkError?: CheckError } & Partial<RunningArrival> {
    const appliedHash = this.#reconciler.appliedHash;
    return {
      sourceHash: this.#checkError?.configHash ?? this.#seen.last, appliedHash,
      publishedHash: this.#options.publisher.current()?.hash ?? '', failedHashes: this.#reconciler.failedHashes,
      lastResults: [...this.#history], ...(this.#checkError ? { checkError: this.#checkError } : {}),
      ...this.#arrivals.of(appliedHash),
    };
  }

  /**
   * For the metrics (report/metrics.ts): the checks rejected the newest version judged; the master
   * does not run the newest version read (the one whose checks could not run, else the last judged);
   * what it runs.
   */
  lag(): SyncLag {
    const newest = this.#checkError?.configHash ?? this.#seen.last;
    const appliedHash = this.#reconciler.appliedHash;
    return { sourceRejected: this.#rejected !== null, behindSource: newest !== '' && newest !== appliedHash, appliedHash };
  }

  /** The master was last seen running what the live directory holds. */
  applied(): boolean {
    const applied = this.#reconciler.appliedHash;
    return applied !== '' && applied === this.#options.publisher.current()?.hash;
  }

  /** The version the live directory held before the current one ('' none): what rollBack() can restore. */
  previousHash(): string {
    return this.#options.publisher.previous()?.hash ?? '';
  }

  /** (4) The rollout's turn for the held version `hash`: publish and reload it (nothing when another is held now). */
  applyHeld(hash: string): Promise<SyncResult> {
    return this.#ordered(`rollout: apply ${hash.slice(0, 12)}`, () => {
      const held = this.#held;
      if (held?.version.hash !== hash) return null;
      this.#held = null;
      return held;
    });
  }

  /** (4) The rollout judged the running version harmful: publish and reload the previous one, `hash`. */
  rollBack(hash: string): Promise<SyncResult> {
    return this.#ordered(`rollout: roll back to ${hash.slice(0, 12)}`, () => {
      const previous = this.#options.publisher.previous();
      return previous?.hash === hash ? { version: previous, origin: 'volume' } : null;
    });
  }

  /**
   * No new syncs. Those already queued still run (a checked version may still be published, so a
   * restarted app finds the newest one) but no longer wait for the master; resolves when they
   * are done. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearTimeout(this.#retryTimer);
      this.#waiting?.abort('shutting down');
      await this.#queue.idle();
    })();
    return this.#closed;
  }

  #runBatch(batch: SyncBatch): Promise<SyncResult> {
    return this.#abortable(async (stop) => {
      const signal = batch.waitMs === undefined ? stop : AbortSignal.any([stop, AbortSignal.timeout(batch.waitMs)]);
      const pass = { reason: batch.reason, force: batch.force, resync: batch.resync, signal };
      const api = batch.api;
      let result = api ? await this.#sync({ ...pass, origin: 'api' }, async () => ({ files: api, hash: hashFileSet(api) })) : undefined;
      if (batch.volume || !result) result = await this.#sync({ ...pass, origin: 'volume' }, () => readSources(this.#options.sources));
      return result;
    });
  }

  /** Runs `work` with a signal that a newer request, or the shutdown, aborts: it stops the wait for a master that is not up. */
  async #abortable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    this.#waiting = abort;
    if (this.#closed) abort.abort('shutting down');
    try {
      return await work(abort.signal);
    } finally {
      this.#waiting = null;
    }
  }

  /** A version the rollout orders, through (5)–(8) in the loop's queue like any sync; `pick` runs when its turn comes. */
  #ordered(reason: string, pick: () => { version: Version; origin: SyncOrigin } | null): Promise<SyncResult> {
    if (this.#closed) return Promise.reject(new Error('the sidecar is shutting down'));
    return this.#queue.run(() => this.#abortable(async (signal) => {
      const picked = pick();
      const startedAt = new Date();
      const ctx: Context = { reason, force: false, resync: false, signal, origin: picked?.origin ?? 'volume' };
      let step: Step = { outcome: 'unchanged', published: false };
      if (picked) {
        this.#reconciler.want(picked.version);
        step = await this.#reconciler.run(ctx, true);
      }
      return this.#finish(ctx, await this.#settle(ctx, step), picked?.version.hash ?? '', startedAt);
    }));
  }

  /** One sync's result, recorded in the history. */
  #finish(ctx: Context, step: Step, hash: string, startedAt: Date): SyncResult {
    const result: SyncResult = {
      ...step, configHash: hash, reason: ctx.reason, origin: ctx.origin, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(),
    };
    this.#history.unshift(result);
    this.#history.length = Math.min(this.#history.length, HISTORY);
    return result;
  }

  async #sync(ctx: Context, read: () => Promise<{ files: FileSet; hash: string }>): Promise<SyncResult> {
    const startedAt = new Date();
    let hash = '';
    let step: Step;
    try {
      const version = await read(); // (1)
      hash = version.hash;
      step = await this.#syncVersion(ctx, version.files, hash);
    } catch (error) {
      const rejected = unreadableVersion(error, sourceDirs(this.#options.sources));
      step = rejected ? this.#reject('', rejected) : { outcome: 'error', published: false, error: toErrorInfo(error, 'watch') };
      if (step.error) this.#options.events.failed(hash, step.error);
    }
    return this.#finish(ctx, await this.#settle(ctx, step), hash, startedAt); // (8)
  }

  async #syncVersion(ctx: Context, files: FileSet, hash: string): Promise<Step> {
    const { origin } = ctx;
    // Read after a version whose checks could not run, another version supersedes it.
    if (this.#checkError && this.#checkError.configHash !== hash) this.#clearCheckError();
    if (origin === 'api') this.#arbiter.noteApi(hash);
    this.#arrivals.note(origin, hash);
    const decision = decideVersion(this.#seen, { ...ctx, hash, superseded: this.#arbiter.isStaleVolume(hash) }); // (2)
    if (decision.kind === 'stale') {
      this.#seen = noteSeen(this.#seen, origin, hash, false);
      return { outcome: 'stale', published: false };
    }
    if (decision.missed) this.#options.events.missed(hash);
    if (decision.kind === 'unchanged') {
      this.#seen = noteSeen(this.#seen, origin, hash, false);
      return this.#reconciler.run(ctx, false);
    }
    const checked = await this.#check(ctx, files, hash); // (3)
    if ('outcome' in checked) return checked;
    this.#seen = noteSeen(this.#seen, origin, hash, true);
    // Notices (an include left to nginx -t, a file nginx never reads) refuse nothing.
    const errors = errorsOf(checked.diagnostics);
    if (errors.length > 0) return this.#reject(hash, errors);
    this.#rejected = null;
    const admission = await this.#options.rollout?.admit(hash, this.#reconciler.appliedHash); // (4)
    if (admission && admission.kind !== 'admit') {
      this.#held = { version: { hash, set: files }, origin, bad: admission.kind === 'bad' ? admission.reason : null };
      return { outcome: 'held', published: false };
    }
    this.#held = null;
    this.#reconciler.want({ hash, set: files });
    if (!ctx.force && this.#reconciler.hasFailed(hash)) return { outcome: 'not-retried', published: false }; // (4)
    return this.#reconciler.run(ctx, true); // (5)–(7)
  }

  /** (3) The findings; or, when the checks could not run, the retry is scheduled and reported. */
  async #check(ctx: Context, files: FileSet, hash: string): Promise<{ diagnostics: Diagnostic[] } | Step> {
    try {
      const diagnostics = await (this.#options.runChecks ?? checkFileSet)(files, this.#options.check);
      this.#clearCheckError();
      return { diagnostics };
    } catch (error) {
      const info = toErrorInfo(checkRunError(error), 'check');
      const attempts = this.#checkError?.configHash === hash ? this.#checkError.attempts + 1 : 1;
      const retryInMs = backoffDelay(this.#options.checkRetry ?? CHECK_RETRY, attempts);
      this.#checkError = { configHash: hash, error: info, attempts, retryInMs };
      this.#scheduleRetry(hash, ctx.origin === 'api' ? { origin: 'api', files } : { origin: 'volume' }, retryInMs);
      this.#options.events.checkFailed(this.#checkError);
      return { outcome: 'check-failed', published: false, error: info };
    }
  }

  /** Retries `hash` only while it is still the version waiting for its checks (never an older one). */
  #scheduleRetry(hash: string, request: Pick<SyncRequestOptions, 'origin' | 'files'>, delayMs: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#closed && this.#checkError?.configHash === hash) void this.request({ ...request, reason: 'retry: the checks could not run' });
    }, delayMs);
    this.#retryTimer.unref();
  }

  /** (8) After each sync (fallback.ts). */
  #settle(ctx: Context, step: Step): Promise<Step> {
    const held = this.#held;
    return this.#fallback?.settle(ctx, step, {
      checksPending: this.#checkError !== null, rejected: this.#rejected,
      heldBad: held?.bad ? { hash: held.version.hash, reason: held.bad } : null,
    }) ?? Promise.resolve(step);
  }

  #clearCheckError(): void {
    clearTimeout(this.#retryTimer);
    this.#checkError = null;
  }

  #reject(hash: string, diagnostics: Diagnostic[]): Step {
    this.#rejected = hash;
    this.#options.events.rejected(hash, diagnostics);
    return { outcome: 'rejected', published: false, rejected: diagnostics };
  }
}

/** A failure of the checks themselves, as opposed to findings about the version. */
function checkRunError(error: unknown): HotcycleError {
  if (error instanceof HotcycleError) return error.phase === 'check' ? error : error.inPhase('check');
  const message = errorMessage(error);
  return new HotcycleError('check', 'ECHECKRUN', `the checks could not run: ${message}`, { cause: error });
}
