// Steps (5)–(7) of syncer.ts as one small reconciler. It knows three versions — the newest
// one the checks accepted (wanted), the one the live directory holds (the publisher's), the one
// the master was last seen running (applied) — and the versions the master rejected. Each pass
// makes live follow wanted (unless the master rejected it), then the master follow live. The
// only memory it keeps is those facts, never a flag to reset: a failed publish, or a version
// taken out of the live directory while the master was away, shows as live ≠ wanted, and the
// next pass (this sync's second, or the next sync's) publishes it again.
import { shortHash } from '../../configset/fileset.ts';
import type { ErrorInfo } from '../../errors.ts';
import type { SyncOutcome, SyncResult } from '../../protocol/sidecar.ts';
import type { ReloadResult } from '../../protocol/types.ts';
import type { DriveOutcome, MasterLink } from './drive.ts';
import type { Publisher, Version } from '../publish/publisher.ts';
import { afterFailedReload, type Rollback } from './decision.ts';
import type { SyncEvents } from './syncer.ts';

export type Step = Pick<SyncResult, 'outcome' | 'published' | 'rejected' | 'reload' | 'error' | 'lastGood'>;

export interface Pass {
  reason: string;
  force: boolean;
  resync: boolean;
  signal: AbortSignal;
}

const FAILED_REMEMBERED = 32;

export type LivePublisher = Pick<Publisher, 'current' | 'previous' | 'publish' | 'restorePrevious'>;
export type Link = Pick<MasterLink, 'apply'>;

export class Reconciler {
  readonly #publisher: LivePublisher;
  readonly #link: Link;
  readonly #events: SyncEvents;
  readonly #failed = new Set<string>();
  #wanted: Version | null = null;
  #applied = '';
  #appliedGeneration = 0;

  constructor(publisher: LivePublisher, link: Link, events: SyncEvents) {
    this.#publisher = publisher;
    this.#link = link;
    this.#events = events;
  }

  get appliedHash(): string {
    return this.#applied;
  }

  /** The generation the master was last seen serving (0 when unknown). */
  get appliedGeneration(): number {
    return this.#appliedGeneration;
  }

  get failedHashes(): string[] {
    return [...this.#failed];
  }

  hasFailed(hash: string): boolean {
    return this.#failed.has(hash);
  }

  /** The checks accepted `version`: the live directory should hold it. */
  want(version: Version): void {
    this.#wanted = version;
  }

  /**
   * (5), (6), (7). `fresh`: `wanted` was accepted in this sync, so it is published even when
   * the live directory holds it already. At most two passes: the second only after (7) put the
   * previous version back and the master came back on it.
   */
  async run(pass: Pass, fresh: boolean): Promise<Step> {
    let published: { changed: boolean } | null = null;
    for (let round = 1; ; round++) {
      const wanted = this.#wanted;
      if (wanted && (fresh || this.#lagging(wanted, pass))) published = await this.#publish(wanted); // (5)
      fresh = false;
      const step = await this.#applyLive(pass, published, round); // (6)
      if (step !== 'again') return step;
    }
  }

  #lagging(wanted: Version, pass: Pass): boolean {
    return wanted.hash !== this.#publisher.current()?.hash && (pass.force || !this.#failed.has(wanted.hash));
  }

  async #publish(version: Version): Promise<{ changed: boolean }> {
    const result = await this.#publisher.publish(version.set, version.hash);
    this.#events.published(version.hash, result.changed);
    return result;
  }

  async #applyLive(pass: Pass, published: { changed: boolean } | null, round: number): Promise<Step | 'again'> {
    const changed = published?.changed ?? false;
    const quiet: SyncOutcome = published ? 'published' : 'unchanged';
    const done: Step = { outcome: quiet, published: changed };
    const live = this.#publisher.current();
    if (!live || (!pass.force && this.#failed.has(live.hash))) return done;
    // Nothing new and the master was seen on it: only the slow timer asks again.
    if (!pass.force && !pass.resync && !changed && this.#applied === live.hash) return done;
    const outcome = await this.#link.apply({ hash: live.hash, reason: pass.reason, force: pass.force, signal: pass.signal });
    return this.#judge(outcome, live, pass, done, round);
  }

  async #judge(outcome: DriveOutcome, live: Version, pass: Pass, done: Step, round: number): Promise<Step | 'again'> {
    switch (outcome.kind) {
      case 'interrupted':
        if (round === 1) return this.#recoverInterrupted(pass, live, done, outcome.error);
        return this.#unreachable(live, { ...done, published: true }, outcome.error);
      case 'unreachable':
        return this.#unreachable(live, done, outcome.error);
      case 'current':
        if (this.#applied !== live.hash) this.#events.applied(live.hash);
        this.#applied = live.hash;
        this.#appliedGeneration = outcome.status.generation;
        return { ...done, outcome: done.outcome === 'published' ? 'applied' : done.outcome };
      case 'reloaded': {
        const { result, running } = outcome;
        if (result.ok) {
          this.#applied = result.configHash;
          this.#appliedGeneration = result.generation;
          this.#events.reloaded(result);
          return { outcome: 'reloaded', published: done.published, reload: result };
        }
        this.#events.reloadFailed(result, await this.#rollback(live.hash, result, running));
        return { outcome: 'reload-failed', published: done.published, reload: result };
      }
    }
  }

  #unreachable(live: Version, step: Step, error: ErrorInfo): Step {
    this.#events.unreachable(live.hash, error);
    return { ...step, error };
  }

  /**
   * (7) The previous version back while the master is away; once the master is back on it, the
   * next pass publishes the interrupted one again (live ≠ wanted) and reloads it.
   */
  async #recoverInterrupted(pass: Pass, live: Version, done: Step, error: ErrorInfo): Promise<Step | 'again'> {
    const previous = this.#publisher.previous();
    if (!previous || previous.hash !== this.#applied) return this.#unreachable(live, { ...done, published: true }, error);
    await this.#publisher.restorePrevious();
    const message = `the master died during the cycle; live directory restored to ${shortHash(previous.hash)} until it is back`;
    this.#events.unreachable(live.hash, { phase: 'control', code: 'EINTERRUPTED', message });
    const back = await this.#link.apply({ hash: previous.hash, reason: pass.reason, force: false, signal: pass.signal });
    if (back.kind !== 'current') {
      return { outcome: 'interrupted', published: true, error: back.kind === 'reloaded' ? back.result.error : back.error };
    }
    this.#applied = previous.hash;
    return 'again';
  }

  /** (6) A rejected version is remembered, and the previous one restored when the master still runs it. */
  async #rollback(hash: string, result: ReloadResult, running: string | null): Promise<Rollback> {
    if (running) this.#applied = running;
    const decision = afterFailedReload(result.error, running, this.#publisher.previous()?.hash ?? null);
    if (decision.kind === 'retry') return decision;
    this.#failed.delete(hash);
    this.#failed.add(hash);
    if (this.#failed.size > FAILED_REMEMBERED) this.#failed.delete(this.#failed.values().next().value ?? '');
    if (decision.kind === 'kept') return decision;
    const restored = await this.#publisher.restorePrevious();
    return restored ? { kind: 'restored', hash: restored } : { kind: 'kept' };
  }
}
