// Which origin brought a version, and how far the volume lagged behind the API for it (issue 21).
// With the fast path the API delivers an edit in well under a second; kubelet refreshes the
// volume 60–90 s later (its sync period plus its ConfigMap cache TTL), and that read only
// confirms the version (same hash: no second reload). An operator asking `hotcycle status` why
// a pod runs a version the volume does not show yet gets the answer from here.
//   (1) A version the API delivers, unless it is the newest arrival already (a relist, or the API
//       confirming what the volume brought), starts afresh: brought by the API now, not yet on the
//       volume. A revert to an older version is a new delivery: the volume must catch up again.
//   (2) The volume showing a version: the first time after (1) ends its lag; a version no origin
//       delivered before was brought by the volume (the fast path is off, or its watch is down).
import type { SyncOrigin } from '../../protocol/sidecar.ts';

/** What `hotcycle status` shows about the version the master runs. */
export interface RunningArrival {
  /** The origin that first delivered it. */
  runningSource: SyncOrigin;
  /** With `api`: API delivery → volume showing it; while it does not yet, the time so far. */
  volumeLagMs?: number;
  /** With `api`: the volume shows it (volumeLagMs is final). */
  volumeCaughtUp?: boolean;
}

interface Arrival { source: SyncOrigin; at: number; volumeAt?: number }

const REMEMBERED = 32;

export class Arrivals {
  readonly #byHash = new Map<string, Arrival>();
  readonly #now: () => number;
  /** The newest version either origin brought. */
  #newest = '';

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  note(origin: SyncOrigin, hash: string): void {
    const at = this.#now();
    const known = this.#byHash.get(hash);
    if (origin === 'api') {
      if (hash !== this.#newest || !known) this.#remember(hash, { source: 'api', at }); // (1)
    } else if (!known) this.#remember(hash, { source: 'volume', at, volumeAt: at }); // (2)
    else known.volumeAt ??= at;
  }

  /** The arrival of `hash` (the version the master runs); null when neither origin brought it. */
  of(hash: string): RunningArrival | null {
    const arrival = hash ? this.#byHash.get(hash) : undefined;
    if (!arrival) return null;
    if (arrival.source === 'volume') return { runningSource: 'volume' };
    const caughtUp = arrival.volumeAt !== undefined;
    return { runningSource: 'api', volumeLagMs: (arrival.volumeAt ?? this.#now()) - arrival.at, volumeCaughtUp: caughtUp };
  }

  #remember(hash: string, arrival: Arrival): void {
    this.#newest = hash;
    this.#byHash.delete(hash);
    this.#byHash.set(hash, arrival);
    if (this.#byHash.size > REMEMBERED) this.#byHash.delete(this.#byHash.keys().next().value!);
  }
}
