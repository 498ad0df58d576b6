import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReloadBatch } from '../../src/master/reload-batch.ts';

test('a batch names its requests, keeps the newest expectation, and tells every listener', () => {
  const batch = new ReloadBatch();
  const seen: unknown[] = [];
  batch.join({ request: { reason: 'edit', expectHash: 'a'.repeat(64) }, listener: (e) => seen.push(e) });
  batch.join({ request: { expectHash: 'b'.repeat(64) } });
  batch.join({ request: { reason: 'third' } });
  assert.equal(batch.reason, 'edit (+2 coalesced)');
  assert.equal(batch.expectHash, undefined, 'the newest request expects nothing');
  batch.emit({ event: 'phase', name: 'check' });
  assert.deepEqual(seen, [
    { event: 'queued', requests: 1 }, { event: 'queued', requests: 2 }, { event: 'queued', requests: 3 },
    { event: 'phase', name: 'check' },
  ]);
});
