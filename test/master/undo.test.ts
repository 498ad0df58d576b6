// The cycle's undo list: newest first, a failing step reported and never stopping the rest,
// a handed-over resource no longer undone, nothing undone after the commit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UndoList } from '../../src/master/undo.ts';

test('undo runs newest first; a failing step is returned and the rest still run', async () => {
  const ran: string[] = [];
  const undo = new UndoList();
  undo.push('snapshot', () => void ran.push('snapshot'));
  undo.push('listeners', () => {
    throw new Error('EBADF');
  });
  undo.push('workers', async () => void ran.push('workers'));
  const failed = await undo.run();
  assert.deepEqual(ran, ['workers', 'snapshot']);
  assert.deepEqual(failed.map((f) => [f.label, (f.error as Error).message]), [['listeners', 'EBADF']]);
  assert.deepEqual(await undo.run(), [], 'a second run undoes nothing');
});

test('a handed-over resource is not undone; after clear nothing is', async () => {
  const ran: string[] = [];
  const undo = new UndoList();
  undo.push('snapshot', () => void ran.push('snapshot'));
  undo.push('listeners', () => void ran.push('listeners'));
  undo.handOver('snapshot');
  assert.throws(() => undo.handOver('snapshot'), /nothing registered as snapshot/);
  await undo.run();
  assert.deepEqual(ran, ['listeners']);
  undo.push('workers', () => void ran.push('workers'));
  undo.clear();
  await undo.run();
  assert.deepEqual(ran, ['listeners']);
});
