// The rollout state's codec (src/sidecar/rollout/lease.ts): what the Lease annotation holds,
// what a reader refuses, and the bounds a writer keeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotcycleError } from '../../../src/errors.ts';
import { decodeRollout, encodeRollout, MAX_BAD, MAX_BYTES, NO_ROLLOUT, ROLLOUT_ANNOTATION, type RolloutState } from '../../../src/sidecar/rollout/lease.ts';

const T = '2026-12-07T12:00:00.000Z';
const STATE: RolloutState = {
  version: 'a'.repeat(64), phase: 'baking', startedAt: T, canary: { pod: 'web-1', since: T, renewedAt: T },
  slots: [{ pod: 'web-2', since: T, renewedAt: T }], applied: ['web-3'], members: [{ pod: 'web-1', since: T, renewedAt: T }],
  bad: [{ hash: 'b'.repeat(64), reason: 'probe: success ratio 0.00 < 0.95', at: T }], superseded: ['c'.repeat(64)], paused: false,
};

test('decode(encode(state)) is the state', () => {
  assert.deepEqual(decodeRollout({ [ROLLOUT_ANNOTATION]: encodeRollout(STATE) }), STATE);
  assert.deepEqual(decodeRollout({ [ROLLOUT_ANNOTATION]: encodeRollout(NO_ROLLOUT) }), NO_ROLLOUT);
});

test('an empty Lease (as the chart creates it) is no rollout', () => {
  const cases: Array<Record<string, string> | undefined> = [undefined, {}, { other: 'x' }, { [ROLLOUT_ANNOTATION]: '' }];
  for (const annotations of cases) assert.deepEqual(decodeRollout(annotations), NO_ROLLOUT);
});

test('what a reader refuses: not JSON, another format, an unknown phase or field, a wrong type', () => {
  const encoded = JSON.parse(encodeRollout(STATE)) as Record<string, unknown>;
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{', /is not JSON/],
    ['another format', JSON.stringify({ ...encoded, format: 2 }), /format/],
    ['an unknown phase', JSON.stringify({ ...encoded, phase: 'paused' }), /phase/],
    ['an unknown field', JSON.stringify({ ...encoded, extra: 1 }), /extra/],
    ['a holder without renewedAt', JSON.stringify({ ...encoded, canary: { pod: 'web-1', since: T } }), /canary/],
    ['slots not an array', JSON.stringify({ ...encoded, slots: {} }), /slots/],
    ['paused not a boolean', JSON.stringify({ ...encoded, paused: 'no' }), /paused/],
  ];
  for (const [what, text, message] of cases) {
    assert.throws(() => decodeRollout({ [ROLLOUT_ANNOTATION]: text }), (e: unknown) => e instanceof HotcycleError && e.code === 'EROLLOUT' && message.test(e.message), what);
  }
});

test('the lists of history keep their newest entries within bounds', () => {
  const bad = Array.from({ length: MAX_BAD + 5 }, (_, i) => ({ hash: `h${i}`, reason: 'r', at: T }));
  const decoded = decodeRollout({ [ROLLOUT_ANNOTATION]: encodeRollout({ ...STATE, bad }) });
  assert.equal(decoded.bad.length, MAX_BAD);
  assert.equal(decoded.bad.at(-1)?.hash, `h${MAX_BAD + 4}`);
  assert.equal(decoded.bad[0]?.hash, 'h5');
});

test('a state over the size bound is refused on write, not truncated', () => {
  const members = Array.from({ length: 400 }, (_, i) => ({ pod: `pod-${'x'.repeat(60)}-${i}`, since: T, renewedAt: T }));
  assert.throws(() => encodeRollout({ ...STATE, members }), (e: unknown) => e instanceof HotcycleError && e.code === 'EROLLOUT' && e.message.includes(String(MAX_BYTES)));
});
