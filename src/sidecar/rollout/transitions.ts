// Pure: the Lease state an action writes (decision.ts decides, this says what changes). Actions
// that only act on the pod (wait, apply, roll-back) write nothing: null. Every write also renews
// the writer's membership and drops members no longer live, so the list is the fleet as it is.
import type { RolloutAction } from './decision.ts';
import type { Holder, RolloutState } from './lease.ts';

export interface Writer {
  pod: string;
  now: Date;
  /** Whether a holder is still live, as the decision judged it (decision.ts RolloutClock). */
  live: (holder: Holder) => boolean;
}

export function nextState(state: RolloutState, action: RolloutAction, writer: Writer): RolloutState | null {
  const at = writer.now.toISOString();
  const me: Holder = { pod: writer.pod, since: at, renewedAt: at };
  const base = { ...state, members: renewMember(state, writer, at) };
  switch (action.kind) {
    case 'wait':
    case 'apply':
    case 'roll-back':
      return null;
    case 'start-rollout':
      return {
        ...base, version: action.hash, phase: 'canary', startedAt: at, canary: me, slots: [], applied: [],
        superseded: inFlight(state) ? [...state.superseded.filter((h) => h !== state.version), state.version] : [],
      };
    case 'take-canary':
      return { ...base, phase: 'canary', canary: me };
    case 'take-slot':
      return { ...base, slots: [...state.slots.filter((s) => writer.live(s) && s.pod !== writer.pod), me] };
    case 'renew':
      return renew(base, writer.pod, at, action.baking);
    case 'release': {
      const wasCanary = state.canary?.pod === writer.pod;
      return {
        ...base, phase: wasCanary ? 'waves' : state.phase, canary: wasCanary ? null : state.canary,
        slots: state.slots.filter((s) => s.pod !== writer.pod), applied: [...state.applied.filter((p) => p !== writer.pod), writer.pod],
      };
    }
    case 'mark-bad':
      return markedBad(base, action.hash, action.reason, at);
    case 'done':
      return { ...base, phase: 'done', slots: [], superseded: [] };
  }
}

/**
 * `hash` marked bad with `reason` (replacing an older mark of it); the version in flight marked bad
 * aborts the rollout and frees its roles. Also what `kubectl hotcycle rollout abort` writes.
 */
export function markedBad(state: RolloutState, hash: string, reason: string, at: string): RolloutState {
  const bad = [...state.bad.filter((b) => b.hash !== hash), { hash, reason, at }];
  return hash === state.version ? { ...state, bad, phase: 'aborted', canary: null, slots: [] } : { ...state, bad };
}

export function inFlight(state: RolloutState): boolean {
  return state.version !== '' && (state.phase === 'canary' || state.phase === 'baking' || state.phase === 'waves');
}

function renew(state: RolloutState, pod: string, at: string, baking: boolean): RolloutState {
  const touch = (h: Holder): Holder => (h.pod === pod ? { ...h, renewedAt: at } : h);
  const canary = state.canary ? touch(state.canary) : null;
  return { ...state, canary, slots: state.slots.map(touch), phase: baking && canary?.pod === pod ? 'baking' : state.phase };
}

function renewMember(state: RolloutState, writer: Writer, at: string): Holder[] {
  const mine = state.members.find((m) => m.pod === writer.pod);
  const others = state.members.filter((m) => m.pod !== writer.pod && writer.live(m));
  return [...others, { pod: writer.pod, since: mine?.since ?? at, renewedAt: at }];
}
