// The syncer's rollout gate (syncer.ts (4)) from the start, before the loop exists: the Lease's
// client loads with the rest of the Kubernetes setup, after the syncer is built, and the fast
// path may deliver a version in between. Until the loop is attached every question waits for it:
// a pod must not start on a version the Lease marks bad because it asked too early.
import type { Admission, RolloutGate } from '../sync/syncer.ts';

/** Outside a cluster (no Lease to coordinate through) every checked version is applied at once. */
export const ADMIT_ALL: RolloutGate = Object.freeze({ admit: async (): Promise<Admission> => ({ kind: 'admit' }) });

export class DeferredGate implements RolloutGate {
  #target: RolloutGate | null = null;
  #attached: (target: RolloutGate) => void = () => undefined;
  readonly #ready = new Promise<RolloutGate>((resolve) => {
    this.#attached = resolve;
  });

  async admit(hash: string, running: string): Promise<Admission> {
    return (await this.#ready).admit(hash, running);
  }

  /** Nothing ran before the loop was attached, so nothing is in question. */
  proven(hash: string): boolean {
    return this.#target?.proven?.(hash) ?? true;
  }

  attach(target: RolloutGate): void {
    this.#target = target;
    this.#attached(target);
  }
}
