// The last good config, kept across pod restarts (issue 12): a pod that starts while its source
// holds a rejected version comes up serving the last version the release ran, not crash-looping.
//   (1) remember(): each version the master is seen running (started on, or reloaded to) is
//       packed (configset/archive.ts) and stored in the release's Secret, once per hash; the
//       store retries until it holds and never blocks the sync loop.
//   (2) A packed set over the Secret limit is not stored; that is reported once per version.
//   (3) recall(): the stored version, read when the pod has nothing good to serve. A Secret
//       that cannot be read is asked again at the next such moment; one that holds no usable
//       set is reported and ignored.
//   (4) use() and leave() mark the time the pod serves the stored version instead of its
//       source (the fallback is the sync loop's step (8), syncer.ts).
import { packSet, unpackSet } from '../../configset/archive.ts';
import { toErrorInfo, type ErrorInfo } from '../../errors.ts';
import type { LastGoodStatus } from '../../protocol/sidecar.ts';
import type { Version } from '../publish/publisher.ts';

/** Kubernetes' MaxSecretSize: the total bytes of a Secret's data values. */
export const SECRET_LIMIT_BYTES = 1024 * 1024;

export interface StoredMeta {
  configHash: string;
  generation: number;
  storedAt: string;
}

/** The stored version a pod serves instead of its source version `instead`, and why that one is not run. */
export interface RunningLastGood extends StoredMeta {
  instead: string;
  why: string;
  since: string;
}

export interface StoredRecord extends StoredMeta {
  archive: Buffer;
}

/** The release's Secret (kube/last-good-store.ts); tests use a map. */
export interface LastGoodStore {
  /** namespace/name, for logs and status. */
  readonly name: string;
  /** null: the Secret holds nothing yet. Throws when it cannot be read. */
  read(): Promise<StoredRecord | null>;
  /** Desired state: replaces what is stored, retried until it holds. */
  write(record: StoredRecord): void;
}

export interface StoredVersion extends Version {
  generation: number;
  storedAt: string;
}

export interface LastGoodEvents {
  /** (2) `bytes` packed, over SECRET_LIMIT_BYTES. */
  notStored(hash: string, bytes: number): void;
  /** (3) The Secret could not be read, or holds no usable set. */
  unavailable(error: ErrorInfo): void;
}

export class LastGood {
  readonly #events: LastGoodEvents;
  readonly #now: () => Date;
  #store: LastGoodStore | null = null;
  /** Why there is no store (status); set by off(). */
  #off = '';
  #stored: StoredMeta | null = null;
  #tooLarge = '';
  #running: RunningLastGood | null = null;

  /** Nothing is stored until attach(), or ever after off(). */
  constructor(options: { events: LastGoodEvents; now?: () => Date }) {
    this.#events = options.events;
    this.#now = options.now ?? (() => new Date());
  }

  attach(store: LastGoodStore): void {
    this.#store = store;
  }

  /** No store after all (not in a cluster, no Secret named): why, for status. */
  off(why: string): void {
    this.#off = why;
  }

  /** The stored version the pod serves instead of its source, if it does. */
  get running(): RunningLastGood | null {
    return this.#running;
  }

  /** (1) */
  async remember(version: Version, generation: number): Promise<void> {
    const store = this.#store;
    if (!store || this.#stored?.configHash === version.hash || this.#tooLarge === version.hash) return;
    const archive = await packSet(version.set);
    if (archive.length > SECRET_LIMIT_BYTES) { // (2)
      this.#tooLarge = version.hash;
      this.#events.notStored(version.hash, archive.length);
      return;
    }
    this.#tooLarge = '';
    this.#stored = { configHash: version.hash, generation, storedAt: this.#now().toISOString() };
    store.write({ ...this.#stored, archive });
  }

  /** (3) */
  async recall(): Promise<StoredVersion | null> {
    const store = this.#store;
    if (!store) return null;
    try {
      const record = await store.read();
      if (!record) return null;
      const { archive, ...meta } = record;
      const set = await unpackSet(archive, meta.configHash);
      this.#stored = meta;
      return { hash: meta.configHash, set, generation: meta.generation, storedAt: meta.storedAt };
    } catch (error) {
      this.#events.unavailable(toErrorInfo(error, 'publish'));
      return null;
    }
  }

  /** (4) The pod now serves `stored` because its source version `instead` cannot be run: `why` (e.g. `was rejected`). */
  use(stored: StoredVersion, instead: string, why: string): void {
    this.#running = { configHash: stored.hash, generation: stored.generation, storedAt: stored.storedAt, instead, why, since: this.#now().toISOString() };
  }

  /** (4) The master runs another version: the pod no longer serves the stored one. */
  leave(): void {
    this.#running = null;
  }

  state(): LastGoodStatus {
    return {
      enabled: this.#store !== null,
      detail: this.#store ? `Secret ${this.#store.name}` : this.#off,
      ...(this.#stored ? { stored: this.#stored } : {}),
      ...(this.#tooLarge ? { notStored: this.#tooLarge } : {}),
      ...(this.#running ? { running: this.#running } : {}),
    };
  }
}
