// The bake's verdict (src/sidecar/rollout/judge.ts): harm as soon as it is certain, healthy only
// at the end of the bake, undecided in between.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedProbes, judgeBake, type BakeSignals, type ProbeLimits, type Verdict } from '../../../src/sidecar/rollout/judge.ts';

const LIMITS: ProbeLimits = { minSuccessRatio: 0.9, max5xxRatio: 0.1, intervalMs: 500 };
const quiet: BakeSignals = { reloadFailed: null, exits: 0, crashLoop: false, readiness: null, probe: null, elapsedMs: 1000, bakeMs: 10_000 };
const readiness = (failingStreak: number) => ({ failingStreak, failureThreshold: 3, check: 'tcp 127.0.0.1:8080' });
const probe = (total: number, ok: number, status5xx: number) => ({ total, ok, status5xx });
const undecided: Verdict = { kind: 'undecided' };
const healthy: Verdict = { kind: 'healthy' };

const cases: Array<[string, BakeSignals, ProbeLimits | null, Verdict]> = [
  ['no probe, mid-bake', quiet, null, undecided],
  ['no probe, bake over', { ...quiet, elapsedMs: 10_000 }, null, healthy],
  ['the reload failed: harmed at once', { ...quiet, reloadFailed: 'reload failed in ready: worker exited' }, LIMITS,
    { kind: 'harmed', signal: 'reload', figures: 'reload failed in ready: worker exited' }],
  ['a worker of the new generation exited', { ...quiet, exits: 1 }, null, { kind: 'harmed', signal: 'workers', figures: '1 worker exit in the new generation' }],
  ['a crash loop', { ...quiet, exits: 3, crashLoop: true }, null, { kind: 'harmed', signal: 'workers', figures: '3 worker exits, crash loop in the new generation' }],
  // 20 probes expected (10 s / 500 ms): 0.9 allows 2 failures, 0.1 allows 2 5xx.
  ['two failures mid-bake: still within the limit', { ...quiet, probe: probe(5, 3, 0) }, LIMITS, undecided],
  ['a third failure mid-bake: the minimum can no longer be reached', { ...quiet, probe: probe(5, 2, 0) }, LIMITS,
    { kind: 'harmed', signal: 'probe', figures: 'success ratio 0.40 < 0.9 (2/5 probes ok, 0 5xx)' }],
  ['three 5xx mid-bake', { ...quiet, probe: probe(3, 0, 3) }, LIMITS,
    { kind: 'harmed', signal: 'probe', figures: 'success ratio 0.00 < 0.9 (0/3 probes ok, 3 5xx)' }],
  ['5xx over its own limit while failures are allowed', { ...quiet, probe: probe(4, 1, 3) }, { ...LIMITS, minSuccessRatio: 0 },
    { kind: 'harmed', signal: 'probe', figures: '5xx ratio 0.75 > 0.1 (3/4 probes 5xx)' }],
  ['all ok at the end', { ...quiet, elapsedMs: 10_000, probe: probe(20, 20, 0) }, LIMITS, healthy],
  ['fewer probes than expected but all ok at the end', { ...quiet, elapsedMs: 10_000, probe: probe(8, 8, 0) }, LIMITS, healthy],
  ['ratio under the minimum at the end (few probes)', { ...quiet, elapsedMs: 10_000, probe: probe(4, 2, 0) }, { ...LIMITS, minSuccessRatio: 0.6 },
    { kind: 'harmed', signal: 'probe', figures: 'success ratio 0.50 < 0.6 (2/4 probes ok, 0 5xx)' }],
  ['no probe completed in the whole bake', { ...quiet, elapsedMs: 10_000, probe: probe(0, 0, 0) }, LIMITS,
    { kind: 'harmed', signal: 'probe', figures: 'no probe completed during the bake' }],
  ['readiness failing twice in a row: under the threshold', { ...quiet, readiness: readiness(2) }, null, undecided],
  ['readiness failing failureThreshold times in a row: the kubelet would take the pod out', { ...quiet, readiness: readiness(3) }, null,
    { kind: 'harmed', signal: 'readiness', figures: 'not ready: 3 failed checks in a row (tcp 127.0.0.1:8080; failureThreshold 3)' }],
  ['readiness recovered (the streak reset) at the end of the bake', { ...quiet, elapsedMs: 10_000, readiness: readiness(0) }, null, healthy],
  ['readiness outranks the probe', { ...quiet, readiness: readiness(4), probe: probe(3, 0, 3) }, LIMITS,
    { kind: 'harmed', signal: 'readiness', figures: 'not ready: 4 failed checks in a row (tcp 127.0.0.1:8080; failureThreshold 3)' }],
  ['the reload outranks the probe', { ...quiet, reloadFailed: 'x', probe: probe(3, 0, 3) }, LIMITS, { kind: 'harmed', signal: 'reload', figures: 'x' }],
];

for (const [name, signals, limits, expected] of cases) {
  test(`judgeBake: ${name}`, () => assert.deepEqual(judgeBake(signals, limits), expected));
}

test('expectedProbes: at least one, then one per interval', () => {
  assert.equal(expectedProbes(10_000, 500), 20);
  assert.equal(expectedProbes(200, 500), 1);
});
