// `reload`'s pure part (request.ts, lease-name.ts): the pod's acknowledgment, the lines printed,
// the exit status, and whether a Pod's sidecar acts on the annotation at all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandFlag } from '../../src/kubectl/lease-name.ts';
import { acknowledgment, formatReloads, reloadsSucceeded, type PodReload } from '../../src/kubectl/request.ts';

const R = '2026-12-07T17:00:00.123Z';
const ACK = 'hotcycle.dev/last-reload-request';
const OUT = 'hotcycle.dev/last-reload-outcome';

describe('acknowledgment', () => {
  const cases: Array<[string, Record<string, string> | undefined, ReturnType<typeof acknowledgment>]> = [
    ['no annotations', undefined, null],
    ['not yet', { 'hotcycle.dev/reload-requested': R }, null],
    ['an older request acknowledged', { [ACK]: '2026-12-07T16:00:00.000Z', [OUT]: 'ok: reloaded config 1, generation 2' }, null],
    ['ok', { [ACK]: R, [OUT]: 'ok: reloaded config 1a2b3c4d5e6f, generation 7' }, { state: 'ok', detail: 'reloaded config 1a2b3c4d5e6f, generation 7' }],
    ['failed', { [ACK]: R, [OUT]: 'failed: rejected 1a2b: nginx.conf:3:1: x' }, { state: 'failed', detail: 'rejected 1a2b: nginx.conf:3:1: x' }],
    ['acknowledged without an outcome', { [ACK]: R }, { state: 'failed', detail: 'no outcome given' }],
    ['an outcome of another form', { [ACK]: R, [OUT]: 'weird' }, { state: 'failed', detail: 'weird' }],
  ];
  for (const [name, annotations, expected] of cases) test(name, () => assert.deepEqual(acknowledgment(annotations, R), expected));
});

describe('formatReloads and reloadsSucceeded', () => {
  const line = (r: PodReload) => formatReloads([r], R, 60_000);
  const cases: Array<[PodReload, RegExp, boolean]> = [
    [{ pod: 'a', state: 'ok', detail: 'reloaded config 1a2b, generation 7' }, /^pod\/a: reloaded config 1a2b, generation 7$/, true],
    [{ pod: 'a', state: 'requested', detail: '' }, /^pod\/a: reload requested \(hotcycle\.dev\/reload-requested=2026-12-07T17:00:00\.123Z\)$/, true],
    [{ pod: 'a', state: 'failed', detail: 'rejected 1a2b: x' }, /^pod\/a: FAILED: rejected 1a2b: x$/, false],
    [{ pod: 'a', state: 'no-answer', detail: '' }, /^pod\/a: no answer within 60s \(hotcycle\.dev\/reload-requested=2026-12-07T17:00:00\.123Z is set; .*kubelet/, false],
    [{ pod: 'a', state: 'not-watching', detail: '' }, /^pod\/a: FAILED: its sidecar does not act on hotcycle\.dev\/reload-requested \(no --pod-annotations/, false],
    [{ pod: 'a', state: 'gone', detail: 'pod ns/a not found' }, /^pod\/a: FAILED: pod ns\/a not found$/, false],
  ];
  for (const [r, pattern, ok] of cases) {
    test(r.state, () => {
      assert.match(line(r), pattern);
      assert.equal(reloadsSucceeded([r]), ok);
    });
  }
  test('one line per pod; one failure fails them all; none is no success', () => {
    const ok: PodReload = { pod: 'a', state: 'ok', detail: 'x' };
    const failed: PodReload = { pod: 'b', state: 'failed', detail: 'y' };
    assert.equal(formatReloads([ok, failed], R, 60_000), 'pod/a: x\npod/b: FAILED: y');
    assert.equal(reloadsSucceeded([ok, failed]), false);
    assert.equal(reloadsSucceeded([]), false);
  });
});

test('commandFlag: the sidecar flag in any container, both spellings', () => {
  const cases: Array<[string, object, string, string | null]> = [
    ['none', { containers: [{ name: 'a', command: ['x'] }] }, '--pod-annotations', null],
    ['in an init container\'s command', { initContainers: [{ name: 'h', command: ['hotcycle', 'sidecar', '--pod-annotations', '/etc/hotcycle/pod/annotations'] }], containers: [] },
      '--pod-annotations', '/etc/hotcycle/pod/annotations'],
    ['in args, with =', { containers: [{ name: 'a', args: ['--pod-annotations=/f'] }] }, '--pod-annotations', '/f'],
    ['a flag with no value', { containers: [{ name: 'a', args: ['--pod-annotations'] }] }, '--pod-annotations', null],
    ['another flag', { containers: [{ name: 'a', args: ['--rollout-lease', 'l'] }] }, '--pod-annotations', null],
  ];
  for (const [name, spec, flag, expected] of cases) assert.equal(commandFlag(spec as never, flag), expected, name);
});
