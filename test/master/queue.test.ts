import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReloadBatch, SerialQueue } from '../../src/master/queue.ts';

test('the serial queue runs tasks one at a time, in order, past failures', async () => {
  const queue = new SerialQueue();
  const log: string[] = [];
  let running = 0;
  const task = (name: string, fail = false) => queue.run(async () => {
    running++;
    assert.equal(running, 1, 'never two at once');
    log.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`end ${name}`);
    running--;
    if (fail) throw new Error(name);
    return name;
  });
  const results = await Promise.allSettled([task('a'), task('b', true), task('c')]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  await queue.idle();
});

test('a batch names its requests, keeps the newest expectation, and tells every listener', () => {
  const batch = new ReloadBatch();
  const seen: unknown[] = [];
  batch.join({ reason: 'edit', expectHash: 'a'.repeat(64) }, (e) => seen.push(e));
  batch.join({ expectHash: 'b'.repeat(64) });
  batch.join({ reason: 'third' });
  assert.equal(batch.reason, 'edit (+2 coalesced)');
  assert.equal(batch.expectHash, undefined, 'the newest request expects nothing');
  batch.emit({ event: 'phase', name: 'check' });
  assert.deepEqual(seen, [
    { event: 'queued', requests: 1 }, { event: 'queued', requests: 2 }, { event: 'queued', requests: 3 },
    { event: 'phase', name: 'check' },
  ]);
});
