// The master's reload batch: the requests coalesced into one cycle (src/queue.ts), and the
// listeners that stream that cycle's phases back to each requester.
import type { Batch } from '../queue.ts';
import type { ReloadRequest } from '../protocol/types.ts';

export type BatchListener = (event: unknown) => void;

export class ReloadBatch implements Batch<{ request: ReloadRequest; listener?: BatchListener }> {
  readonly requests: ReloadRequest[] = [];
  readonly listeners: BatchListener[] = [];

  join({ request, listener }: { request: ReloadRequest; listener?: BatchListener }): void {
    this.requests.push(request);
    if (listener) this.listeners.push(listener);
    for (const l of this.listeners) l({ event: 'queued', requests: this.requests.length });
  }

  /** The newest request's expectation wins: it saw the newest config. */
  get expectHash(): string | undefined {
    return this.requests.at(-1)?.expectHash;
  }

  get reason(): string {
    const first = this.requests[0]?.reason ?? 'reload';
    return this.requests.length > 1 ? `${first} (+${this.requests.length - 1} coalesced)` : first;
  }

  emit(event: unknown): void {
    for (const l of this.listeners) l(event);
  }
}
