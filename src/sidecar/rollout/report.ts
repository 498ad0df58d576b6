// Every rollout outcome, told everywhere it must be: one log line, the metrics
// (hotcycle_rollout_phase, hotcycle_rollout_aborts_total{signal}) and, in a cluster, an Event on
// the Pod (RolloutStarted, RolloutCompleted: Normal; RolloutAborted: Warning). Never blocks the
// loop: the reporter only enqueues.
import { shortHash } from '../../configset/fileset.ts';
import type { Logger } from '../../log.ts';
import type { KubeReporter } from '../kube/reporter.ts';
import type { SidecarMetrics } from '../report/metrics.ts';
import type { HarmSignal } from './judge.ts';
import { ROLLOUT_PHASES, type RolloutPhase } from './lease.ts';

export interface RolloutEvents {
  phase(phase: RolloutPhase): void;
  started(hash: string): void;
  completed(hash: string): void;
  /** `serving`: the version this pod serves once it is back (the one it ran before), '' unknown. */
  aborted(hash: string, signal: HarmSignal, figures: string, serving: string): void;
  held(hash: string, why: string): void;
  /** This pod took the canary role or a wave slot, or released its role healthy. */
  role(change: 'took the canary role' | 'took a wave slot' | 'released its role, healthy', hash: string): void;
  failed(message: string): void;
}

export class RolloutReporter implements RolloutEvents {
  readonly #logger: Logger;
  readonly #metrics: SidecarMetrics;
  readonly #kube: () => KubeReporter | null;
  #phase: RolloutPhase | null = null;

  constructor(logger: Logger, metrics: SidecarMetrics, kube: () => KubeReporter | null) {
    this.#logger = logger;
    this.#metrics = metrics;
    this.#kube = kube;
  }

  phase(phase: RolloutPhase): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.#logger.info(`rollout phase: ${phase}`, { event: 'rollout.phase', phase });
    for (const p of ROLLOUT_PHASES) this.#metrics.rolloutPhase.set({ phase: p }, p === phase ? 1 : 0);
  }

  started(hash: string): void {
    this.#logger.info(`rollout of config ${shortHash(hash)} started: this pod is its canary`, { event: 'rollout.started', configHash: hash });
    this.#kube()?.rolloutStarted({ configHash: hash });
  }

  completed(hash: string): void {
    this.#logger.info(`rollout of config ${shortHash(hash)} completed: every pod applied it`, { event: 'rollout.completed', configHash: hash });
    this.#kube()?.rolloutCompleted({ configHash: hash });
  }

  aborted(hash: string, signal: HarmSignal, figures: string, serving: string): void {
    this.#metrics.rolloutAborts.inc({ signal });
    this.#logger.error(`rollout of config ${shortHash(hash)} aborted: ${signal}: ${figures}; back on ${shortHash(serving) || '(unknown)'}`, {
      event: 'rollout.aborted', configHash: hash, signal, figures, serving,
    });
    this.#kube()?.rolloutAborted({ configHash: hash, signal, figures, serving });
  }

  held(hash: string, why: string): void {
    this.#logger.info(`config ${shortHash(hash)} held by the rollout: ${why}`, { event: 'rollout.held', configHash: hash, why });
  }

  role(change: 'took the canary role' | 'took a wave slot' | 'released its role, healthy', hash: string): void {
    this.#logger.info(`rollout of config ${shortHash(hash)}: this pod ${change}`, { event: 'rollout.role', change, configHash: hash });
  }

  failed(message: string): void {
    this.#logger.warn(`rollout: ${message}`, { event: 'rollout.error', message });
  }
}
