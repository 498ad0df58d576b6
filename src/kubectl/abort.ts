// Pure: `rollout abort` — the version in flight marked bad with who aborted it and why, the same
// write a harmed sidecar makes (rollout/transitions.ts markedBad): the Lease says `aborted`, the
// roles are freed, decision.ts rule (1) rolls back every pod that applied it and no pod applies it.
import { HotcycleError } from '../errors.ts';
import type { RolloutState } from '../sidecar/rollout/lease.ts';
import { inFlight, markedBad } from '../sidecar/rollout/transitions.ts';

/** The Lease's bound on a reason (lease.ts's schema). */
export const MAX_REASON = 512;

/** Nothing is in flight (no rollout yet, or it is done or aborted): exit 1, its own message. */
export class NothingInFlight extends HotcycleError {
  constructor(lease: string, state: RolloutState) {
    const now = state.version === '' ? 'no version was rolled out yet' : `config ${state.version.slice(0, 12)} is ${state.phase}`;
    super('control', 'EROLLOUT', `nothing to abort: no version is in flight in Lease ${lease} (${now})`);
  }
}

/** `aborted by alice via kubectl: TEXT`; without a user `aborted via kubectl`, without TEXT no colon. */
export function abortReason(user: string | undefined, text: string | undefined): string {
  const head = `aborted ${user ? `by ${user} ` : ''}via kubectl`;
  const line = text?.replace(/\s+/g, ' ').trim();
  const reason = [...(line ? `${head}: ${line}` : head)];
  return reason.length <= MAX_REASON ? reason.join('') : `${reason.slice(0, MAX_REASON - 1).join('')}…`;
}

/** The state with the version in flight marked bad; throws NothingInFlight when none is. */
export function withAborted(state: RolloutState, lease: string, reason: string, at: Date): RolloutState {
  if (!inFlight(state)) throw new NothingInFlight(lease, state);
  return markedBad(state, state.version, reason, at.toISOString());
}
