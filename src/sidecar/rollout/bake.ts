// One bake: the version a pod applied under the rollout, judged from the moment its reload
// landed until the verdict is in (judge.ts). Holds the probes for that window and nothing else;
// the verdict, once healthy or harmed, no longer changes.
import type { MasterStatus } from '../../protocol/types.ts';
import { judgeBake, UNDECIDED, type Verdict } from './judge.ts';
import { LoopbackProbe } from './probe.ts';
import type { ProbeSpec, ReadinessSpec } from './probe-spec.ts';

export class Bake {
  readonly hash: string;
  readonly bakeMs: number;
  readonly #startedAt = Date.now();
  readonly #reloadFailed: string | null;
  readonly #probe: LoopbackProbe | null;
  readonly #spec: ProbeSpec | null;
  readonly #readiness: LoopbackProbe | null;
  readonly #readinessSpec: ReadinessSpec | null;
  readonly #timer: NodeJS.Timeout;
  #verdict: Verdict = UNDECIDED;

  /** `onChange`: the verdict may have become final (a probe answered, the bake ended). */
  constructor(options: {
    hash: string; bakeMs: number; reloadFailed: string | null; probe: ProbeSpec | null; readiness: ReadinessSpec | null; onChange: () => void;
  }) {
    this.hash = options.hash;
    this.bakeMs = options.bakeMs;
    this.#reloadFailed = options.reloadFailed;
    this.#spec = options.probe;
    this.#readinessSpec = options.readiness;
    const reloaded = options.reloadFailed === null;
    this.#probe = options.probe && reloaded ? new LoopbackProbe(options.probe, () => this.#sampled(options.onChange)) : null;
    this.#readiness = options.readiness && reloaded ? new LoopbackProbe(options.readiness, () => this.#sampled(options.onChange)) : null;
    this.#timer = setTimeout(options.onChange, options.bakeMs);
    this.#timer.unref();
  }

  /** The verdict now; `master` (its status, when it answered) gives the new generation's worker exits. */
  verdict(master: MasterStatus | null): Verdict {
    if (this.#verdict.kind !== 'undecided') return this.#verdict;
    const verdict = this.#judge(master);
    // Healthy needs the master's word on its workers; harm needs only one signal.
    if (verdict.kind === 'harmed' || (verdict.kind === 'healthy' && master)) {
      this.#verdict = verdict;
      this.stop();
    }
    return verdict.kind === 'healthy' && !master ? UNDECIDED : verdict;
  }

  #judge(master: MasterStatus | null): Verdict {
    const generation = master?.generations.find((g) => g.configHash === this.hash);
    // A worker that died shows as `failed` until the master respawns it (after a backoff), then as a restart.
    const exits = (generation?.restarts ?? 0) + (generation?.workers.filter((w) => w.state === 'failed').length ?? 0);
    return judgeBake({
      reloadFailed: this.#reloadFailed, exits, crashLoop: generation?.crashLoop ?? false,
      readiness: this.#readiness && this.#readinessSpec
        ? { failingStreak: this.#readiness.failingStreak(), failureThreshold: this.#readinessSpec.failureThreshold, check: this.#readiness.describe() }
        : null,
      probe: this.#probe?.counts() ?? null, elapsedMs: Date.now() - this.#startedAt, bakeMs: this.bakeMs,
    }, this.#spec);
  }

  /** Idempotent. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#probe?.stop();
    this.#readiness?.stop();
  }

  /** A probe answered: wake the loop only when the answer decides (a harm is called at once). */
  #sampled(onChange: () => void): void {
    if (this.verdict(null).kind !== 'undecided') onChange();
  }
}
