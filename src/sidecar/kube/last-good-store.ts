// The release's last-good Secret (`<fullname>-last-good`, created empty by the chart) as the
// store of sidecar/sync/last-good.ts. The packed set is one data key; its hash, generation, time and
// the Pod that stored it are annotations, so `kubectl describe secret` tells them without
// decoding. Writes are one JSON merge patch, reconciled until it holds (desired-patch.ts); the
// replicas of a release all write the version they run, so the last one to run a version wins.
// Needs RBAC: core secrets `get` and `patch`, for this one Secret by resourceNames.
import type { V1Secret } from '@kubernetes/client-node';
import { shortHash } from '../../configset/fileset.ts';
import { HotcycleError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { LastGoodStore, StoredRecord } from '../sync/last-good.ts';
import { PatchReconciler } from './desired-patch.ts';
import { callOptions, type KubeClient } from './client.ts';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_GENERATION } from './events.ts';
import { describeFailure, ANNOTATION_RETRY_POLICY } from './retry.ts';
import type { KubeIdentity, ReportOutcome } from './types.ts';

const LAST_GOOD_KEY = 'config-set.json.gz';
// The hash and generation under the same keys as on the Pods that ran them (events.ts).
const ANNOTATION_STORED_AT = 'hotcycle.dev/stored-at';
const ANNOTATION_STORED_BY = 'hotcycle.dev/stored-by';

type SecretPatch = { metadata: { annotations: Record<string, string> }; data: Record<string, string> };

export interface SecretStoreOptions {
  client: KubeClient;
  identity: KubeIdentity;
  /** The Secret's name, in the Pod's namespace. */
  secret: string;
  logger: Logger;
  onOutcome: (outcome: ReportOutcome) => void;
  requestTimeoutMs?: number;
}

export class SecretStore implements LastGoodStore {
  readonly name: string;
  readonly #options: SecretStoreOptions;
  readonly #writes: PatchReconciler<SecretPatch>;

  constructor(options: SecretStoreOptions) {
    this.#options = options;
    this.name = `${options.identity.namespace}/${options.secret}`;
    const { client, logger, onOutcome } = options;
    this.#writes = new PatchReconciler({
      call: 'last-good', logger, onOutcome, policy: ANNOTATION_RETRY_POLICY,
      patch: async (body, signal) => {
        await client.core.patchNamespacedSecret(
          { name: options.secret, namespace: options.identity.namespace, body },
          this.#callOptions(signal, client.k8s.PatchStrategy.MergePatch),
        );
      },
    });
  }

  async read(): Promise<StoredRecord | null> {
    let secret: V1Secret;
    try {
      secret = await this.#options.client.core.readNamespacedSecret(
        { name: this.#options.secret, namespace: this.#options.identity.namespace }, this.#callOptions(new AbortController().signal),
      );
    } catch (error) {
      const failure = describeFailure(error);
      throw new HotcycleError('publish', 'ELASTGOOD', `cannot read Secret ${this.name}: ${failure.status ?? 'no answer'} ${failure.message}`, {
        cause: error, detail: failure.status === 404 ? 'the chart creates it (lastGood.enabled); without the chart, create an empty Secret of that name' : undefined,
      });
    }
    const data = secret.data?.[LAST_GOOD_KEY];
    const notes = secret.metadata?.annotations ?? {};
    const configHash = notes[ANNOTATION_CONFIG_HASH];
    if (!data || !configHash) return null;
    return {
      archive: Buffer.from(data, 'base64'), configHash,
      generation: Number(notes[ANNOTATION_GENERATION] ?? 0) || 0, storedAt: notes[ANNOTATION_STORED_AT] ?? '',
    };
  }

  write(record: StoredRecord): void {
    this.#writes.set({
      metadata: {
        annotations: {
          [ANNOTATION_CONFIG_HASH]: record.configHash,
          [ANNOTATION_GENERATION]: String(record.generation),
          [ANNOTATION_STORED_AT]: record.storedAt,
          [ANNOTATION_STORED_BY]: this.#options.identity.podName,
        },
      },
      data: { [LAST_GOOD_KEY]: record.archive.toString('base64') },
    }, `last-good ${shortHash(record.configHash)} into Secret ${this.name}`);
  }

  close(graceMs: number): Promise<void> {
    return this.#writes.close(graceMs);
  }

  #callOptions(signal: AbortSignal, patchContentType?: Parameters<typeof callOptions>[1]['patchContentType']): ReturnType<typeof callOptions> {
    return callOptions(this.#options.client.k8s, { timeoutMs: this.#options.requestTimeoutMs ?? 5000, signal, ...(patchContentType ? { patchContentType } : {}) });
  }
}
