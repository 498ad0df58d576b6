// What each rollout action writes into the Lease (src/sidecar/rollout/transitions.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutAction } from '../../../src/sidecar/rollout/decision.ts';
import { NO_ROLLOUT, type Holder, type RolloutState } from '../../../src/sidecar/rollout/lease.ts';
import { nextState, type Writer } from '../../../src/sidecar/rollout/transitions.ts';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const T = NOW.toISOString();
const OLD = '2026-12-07T11:59:00.000Z';
const h = (pod: string, renewedAt = OLD): Holder => ({ pod, since: OLD, renewedAt });
const writer: Writer = { pod: 'a', now: NOW, live: (x) => x.renewedAt !== '2000-01-01T00:00:00.000Z' };
const DEAD = '2000-01-01T00:00:00.000Z';
const inFlight: RolloutState = { ...NO_ROLLOUT, version: 'v2', phase: 'baking', startedAt: OLD, canary: h('b'), members: [h('a'), h('b'), h('c', DEAD)] };

const cases: Array<[string, RolloutState, RolloutAction, Partial<RolloutState> | null]> = [
  ['wait writes nothing', inFlight, { kind: 'wait' }, null],
  ['apply writes nothing (it acts on the pod)', inFlight, { kind: 'apply', hash: 'v2' }, null],
  ['roll-back writes nothing', inFlight, { kind: 'roll-back', to: 'v1' }, null],
  ['start-rollout over one in flight: this pod the canary, the old version superseded', inFlight, { kind: 'start-rollout', hash: 'v3' },
    { version: 'v3', phase: 'canary', startedAt: T, canary: { pod: 'a', since: T, renewedAt: T }, slots: [], applied: [], superseded: ['v2'] }],
  ['start-rollout after a done one: nothing superseded', { ...inFlight, phase: 'done', canary: null, superseded: ['v0'] }, { kind: 'start-rollout', hash: 'v3' },
    { version: 'v3', phase: 'canary', startedAt: T, canary: { pod: 'a', since: T, renewedAt: T }, slots: [], applied: [], superseded: [] }],
  ['take-canary from a silent holder: back to canary', inFlight, { kind: 'take-canary' }, { phase: 'canary', canary: { pod: 'a', since: T, renewedAt: T } }],
  ['take-slot drops dead slots', { ...inFlight, phase: 'waves', canary: null, slots: [h('b'), h('c', DEAD)] }, { kind: 'take-slot' },
    { slots: [h('b'), { pod: 'a', since: T, renewedAt: T }] }],
  ['renew as the canary, baking', { ...inFlight, phase: 'canary', canary: h('a') }, { kind: 'renew', baking: true },
    { phase: 'baking', canary: { pod: 'a', since: OLD, renewedAt: T } }],
  ['renew a slot', { ...inFlight, phase: 'waves', canary: null, slots: [h('a'), h('b')] }, { kind: 'renew', baking: false },
    { slots: [{ pod: 'a', since: OLD, renewedAt: T }, h('b')] }],
  ['release the canary: waves begin', { ...inFlight, canary: h('a') }, { kind: 'release', verdict: 'healthy' }, { phase: 'waves', canary: null, applied: ['a'] }],
  ['release a slot', { ...inFlight, phase: 'waves', canary: null, slots: [h('a')], applied: ['b'] }, { kind: 'release', verdict: 'healthy' }, { slots: [], applied: ['b', 'a'] }],
  ['mark-bad the version in flight: aborted, roles cleared', { ...inFlight, slots: [h('c')] }, { kind: 'mark-bad', hash: 'v2', reason: 'probe: x' },
    { phase: 'aborted', canary: null, slots: [], bad: [{ hash: 'v2', reason: 'probe: x', at: T }] }],
  ['mark-bad another version: only recorded', inFlight, { kind: 'mark-bad', hash: 'v1', reason: 'workers: y' }, { bad: [{ hash: 'v1', reason: 'workers: y', at: T }] }],
  ['done clears slots and the superseded list', { ...inFlight, phase: 'waves', canary: null, slots: [h('c', DEAD)], superseded: ['v1'] }, { kind: 'done' },
    { phase: 'done', slots: [], superseded: [] }],
];

for (const [name, state, action, changed] of cases) {
  test(`nextState: ${name}`, () => {
    const next = nextState(state, action, writer);
    if (changed === null) return assert.equal(next, null);
    // Every write renews the writer's membership and drops members no longer live.
    const members = [h('b'), { pod: 'a', since: OLD, renewedAt: T }];
    assert.deepEqual(next, { ...state, members, ...changed });
  });
}
