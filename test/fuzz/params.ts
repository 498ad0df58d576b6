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

/** A generous bound on one call: a hang detector, not a performance claim. */
export const CALL_BOUND_MS = 2_000;

export function timed<T>(what: string, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const elapsed = performance.now() - started;
  if (elapsed > CALL_BOUND_MS) throw new Error(`${what} took ${Math.round(elapsed)} ms (bound ${CALL_BOUND_MS} ms)`);
  return result;
}
