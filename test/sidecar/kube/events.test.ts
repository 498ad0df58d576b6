// Pure logic, no API server involved (the stand-in tests are reporter/client.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { V1MicroTime } from '@kubernetes/client-node';
import {
  annotationPatch, buildEventBody, checkFailedEvent, configRejectedEvent, eventName, lastFailurePatch, NOTE_LIMIT_BYTES, reloadedEvent, reloadRequestedEvent,
  reloadRequestPatch, rolloutAbortedEvent, rolloutCompletedEvent, rolloutStartedEvent, truncateNote,
} from '../../../src/sidecar/kube/events.ts';

describe('truncateNote', () => {
  const cases: Array<[string, string, number, string]> = [
    ['short text is kept', 'hello', 10, 'hello'],
    ['exactly at the limit is kept', 'abcdefghij', 10, 'abcdefghij'],
    ['ASCII is cut with an ellipsis', 'abcdefghijk', 10, 'abcdefg…'],
    ['a multi-byte character is never split', 'ééééééé', 10, 'ééé…'],
  ];
  for (const [name, input, limit, expected] of cases) {
    test(name, () => {
      const out = truncateNote(input, limit);
      assert.equal(out, expected);
      assert.ok(Buffer.byteLength(out) <= limit);
    });
  }
});

describe('event specs', () => {
  test('ConfigRejected lists what fits and counts the rest', () => {
    const diagnostics = Array.from({ length: 200 }, (_, i) => ({ file: 'nginx.conf', line: i + 1, column: 1, message: 'unexpected ";"', source: 'nginx' }));
    const { note, type, reason } = configRejectedEvent({ configHash: 'ff'.repeat(32), diagnostics });
    assert.equal(type, 'Warning');
    assert.equal(reason, 'ConfigRejected');
    assert.ok(Buffer.byteLength(note) <= NOTE_LIMIT_BYTES);
    const shown = note.split('; ').length;
    assert.match(note, new RegExp(`^Config ffffffffffff rejected: nginx.conf:1:1: unexpected ";"; .* \\(\\+${200 - shown} more\\)$`));
  });

  test('CheckFailed is a Warning whose note is the same on every retry of one cause', () => {
    const report = { configHash: 'ab'.repeat(32), code: 'ESCRATCH' as const, message: 'cannot create a scratch directory', retryInMs: 1000 };
    const first = checkFailedEvent(report);
    assert.deepEqual(checkFailedEvent({ ...report, retryInMs: 60_000 }), first);
    assert.deepEqual([first.reason, first.type, first.action], ['CheckFailed', 'Warning', 'Check']);
    assert.equal(first.note, 'Checks of config abababababab could not run (ESCRATCH): cannot create a scratch directory; retrying');
  });

  test('the Event body carries a microsecond eventTime and the Pod as regarding', () => {
    const when = new Date('2026-03-04T05:06:07.089Z');
    const body = buildEventBody(reloadedEvent({ generation: 1, configHash: 'abc', durationMs: 5 }), { podName: 'p', namespace: 'n', podUid: 'u-p' }, 'p.1', new V1MicroTime(when.getTime()));
    assert.equal(JSON.parse(JSON.stringify(body)).eventTime, '2026-03-04T05:06:07.089000Z');
    assert.deepEqual(body.regarding, { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'n', uid: 'u-p' });
  });

  test('event names are unique per sequence number and valid DNS subdomains', () => {
    const a = eventName('web-0', 1_700_000_000_000, 0);
    const b = eventName('web-0', 1_700_000_000_000, 1);
    assert.notEqual(a, b);
    assert.match(a, /^web-0\.[0-9a-f]+$/);
  });

  test('the annotation patch holds strings only', () => {
    const patch = annotationPatch({ generation: 12, configHash: 'h', durationMs: 1 }, new Date(0));
    assert.deepEqual(patch, { metadata: { annotations: {
      'hotcycle.dev/generation': '12', 'hotcycle.dev/config-hash': 'h', 'hotcycle.dev/reloaded-at': '1970-01-01T00:00:00.000Z',
    } } });
  });

  test('the last-failure patch: the one line and when', () => {
    assert.deepEqual(lastFailurePatch('rejected 5d966fd1aa39: hotcycle.yaml:11:1: duplicate key "workers"', new Date(0)), { metadata: { annotations: {
      'hotcycle.dev/last-failure': 'rejected 5d966fd1aa39: hotcycle.yaml:11:1: duplicate key "workers"', 'hotcycle.dev/last-failure-at': '1970-01-01T00:00:00.000Z',
    } } });
  });
});

test('the rollout Events: started and completed are Normal, an abort is a Warning naming the signal, its figures and the version served', () => {
  const configHash = 'ab'.repeat(32);
  assert.deepEqual(rolloutStartedEvent({ configHash }), {
    reason: 'RolloutStarted', type: 'Normal', action: 'Rollout', note: 'Rollout of config abababababab started; this pod is its canary',
  });
  assert.deepEqual(rolloutCompletedEvent({ configHash }), {
    reason: 'RolloutCompleted', type: 'Normal', action: 'Rollout', note: 'Rollout of config abababababab completed: every pod applied it',
  });
  assert.deepEqual(rolloutAbortedEvent({ configHash, signal: 'probe', figures: '5xx ratio 1.00 > 0.05 (1/1 probes 5xx)', serving: 'cd'.repeat(32) }), {
    reason: 'RolloutAborted', type: 'Warning', action: 'Rollout',
    note: 'Rollout of config abababababab aborted: harmed this pod (probe: 5xx ratio 1.00 > 0.05 (1/1 probes 5xx)); marked bad, this pod back on cdcdcdcdcdcd',
  });
  assert.ok(Buffer.byteLength(rolloutAbortedEvent({ configHash, signal: 'reload', figures: 'x'.repeat(5000), serving: '' }).note) <= NOTE_LIMIT_BYTES);
});

test('a reload requested by annotation: Normal when it ran, a Warning when not; the acknowledgment carries the request and the outcome', () => {
  const ok = { request: '2026-12-07T17:00:00.123Z', ok: true, outcome: 'ok: reloaded config abababababab, generation 7' };
  assert.deepEqual(reloadRequestedEvent(ok), {
    reason: 'ReloadRequested', type: 'Normal', action: 'Reload',
    note: 'Reload requested (hotcycle.dev/reload-requested 2026-12-07T17:00:00.123Z): ok: reloaded config abababababab, generation 7',
  });
  assert.equal(reloadRequestedEvent({ ...ok, ok: false, outcome: 'failed: rejected abababababab: x' }).type, 'Warning');
  assert.ok(Buffer.byteLength(reloadRequestedEvent({ ...ok, request: 'x'.repeat(5000) }).note) <= NOTE_LIMIT_BYTES);
  assert.deepEqual(reloadRequestPatch(ok), { metadata: { annotations: {
    'hotcycle.dev/last-reload-request': '2026-12-07T17:00:00.123Z', 'hotcycle.dev/last-reload-outcome': 'ok: reloaded config abababababab, generation 7',
  } } });
});
