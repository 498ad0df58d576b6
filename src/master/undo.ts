// The cycle's `failed:` path, as a list (nginx's ngx_init_cycle closes only the listeners it
// marked `open`): each step that changes something registers how to undo it, a failure runs
// what is registered in reverse order, and a step that hands a resource to a new owner (the
// snapshot to the generation that runs on it) withdraws its entry.

export type UndoLabel = 'snapshot' | 'listeners' | 'workers';

interface Entry {
  readonly label: UndoLabel;
  readonly run: () => void | Promise<void>;
}

export class UndoList {
  readonly #entries: Entry[] = [];

  push(label: UndoLabel, run: () => void | Promise<void>): void {
    this.#entries.push({ label, run });
  }

  /** The resource is someone else's now: a failure must no longer undo it here. */
  handOver(label: UndoLabel): void {
    const at = this.#entries.findIndex((entry) => entry.label === label);
    if (at < 0) throw new Error(`undo list: nothing registered as ${label}`);
    this.#entries.splice(at, 1);
  }

  /**
   * Undoes everything registered, newest first. A failing undo step never masks the failure
   * being rolled back, nor stops the steps after it: it is returned, for the caller to report.
   */
  async run(): Promise<{ label: UndoLabel; error: unknown }[]> {
    const failed: { label: UndoLabel; error: unknown }[] = [];
    for (const entry of this.#entries.splice(0).reverse()) {
      try {
        await entry.run();
      } catch (error) {
        failed.push({ label: entry.label, error });
      }
    }
    return failed;
  }

  /** Committed: nothing is undone any more. */
  clear(): void {
    this.#entries.length = 0;
  }
}
