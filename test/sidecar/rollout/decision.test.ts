// The rollout's pure decision (src/sidecar/rollout/decision.ts), every phase × every pod
// situation: the grid below has one expected action per cell, and every cell is checked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideRollout, nextPassMs, type PodFacts, type RolloutAction, type RolloutLimits } from '../../../src/sidecar/rollout/decision.ts';
import { UNDECIDED, type Verdict } from '../../../src/sidecar/rollout/judge.ts';
import { NO_ROLLOUT, type Holder, type RolloutState } from '../../../src/sidecar/rollout/lease.ts';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const LIMITS: RolloutLimits = { maxInFlight: 1, slotTimeoutMs: 15_000, renewEveryMs: 5000 };
const at = (msAgo: number): string => new Date(NOW - msAgo).toISOString();
const holder = (pod: string, msAgo = 0): Holder => ({ pod, since: at(60_000), renewedAt: at(msAgo) });
const ME = 'pod-a';
const HEALTHY: Verdict = { kind: 'healthy' };
const HARMED: Verdict = { kind: 'harmed', signal: 'probe', figures: 'success ratio 0.00 < 0.95 (0/3 probes ok, 3 5xx)' };

type Phase = 'none' | 'canary' | 'baking' | 'waves' | 'done' | 'aborted';
const PHASES: Phase[] = ['none', 'canary', 'baking', 'waves', 'done', 'aborted'];

/** The Lease in each phase of a rollout of v2 (the fleet ran v1), this pod a fresh member, pod b the canary. */
function phaseState(phase: Phase): RolloutState {
  const base = { ...NO_ROLLOUT, members: [holder(ME), holder('pod-b'), holder('pod-c')] };
  if (phase === 'none') return base;
  const rollout = { ...base, version: 'v2', startedAt: at(30_000) };
  switch (phase) {
    case 'canary': return { ...rollout, phase: 'canary', canary: holder('pod-b') };
    case 'baking': return { ...rollout, phase: 'baking', canary: holder('pod-b') };
    case 'waves': return { ...rollout, phase: 'waves', applied: ['pod-b'] };
    case 'done': return { ...rollout, phase: 'done', applied: [ME, 'pod-b', 'pod-c'] };
    case 'aborted': return { ...rollout, phase: 'aborted', bad: [{ hash: 'v2', reason: 'probe: …', at: at(1000) }] };
  }
}

const idleFacts: PodFacts = { pod: ME, source: 'v1', running: 'v1', previous: 'v0', pending: '', judging: '', verdict: UNDECIDED };

/** This pod holds the phase's role: the canary (canary, baking), a slot (waves); no role in the others. */
function withRole(state: RolloutState, renewedMsAgo = 0): RolloutState {
  if (state.phase === 'canary' || state.phase === 'baking') return { ...state, canary: holder(ME, renewedMsAgo) };
  if (state.phase === 'waves' && state.version) return { ...state, slots: [holder(ME, renewedMsAgo)] };
  return state;
}

interface Situation {
  name: string;
  state?: (s: RolloutState) => RolloutState;
  facts: Partial<PodFacts>;
  expect: Record<Phase, RolloutAction>;
}

const wait: RolloutAction = { kind: 'wait' };
const start = (hash: string): RolloutAction => ({ kind: 'start-rollout', hash });
const apply2: RolloutAction = { kind: 'apply', hash: 'v2' };
const all = (action: RolloutAction): Record<Phase, RolloutAction> => Object.fromEntries(PHASES.map((p) => [p, action])) as Record<Phase, RolloutAction>;
const markBad: RolloutAction = { kind: 'mark-bad', hash: 'v2', reason: `probe: ${HARMED.kind === 'harmed' ? HARMED.figures : ''}` };

const SITUATIONS: Situation[] = [
  { name: 'idle: source and master on v1', facts: {}, expect: all(wait) },
  {
    name: 'source offers v2, runs v1, no role',
    facts: { source: 'v2' },
    expect: { none: start('v2'), canary: wait, baking: wait, waves: { kind: 'take-slot' }, done: apply2, aborted: wait },
  },
  {
    name: 'source offers v2, runs v1, the canary not renewed for longer than slotTimeout',
    state: (s) => (s.canary ? { ...s, canary: holder('pod-b', 20_000) } : s),
    facts: { source: 'v2' },
    expect: { none: start('v2'), canary: { kind: 'take-canary' }, baking: { kind: 'take-canary' }, waves: { kind: 'take-slot' }, done: apply2, aborted: wait },
  },
  {
    name: 'source offers a newer v3: it supersedes whatever is in flight',
    facts: { source: 'v3' },
    expect: all(start('v3')),
  },
  {
    name: 'source offers v3, replaced while in flight (a lagging source): starts nothing',
    state: (s) => ({ ...s, superseded: ['v3'] }),
    facts: { source: 'v3' },
    expect: all(wait),
  },
  {
    name: 'source offers v3, marked bad: starts nothing',
    state: (s) => ({ ...s, bad: [...s.bad, { hash: 'v3', reason: 'workers: …', at: at(0) }] }),
    facts: { source: 'v3' },
    expect: all(wait),
  },
  {
    name: 'paused: a newer version starts nothing, a free canary role is not taken',
    state: (s) => ({ ...s, paused: true, ...(s.canary ? { canary: holder('pod-b', 20_000) } : {}) }),
    facts: { source: 'v3' },
    expect: all(wait),
  },
  {
    name: 'paused, source offers v2 and a slot is free: not taken',
    state: (s) => ({ ...s, paused: true }),
    facts: { source: 'v2' },
    expect: { none: wait, canary: wait, baking: wait, waves: wait, done: apply2, aborted: wait },
  },
  {
    name: 'holds the role, runs v1: apply v2',
    state: (s) => withRole(s),
    facts: { source: 'v2' },
    expect: { none: start('v2'), canary: apply2, baking: apply2, waves: apply2, done: apply2, aborted: wait },
  },
  {
    name: 'holds the role, v2 ordered and not running yet, renewed just now',
    state: (s) => withRole(s),
    facts: { source: 'v2', pending: 'v2' },
    expect: { none: start('v2'), canary: wait, baking: wait, waves: wait, done: wait, aborted: wait },
  },
  {
    name: 'holds the role, v2 ordered, renewal due',
    state: (s) => withRole(s, 6000),
    facts: { source: 'v2', pending: 'v2' },
    expect: { none: start('v2'), canary: { kind: 'renew', baking: false }, baking: { kind: 'renew', baking: false }, waves: { kind: 'renew', baking: false }, done: wait, aborted: wait },
  },
  {
    name: 'holds the role, runs v2, verdict undecided',
    state: (s) => withRole(s),
    facts: { source: 'v2', running: 'v2', previous: 'v1', judging: 'v2' },
    expect: { none: wait, canary: { kind: 'renew', baking: true }, baking: wait, waves: wait, done: wait, aborted: { kind: 'roll-back', to: 'v1' } },
  },
  {
    name: 'holds the role, runs v2, judged healthy',
    state: (s) => withRole(s),
    facts: { source: 'v2', running: 'v2', previous: 'v1', judging: 'v2', verdict: HEALTHY },
    expect: {
      none: wait, canary: { kind: 'release', verdict: 'healthy' }, baking: { kind: 'release', verdict: 'healthy' }, waves: { kind: 'release', verdict: 'healthy' },
      done: wait, aborted: { kind: 'roll-back', to: 'v1' },
    },
  },
  {
    name: 'holds the role, runs v2, judged harmed',
    state: (s) => withRole(s),
    facts: { source: 'v2', running: 'v2', previous: 'v1', judging: 'v2', verdict: HARMED },
    expect: { none: wait, canary: markBad, baking: markBad, waves: markBad, done: wait, aborted: { kind: 'roll-back', to: 'v1' } },
  },
  {
    name: 'holds the role, the reload of v2 failed (harmed, still runs v1)',
    state: (s) => withRole(s),
    facts: { source: 'v2', judging: 'v2', verdict: { kind: 'harmed', signal: 'reload', figures: 'reload failed in ready' } },
    expect: {
      none: start('v2'), canary: { kind: 'mark-bad', hash: 'v2', reason: 'reload: reload failed in ready' }, baking: { kind: 'mark-bad', hash: 'v2', reason: 'reload: reload failed in ready' },
      waves: { kind: 'mark-bad', hash: 'v2', reason: 'reload: reload failed in ready' }, done: apply2, aborted: wait,
    },
  },
  {
    name: 'runs a version marked bad: roll back to the one before',
    state: (s) => ({ ...s, bad: [{ hash: 'v9', reason: 'probe: …', at: at(0) }] }),
    facts: { source: 'v9', running: 'v9', previous: 'v1' },
    expect: all({ kind: 'roll-back', to: 'v1' }),
  },
  {
    name: 'runs a version marked bad, and the one before is bad too (or none): wait',
    state: (s) => ({ ...s, bad: [{ hash: 'v9', reason: 'probe: …', at: at(0) }, { hash: 'v8', reason: 'probe: …', at: at(0) }] }),
    facts: { source: 'v9', running: 'v9', previous: 'v8' },
    expect: all(wait),
  },
  // A pod whose master already runs what its source holds starts no rollout of it (none).
  {
    name: 'runs v2 without a role (started on it), not recorded as applied',
    facts: { source: 'v2', running: 'v2', previous: '' },
    expect: { none: wait, canary: wait, baking: wait, waves: { kind: 'release', verdict: 'healthy' }, done: wait, aborted: wait },
  },
  {
    name: 'applied; every live member applied, no slot held',
    state: (s) => ({ ...s, applied: [ME, 'pod-b', 'pod-c'] }),
    facts: { source: 'v2', running: 'v2', previous: 'v1' },
    expect: { none: wait, canary: wait, baking: wait, waves: { kind: 'done' }, done: wait, aborted: { kind: 'roll-back', to: 'v1' } },
  },
  {
    name: 'applied; pod-c not yet, but pod-c has gone silent',
    state: (s) => ({ ...s, applied: [ME, 'pod-b'], members: [holder(ME), holder('pod-b'), holder('pod-c', 20_000)] }),
    facts: { source: 'v2', running: 'v2', previous: 'v1' },
    expect: { none: wait, canary: wait, baking: wait, waves: { kind: 'done' }, done: wait, aborted: { kind: 'roll-back', to: 'v1' } },
  },
  {
    name: 'applied; pod-c, live, not yet',
    state: (s) => ({ ...s, applied: [ME, 'pod-b'] }),
    facts: { source: 'v2', running: 'v2', previous: 'v1' },
    expect: { none: wait, canary: wait, baking: wait, waves: wait, done: wait, aborted: { kind: 'roll-back', to: 'v1' } },
  },
  {
    name: 'source offers v2, every slot held (maxInFlight 1) and live',
    state: (s) => ({ ...s, slots: s.phase === 'waves' ? [holder('pod-c')] : s.slots }),
    facts: { source: 'v2' },
    expect: { none: start('v2'), canary: wait, baking: wait, waves: wait, done: apply2, aborted: wait },
  },
  {
    name: 'source offers v2, the only slot not renewed within slotTimeout',
    state: (s) => ({ ...s, slots: s.phase === 'waves' ? [holder('pod-c', 20_000)] : s.slots }),
    facts: { source: 'v2' },
    expect: { none: start('v2'), canary: wait, baking: wait, waves: { kind: 'take-slot' }, done: apply2, aborted: wait },
  },
  {
    name: 'not a member yet (or its membership is due): renew',
    state: (s) => ({ ...s, members: s.members.filter((m) => m.pod !== ME) }),
    facts: {},
    expect: all({ kind: 'renew', baking: false }),
  },
];

describe('decideRollout: every phase × every situation', () => {
  for (const situation of SITUATIONS) {
    test(situation.name, () => {
      for (const phase of PHASES) {
        const state = (situation.state ?? ((s) => s))(phaseState(phase));
        const facts = { ...idleFacts, ...situation.facts };
        const action = decideRollout(state, facts, { now: NOW, seen: (h) => Date.parse(h.renewedAt) }, LIMITS);
        assert.deepEqual(action, situation.expect[phase], `phase ${phase}`);
      }
    });
  }
});

test('decideRollout: holders are timed from when this pod saw them, not from their own clock', () => {
  const state = { ...phaseState('canary'), canary: holder('pod-b', 20_000) };
  const facts = { ...idleFacts, source: 'v2' };
  // pod-b's clock is 20 s behind, but this pod saw its renewal a second ago: still live.
  assert.deepEqual(decideRollout(state, facts, { now: NOW, seen: () => NOW - 1000 }, LIMITS), { kind: 'wait' });
  assert.deepEqual(decideRollout(state, facts, { now: NOW, seen: () => NOW - 16_000 }, LIMITS), { kind: 'take-canary' });
});

test('decideRollout: maxInFlight 2 lets a second pod take a slot while one is held', () => {
  const state = { ...phaseState('waves'), slots: [holder('pod-c')] };
  const facts = { ...idleFacts, source: 'v2' };
  assert.deepEqual(decideRollout(state, facts, { now: NOW, seen: (h) => Date.parse(h.renewedAt) }, { ...LIMITS, maxInFlight: 2 }), { kind: 'take-slot' });
});

describe('nextPassMs: one read a second while there is work, one per renewal period when idle', () => {
  const busy = 1000;
  const idle = LIMITS.renewEveryMs;
  const cases: Array<[string, Phase, Partial<PodFacts>, number]> = [
    ['no rollout yet, the pod runs its source', 'none', {}, idle],
    ['done, the pod on the version', 'done', { source: 'v2', running: 'v2' }, idle],
    ['aborted, the pod back on the version before', 'aborted', { source: 'v2' }, idle],
    ['a rollout in flight, this pod waiting for a slot', 'waves', { source: 'v2' }, busy],
    ['the canary bakes elsewhere', 'baking', { source: 'v2' }, busy],
    ['a newer checked version in the source: a rollout to start', 'done', { source: 'v3', running: 'v2' }, busy],
    ['a version ordered, not yet running', 'done', { source: 'v2', pending: 'v2' }, busy],
    ['a bake still judging here', 'done', { source: 'v2', running: 'v2', judging: 'v2' }, busy],
  ];
  for (const [name, phase, facts, expected] of cases) {
    test(name, () => assert.equal(nextPassMs(phaseState(phase), { ...idleFacts, ...facts }, LIMITS), expected));
  }
});
