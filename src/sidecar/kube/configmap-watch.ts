// The optional fast path (`--watch-configmap NAME`): follow one ConfigMap through the API and
// hand its files to the gate as soon as it changes, instead of waiting for kubelet's volume sync
// (tens of seconds). The volume stays the fallback; both feed the same hash gate, so the same
// content arriving twice does nothing. A list + watch loop, as client-go's reflector does it:
//   (1) List the one ConfigMap (fieldSelector metadata.name=NAME); publish it if it exists and
//       remember the list's resourceVersion.
//   (2) Watch from that resourceVersion. ADDED/MODIFIED publish and advance it; BOOKMARK advances
//       it; DELETED is logged and changes nothing (the last published set stays live).
//   (3) A watch that ends normally (server timeout, client inactivity timeout) is resumed at
//       once from the last resourceVersion.
//   (4) 410 Gone — an HTTP 410 or an ERROR event carrying a Status with code 410 — means that
//       resourceVersion is too old: back to (1).
//   (5) Any other failure waits with exponential backoff, then resumes from the last
//       resourceVersion (list failures retry the list). A watch that ends at once without a
//       single event counts as a failure, so a misbehaving server cannot spin us.
//   (6) close() aborts the request in flight and stops the loop; it is idempotent.
//   (7) 403 Forbidden (a Role without the watch: rbac.create=false and the installer's own Role)
//       is retried like (5) — a grant takes effect without a restart — but said once, as an
//       error naming the missing rule, and kept in `error` (status) until the server answers.
// Needs RBAC: core configmaps `list`, `watch` in the Pod's namespace.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { callOptions, loadKubeClient, type KubeClient } from './client.ts';
import { configMapFiles } from './configmap-files.ts';

export interface ConfigMapWatchOptions {
  logger: Logger;
  namespace: string;
  name: string;
  /** Every version seen, in order; the next one waits for the returned promise. */
  onData(files: Map<string, Buffer>, resourceVersion: string): void | Promise<void>;
  kubeConfig?: KubeConfig;
  backoff?: { initialMs: number; maxMs: number };
  /** Asked of the server; under client-node's fixed 30 s inactivity timeout on watches. */
  watchTimeoutSeconds?: number;
  requestTimeoutMs?: number;
}

export interface ConfigMapWatch {
  /** The last resourceVersion seen, if any. */
  readonly resourceVersion: string | undefined;
  /** Why the watch is failing (7); undefined while it works. */
  readonly error: string | undefined;
  close(): Promise<void>;
}

type WatchEnd = 'ended' | 'quick' | 'gone';
interface WatchedObject { metadata?: { resourceVersion?: string }; data?: Record<string, string>; binaryData?: Record<string, string>; code?: number; message?: string }

/** Loads the client (dynamic import) and starts the loop; the first list runs in the background. */
export async function watchConfigMap(options: ConfigMapWatchOptions): Promise<ConfigMapWatch> {
  const client = await loadKubeClient(options.kubeConfig);
  return new Watcher(options, client);
}

class Watcher implements ConfigMapWatch {
  #options: ConfigMapWatchOptions;
  #client: KubeClient;
  #abort = new AbortController();
  #watch: AbortController | undefined;
  #delivery: Promise<void> = Promise.resolve();
  #loop: Promise<void>;
  #rv: string | undefined;
  #error: string | undefined;
  #delayMs: number;

  constructor(options: ConfigMapWatchOptions, client: KubeClient) {
    this.#options = options;
    this.#client = client;
    this.#delayMs = options.backoff?.initialMs ?? 500;
    this.#loop = this.#run();
  }

  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  get error(): string | undefined {
    return this.#error;
  }

  async close(): Promise<void> {
    this.#abort.abort(); // (6)
    this.#watch?.abort();
    await this.#loop;
    await this.#delivery;
  }

  async #run(): Promise<void> {
    const { logger, name } = this.#options;
    let relist = true;
    while (!this.#abort.signal.aborted) {
      try {
        if (relist) await this.#list(); // (1)
        relist = false;
        const end = await this.#watchOnce(); // (2)
        if (end === 'gone') logger.info('configmap watch: resourceVersion expired, listing again', { event: 'configmap-watch', name, resourceVersion: this.#rv });
        relist = end === 'gone'; // (4)
        if (end === 'quick') await this.#backoff(); // (5)
        else this.#delayMs = this.#options.backoff?.initialMs ?? 500; // (3)
        if (end === 'ended' && !this.#abort.signal.aborted) logger.debug('configmap watch ended; resuming', { event: 'configmap-watch', name, resourceVersion: this.#rv });
      } catch (error) {
        if (this.#abort.signal.aborted) break;
        if (statusCode(error) === 403) this.#forbidden(); // (7)
        else logger.warn('configmap watch failed', { event: 'configmap-watch', name, error: errorMessage(error), retryInMs: this.#delayMs });
        await this.#backoff(); // (5)
      }
    }
  }

  async #list(): Promise<void> {
    const { k8s, core } = this.#client;
    const { namespace, name } = this.#options;
    const options = callOptions(k8s, { timeoutMs: this.#options.requestTimeoutMs ?? 10_000, signal: this.#abort.signal });
    const list = await core.listNamespacedConfigMap({ namespace, fieldSelector: `metadata.name=${name}` }, options);
    this.#error = undefined;
    const item = list.items[0];
    this.#options.logger.info(`configmap watch: listed ${namespace}/${name}; watching from resourceVersion ${list.metadata?.resourceVersion ?? '?'}`, {
      event: 'configmap-watch', name, resourceVersion: list.metadata?.resourceVersion, found: item !== undefined,
    });
    // Watch from the list's resourceVersion, not the item's: the list's is the newer point.
    if (item) return this.#publish(item, list.metadata?.resourceVersion);
    this.#rv = list.metadata?.resourceVersion;
    this.#options.logger.warn(`configmap ${namespace}/${name} does not exist (yet); watching for it`, { event: 'configmap-watch', name });
  }

  #watchOnce(): Promise<WatchEnd> {
    const { k8s, kubeConfig } = this.#client;
    const { namespace, name } = this.#options;
    const started = Date.now();
    let events = 0;
    let gone = false;
    return new Promise<WatchEnd>((resolve, reject) => {
      const onEvent = (type: string, object: WatchedObject): void => {
        events++;
        this.#error = undefined;
        if (type === 'ERROR') {
          gone = object.code === 410;
          if (!gone) reject(new Error(`watch error ${object.code ?? '?'}: ${object.message ?? ''}`));
          this.#watch?.abort();
        } else if (type === 'ADDED' || type === 'MODIFIED') this.#publish(object);
        else if (type === 'BOOKMARK') this.#rv = object.metadata?.resourceVersion ?? this.#rv;
        else if (type === 'DELETED') {
          this.#rv = object.metadata?.resourceVersion ?? this.#rv;
          this.#options.logger.warn(`configmap ${namespace}/${name} was deleted; keeping the last published version`, { event: 'configmap-watch', name });
        }
      };
      const onDone = (error: unknown): void => {
        this.#watch = undefined;
        if (gone || statusCode(error) === 410) resolve('gone');
        else if (error && !isTimeout(error) && !this.#abort.signal.aborted) reject(error);
        else resolve(events === 0 && Date.now() - started < 1000 ? 'quick' : 'ended');
      };
      const params = { fieldSelector: `metadata.name=${name}`, resourceVersion: this.#rv, allowWatchBookmarks: true, timeoutSeconds: this.#options.watchTimeoutSeconds ?? 25 };
      new k8s.Watch(kubeConfig).watch(`/api/v1/namespaces/${namespace}/configmaps`, params, onEvent, onDone).then((controller) => {
        this.#watch = controller;
        if (this.#abort.signal.aborted) controller.abort();
      }, reject);
    });
  }

  #publish(object: WatchedObject, listRv?: string): void {
    const rv = object.metadata?.resourceVersion ?? this.#rv ?? '';
    this.#rv = listRv ?? rv;
    const files = configMapFiles(object);
    this.#delivery = this.#delivery
      .then(() => this.#options.onData(files, rv))
      .catch((error: unknown) => {
        this.#options.logger.error('configmap watch: onData failed', { event: 'configmap-watch', error: errorMessage(error) });
      });
  }

  /** (7) Said once per streak of refusals: retried quietly, since only a new grant ends it. */
  #forbidden(): void {
    const { logger, namespace, name } = this.#options;
    if (this.#error) return;
    this.#error = `forbidden: the ServiceAccount may not list and watch configmaps/${name}`;
    logger.error(`configmap watch forbidden: grant list and watch on configmaps ${namespace}/${name} (resourceNames: [${name}]; the chart's Role does with rbac.create) `
      + 'or drop --watch-configmap (fastPath.enabled=false); until then only the volume brings edits, after kubelet refreshes it', { event: 'configmap-watch', name, code: 403 });
  }

  async #backoff(): Promise<void> {
    await sleep(this.#delayMs, undefined, { signal: this.#abort.signal }).catch(() => undefined);
    this.#delayMs = Math.min(this.#delayMs * 2, this.#options.backoff?.maxMs ?? 30_000);
  }
}

function statusCode(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; code?: unknown } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}

