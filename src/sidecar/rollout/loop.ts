// The rollout's one loop (DESIGN.md §13), the single owner of this pod's rollout state. A pass:
//   (1) Read the Lease (store.ts) and note when each holder's renewal was first seen (after a
//       read that waited out the API server, now); a role held over the version the pod already
//       runs, unbaked here, is baked in place.
//   (2) Gather the pod's facts: the checked version its source offered (the syncer's gate), what
//       the master runs and ran before, the version ordered, the bake's verdict (bake.ts).
//   (3) Decide one action (decision.ts).
//   (4) Write the Lease it implies (transitions.ts) as a compare-and-swap; on 409 back to (1).
//   (5) Perform the action on the pod: apply the held version, or roll back, through the
//       syncer's queue (its result comes back as reloaded()); report it.
//   (6) A write that changed roles is decided again at once (take-canary, then apply).
// Passes run one at a time on events (a version offered, a reload's result, a verdict), coalesced
// (a burst of events costs one pass), and on a timer each pass re-arms: every second while there
// is work, once per renewal period when idle (decision.ts nextPassMs). A pod that runs nothing yet asks the
// gate after the first pass (bounded by FIRST_READ_MS): it starts on its source's version unless
// the Lease marks that bad, and then on the release's last good config (syncer.ts (8)).
import type { Logger } from '../../log.ts';
import type { RolloutStatus } from '../../protocol/sidecar.ts';
import type { MasterStatus } from '../../protocol/types.ts';
import { coalescedTask, SerialQueue } from '../../queue.ts';
import { errorMessage } from '../../errors.ts';
import type { Admission, RolloutGate } from '../sync/syncer.ts';
import { Bake } from './bake.ts';
import { decideRollout, IN_FLIGHT, nextPassMs, type PodFacts, type RolloutAction, type RolloutLimits } from './decision.ts';
import { UNDECIDED } from './judge.ts';
import { badVersion, NO_ROLLOUT, type Holder, type RolloutState } from './lease.ts';
import type { ProbeSpec, ReadinessSpec } from './probe-spec.ts';
import type { RolloutEvents } from './report.ts';
import type { LeaseSnapshot, LeaseStore } from './store.ts';
import { nextState } from './transitions.ts';

export interface RolloutSyncer {
  applyHeld(hash: string): Promise<{ configHash: string }>;
  rollBack(hash: string): Promise<unknown>;
  previousHash(): string;
  state(): { appliedHash: string };
}

export interface RolloutLoopOptions {
  store: Pick<LeaseStore, 'name' | 'read' | 'write'>;
  pod: string;
  limits: RolloutLimits;
  bakeMs: number;
  waveBakeMs: number;
  probe: ProbeSpec | null;
  readiness: ReadinessSpec | null;
  syncer: RolloutSyncer;
  master: { status(): Promise<MasterStatus> };
  events: RolloutEvents;
  logger: Logger;
}

const MAX_STEPS = 8;
/** How long a starting pod waits for the Lease before it starts on its source's version (as without a rollout). */
const FIRST_READ_MS = 10_000;
const ADMIT: Admission = Object.freeze({ kind: 'admit' });
const HOLD: Admission = Object.freeze({ kind: 'hold' });

export class RolloutLoop implements RolloutGate {
  readonly #o: RolloutLoopOptions;
  readonly #queue = new SerialQueue();
  readonly #passes = coalescedTask(this.#queue, () => this.#runPass());
  readonly #abort = new AbortController();
  readonly #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #state: RolloutState | null = null;
  #source = '';
  #allowed = '';
  #pending = '';
  #bake: Bake | null = null;
  #error = '';
  #closed: Promise<void> | undefined;
  /** Settles after the first pass (the Lease read, or not), or FIRST_READ_MS. */
  readonly #firstPass: Promise<void>;
  #firstPassDone: () => void = () => undefined;

  constructor(options: RolloutLoopOptions) {
    this.#o = options;
    this.#firstPass = new Promise((resolve) => {
      this.#firstPassDone = resolve;
      setTimeout(resolve, FIRST_READ_MS).unref();
    });
    this.kick();
  }

  /** The syncer's gate (syncer.ts (4)): may the checked version `hash` be applied now? */
  async admit(hash: string, running: string): Promise<Admission> {
    this.#source = hash;
    if (running === '') await this.#firstPass;
    this.kick();
    const bad = this.#state ? badVersion(this.#state, hash) : undefined;
    if (bad) {
      this.#o.events.held(hash, `marked bad: ${bad.reason}`);
      return { kind: 'bad', reason: bad.reason };
    }
    // Nothing runs yet: the pod starts on what its source holds, as without a rollout.
    if (running === '' || hash === running || hash === this.#allowed) return ADMIT;
    this.#o.events.held(hash, 'waiting for its turn in the rollout');
    return HOLD;
  }

  /** The syncer's (8): a version still baking here, or marked bad, is not kept as the last good config. */
  proven(hash: string): boolean {
    if (hash === this.#pending || (this.#state && badVersion(this.#state, hash))) return false;
    return this.#bake?.hash !== hash || this.#bake.verdict(null).kind === 'healthy';
  }

  /** The master's answer to a version (reloaded, already running it, or failed). */
  reloaded(hash: string, failure: string | null): void {
    if (hash !== this.#pending || this.#closed) return;
    this.#pending = '';
    this.#startBake(hash, failure);
    this.kick();
  }

  #startBake(hash: string, failure: string | null): void {
    this.#bake?.stop();
    const state = this.#state ?? NO_ROLLOUT;
    const bakeMs = state.canary?.pod === this.#o.pod ? this.#o.bakeMs : this.#o.waveBakeMs;
    this.#bake = new Bake({ hash, bakeMs, reloadFailed: failure, probe: this.#o.probe, readiness: this.#o.readiness, onChange: () => this.kick() });
  }

  /**
   * A role (the canary, a wave slot) over the version this pod already runs, with no bake of it
   * here: the pod started on it (a replacement pod created mid-rollout starts on what its source
   * holds, and may then take the free canary role) or its sidecar restarted mid-bake. It bakes
   * the version in place; without a verdict the role would be renewed forever and the rollout
   * never move on.
   */
  #bakeHeldVersion(state: RolloutState): void {
    const pod = this.#o.pod;
    const holds = state.canary?.pod === pod || state.slots.some((s) => s.pod === pod);
    if (!holds || !IN_FLIGHT.has(state.phase) || this.#pending !== '' || this.#bake?.hash === state.version) return;
    if (this.#o.syncer.state().appliedHash === state.version) this.#startBake(state.version, null);
  }

  kick(): void {
    if (!this.#closed) void this.#passes();
  }

  async #runPass(): Promise<void> {
    try {
      await this.#pass();
      this.#error = '';
    } catch (error) {
      this.#schedule(this.#o.limits.renewEveryMs);
      if (this.#abort.signal.aborted) return;
      // Versions stay held while the Lease cannot be used: said once per cause, and in status.
      const message = errorMessage(error);
      if (message !== this.#error) this.#o.events.failed(message);
      this.#error = message;
    } finally {
      this.#firstPassDone();
    }
  }

  status(): RolloutStatus {
    const state = this.#state ?? NO_ROLLOUT;
    return {
      lease: this.#o.store.name, role: this.#role(state), phase: state.version ? state.phase : 'none', version: state.version, paused: state.paused,
      bad: state.bad.map((b) => ({ hash: b.hash, reason: b.reason })), ...(this.#error ? { error: this.#error } : {}),
    };
  }

  /** Idempotent: no more passes; the one running ends at its next call to the API. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearTimeout(this.#timer);
      this.#abort.abort();
      this.#firstPassDone();
      this.#bake?.stop();
      await this.#queue.idle();
    })();
    return this.#closed;
  }

  async #pass(): Promise<void> {
    for (let step = 0; step < MAX_STEPS && !this.#closed; step++) {
      const began = Date.now();
      const read = await this.#o.store.read(this.#abort.signal); // (1)
      // A read that outlasted a renewal period waited out the API server (the store retries): no
      // pod could renew meanwhile, so every renewal counts as seen now — else, back from an
      // outage, the first pod to read takes the others for dead and ends the rollout without them.
      if (Date.now() - began > this.#o.limits.renewEveryMs) this.#seen.clear();
      this.#note(read.state);
      this.#bakeHeldVersion(read.state);
      const facts = await this.#facts(); // (2)
      this.#schedule(nextPassMs(read.state, facts, this.#o.limits));
      const now = Date.now();
      const live = (h: Holder): boolean => now - this.#seenAt(h) <= this.#o.limits.slotTimeoutMs;
      const action = decideRollout(read.state, facts, { now, seen: (h) => this.#seenAt(h) }, this.#o.limits); // (3)
      const next = nextState(read.state, action, { pod: this.#o.pod, now: new Date(now), live });
      if (next && (await this.#o.store.write(read, next, this.#abort.signal)) === 'conflict') continue; // (4)
      if (next) this.#note(next);
      this.#perform(action, read, facts); // (5)
      if (!next || action.kind === 'renew') return; // (6)
    }
  }

  async #facts(): Promise<PodFacts> {
    const running = this.#o.syncer.state().appliedHash;
    const master = this.#bake ? await this.#o.master.status().catch(() => null) : null;
    return {
      // A pod that runs nothing yet starts on its source's version (admit): no rollout of it.
      pod: this.#o.pod, source: running === '' ? '' : this.#source, running, previous: this.#o.syncer.previousHash(),
      pending: this.#pending === running ? '' : this.#pending, judging: this.#bake?.hash ?? '', verdict: this.#bake?.verdict(master) ?? UNDECIDED,
    };
  }

  #perform(action: RolloutAction, read: LeaseSnapshot, facts: PodFacts): void {
    const { events, syncer } = this.#o;
    switch (action.kind) {
      case 'apply':
        this.#allowed = action.hash;
        this.#pending = action.hash;
        // Nothing held under that hash any more (a newer version replaced it): decide again.
        void syncer.applyHeld(action.hash).then((r) => {
          if (r.configHash !== action.hash && this.#pending === action.hash) this.#pending = '';
        }, () => undefined).finally(() => this.kick());
        return;
      case 'roll-back':
        this.#endBake();
        void syncer.rollBack(action.to).finally(() => this.kick());
        return;
      case 'start-rollout':
        return events.started(action.hash);
      case 'mark-bad':
        // Back on the version run before it, or (the master rejected it) still on the one it runs.
        if (facts.verdict.kind === 'harmed') events.aborted(action.hash, facts.verdict.signal, facts.verdict.figures, facts.running === action.hash ? facts.previous : facts.running);
        this.#allowed = '';
        return this.#endBake();
      case 'release':
        events.role('released its role, healthy', read.state.version);
        return this.#endBake();
      case 'done':
        return events.completed(read.state.version);
      case 'take-canary':
        return events.role('took the canary role', read.state.version);
      case 'take-slot':
        return events.role('took a wave slot', read.state.version);
      case 'renew':
      case 'wait':
        return;
    }
  }

  /** The next pass on the timer (every pass re-arms it, so a failing one is tried again too). */
  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.kick(), delayMs);
    this.#timer.unref();
  }

  #endBake(): void {
    this.#bake?.stop();
    this.#bake = null;
  }

  #note(state: RolloutState): void {
    this.#state = state;
    if (state.version) this.#o.events.phase(state.phase);
    const now = Date.now();
    const holders = [...(state.canary ? [state.canary] : []), ...state.slots, ...state.members];
    const keys = new Set(holders.map(key));
    for (const k of this.#seen.keys()) if (!keys.has(k)) this.#seen.delete(k);
    for (const k of keys) if (!this.#seen.has(k)) this.#seen.set(k, now);
  }

  #seenAt(holder: Holder): number {
    return this.#seen.get(key(holder)) ?? Date.now();
  }

  #role(state: RolloutState): string {
    const pod = this.#o.pod;
    if (!state.version) return 'idle';
    if (state.canary?.pod === pod) return 'canary';
    if (state.slots.some((s) => s.pod === pod)) return 'slot';
    if (this.#source !== '' && this.#source !== this.#o.syncer.state().appliedHash) return 'held';
    return state.applied.includes(pod) ? 'applied' : 'waiting';
  }
}

function key(holder: Holder): string {
  return `${holder.pod}@${holder.renewedAt}`;
}
