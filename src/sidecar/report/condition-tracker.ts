// Keeps the Pod condition hotcycle.dev/config-applied (condition.ts) true to the pod's facts:
//   (1) The facts are read where the sidecar keeps them: the syncer's state (the version the
//       source holds, the one the master runs, the live one, the versions the master refused,
//       a check that could not run), the rollout's bad versions, the last good config in use.
//       Only the findings and errors behind a refusal are kept here, told by the outcomes
//       (report/outcomes.ts) as they happen.
//   (2) Decided again after each outcome (on a microtask: the syncer finishes updating its state
//       first) and every `everyMs`, which catches what no outcome announces: a version the
//       rollout holds, one another pod marked bad, a version the master refused before offered
//       again.
//   (3) Handed to the writer (kube/pod-condition.ts) only when status, reason or message changed.
// Whys are kept from the sidecar's start; decisions begin at start(), once the Kubernetes client
// and the rollout exist (in a cluster only).
import type { RolloutStatus } from '../../protocol/sidecar.ts';
import type { LastGood } from '../sync/last-good.ts';
import type { Syncer } from '../sync/syncer.ts';
import { decideConfigApplied, sameCondition, type ConfigApplied } from './condition.ts';
import { errorWhy, type Why } from './why.ts';

/** What the outcomes tell the tracker (report/outcomes.ts). */
export interface ConditionInputs {
  rejected(hash: string, why: Why): void;
  reloadFailed(hash: string, why: Why): void;
  /** Something else happened to a version: decide again. */
  changed(): void;
}

export interface ConditionSources {
  syncer: Pick<Syncer, 'state' | 'lag'>;
  lastGood: Pick<LastGood, 'running'>;
}

export interface ConditionSink {
  write(condition: ConfigApplied): void;
  /** The fleet rollout's status; absent without one. */
  rollout?: () => Pick<RolloutStatus, 'bad'>;
  everyMs?: number;
}

/** Whys kept for this many versions: the source's, and a few it may go back to. */
const REMEMBERED = 16;

export class ConditionTracker implements ConditionInputs {
  readonly #sources: ConditionSources;
  readonly #whys = new Map<string, { rejected?: Why; reloadFailed?: Why }>();
  #sink: ConditionSink | null = null;
  #timer: NodeJS.Timeout | undefined;
  #written: ConfigApplied | null = null;
  #queued = false;

  constructor(sources: ConditionSources) {
    this.#sources = sources;
  }

  /** Decide now, after every outcome and every `everyMs` (default 1 s), until close(). */
  start(sink: ConditionSink): void {
    this.#sink = sink;
    this.#timer = setInterval(() => this.#decide(), sink.everyMs ?? 1000); // (2)
    this.#timer.unref();
    this.#decide();
  }

  rejected(hash: string, why: Why): void {
    this.#remember(hash, { rejected: why });
  }

  reloadFailed(hash: string, why: Why): void {
    this.#remember(hash, { reloadFailed: why });
  }

  changed(): void {
    if (this.#queued || !this.#timer) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.#decide();
    });
  }

  /** Idempotent: no more decisions. */
  close(): void {
    clearInterval(this.#timer);
    this.#sink = null;
  }

  #remember(hash: string, why: { rejected?: Why; reloadFailed?: Why }): void {
    this.#whys.delete(hash);
    this.#whys.set(hash, why);
    if (this.#whys.size > REMEMBERED) this.#whys.delete(this.#whys.keys().next().value ?? '');
    this.changed();
  }

  #decide(): void {
    if (!this.#sink) return;
    const { syncer, lastGood } = this.#sources;
    const { rollout } = this.#sink;
    const state = syncer.state(); // (1)
    const source = state.sourceHash;
    const whys = this.#whys.get(source);
    const failed = state.failedHashes.includes(source);
    const bad = rollout?.().bad.find((b) => b.hash === source)?.reason ?? '';
    const condition = decideConfigApplied({
      source, running: state.appliedHash, published: state.publishedHash, lastGood: lastGood.running?.configHash ?? '',
      rejected: syncer.lag().sourceRejected ? whys?.rejected ?? null : null,
      reloadFailed: failed ? whys?.reloadFailed ?? { text: 'refused before, not tried again', tail: '' } : null,
      checkError: state.checkError?.configHash === source ? errorWhy(state.checkError.error) : null,
      rollout: rollout ? { bad } : null,
    });
    if (!condition || sameCondition(this.#written, condition)) return; // (3)
    this.#written = condition;
    this.#sink.write(condition);
  }
}
