// One queue owns state changes (STYLE.md rule 6): the master's reloads and respawns, the
// sidecar's syncs, each run one at a time, in order. Requests that arrive while a task is
// queued join it (Coalescer), so any burst costs at most one running and one follow-up task,
// and the follow-up reads the newest state when it starts.

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

const NO_REQUEST: Batch<void> = Object.freeze({ join: () => undefined });

/**
 * A task that takes no request, run on `queue` each time it is kicked, coalesced as above: a kick
 * while a run still waits joins it, so a burst costs one run and one follow-up that reads the
 * newest state (the rollout's passes, the reads of a reload request).
 */
export function coalescedTask(queue: SerialQueue, task: () => Promise<void>): () => Promise<void> {
  const runs = new Coalescer<void, Batch<void>, void>(queue, () => NO_REQUEST, task);
  return () => runs.request();
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
