// The live directory, as the gate sees it: publish an accepted version, and when the master's
// own check rejects it, put back the version before it — so that a restart of the app container
// comes back on the last good config. Writes go through the atomic writer one at a time.
import { stat } from 'node:fs/promises';
import { HotcycleError } from '../../errors.ts';
import { writeAtomic } from './atomic-writer.ts';
import { DATA_DIR, hashFileSet, readFileSet, shortHash, type FileSet, type FileSetLimits } from '../../configset/fileset.ts';

export interface Version {
  readonly hash: string;
  readonly set: FileSet;
}

export interface PublisherOptions {
  /** fsync each version before the swap; default true. */
  fsync?: boolean;
  /** Limits for reading back the version already live at start. */
  limits?: FileSetLimits;
  /** Modes of files that must not get the writer's default (0644): a Secret source's. */
  modes?: (set: FileSet) => Promise<ReadonlyMap<string, number>>;
}

export class Publisher {
  readonly dir: string;
  #fsync: boolean;
  readonly #modes: PublisherOptions['modes'];
  #current: Version | null;
  #previous: Version | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(dir: string, current: Version | null, options: PublisherOptions) {
    this.dir = dir;
    this.#current = current;
    this.#fsync = options.fsync ?? true;
    this.#modes = options.modes;
  }

  /**
   * A publisher over an existing live directory. The version already there (a sidecar restart)
   * becomes current, so a reconcile can tell it is up to date. A live directory that cannot be
   * read as a version counts as empty: the next publish replaces it whole.
   */
  static async open(dir: string, options: PublisherOptions = {}): Promise<Publisher> {
    const info = await stat(dir).catch((error: unknown) => {
      throw new HotcycleError('publish', 'ENOTARGET', `live directory ${dir} does not exist`, { cause: error });
    });
    if (!info.isDirectory()) throw new HotcycleError('publish', 'ENOTARGET', `live directory ${dir} is not a directory`);
    return new Publisher(dir, await readLiveVersion(dir, options.limits), options);
  }

  /** The version the live directory holds, as far as this publisher knows. */
  current(): Version | null {
    return this.#current;
  }

  /** The version restorePrevious() would put back. */
  previous(): Version | null {
    return this.#previous;
  }

  /** Makes `set` the live version; `changed` is false when it already was, byte for byte. */
  publish(set: FileSet, hash: string): Promise<{ changed: boolean }> {
    const computed = hashFileSet(set);
    if (computed !== hash) {
      const message = `hash ${shortHash(hash)} does not match the file set (${shortHash(computed)})`;
      return Promise.reject(new HotcycleError('publish', 'EHASH', message));
    }
    return this.#serialize(async () => {
      const next = { hash, set };
      const changed = await this.#write(next);
      return { changed };
    });
  }

  /**
   * Puts back the version that was live before the last publish, when the master rejected that
   * one. Returns its hash, or null when there is nothing to go back to. Only one step back: the
   * restored version is current and nothing is behind it.
   */
  restorePrevious(): Promise<string | null> {
    return this.#serialize(async () => {
      const back = this.#previous;
      if (!back) return null;
      await this.#write(back);
      this.#previous = null;
      return back.hash;
    });
  }

  /** Waits for the write in progress; later calls are refused. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  /** One atomic write; `previous` moves only when the live version really becomes another one. */
  async #write(next: Version): Promise<boolean> {
    const moveOn = (): void => {
      if (this.#current?.hash !== next.hash) this.#previous = this.#current;
      this.#current = next;
    };
    try {
      const modes = await this.#modes?.(next.set);
      const { changed } = await writeAtomic(this.dir, next.set, { fsync: this.#fsync, ...(modes ? { modes } : {}) });
      moveOn();
      return changed;
    } catch (error) {
      // EFINISH: the swap happened, so the new version is live even though cleanup failed.
      if (error instanceof HotcycleError && error.code === 'EFINISH') moveOn();
      throw error;
    }
  }

  #serialize<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new HotcycleError('publish', 'ECLOSED', 'publisher is closed'));
    const result = this.#queue.then(run);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

async function readLiveVersion(dir: string, limits: FileSetLimits | undefined): Promise<Version | null> {
  const hasData = await stat(`${dir}/${DATA_DIR}`).then(() => true, () => false);
  if (!hasData) return null;
  try {
    const set = await readFileSet(dir, limits);
    return { hash: hashFileSet(set), set };
  } catch {
    return null;
  }
}
