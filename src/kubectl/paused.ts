// Pure: the rollout state with `paused` set. The sidecars' decision (rollout/decision.ts) reads
// it: a paused rollout starts, takes and ends nothing; renewals and roll-backs go on.
import type { RolloutState } from '../sidecar/rollout/lease.ts';

export function withPaused(state: RolloutState, paused: boolean): RolloutState {
  return { ...state, paused };
}
