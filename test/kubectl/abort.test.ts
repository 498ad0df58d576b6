// `rollout abort`'s pure part (abort.ts): the reason it records, and the state it writes — the
// version in flight marked bad as a harmed sidecar marks it (transitions.ts markedBad), or
// NothingInFlight when no version is in flight.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abortReason, MAX_REASON, NothingInFlight, withAborted } from '../../src/kubectl/abort.ts';
import { NO_ROLLOUT, type RolloutState } from '../../src/sidecar/rollout/lease.ts';
import { nextState } from '../../src/sidecar/rollout/transitions.ts';

const V = 'c'.repeat(64);
const OLD = 'b'.repeat(64);
const AT = new Date('2026-12-07T17:00:00Z');
const holder = (pod: string) => ({ pod, since: '2026-12-07T16:59:00Z', renewedAt: '2026-12-07T16:59:59Z' });
const state = (over: Partial<RolloutState>): RolloutState => ({
  ...NO_ROLLOUT, version: V, startedAt: '2026-12-07T16:59:00Z', members: [holder('p1'), holder('p2')],
  bad: [{ hash: OLD, reason: 'probe: 5xx', at: '2026-12-07T16:00:00Z' }], ...over,
});

describe('abortReason', () => {
  const cases: Array<[string | undefined, string | undefined, string]> = [
    ['alice', '500s on /api', 'aborted by alice via kubectl: 500s on /api'],
    ['alice', undefined, 'aborted by alice via kubectl'],
    [undefined, 'bad TLS', 'aborted via kubectl: bad TLS'],
    [undefined, undefined, 'aborted via kubectl'],
    ['alice', '  two\nlines  ', 'aborted by alice via kubectl: two lines'],
    ['alice', '   ', 'aborted by alice via kubectl'],
  ];
  for (const [user, text, expected] of cases) test(`${user} ${JSON.stringify(text)}`, () => assert.equal(abortReason(user, text), expected));
  test('cut to the Lease\'s bound, never inside a character', () => {
    const reason = abortReason('alice', '😀'.repeat(600));
    assert.equal([...reason].length, MAX_REASON);
    assert.ok(reason.endsWith('😀…'));
  });
});

describe('withAborted', () => {
  for (const phase of ['canary', 'baking', 'waves'] as const) {
    test(`in flight (${phase}): marked bad, aborted, roles freed; the rest kept`, () => {
      const before = state({ phase, canary: holder('p1'), slots: [holder('p2')], applied: ['p1'] });
      const after = withAborted(before, 'ns/l', 'aborted by alice via kubectl: why', AT);
      assert.deepEqual(after, {
        ...before, phase: 'aborted', canary: null, slots: [],
        bad: [...before.bad, { hash: V, reason: 'aborted by alice via kubectl: why', at: AT.toISOString() }],
      });
    });
  }
  test('the same state a harmed canary writes, but for the membership it renews', () => {
    const before = state({ phase: 'baking', canary: holder('p1') });
    const bySidecar = nextState(before, { kind: 'mark-bad', hash: V, reason: 'r' }, { pod: 'p1', now: AT, live: () => true });
    assert.deepEqual({ ...withAborted(before, 'ns/l', 'r', AT), members: [] }, { ...bySidecar, members: [] });
  });
  const idle: Array<[string, RolloutState, RegExp]> = [
    ['nothing rolled out yet', NO_ROLLOUT, /no version was rolled out yet/],
    ['done', state({ phase: 'done', applied: ['p1', 'p2'] }), new RegExp(`config ${V.slice(0, 12)} is done`)],
    ['aborted already', state({ phase: 'aborted' }), /is aborted/],
  ];
  for (const [name, s, message] of idle) {
    test(`nothing in flight: ${name}`, () => assert.throws(() => withAborted(s, 'ns/l', 'r', AT), (e: unknown) => e instanceof NothingInFlight
      && e.code === 'EROLLOUT' && /^nothing to abort: no version is in flight in Lease ns\/l/.test(e.message) && message.test(e.message)));
  }
});
