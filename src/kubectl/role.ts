// Pure: the part a pod plays in its release's fleet rollout, as the rollout Lease says it
// (src/sidecar/rollout/lease.ts). The same order as the sidecar's own view (rollout/loop.ts):
// the canary role first, then a wave slot, then whether it applied the version in flight.
import type { RolloutState } from '../sidecar/rollout/lease.ts';

/** `-`: no rollout (no Lease, or nothing rolled out yet). */
export type PodRole = 'canary' | 'in slot' | 'applied' | 'waiting' | '-';

export function podRole(state: RolloutState | null, pod: string): PodRole {
  if (!state || state.version === '') return '-';
  if (state.canary?.pod === pod) return 'canary';
  if (state.slots.some((s) => s.pod === pod)) return 'in slot';
  return state.applied.includes(pod) ? 'applied' : 'waiting';
}
