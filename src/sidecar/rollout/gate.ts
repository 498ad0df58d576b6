// The syncer's rollout gate (syncer.ts (4)) from the start, before the loop exists: the Lease's
// client loads with the rest of the Kubernetes setup, after the syncer is built, and the fast
// path may deliver a version in between. Until the loop is attached a version the master does
// not run is held, and the newest one offered is handed to the loop when it comes.
import type { RolloutGate } from '../sync/syncer.ts';

export class DeferredGate implements RolloutGate {
  #target: RolloutGate | null = null;
  #offered: { hash: string; running: string } | null = null;

  admit(hash: string, running: string): boolean {
    if (this.#target) return this.#target.admit(hash, running);
    this.#offered = { hash, running };
    return running === '' || running === hash;
  }

  proven(hash: string): boolean {
    return this.#target?.proven?.(hash) ?? true;
  }

  attach(target: RolloutGate): void {
    this.#target = target;
    const offered = this.#offered;
    this.#offered = null;
    if (offered && offered.running !== '' && offered.running !== offered.hash) target.admit(offered.hash, offered.running);
  }
}
