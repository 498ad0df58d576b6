// Pure: the verdict on the version a pod bakes (DESIGN.md §13), from signals the sidecar has —
// the reload's result, exits of the new generation's workers (the master's status), the main
// container's readiness (its check failing failureThreshold times in a row: the kubelet would
// take the pod out of its Service), and the optional HTTP probe's counts. Harm is called as soon as it is certain, not at the end of the
// bake: like Argo Rollouts' `failureLimit` (a metric fails once `failed > failureLimit`, without
// waiting for its `count`), the probe's limits become failure counts over the probes the bake
// will make — more failures than `1 − minSuccessRatio` of them can never end above the minimum.
// There is no "inconclusive": a probe that could not connect or timed out is a failure.

/** The probe's judgement limits (`--rollout-probe …?minSuccess=&max5xx=&intervalMs=`). */
export interface ProbeLimits {
  minSuccessRatio: number;
  max5xxRatio: number;
  intervalMs: number;
}

/** What the probe saw during this bake: `ok` 2xx/3xx, `status5xx` 5xx; every other answer or none is neither. */
export interface ProbeCounts {
  total: number;
  ok: number;
  status5xx: number;
}

/** The main container's readiness check during the bake (`--rollout-readiness`). */
export interface ReadinessSignal {
  /** Failed checks in a row, up to the latest. */
  failingStreak: number;
  failureThreshold: number;
  /** What was checked, for the figures: `tcp 127.0.0.1:8080`. */
  check: string;
}

export interface BakeSignals {
  /** The reload to the version failed (the master's message), or null. */
  reloadFailed: string | null;
  /** Worker exits of the generation serving the version: those respawned, and those awaiting it. */
  exits: number;
  crashLoop: boolean;
  readiness: ReadinessSignal | null;
  probe: ProbeCounts | null;
  elapsedMs: number;
  bakeMs: number;
}

export const HARM_SIGNALS = ['reload', 'workers', 'readiness', 'probe'] as const;
export type HarmSignal = (typeof HARM_SIGNALS)[number];

export type Verdict =
  | { kind: 'undecided' }
  | { kind: 'healthy' }
  | { kind: 'harmed'; signal: HarmSignal; figures: string };

export const UNDECIDED: Verdict = Object.freeze({ kind: 'undecided' });

export function judgeBake(signals: BakeSignals, limits: ProbeLimits | null): Verdict {
  if (signals.reloadFailed !== null) return { kind: 'harmed', signal: 'reload', figures: signals.reloadFailed };
  if (signals.exits > 0 || signals.crashLoop) {
    return { kind: 'harmed', signal: 'workers', figures: `${signals.exits} worker exit${signals.exits === 1 ? '' : 's'}${signals.crashLoop ? ', crash loop' : ''} in the new generation` };
  }
  const readiness = signals.readiness;
  if (readiness && readiness.failingStreak >= readiness.failureThreshold) {
    return { kind: 'harmed', signal: 'readiness', figures: `not ready: ${readiness.failingStreak} failed checks in a row (${readiness.check}; failureThreshold ${readiness.failureThreshold})` };
  }
  const probe = signals.probe;
  const over = signals.elapsedMs >= signals.bakeMs;
  if (!probe || !limits) return over ? { kind: 'healthy' } : UNDECIDED;
  const early = probeHarmEarly(probe, limits, signals.bakeMs);
  if (early) return early;
  if (!over) return UNDECIDED;
  if (probe.total === 0) return { kind: 'harmed', signal: 'probe', figures: 'no probe completed during the bake' };
  return probeHarmAtEnd(probe, limits) ?? { kind: 'healthy' };
}

/** The probes a bake makes: one at its start, then one per interval. */
export function expectedProbes(bakeMs: number, intervalMs: number): number {
  return Math.max(1, Math.floor(bakeMs / intervalMs));
}

function probeHarmEarly(probe: ProbeCounts, limits: ProbeLimits, bakeMs: number): Verdict | null {
  const expected = expectedProbes(bakeMs, limits.intervalMs);
  const failed = probe.total - probe.ok;
  if (failed > Math.floor(expected * (1 - limits.minSuccessRatio) + 1e-9)) return successHarm(probe, limits);
  if (probe.status5xx > Math.floor(expected * limits.max5xxRatio + 1e-9)) return fiveHundredHarm(probe, limits);
  return null;
}

function probeHarmAtEnd(probe: ProbeCounts, limits: ProbeLimits): Verdict | null {
  if (probe.ok / probe.total < limits.minSuccessRatio) return successHarm(probe, limits);
  if (probe.status5xx / probe.total > limits.max5xxRatio) return fiveHundredHarm(probe, limits);
  return null;
}

function successHarm(probe: ProbeCounts, limits: ProbeLimits): Verdict {
  const ratio = probe.total === 0 ? 0 : probe.ok / probe.total;
  return { kind: 'harmed', signal: 'probe', figures: `success ratio ${ratio.toFixed(2)} < ${limits.minSuccessRatio} (${probe.ok}/${probe.total} probes ok, ${probe.status5xx} 5xx)` };
}

function fiveHundredHarm(probe: ProbeCounts, limits: ProbeLimits): Verdict {
  const ratio = probe.total === 0 ? 0 : probe.status5xx / probe.total;
  return { kind: 'harmed', signal: 'probe', figures: `5xx ratio ${ratio.toFixed(2)} > ${limits.max5xxRatio} (${probe.status5xx}/${probe.total} probes 5xx)` };
}
