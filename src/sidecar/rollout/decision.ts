// Pure: what this pod does next in the fleet rollout (DESIGN.md §13), given the Lease's state,
// the pod's own facts and the clock. One action per call; the loop (loop.ts) performs it and
// asks again. The rules, in order:
//   (1) Never run a bad version: a pod on one goes back to the version it ran before.
//   (2) The version in flight harmed this pod: mark it bad (the Lease aborts; (1) rolls back).
//   (3) The source holds a newer checked version: start its rollout, this pod its canary. A
//       version marked bad, or replaced while in flight (a lagging source), starts nothing.
//   (4) This pod holds the canary role or a wave slot: apply the version, then renew while it
//       bakes (the canary's first renewal says `baking`), then release it healthy.
//   (5) By phase: take the canary role when it is free (never taken, or not renewed within
//       slotTimeout — a killed pod never stalls the fleet); in waves, take a slot while fewer
//       than maxInFlight live ones are held, record a pod already on the version, and end the
//       rollout once every live member applied it; once done, a late pod applies the version.
//   (6) Renew the pod's membership (and roles) when due; otherwise wait.
// A paused rollout starts, takes and ends nothing; renewals and roll-backs go on.
import { badVersion, type Holder, type RolloutState } from './lease.ts';
import type { Verdict } from './judge.ts';

export interface PodFacts {
  pod: string;
  /** The checked version the pod's source holds; '' when none passed the checks. */
  source: string;
  /** The version the master runs ('' when nothing yet), and the one it ran before ('' none). */
  running: string;
  previous: string;
  /** A version this pod was told to apply and does not run yet ('' none). */
  pending: string;
  /** The version the judge bakes ('' none), and its verdict. */
  judging: string;
  verdict: Verdict;
}

/** How often a holder renews its role and membership: a third of slotTimeout, so two renewals may be lost before it is free. */
export function renewPeriodMs(slotTimeoutMs: number): number {
  return Math.max(100, Math.floor(slotTimeoutMs / 3));
}

export interface RolloutLimits {
  maxInFlight: number;
  /** A role or membership not renewed for this long (as this pod observed it) is free. */
  slotTimeoutMs: number;
  /** How often a holder renews: a fraction of slotTimeoutMs. */
  renewEveryMs: number;
}

/**
 * `now` is this pod's clock; `seen(holder)` is when this pod first observed that holder's
 * current renewedAt. As in client-go's leader election (`isLeaseValid`: observedTime +
 * leaseDuration), a holder is timed against our own observation, never its clock, so clock skew
 * between nodes cannot free a role early.
 */
export interface RolloutClock {
  now: number;
  seen: (holder: Holder) => number;
}

export type RolloutAction =
  | { kind: 'wait' }
  | { kind: 'start-rollout'; hash: string }
  | { kind: 'take-canary' }
  | { kind: 'take-slot' }
  | { kind: 'apply'; hash: string }
  | { kind: 'renew'; baking: boolean }
  | { kind: 'release'; verdict: 'healthy' }
  | { kind: 'mark-bad'; hash: string; reason: string }
  | { kind: 'roll-back'; to: string }
  | { kind: 'done' };

const WAIT: RolloutAction = Object.freeze({ kind: 'wait' });
/** The phases a version is in flight: a role held in them is worked (applied, baked, released). */
export const IN_FLIGHT: ReadonlySet<string> = new Set(['canary', 'baking', 'waves']);

export function decideRollout(state: RolloutState, facts: PodFacts, clock: RolloutClock, limits: RolloutLimits): RolloutAction {
  const live = (h: Holder): boolean => clock.now - clock.seen(h) <= limits.slotTimeoutMs;
  const version = state.version;
  if (badVersion(state, facts.running)) { // (1)
    return facts.previous !== '' && !badVersion(state, facts.previous) ? { kind: 'roll-back', to: facts.previous } : WAIT;
  }
  if (IN_FLIGHT.has(state.phase) && facts.judging === version && facts.verdict.kind === 'harmed') { // (2)
    return { kind: 'mark-bad', hash: version, reason: `${facts.verdict.signal}: ${facts.verdict.figures}` };
  }
  if (!state.paused && isNewer(state, facts)) return { kind: 'start-rollout', hash: facts.source }; // (3)
  const role = state.canary?.pod === facts.pod ? state.canary : state.slots.find((s) => s.pod === facts.pod);
  if (role && IN_FLIGHT.has(state.phase)) return decideHolder(state, facts, role, clock, limits); // (4)
  const byPhase = decidePhase(state, facts, live, limits); // (5)
  if (byPhase) return byPhase;
  const member = state.members.find((m) => m.pod === facts.pod); // (6)
  return !member || due(member, clock, limits) ? { kind: 'renew', baking: false } : WAIT;
}

function isNewer(state: RolloutState, facts: PodFacts): boolean {
  const { source } = facts;
  return source !== '' && source !== state.version && source !== facts.running
    && !badVersion(state, source) && !state.superseded.includes(source);
}

function decideHolder(state: RolloutState, facts: PodFacts, role: Holder, clock: RolloutClock, limits: RolloutLimits): RolloutAction {
  if (facts.running !== state.version) {
    if (facts.pending === state.version) return due(role, clock, limits) ? { kind: 'renew', baking: false } : WAIT;
    return { kind: 'apply', hash: state.version };
  }
  if (facts.judging === state.version && facts.verdict.kind === 'healthy') return { kind: 'release', verdict: 'healthy' };
  const baking = state.phase === 'canary';
  return baking || due(role, clock, limits) ? { kind: 'renew', baking } : WAIT;
}

function decidePhase(state: RolloutState, facts: PodFacts, live: (h: Holder) => boolean, limits: RolloutLimits): RolloutAction | null {
  const { pod } = facts;
  const onIt = facts.source === state.version;
  switch (state.phase) {
    case 'canary':
    case 'baking':
      return !state.paused && onIt && (!state.canary || !live(state.canary)) ? { kind: 'take-canary' } : null;
    case 'waves': {
      if (state.applied.includes(pod)) return allApplied(state, live) && !state.paused ? { kind: 'done' } : null;
      if (facts.running === state.version) return { kind: 'release', verdict: 'healthy' };
      const held = state.slots.filter(live).length;
      return !state.paused && onIt && held < limits.maxInFlight ? { kind: 'take-slot' } : null;
    }
    case 'done':
      return onIt && state.version !== '' && facts.running !== state.version && facts.pending !== state.version ? { kind: 'apply', hash: state.version } : null;
    case 'aborted':
      return null;
  }
}

/**
 * How soon the loop reads the Lease again on its own (a version offered, a reload's result and a
 * verdict start a pass at once). A pod with nothing to do in a rollout — none in flight, nothing
 * pending, baking or newer in its source — only renews its membership: one read per renewal
 * period instead of one a second, so an idle fleet costs the API server little.
 */
export function nextPassMs(state: RolloutState, facts: PodFacts, limits: RolloutLimits): number {
  const busy = IN_FLIGHT.has(state.phase) || facts.pending !== '' || facts.judging !== '' || isNewer(state, facts);
  return busy ? Math.max(100, Math.min(1000, limits.renewEveryMs / 2)) : limits.renewEveryMs;
}

/** Every live member applied the version and no live slot is held. */
function allApplied(state: RolloutState, live: (h: Holder) => boolean): boolean {
  return state.slots.filter(live).length === 0 && state.members.filter(live).every((m) => state.applied.includes(m.pod));
}

function due(holder: Holder, clock: RolloutClock, limits: RolloutLimits): boolean {
  return clock.now - Date.parse(holder.renewedAt) >= limits.renewEveryMs;
}
