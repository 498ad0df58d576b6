// When a read of the Pod's annotations asks for a reload (decision.ts (1)–(4)), and the outcome
// line the sidecar answers with, by table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SyncResult } from '../../../src/protocol/sidecar.ts';
import type { ReloadResult } from '../../../src/protocol/types.ts';
import { requestOutcome, requestToAct } from '../../../src/sidecar/request/decision.ts';

const START = new Date('2026-12-07T17:00:00Z');
const REQ = 'hotcycle.dev/reload-requested';
const ACK = 'hotcycle.dev/last-reload-request';
const at = (s: number) => new Date(START.getTime() + s * 1000).toISOString();

describe('requestToAct', () => {
  const cases: Array<[string, Record<string, string>, string | null, string | null]> = [
    ['(1) no annotation, first read', {}, null, null],
    ['(1) no annotation, later', {}, 'x', null],
    ['(1) an empty value', { [REQ]: '' }, '', null],
    ['(2) the value seen before', { [REQ]: at(5) }, at(5), null],
    ['(3) first read: a time before the start (a request for a sidecar gone)', { [REQ]: at(-5) }, null, null],
    ['(3) first read: a time after the start, not acknowledged (asked while it started)', { [REQ]: at(2) }, null, at(2)],
    ['(3) first read: after the start but acknowledged already', { [REQ]: at(2), [ACK]: at(2) }, null, null],
    ['(3) first read: an older acknowledgment does not count', { [REQ]: at(2), [ACK]: at(1) }, null, at(2)],
    ['(3) first read: a nonce, not a time', { [REQ]: 'please-reload-7' }, null, null],
    ['(3) first read: a date without a time zone is no RFC 3339 time', { [REQ]: '2026-12-07T17:00:02' }, null, null],
    ['(3) first read: an offset time after the start', { [REQ]: '2026-12-07T18:00:02+01:00' }, null, '2026-12-07T18:00:02+01:00'],
    ['(4) a new value later', { [REQ]: at(9) }, at(5), at(9)],
    ['(4) a new value later, even an old time (any change is a request)', { [REQ]: at(-60) }, at(5), at(-60)],
    ['(4) a nonce later', { [REQ]: 'please-reload-8' }, 'please-reload-7', 'please-reload-8'],
    ['(4) a value after none', { [REQ]: 'n1' }, '', 'n1'],
    ['(4) acknowledged or not, a new value later is a request', { [REQ]: at(9), [ACK]: at(9) }, at(5), at(9)],
  ];
  for (const [name, annotations, seen, expected] of cases) {
    test(name, () => assert.equal(requestToAct(new Map(Object.entries(annotations)), seen, START), expected));
  }
});

describe('requestOutcome', () => {
  const H = 'ab'.repeat(32);
  const reload = (over: Partial<ReloadResult>): ReloadResult => ({
    ok: true, generation: 7, configHash: H, durationMs: 80, phases: [], reason: 'r', startedAt: at(0), requests: 1, ...over,
  });
  const result = (over: Partial<SyncResult>): SyncResult => ({
    published: false, configHash: H, outcome: 'reloaded', reason: 'r', origin: 'volume', startedAt: at(0), durationMs: 90, ...over,
  });
  const cases: Array<[string, SyncResult, { ok: boolean; line: string }]> = [
    ['reloaded', result({ reload: reload({}) }), { ok: true, line: 'ok: reloaded config abababababab, generation 7' }],
    ['held by the rollout', result({ outcome: 'held' }), { ok: true, line: 'ok: config abababababab held: it waits for its turn in the fleet rollout' }],
    ['rejected by the checks', result({ outcome: 'rejected', rejected: [{ file: 'nginx.conf', line: 3, column: 1, message: 'unknown directive "x"', severity: 'error', source: 'nginx' }] }),
      { ok: false, line: 'failed: rejected abababababab: nginx.conf:3:1: unknown directive "x"' }],
    ['the master refused it', result({ outcome: 'reload-failed', reload: reload({ ok: false, error: { phase: 'check', code: 'ENGINXCHECK', message: 'nginx -t failed' } }) }),
      { ok: false, line: 'failed: reload-failed abababababab: failed in phase check: nginx -t failed [ENGINXCHECK]' }],
    ['the master unreachable', result({ outcome: 'error', error: { phase: 'control', code: 'ECONNECT', message: 'no master' } }),
      { ok: false, line: 'failed: error abababababab: failed in phase control: no master [ECONNECT]' }],
    ['rejected by the master before', result({ outcome: 'not-retried' }), { ok: false, line: 'failed: not-retried abababababab: not-retried' }],
    ['an unreadable source', result({ outcome: 'error', configHash: '', error: { phase: 'check', code: 'EFILESET', message: 'gone' } }),
      { ok: false, line: 'failed: error (unreadable): failed in phase check: gone [EFILESET]' }],
  ];
  for (const [name, r, expected] of cases) test(name, () => assert.deepEqual(requestOutcome(r), expected));
});
