// The sync loop's step (8) (syncer.ts), after each sync: the version the master runs is kept as
// the release's last good config (last-good.ts; with a rollout, once judged healthy — never one
// it still bakes, or marked bad); and a pod with nothing good to serve publishes the stored
// version instead, when it passes the checks, and says so. Nothing good to serve: nothing runs,
// and the source's version was rejected by the checks before anything was published, is held as
// bad by the fleet rollout (a pod started while the ConfigMap holds a version that harmed its
// canary), or is live but was rejected by the master. The next version the master runs moves
// the pod on, like any version.
import { checkFileSet, type CheckOptions } from '../../checks/gate.ts';
import type { FileSet } from '../../configset/fileset.ts';
import { errorsOf, type Diagnostic } from '../../diagnostic.ts';
import type { Version } from '../publish/publisher.ts';
import type { LastGood } from './last-good.ts';
import type { LivePublisher, Pass, Reconciler, Step } from './reconcile.ts';
import type { RolloutGate, SyncEvents } from './syncer.ts';

/** What the loop knows of its source's newest version when nothing may run. */
export interface SourceVerdict {
  /** Its checks could not run yet: nothing is decided about it. */
  checksPending: boolean;
  /** The checks rejected it (its hash, '' for an unreadable source), or null. */
  rejected: string | null;
  /** The rollout holds it as bad: its hash and the Lease's reason, or null. */
  heldBad: { hash: string; reason: string } | null;
}

/** The source version the pod cannot serve, and why (`was rejected`, `is marked bad …`). */
export interface Unservable {
  hash: string;
  why: string;
}

/** Pure: the version a pod that runs nothing cannot serve, or null when something can be served. */
export function unservable(live: Version | null, applied: string, source: SourceVerdict, masterRejected: (hash: string) => boolean): Unservable | null {
  if (applied !== '' || source.checksPending) return null;
  if (live) return masterRejected(live.hash) ? { hash: live.hash, why: 'was rejected' } : null;
  if (source.rejected !== null) return { hash: source.rejected, why: 'was rejected' };
  return source.heldBad ? { hash: source.heldBad.hash, why: `is marked bad in the fleet rollout (${source.heldBad.reason})` } : null;
}

export interface FallbackOptions {
  lastGood: LastGood;
  publisher: LivePublisher;
  reconciler: Reconciler;
  events: SyncEvents;
  check: CheckOptions;
  runChecks?: (set: FileSet, options: CheckOptions) => Promise<Diagnostic[]>;
  rollout?: RolloutGate;
}

export class LastGoodFallback {
  readonly #o: FallbackOptions;

  constructor(options: FallbackOptions) {
    this.#o = options;
  }

  /** (8) After one sync's `step`: keep what the master runs, or publish the stored version instead. */
  async settle(ctx: Pass, step: Step, source: SourceVerdict): Promise<Step> {
    const { lastGood, publisher, reconciler, events } = this.#o;
    const live = publisher.current();
    const applied = reconciler.appliedHash;
    if (applied !== '' && live?.hash === applied) {
      if (lastGood.running && lastGood.running.configHash !== applied) {
        lastGood.leave();
        events.leftLastGood(applied);
      }
      // A version the rollout still bakes is kept by a later sync (the re-hash at the latest), once judged healthy.
      if (this.#o.rollout?.proven?.(applied) !== false) await lastGood.remember(live, reconciler.appliedGeneration);
      return step;
    }
    const instead = unservable(live, applied, source, (hash) => reconciler.hasFailed(hash));
    if (instead === null || lastGood.running) return step;
    const stored = await lastGood.recall();
    if (!stored || stored.hash === instead.hash || reconciler.hasFailed(stored.hash)) return step;
    // Checks that cannot run now leave it to the next sync, as for any version.
    const diagnostics = await (this.#o.runChecks ?? checkFileSet)(stored.set, this.#o.check).catch(() => null);
    if (diagnostics === null) return step;
    if (errorsOf(diagnostics).length > 0) {
      events.lastGoodRejected(stored.hash, errorsOf(diagnostics));
      return step;
    }
    lastGood.use(stored, instead.hash, instead.why);
    events.runningLastGood(lastGood);
    reconciler.want(stored);
    const { outcome, published, reload, error } = await reconciler.run(ctx, true);
    return { ...step, published: step.published || published, lastGood: { configHash: stored.hash, outcome, ...(reload ? { reload } : {}), ...(error ? { error } : {}) } };
  }
}
