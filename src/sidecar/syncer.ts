// The sidecar's one serial loop (DESIGN.md §2): every sync — a file event, the re-hash timer,
// `/v1/sync`, ConfigMap data — runs through it, one at a time. A sync of one version:
//   (1) Read the version (every source directory through its `..data`, or the ConfigMap's data).
//   (2) Skip it when its origin shows nothing new (same hash as that origin's last, and as the
//       last version processed), or when it is a volume version the API already superseded.
//   (3) Run the checks; findings reject it, and the live directory is not touched.
//   (4) A version the master rejected before is not published again (unless forced).
//   (5) Publish it into the live directory (the atomic `..data` swap). A failed publish is
//       forgotten, so the next sync tries the version again.
//   (6) Reconcile: make the master run what the live directory holds (drive.ts). When the
//       master rejects it, restore the previous version in the live directory — only when the
//       master still runs exactly that previous version: then the live directory, the running
//       server and a restarted app container all agree on the last good config. If the master
//       runs something else (it restarted in between, or never ran the previous one), putting
//       the previous version back would not match anything, so the rejected one stays and is
//       marked failed, never retried — unless the failure says nothing against it (an nginx
//       that never confirmed its SIGHUP; a live directory that held another version): then
//       the next sync, the re-hash at the latest, tries it again.
//   (7) The master died during the cycle (no verdict): the live version is unproven, and the app
//       container's restart would start on it — and, if it is bad, fail to start, again and
//       again. So put the previous version back (when the master ran it), wait for the master
//       to come back on it, then publish the interrupted version again and reload it, once.
import type { Diagnostic } from '../checks/diagnostic.ts';
import { toErrorInfo, type ErrorInfo } from '../errors.ts';
import { hashFileSet, shortHash, type FileSet } from '../configset/fileset.ts';
import { readSources, sourceDirs, type Source } from '../configset/sources.ts';
import type { SyncOrigin, SyncResult } from '../protocol/sidecar.ts';
import { NOT_TRIED, UNCONFIRMED, type ReloadResult } from '../protocol/types.ts';
import { Coalescer, SerialQueue } from '../queue.ts';
import { SourceArbiter } from './arbiter.ts';
import type { MasterLink } from './drive.ts';
import { checkFileSet, unreadableVersion, type CheckOptions } from './gate.ts';
import type { Publisher, Version } from './publish.ts';
import { SyncBatch, type SyncRequestOptions } from './sync-batch.ts';

/**
 * What becomes of a version the master did not take (6): the previous version put back, or
 * the rejected one left live — both remembered as failed, never retried — or, when the failure
 * says nothing against it, nothing remembered: the next sync (the re-hash at the latest) tries
 * it again.
 */
export type Rollback =
  | { kind: 'restored'; hash: string }
  | { kind: 'kept' }
  | { kind: 'retry'; why: 'unconfirmed' | 'not-tried' };

/** The pure part of (6): what to do after a failed reload, from the master's answer. */
export function afterFailedReload(error: ErrorInfo | undefined, running: string | null, previous: string | null): Rollback | { kind: 'restore' } {
  if (error?.code === UNCONFIRMED) return { kind: 'retry', why: 'unconfirmed' };
  if (error?.code === NOT_TRIED) return { kind: 'retry', why: 'not-tried' };
  return running !== null && previous === running ? { kind: 'restore' } : { kind: 'kept' };
}

/** What the loop tells the outside world (logs, metrics, Kubernetes); see outcomes.ts. */
export interface SyncEvents {
  rejected(hash: string, diagnostics: Diagnostic[]): void;
  published(hash: string, changed: boolean): void;
  applied(hash: string): void;
  reloaded(result: ReloadResult): void;
  /** `after`: see Rollback. */
  reloadFailed(result: ReloadResult, after: Rollback): void;
  missed(hash: string): void;
  unreachable(hash: string, error: ErrorInfo): void;
  /** A sync that ended in an error outside the checks and the reload (publish, read). */
  failed(hash: string, error: ErrorInfo): void;
}

export interface SyncerOptions {
  /** The root source first (configset/sources.ts). */
  sources: readonly Source[];
  publisher: Publisher;
  link: MasterLink;
  check: CheckOptions;
  events: SyncEvents;
}

interface Context { reason: string; force: boolean; resync: boolean; signal: AbortSignal; retried?: boolean }
type Step = Pick<SyncResult, 'outcome' | 'published' | 'rejected' | 'reload' | 'error'>;

const HISTORY = 10;
const FAILED_REMEMBERED = 32;

export class Syncer {
  readonly #options: SyncerOptions;
  readonly #queue = new SerialQueue();
  readonly #arbiter = new SourceArbiter();
  readonly #failed = new Set<string>();
  readonly #history: SyncResult[] = [];
  readonly #seen: Record<SyncOrigin, string> = { volume: '', api: '' };
  #sourceHash = '';
  #appliedHash = '';
  readonly #syncs = new Coalescer(this.#queue, () => new SyncBatch(), (batch: SyncBatch) => this.#runBatch(batch));
  #waiting: AbortController | null = null;
  #closed: Promise<void> | undefined;

  constructor(options: SyncerOptions) {
    this.#options = options;
  }

  /** Queues a sync, or joins the queued one; resolves with that batch's result. */
  request(request: SyncRequestOptions): Promise<SyncResult> {
    if (this.#closed) return Promise.reject(new Error('the sidecar is shutting down'));
    const result = this.#syncs.request(request);
    // A sync stuck waiting for a master that is not up gives way to the newer request.
    this.#waiting?.abort('a newer sync is waiting');
    return result;
  }

  state(): { sourceHash: string; appliedHash: string; publishedHash: string; failedHashes: string[]; lastResults: SyncResult[] } {
    return {
      sourceHash: this.#sourceHash, appliedHash: this.#appliedHash, publishedHash: this.#options.publisher.current()?.hash ?? '',
      failedHashes: [...this.#failed], lastResults: [...this.#history],
    };
  }

  /** The master was last seen running what the live directory holds. */
  applied(): boolean {
    return this.#appliedHash !== '' && this.#appliedHash === this.#options.publisher.current()?.hash;
  }

  /**
   * No new syncs. Those already queued still run (a checked version may still be published, so a
   * restarted app finds the newest one) but no longer wait for the master; resolves when they
   * are done. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#waiting?.abort('shutting down');
      await this.#queue.idle();
    })();
    return this.#closed;
  }

  async #runBatch(batch: SyncBatch): Promise<SyncResult> {
    const abort = new AbortController();
    this.#waiting = abort;
    const signal = batch.waitMs === undefined ? abort.signal : AbortSignal.any([abort.signal, AbortSignal.timeout(batch.waitMs)]);
    if (this.#closed) abort.abort('shutting down');
    const ctx: Context = { reason: batch.reason, force: batch.force, resync: batch.resync, signal };
    try {
      const api = batch.api;
      let result = api ? await this.#sync(ctx, 'api', async () => ({ files: api, hash: hashFileSet(api) })) : undefined;
      if (batch.volume || !result) result = await this.#sync(ctx, 'volume', () => readSources(this.#options.sources));
      return result;
    } finally {
      this.#waiting = null;
    }
  }

  async #sync(ctx: Context, origin: SyncOrigin, read: () => Promise<{ files: FileSet; hash: string }>): Promise<SyncResult> {
    const startedAt = new Date();
    let hash = '';
    let step: Step;
    try {
      const version = await read(); // (1)
      hash = version.hash;
      step = await this.#syncVersion(ctx, origin, version.files, hash);
    } catch (error) {
      const rejected = unreadableVersion(error, sourceDirs(this.#options.sources));
      step = rejected ? this.#reject('', rejected) : { outcome: 'error', published: false, error: toErrorInfo(error, 'watch') };
      if (step.error) this.#options.events.failed(hash, step.error);
    }
    const result: SyncResult = {
      ...step, configHash: hash, reason: ctx.reason, origin, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(),
    };
    this.#history.unshift(result);
    this.#history.length = Math.min(this.#history.length, HISTORY);
    return result;
  }

  async #syncVersion(ctx: Context, origin: SyncOrigin, files: FileSet, hash: string): Promise<Step> {
    const newForOrigin = hash !== this.#seen[origin];
    if (origin === 'api') this.#arbiter.noteApi(hash);
    // (2)
    if (!ctx.force && origin === 'volume' && this.#arbiter.isStaleVolume(hash)) {
      this.#seen.volume = hash;
      return { outcome: 'stale', published: false };
    }
    if (ctx.resync && origin === 'volume' && newForOrigin && this.#seen.volume !== '') this.#options.events.missed(hash);
    this.#seen[origin] = hash;
    if (!ctx.force && (!newForOrigin || hash === this.#sourceHash)) return this.#reconcile(ctx, 'unchanged', false);
    this.#sourceHash = hash;
    const diagnostics = await checkFileSet(files, this.#options.check); // (3)
    if (diagnostics.length > 0) return this.#reject(hash, diagnostics);
    if (!ctx.force && this.#failed.has(hash)) return { outcome: 'not-retried', published: false }; // (4)
    const { changed } = await this.#options.publisher.publish(files, hash).catch((error: unknown) => {
      // Not published (ENOSPC, EPERM…): the next sync, the re-hash at the latest, tries it again.
      this.#sourceHash = '';
      this.#seen[origin] = '';
      throw error;
    }); // (5)
    this.#options.events.published(hash, changed);
    return this.#reconcile(ctx, 'published', changed); // (6)
  }

  #reject(hash: string, diagnostics: Diagnostic[]): Step {
    this.#options.events.rejected(hash, diagnostics);
    return { outcome: 'rejected', published: false, rejected: diagnostics };
  }

  async #reconcile(ctx: Context, quiet: string, published: boolean): Promise<Step> {
    const live = this.#options.publisher.current();
    if (!live) return { outcome: quiet, published };
    if (!ctx.force && this.#failed.has(live.hash)) return { outcome: quiet, published };
    // Nothing new and the master was seen on it: only the slow timer asks again.
    if (!ctx.force && !ctx.resync && !published && this.#appliedHash === live.hash) return { outcome: quiet, published };
    const outcome = await this.#options.link.apply({ hash: live.hash, reason: ctx.reason, force: ctx.force, signal: ctx.signal });
    if (outcome.kind === 'interrupted') return this.#recoverInterrupted(ctx, live, quiet, outcome.error);
    if (outcome.kind === 'unreachable') {
      this.#options.events.unreachable(live.hash, outcome.error);
      return { outcome: quiet, published, error: outcome.error };
    }
    if (outcome.kind === 'current') {
      if (this.#appliedHash !== live.hash) this.#options.events.applied(live.hash);
      this.#appliedHash = live.hash;
      return { outcome: quiet === 'published' ? 'applied' : quiet, published };
    }
    const { result, running } = outcome;
    if (result.ok) {
      this.#appliedHash = result.configHash;
      this.#options.events.reloaded(result);
      return { outcome: 'reloaded', published, reload: result };
    }
    this.#options.events.reloadFailed(result, await this.#rollback(live.hash, result, running));
    return { outcome: 'reload-failed', published, reload: result };
  }

  /** (7) The previous version back while the master is away; then the interrupted one, once more. */
  async #recoverInterrupted(ctx: Context, live: Version, quiet: string, error: ErrorInfo): Promise<Step> {
    const { publisher, events, link } = this.#options;
    const previous = publisher.previous();
    if (ctx.retried || !previous || previous.hash !== this.#appliedHash) {
      events.unreachable(live.hash, error);
      return { outcome: quiet, published: true, error };
    }
    await publisher.restorePrevious();
    // Until it is tried again, any later sync must publish the interrupted version anew.
    this.#sourceHash = '';
    this.#seen.volume = this.#seen.api = '';
    const message = `the master died during the cycle; live directory restored to ${shortHash(previous.hash)} until it is back`;
    events.unreachable(live.hash, { phase: 'control', code: 'EINTERRUPTED', message });
    const back = await link.apply({ hash: previous.hash, reason: ctx.reason, force: false, signal: ctx.signal });
    if (back.kind === 'current') this.#appliedHash = previous.hash;
    else return { outcome: 'interrupted', published: true, error: back.kind === 'reloaded' ? back.result.error : back.error };
    await publisher.publish(live.set, live.hash);
    this.#sourceHash = live.hash;
    events.published(live.hash, true);
    return this.#reconcile({ ...ctx, retried: true }, 'published', true);
  }

  /** (6) A rejected version is remembered, and the previous one restored when the master still runs it. */
  async #rollback(hash: string, result: ReloadResult, running: string | null): Promise<Rollback> {
    if (running) this.#appliedHash = running;
    const decision = afterFailedReload(result.error, running, this.#options.publisher.previous()?.hash ?? null);
    if (decision.kind === 'retry') return decision;
    this.#failed.delete(hash);
    this.#failed.add(hash);
    if (this.#failed.size > FAILED_REMEMBERED) this.#failed.delete(this.#failed.values().next().value ?? '');
    if (decision.kind === 'kept') return decision;
    const restored = await this.#options.publisher.restorePrevious();
    return restored ? { kind: 'restored', hash: restored } : { kind: 'kept' };
  }
}
