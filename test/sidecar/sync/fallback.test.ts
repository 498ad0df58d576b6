// The sync loop's step (8) decides which source version a pod that runs nothing cannot serve
// (src/sidecar/sync/fallback.ts unservable), and why: the stored last good config is published
// in its place. The step as a whole, with a fake store, is syncer.test.ts's and rollout-gate.test.ts's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileSetFrom } from '../../../src/configset/fileset.ts';
import { unservable, type SourceVerdict, type Unservable } from '../../../src/sidecar/sync/fallback.ts';

const live = { hash: 'live', set: fileSetFrom({ 'app.conf': 'x' }) };
const quiet: SourceVerdict = { checksPending: false, rejected: null, heldBad: null };
const refused = new Set(['live']);

const cases: Array<[string, Parameters<typeof unservable>[0], string, SourceVerdict, Unservable | null]> = [
  ['the master runs something: nothing to fall back for', live, 'live', { ...quiet, rejected: 'bad' }, null],
  ['the checks could not run yet: nothing decided', null, '', { ...quiet, checksPending: true, rejected: 'bad' }, null],
  ['rejected by the checks before anything was published', null, '', { ...quiet, rejected: 'bad' }, { hash: 'bad', why: 'was rejected' }],
  ['an unreadable source before anything was published', null, '', { ...quiet, rejected: '' }, { hash: '', why: 'was rejected' }],
  ['held as bad by the rollout', null, '', { ...quiet, heldBad: { hash: 'v3', reason: 'probe: 5xx ratio 1.00 > 0.05' } },
    { hash: 'v3', why: 'is marked bad in the fleet rollout (probe: 5xx ratio 1.00 > 0.05)' }],
  ['live but refused by the master', live, '', quiet, { hash: 'live', why: 'was rejected' }],
  ['live, not refused: the master is coming up on it', { ...live, hash: 'other' }, '', quiet, null],
  ['nothing read, nothing held', null, '', quiet, null],
];

for (const [name, version, applied, source, expected] of cases) {
  test(`unservable: ${name}`, () => assert.deepEqual(unservable(version, applied, source, (h) => refused.has(h)), expected));
}
