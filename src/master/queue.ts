// One queue owns state changes (STYLE.md rule 6): reloads and respawns run one at a time,
// in order; shutdown aborts the running cycle and waits for the queue to empty first.
// (`/v1/check` reads only, and runs beside it.) Reload requests that arrive while a cycle
// is queued join it, so any burst of requests costs at most one running and one follow-up
// cycle, and the follow-up reads the newest config when it starts.
import type { ReloadRequest } from '../protocol/types.ts';

export type BatchListener = (event: unknown) => void;

export interface Batch<R> {
  join(request: R): void;
}

/**
 * The coalescing both loops use (the master's reloads, the sidecar's syncs): a request joins
 * the batch still waiting in the queue, or starts a new one; everyone who joined a batch gets
 * that batch's one result.
 */
export class Coalescer<R, B extends Batch<R>, T> {
  readonly #queue: SerialQueue;
  readonly #create: () => B;
  readonly #run: (batch: B) => Promise<T>;
  #waiting: { batch: B; result: Promise<T> } | null = null;

  constructor(queue: SerialQueue, create: () => B, run: (batch: B) => Promise<T>) {
    this.#queue = queue;
    this.#create = create;
    this.#run = run;
  }

  request(request: R): Promise<T> {
    if (!this.#waiting) {
      const batch = this.#create();
      const result = this.#queue.run(() => {
        this.#waiting = null;
        return this.#run(batch);
      });
      this.#waiting = { batch, result };
    }
    this.#waiting.batch.join(request);
    return this.#waiting.result;
  }

  /** A batch is queued and not yet started. */
  get waiting(): boolean {
    return this.#waiting !== null;
  }
}

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

export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
