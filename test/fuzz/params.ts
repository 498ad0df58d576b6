// Fixed seeds keep the suite reproducible; FUZZ_SEED and FUZZ_SCALE widen a local campaign
// (`FUZZ_SEED=$RANDOM FUZZ_SCALE=20 node --test test/fuzz/`) without editing the tests.
// fast-check prints the seed and the shrunk counterexample of any failure.

import type { Parameters } from 'fast-check';

export function fuzzParameters<T>(seed: number, numRuns: number): Parameters<T> {
  const scale = Number(process.env.FUZZ_SCALE ?? 1);
  return {
    seed: process.env.FUZZ_SEED === undefined ? seed : Number(process.env.FUZZ_SEED),
    numRuns: Math.max(1, Math.round(numRuns * scale)),
  };
}

/**
 * A generous bound on one call's CPU time: a detector of hangs and blow-ups (a quadratic path on
 * a 1 MiB input), not a performance claim. CPU time of this thread, not wall time, so a loaded
 * machine (CI runs test files side by side) cannot trip it; runBounded's deadline catches a
 * call that never returns.
 */
export const CALL_BOUND_MS = 5_000;

export function timed<T>(what: string, fn: () => T): T {
  const started = process.threadCpuUsage();
  const result = fn();
  const used = process.threadCpuUsage(started);
  const cpuMs = (used.user + used.system) / 1000;
  if (cpuMs > CALL_BOUND_MS) throw new Error(`${what} took ${Math.round(cpuMs)} ms of CPU (bound ${CALL_BOUND_MS} ms)`);
  return result;
}
