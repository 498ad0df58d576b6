import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PhaseClock } from '../../src/master/phases.ts';

test('the phase clock records each phase, failed ones too, and tells its listeners', async () => {
  const heard: string[] = [];
  const clock = new PhaseClock((r) => heard.push(`${r.name}:${r.ok}`));
  assert.equal(await clock.run('check', () => 42), 42);
  await assert.rejects(clock.run('open', async () => {
    throw new Error('EADDRINUSE');
  }), /EADDRINUSE/);
  assert.deepEqual(clock.records.map((r) => [r.name, r.ok]), [['check', true], ['open', false]]);
  assert.ok(clock.records.every((r) => r.ms >= 0));
  assert.deepEqual(heard, ['check:true', 'open:false']);
});
