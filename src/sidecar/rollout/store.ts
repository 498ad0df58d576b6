// The rollout Lease through the API (`<fullname>-rollout`, created by the chart): read it, and
// write it only as a compare-and-swap on its resourceVersion (a PUT that carries the version
// read; the API server answers 409 Conflict when another replica wrote in between, and the loop
// reads again and decides again). Transient failures (no answer, 429, 5xx) are retried with the
// kube layer's backoff (kube/retry.ts) until the caller's signal aborts; any other answer is final.
// The backoff is capped at the renewal period: back from an API server outage, every pod reads
// and renews within one period of the others, so none takes another for dead (the loop counts a
// read that waited out the outage as seeing every holder now).
// Needs RBAC: coordination.k8s.io leases `get` and `update`, for this one Lease by resourceNames.
import type { V1Lease } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { HotcycleError } from '../../errors.ts';
import { callOptions, type KubeClient } from '../kube/client.ts';
import { ANNOTATION_RETRY_POLICY, decideRetry, describeFailure, type RetryPolicy } from '../kube/retry.ts';
import { decodeRollout, encodeRollout, ROLLOUT_ANNOTATION, type RolloutState } from './lease.ts';

export interface LeaseSnapshot {
  state: RolloutState;
  lease: V1Lease;
}

export interface LeaseStoreOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  requestTimeoutMs?: number;
  /** The longest wait between tries (a Retry-After too); the rollout's renewal period. Default: the kube layer's. */
  maxRetryDelayMs?: number;
  /** Each retried failure (logged and counted by the caller). */
  onRetry?: (what: string, message: string, delayMs: number) => void;
}

export class LeaseStore {
  readonly name: string;
  readonly #options: LeaseStoreOptions;
  readonly #retry: RetryPolicy;

  constructor(options: LeaseStoreOptions) {
    this.#options = options;
    this.name = `${options.namespace}/${options.name}`;
    const cap = options.maxRetryDelayMs;
    this.#retry = cap === undefined ? ANNOTATION_RETRY_POLICY : { ...ANNOTATION_RETRY_POLICY, maxDelayMs: Math.min(cap, ANNOTATION_RETRY_POLICY.maxDelayMs), maxRetryAfterMs: cap };
  }

  async read(signal: AbortSignal): Promise<LeaseSnapshot> {
    const { client, namespace, name } = this.#options;
    const lease = await this.#retrying('read', signal, (s) => client.coordination.readNamespacedLease({ name, namespace }, this.#call(s)));
    return { state: decodeRollout(lease.metadata?.annotations), lease };
  }

  /** Writes `next` over `read`; 'conflict' when the Lease changed since it was read. */
  async write(read: LeaseSnapshot, next: RolloutState, signal: AbortSignal): Promise<LeaseSnapshot | 'conflict'> {
    const { client, namespace, name } = this.#options;
    const metadata = read.lease.metadata ?? {};
    const body: V1Lease = {
      ...read.lease,
      metadata: { ...metadata, annotations: { ...metadata.annotations, [ROLLOUT_ANNOTATION]: encodeRollout(next) } },
    };
    try {
      const lease = await this.#retrying('write', signal, (s) => client.coordination.replaceNamespacedLease({ name, namespace, body }, this.#call(s)));
      return { state: next, lease };
    } catch (error) {
      if (error instanceof HotcycleError && error.detail === 'HTTP 409') return 'conflict';
      throw error;
    }
  }

  async #retrying<T>(what: string, signal: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const madeAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(signal);
      } catch (error) {
        const failure = describeFailure(error);
        const retry = signal.aborted ? { retry: false as const, why: 'stopped' } : decideRetry(failure, attempt, Date.now() - madeAt, this.#retry);
        if (!retry.retry) {
          const status = failure.status === undefined ? undefined : `HTTP ${failure.status}`;
          const hint = failure.status === 404 ? ' (the chart creates it with rollout.enabled; without the chart, create an empty Lease of that name)' : '';
          throw new HotcycleError('publish', 'EROLLOUT', `cannot ${what} Lease ${this.name}: ${status ?? 'no answer'} ${failure.message}${hint}`, {
            cause: error, ...(status ? { detail: status } : {}),
          });
        }
        this.#options.onRetry?.(`${what} Lease ${this.name}`, failure.message, retry.delayMs);
        await sleep(retry.delayMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  #call(signal: AbortSignal): ReturnType<typeof callOptions> {
    return callOptions(this.#options.client.k8s, { timeoutMs: this.#options.requestTimeoutMs ?? 5000, signal });
  }
}
