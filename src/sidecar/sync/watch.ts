// Watches the source directories for new versions (DESIGN.md §2 step 1, §9: the root source and
// every named one, with one debounce, so changes to several sources within it are one version).
// chokidar watches each DIRECTORY, depth 0, never a file inside it: measured with kubelet-style swaps, a directory
// watch saw the final state at every update rate, while a file watch stopped emitting for good
// after a few swaps 5 ms apart (the inode it watched was gone).
//   (1) On a kubelet volume (`..data` exists) only an event on its `..data` counts: kubelet's swap
//       renames `..data_tmp` over it; the other entries move around it and mean nothing alone.
//   (2) On a plain directory any event counts, once the directory has settled.
//   (3) Counted events are debounced: a burst becomes one onChange() `debounceMs` after the last,
//       but never later than `debounceMaxMs` after the first, so a source that keeps changing
//       (a controller rewriting it in a loop) cannot hold every version back.
//   (4) A slow timer calls onResync() every `resyncMs`: the caller re-hashes, so a change no
//       event announced still goes through (and is counted with noteMissed()).
import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { WatchHealth } from '../../protocol/sidecar.ts';
import { DATA_DIR } from '../../configset/fileset.ts';
import { hasDataLink } from './source.ts';

export interface SourceWatchOptions {
  /** The root source first, then the named ones. */
  dirs: readonly string[];
  debounceMs: number;
  debounceMaxMs: number;
  resyncMs: number;
  logger: Logger;
  /** A new version may be in the source directory. */
  onChange: () => void;
  /** The slow re-hash is due. */
  onResync: () => void;
}

export class SourceWatcher {
  readonly #options: SourceWatchOptions;
  readonly #watcher: FSWatcher;
  readonly #resync: NodeJS.Timeout;
  #debounce: NodeJS.Timeout | undefined;
  /** When the first event of the burst being debounced arrived (performance.now()). */
  #burstStart: number | undefined;
  #ready = false;
  #closed: Promise<void> | undefined;
  #events = 0;
  #missed = 0;
  #lastError: string | undefined;

  private constructor(options: SourceWatchOptions) {
    this.#options = options;
    this.#watcher = watch([...options.dirs], { depth: 0, ignoreInitial: true, followSymlinks: false, persistent: true });
    this.#watcher.on('all', (_event, changed) => this.#onEvent(changed));
    this.#watcher.on('error', (error) => {
      this.#lastError = errorMessage(error);
      options.logger.warn('source watch error', { event: 'watch.error', error: this.#lastError, dirs: options.dirs });
    });
    this.#resync = setInterval(() => options.onResync(), options.resyncMs); // (4)
    this.#resync.unref();
  }

  /** Starts watching; resolves once chokidar has scanned the directory. */
  static async start(options: SourceWatchOptions): Promise<SourceWatcher> {
    const watcher = new SourceWatcher(options);
    await new Promise<void>((resolve) => watcher.#watcher.once('ready', () => resolve()));
    watcher.#ready = true;
    return watcher;
  }

  health(): WatchHealth {
    return {
      healthy: this.#ready && !this.#closed,
      kind: hasDataLink(this.#options.dirs[0] ?? '') ? 'kubelet' : 'plain',
      events: this.#events,
      missedChanges: this.#missed,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
    };
  }

  /** The re-hash found a change no event announced. */
  noteMissed(): void {
    this.#missed++;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#resync);
      clearTimeout(this.#debounce);
      await this.#watcher.close();
    })();
    return this.#closed;
  }

  #onEvent(changed: string): void {
    if (this.#closed) return;
    const dir = this.#options.dirs.find((d) => changed === d || path.dirname(changed) === d) ?? path.dirname(changed);
    if (hasDataLink(dir) && path.basename(changed) !== DATA_DIR) return; // (1)
    this.#events++; // (2)
    clearTimeout(this.#debounce); // (3)
    const now = performance.now();
    this.#burstStart ??= now;
    const delay = Math.max(0, Math.min(this.#options.debounceMs, this.#burstStart + this.#options.debounceMaxMs - now));
    this.#debounce = setTimeout(() => {
      this.#burstStart = undefined;
      this.#options.onChange();
    }, delay);
  }
}
