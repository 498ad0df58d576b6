// The kubectl plugin's pure parts, table-tested: a pod's rollout role from the Lease state,
// the last-result column, ages, the table and the rollout line, the Lease name from the Pod
// template, the label selector (the command line: args.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rolloutLeaseName } from '../../src/kubectl/lease-name.ts';
import { withPaused } from '../../src/kubectl/paused.ts';
import { podRole } from '../../src/kubectl/role.ts';
import { selectorString } from '../../src/kubectl/selector.ts';
import { buildView, formatAge, formatRollout, formatView, lastResult, shorten, type PodInput } from '../../src/kubectl/view.ts';
import { NO_ROLLOUT, type RolloutState } from '../../src/sidecar/rollout/lease.ts';

const V = 'a'.repeat(64);
const holder = (pod: string) => ({ pod, since: '2026-01-01T00:00:00Z', renewedAt: '2026-01-01T00:00:01Z' });
const state = (over: Partial<RolloutState>): RolloutState => ({ ...NO_ROLLOUT, version: V, phase: 'waves', startedAt: '2026-01-01T00:00:00Z', ...over });

describe('podRole', () => {
  const cases: Array<[string, RolloutState | null, string, string]> = [
    ['no Lease', null, 'p1', '-'],
    ['nothing rolled out yet', NO_ROLLOUT, 'p1', '-'],
    ['the canary', state({ phase: 'baking', canary: holder('p1') }), 'p1', 'canary'],
    ['not the canary, not applied', state({ phase: 'baking', canary: holder('p1') }), 'p2', 'waiting'],
    ['a wave slot', state({ slots: [holder('p2'), holder('p3')] }), 'p3', 'in slot'],
    ['the canary role wins over applied', state({ phase: 'canary', canary: holder('p1'), applied: ['p1'] }), 'p1', 'canary'],
    ['a slot wins over applied', state({ slots: [holder('p2')], applied: ['p2'] }), 'p2', 'in slot'],
    ['applied', state({ phase: 'done', applied: ['p1', 'p2'] }), 'p2', 'applied'],
    ['done, a late pod', state({ phase: 'done', applied: ['p1'] }), 'p9', 'waiting'],
    ['aborted, the former canary applied nothing', state({ phase: 'aborted' }), 'p1', 'waiting'],
  ];
  for (const [name, s, pod, role] of cases) test(name, () => assert.equal(podRole(s, pod), role));
});

describe('lastResult', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const cases: Array<[string, Record<string, string>, string]> = [
    ['nothing reported', {}, '-'],
    ['reloaded 5 minutes ago', { 'hotcycle.dev/reloaded-at': '2026-01-01T00:55:00Z' }, 'reloaded 5m ago'],
    ['a failure after the reload', {
      'hotcycle.dev/reloaded-at': '2026-01-01T00:10:00Z', 'hotcycle.dev/last-failure': 'config 0123 rejected: nginx.conf:3:1 unknown directive',
      'hotcycle.dev/last-failure-at': '2026-01-01T00:20:00Z',
    }, 'failed: config 0123 rejected: nginx.conf:3:1 unknown directive'],
    ['a reload after the failure', {
      'hotcycle.dev/reloaded-at': '2026-01-01T00:30:00Z', 'hotcycle.dev/last-failure': 'old', 'hotcycle.dev/last-failure-at': '2026-01-01T00:20:00Z',
    }, 'reloaded 30m ago'],
    ['a failure, no reload', { 'hotcycle.dev/last-failure': 'x'.repeat(100) }, `failed: ${'x'.repeat(59)}…`],
  ];
  for (const [name, annotations, expected] of cases) test(name, () => assert.equal(lastResult(annotations, now), expected));
});

test('formatAge and shorten', () => {
  const cases: Array<[number, string]> = [[-5, '0s'], [0, '0s'], [119_999, '119s'], [120_000, '2m'], [7_199_000, '119m'], [7_200_000, '2h'], [48 * 3_600_000, '2d']];
  for (const [ms, text] of cases) assert.equal(formatAge(ms), text, String(ms));
  assert.equal(shorten('a\n  b', 10), 'a b');
  assert.equal(shorten('abcdef', 4), 'abc…');
});

describe('buildView and its text', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const pods: PodInput[] = [
    { name: 'web-b', annotations: { 'hotcycle.dev/config-hash': V, 'hotcycle.dev/generation': '3', 'hotcycle.dev/reloaded-at': '2026-01-01T00:59:50Z' },
      applied: { status: 'True', reason: 'Applied' }, ready: true, createdAt: '2026-01-01T00:00:00Z' },
    { name: 'web-a', annotations: { 'hotcycle.dev/running-last-good': 'true' }, applied: null, ready: false, createdAt: '2026-01-01T00:59:00Z' },
  ];

  test('rollout off: the pods, sorted, and "rollout: off"', () => {
    const view = buildView({ namespace: 'ns', deployment: 'web', pods, lease: null }, now);
    assert.deepEqual(view.pods.map((p) => [p.pod, p.version, p.generation, p.lastResult, p.role, p.applied?.reason ?? null, p.ready, p.runningLastGood, p.age]), [
      ['web-a', '', null, '-', '-', null, false, true, '60s'],
      ['web-b', V, 3, 'reloaded 10s ago', '-', 'Applied', true, false, '60m'],
    ]);
    assert.equal(view.rollout, null);
    assert.equal(formatView(view), [
      'POD     VERSION        GEN   LAST RESULT             ROLE   APPLIED        READY   AGE',
      'web-a   -              -     - (running last good)   -      -              no      60s',
      'web-b   aaaaaaaaaaaa   3     reloaded 10s ago        -      True Applied   yes     60m',
      '',
      'rollout: off',
    ].join('\n'));
  });

  test('a rollout: roles, the line, bad versions', () => {
    const s = state({ phase: 'waves', slots: [holder('web-a')], applied: ['web-b'], paused: true, bad: [{ hash: 'b'.repeat(64), reason: 'probe: 5xx ratio 1.00 > 0.05', at: '2026-01-01T00:30:00Z' }] });
    const view = buildView({ namespace: 'ns', deployment: 'web', pods, lease: { name: 'web-rollout', state: s } }, now);
    assert.deepEqual(view.pods.map((p) => p.role), ['in slot', 'applied']);
    assert.deepEqual(view.rollout, { lease: 'ns/web-rollout', phase: 'waves', version: V, paused: true, bad: [{ hash: 'b'.repeat(64), reason: 'probe: 5xx ratio 1.00 > 0.05', at: '2026-01-01T00:30:00Z' }] });
    assert.equal(formatRollout(view.rollout), 'rollout: waves config aaaaaaaaaaaa · paused (Lease ns/web-rollout)\n  bad bbbbbbbbbbbb: probe: 5xx ratio 1.00 > 0.05');
  });

  test('an empty Lease is idle, not off', () => {
    const view = buildView({ namespace: 'ns', deployment: 'web', pods: [], lease: { name: 'web-rollout', state: NO_ROLLOUT } }, now);
    assert.equal(formatView(view), "no pods match deployment ns/web's selector\n\nrollout: idle no version yet (Lease ns/web-rollout)");
  });
});

test('rolloutLeaseName: from any container of the Pod template', () => {
  const c = (args: string[], command: string[] = []) => ({ name: 'c', command, args });
  const cases: Array<[string, object | undefined, string | null]> = [
    ['no spec', undefined, null],
    ['no flag', { containers: [c(['--source', 'x=/y'])] }, null],
    ['a native sidecar (initContainer), in command', { containers: [c([])], initContainers: [c([], ['hotcycle', 'sidecar', '--rollout-lease', 'rel-hotcycle-rollout'])] }, 'rel-hotcycle-rollout'],
    ['in args, --flag=value', { containers: [c(['--rollout-lease=web-rollout'])] }, 'web-rollout'],
    ['the flag without a value', { containers: [c(['--rollout-lease'])] }, null],
  ];
  for (const [name, spec, expected] of cases) assert.equal(rolloutLeaseName(spec as never), expected, name);
});

test('selectorString', () => {
  assert.equal(selectorString(undefined), '');
  assert.equal(selectorString({ matchLabels: { a: '1', b: '2' } }), 'a=1,b=2');
  assert.equal(selectorString({
    matchLabels: { a: '1' },
    matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }, { key: 'n', operator: 'NotIn', values: ['z'] }, { key: 'e', operator: 'Exists' }, { key: 'd', operator: 'DoesNotExist' }],
  }), 'a=1,k in (x,y),n notin (z),e,!d');
});

test('withPaused changes paused alone', () => {
  const s = state({ applied: ['p'] });
  assert.deepEqual(withPaused(s, true), { ...s, paused: true });
  assert.deepEqual(withPaused(withPaused(s, true), false), s);
});
