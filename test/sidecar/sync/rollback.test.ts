// The sidecar's decision after a failed reload (src/sidecar/sync/syncer.ts (6)): restore the
// previous version only when the master still runs it; never count against a version a failure
// says nothing about.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorCode } from '../../../src/errors.ts';
import { NOT_TRIED, UNCONFIRMED } from '../../../src/protocol/types.ts';
import { afterFailedReload } from '../../../src/sidecar/sync/decision.ts';

const error = (code: ErrorCode) => ({ phase: 'ready' as const, code, message: code });

test('rejected while the master runs the previous version: restore it', () => {
  assert.deepEqual(afterFailedReload(error('EWORKEREXIT'), 'prev', 'prev'), { kind: 'restore' });
});

test('rejected while the master runs something else, or cannot say: keep it live, remembered as failed', () => {
  assert.deepEqual(afterFailedReload(error('EWORKEREXIT'), 'other', 'prev'), { kind: 'kept' });
  assert.deepEqual(afterFailedReload(error('ENGINXRELOAD'), null, 'prev'), { kind: 'kept' }, 'a definite rejection while status is unknown');
  assert.deepEqual(afterFailedReload(error('ENGINXRELOAD'), null, null), { kind: 'kept' });
});

test('unconfirmed or not tried: nothing against the version, tried again', () => {
  assert.deepEqual(afterFailedReload(error(UNCONFIRMED), null, 'prev'), { kind: 'retry', why: 'unconfirmed' });
  assert.deepEqual(afterFailedReload(error(NOT_TRIED), 'prev', 'prev'), { kind: 'retry', why: 'not-tried' });
});
