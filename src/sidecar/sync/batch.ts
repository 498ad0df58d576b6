// Sync requests coalesce like the master's reload requests (STYLE.md rule 6): file events, the
// re-hash timer, control requests and ConfigMap data only join the queued batch, so a storm of
// `..data` swaps costs at most one running and one follow-up sync, and the follow-up reads the
// newest version when it starts. Everyone who joined a batch gets its one result.
import type { Batch } from '../../queue.ts';
import type { SyncOrigin } from '../../protocol/sidecar.ts';
import type { FileSet } from '../../configset/fileset.ts';

export interface SyncRequestOptions {
  origin: SyncOrigin;
  reason: string;
  /** Reload even when unchanged or already running (an operator's `hotcycle reload`). */
  force?: boolean;
  /** The version itself, for origin `api` (the ConfigMap's data). */
  files?: FileSet;
  /** This is the slow re-hash: a change found now was missed by the watcher. */
  resync?: boolean;
  /** Give up waiting for a master that is not up after this long (control requests). */
  waitMs?: number;
}

export class SyncBatch implements Batch<SyncRequestOptions> {
  readonly #reasons: string[] = [];
  force = false;
  resync = false;
  volume = false;
  /** The newest ConfigMap data delivered while the batch waited. */
  api: FileSet | null = null;
  waitMs: number | undefined;

  join(request: SyncRequestOptions): void {
    if (!this.#reasons.includes(request.reason)) this.#reasons.push(request.reason);
    this.force ||= request.force === true;
    this.resync ||= request.resync === true;
    if (request.origin === 'api' && request.files) this.api = request.files;
    else this.volume = true;
    if (request.waitMs !== undefined) this.waitMs = Math.min(this.waitMs ?? Infinity, request.waitMs);
  }

  get reason(): string {
    const [first = 'sync', ...rest] = this.#reasons;
    return rest.length ? `${first} (+${rest.length} coalesced)` : first;
  }
}
