// Reloads a user asks for without exec rights (`kubectl hotcycle reload pod/NAME`): the plugin sets
// the Pod annotation hotcycle.dev/reload-requested; the sidecar learns it without any right to read
// Pods (RBAC cannot narrow get/watch pods to one Pod) from a downwardAPI volume item
// `metadata.annotations`, which kubelet rewrites with the same atomic ..data swap as a ConfigMap
// volume when it syncs the Pod.
//   (1) The volume's directory is watched by the source watcher (sync/watch.ts): only the ..data
//       swap counts, debounced; its slow re-read heals a missed event.
//   (2) Each read parses the file (downward-annotations.ts) and decides (decision.ts) whether it
//       asks for a reload. Reads run one at a time; a burst costs one read that sees the newest.
//   (3) A request runs the control API's sync (control.ts: forced, as `hotcycle reload`), and its
//       outcome is logged and reported: an Event ReloadRequested and the annotations
//       hotcycle.dev/last-reload-request (the value acted on) and -outcome, which the plugin waits for.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { SyncResult } from '../../protocol/sidecar.ts';
import { coalescedTask, SerialQueue } from '../../queue.ts';
import { controlSync } from '../control.ts';
import type { SyncRequestOptions } from '../sync/batch.ts';
import { SourceWatcher } from '../sync/watch.ts';
import { ANNOTATION_RELOAD_REQUESTED } from '../kube/events.ts';
import type { ReloadRequestedReport } from '../kube/types.ts';
import { requestOutcome, requestToAct } from './decision.ts';
import { parseDownwardAnnotations } from './downward-annotations.ts';

export interface ReloadRequestsOptions {
  /** `--pod-annotations FILE`: the downwardAPI item's file. */
  file: string;
  startedAt: Date;
  debounceMs: number;
  debounceMaxMs: number;
  resyncMs: number;
  logger: Logger;
  sync(request: SyncRequestOptions): Promise<SyncResult>;
  /** The reporter, once there is one (in a cluster). */
  report(): { reloadRequested(report: ReloadRequestedReport): void } | null;
}

export class ReloadRequests {
  readonly #o: ReloadRequestsOptions;
  #watcher: SourceWatcher | null = null;
  #seen: string | null = null;
  readonly #queue = new SerialQueue();
  readonly #reads = coalescedTask(this.#queue, () => this.#readOnce());
  #error = '';
  #closed: Promise<void> | undefined;

  private constructor(options: ReloadRequestsOptions) {
    this.#o = options;
  }

  /** Watches the file's directory and reads it once; resolves once watching. */
  static async start(options: ReloadRequestsOptions): Promise<ReloadRequests> {
    const requests = new ReloadRequests(options);
    const { debounceMs, debounceMaxMs, resyncMs, logger } = options;
    requests.#watcher = await SourceWatcher.start({ // (1)
      dirs: [path.dirname(options.file)], debounceMs, debounceMaxMs, resyncMs, logger, onChange: () => requests.#read(), onResync: () => requests.#read(),
    });
    requests.#read();
    return requests;
  }

  /** Idempotent: no more reads; a request running finishes first. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#watcher?.close();
      await this.#queue.idle();
    })();
    return this.#closed;
  }

  #read(): void { // (2)
    if (!this.#closed) void this.#reads();
  }

  async #readOnce(): Promise<void> {
    const annotations = await this.#annotations();
    if (!annotations) return;
    const request = requestToAct(annotations, this.#seen, this.#o.startedAt);
    this.#seen = annotations.get(ANNOTATION_RELOAD_REQUESTED) ?? '';
    if (request !== null) await this.#run(request);
  }

  async #annotations(): Promise<ReadonlyMap<string, string> | null> {
    try {
      const annotations = parseDownwardAnnotations(await readFile(this.#o.file, 'utf8'));
      this.#error = '';
      return annotations;
    } catch (error) {
      // Said once per cause: the slow re-read would repeat it every resync.
      const message = errorMessage(error);
      if (message !== this.#error) this.#o.logger.warn(`cannot read the pod annotations ${this.#o.file}: ${message}`, { event: 'reload-request.error', file: this.#o.file });
      this.#error = message;
      return null;
    }
  }

  async #run(request: string): Promise<void> { // (3)
    const { logger } = this.#o;
    logger.info(`reload requested (${ANNOTATION_RELOAD_REQUESTED} ${request})`, { event: 'reload-request.received', request });
    let outcome: { ok: boolean; line: string; configHash?: string };
    try {
      const result = await this.#o.sync(controlSync({ force: true, reason: `reload requested (${ANNOTATION_RELOAD_REQUESTED} ${request})` }));
      outcome = { ...requestOutcome(result), configHash: result.configHash };
    } catch (error) {
      // The sync loop refused it (closing): still an answer, so the plugin does not wait in vain.
      outcome = { ok: false, line: `failed: ${errorMessage(error)}` };
    }
    const { ok, line } = outcome;
    logger[ok ? 'info' : 'warn'](`requested reload ${request}: ${line}`, { event: 'reload-request.done', request, ok, outcome: line, configHash: outcome.configHash });
    this.#o.report()?.reloadRequested({ request, ok, outcome: line });
  }
}
