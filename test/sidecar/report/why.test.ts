// The one line that says why a version does not run (issue 20, item 2): `hotcycle status` under
// each sync, its JSON `why`, and the hotcycle.dev/last-failure annotation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Diagnostic } from '../../../src/diagnostic.ts';
import type { SyncResult } from '../../../src/protocol/sidecar.ts';
import { errorWhy, failureLine, findingsWhy, formatWhy, syncWhy, WHY_LIMIT, withWhy } from '../../../src/sidecar/report/why.ts';

const HASH = '5d966fd1aa39'.padEnd(64, '0');
const finding = (file: string, line: number, column: number, message: string, source = 'hotcycle'): Diagnostic => ({ file, line, column, message, source });
const DUPLICATE = finding('hotcycle.yaml', 11, 1, 'duplicate key "workers"');
const result = (extra: Partial<SyncResult>): SyncResult => ({
  published: false, configHash: HASH, outcome: 'rejected', reason: 'source changed', origin: 'volume', startedAt: '2026-11-21T16:00:00.000Z', durationMs: 3, ...extra,
});

describe('why a version does not run, in one line', () => {
  const cases: Array<[string, Partial<SyncResult>, string | undefined]> = [
    ['one finding', { rejected: [DUPLICATE] }, 'hotcycle.yaml:11:1: duplicate key "workers"'],
    ['the first finding and how many more', { rejected: [DUPLICATE, finding('nginx.conf', 3, 5, 'unexpected "}"', 'nginx'), finding('a.json', 0, 0, 'x')] },
      'hotcycle.yaml:11:1: duplicate key "workers" (+2 more)'],
    ['a check command that failed: its command and exit, its stderr on one line',
      { rejected: [finding('hotcycle.yaml', 0, 0, 'check command `sh -c exit 3` failed (exited with code 3): first\nsecond\n  third', 'command')] },
      'hotcycle.yaml: check command `sh -c exit 3` failed (exited with code 3): first second third'],
    ['a reload the master refused: the phase and the error', {
      outcome: 'reload-failed', reload: {
        ok: false, generation: 2, configHash: HASH, durationMs: 9, phases: [], reason: 'r', startedAt: 't', requests: 1,
        error: { phase: 'start', code: 'EWORKEREXIT', message: 'worker 1 exited with code 1 before it was ready', detail: 'stderr tail' },
      },
    }, 'failed in phase start: worker 1 exited with code 1 before it was ready [EWORKEREXIT]'],
    ['checks that could not run', { outcome: 'check-failed', error: { phase: 'check', code: 'ESCRATCH', message: 'cannot create a scratch directory in /tmp: EROFS' } },
      'failed in phase check: cannot create a scratch directory in /tmp: EROFS [ESCRATCH]'],
    ['a reload that worked', { outcome: 'reloaded', reload: { ok: true, generation: 2, configHash: HASH, durationMs: 9, phases: [], reason: 'r', startedAt: 't', requests: 1 } }, undefined],
    ['nothing new', { outcome: 'unchanged' }, undefined],
  ];
  for (const [name, extra, expected] of cases) {
    test(name, () => {
      const why = syncWhy(result(extra));
      assert.equal(why && formatWhy(why), expected);
      assert.equal(withWhy(result(extra)).why, expected, 'the status JSON carries the same line');
    });
  }

  test(`at most ${WHY_LIMIT} characters, cut with an ellipsis before "(+N more)"`, () => {
    const long = findingsWhy([finding('nginx.conf', 1, 1, 'é'.repeat(400)), DUPLICATE]);
    const line = formatWhy(long);
    assert.equal([...line].length, WHY_LIMIT);
    assert.match(line, /^nginx\.conf:1:1: é+… \(\+1 more\)$/);
    const annotation = failureLine('rejected', HASH, long);
    assert.equal([...annotation].length, WHY_LIMIT);
    assert.match(annotation, /^rejected 5d966fd1aa39: nginx\.conf:1:1: é+… \(\+1 more\)$/);
  });

  test('a line that fits is not cut; astral characters are never split', () => {
    const fits = formatWhy({ text: 'x'.repeat(WHY_LIMIT - 4), tail: ' [E]' });
    assert.equal(fits, `${'x'.repeat(WHY_LIMIT - 4)} [E]`);
    const emoji = formatWhy({ text: '😀'.repeat(300), tail: '' });
    assert.equal([...emoji].length, WHY_LIMIT);
    assert.equal(emoji, `${'😀'.repeat(WHY_LIMIT - 1)}…`);
  });

  test('the annotation names the outcome and the version; an unreadable version has no hash', () => {
    assert.equal(failureLine('reload-failed', HASH, errorWhy({ phase: 'check', code: 'ENGINXCHECK', message: 'nginx.conf:3: unknown directive "foo"' })),
      'reload-failed 5d966fd1aa39: failed in phase check: nginx.conf:3: unknown directive "foo" [ENGINXCHECK]');
    assert.equal(failureLine('rejected', '', findingsWhy([finding('x/fifo', 0, 0, 'not a regular file', 'fileset')])), 'rejected (unreadable): x/fifo: not a regular file');
  });
});
