import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalescedTask, Coalescer, SerialQueue, type Batch } from '../src/queue.ts';

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

test('a burst of requests costs one running and one follow-up batch; joiners share results', async () => {
  class Names implements Batch<string> {
    readonly names: string[] = [];
    join(name: string): void {
      this.names.push(name);
    }
  }
  const runs: string[][] = [];
  let release!: () => void;
  const firstRunning = new Promise<void>((resolve) => (release = resolve));
  const coalescer = new Coalescer(new SerialQueue(), () => new Names(), async (batch: Names) => {
    runs.push(batch.names);
    if (runs.length === 1) await firstRunning;
    return runs.length;
  });
  const first = coalescer.request('a');
  await new Promise((resolve) => setImmediate(resolve)); // 'a' has started running
  const burst = ['b', 'c', 'd'].map((n) => coalescer.request(n));
  assert.equal(coalescer.waiting, true);
  release();
  assert.deepEqual(await Promise.all([first, ...burst]), [1, 2, 2, 2]);
  assert.deepEqual(runs, [['a'], ['b', 'c', 'd']]);
  assert.equal(coalescer.waiting, false);
});

test('coalescedTask: kicks while a run waits join it; a kick during a run queues one follow-up', async () => {
  const queue = new SerialQueue();
  let runs = 0;
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => { started = resolve; });
  let release: () => void = () => undefined;
  const blocked = new Promise<void>((resolve) => { release = resolve; });
  const kick = coalescedTask(queue, async () => {
    runs++;
    if (runs === 1) {
      started();
      await blocked;
    }
  });
  const first = kick();
  await running;
  const followUps = [kick(), kick(), kick()];
  assert.equal(followUps[0], followUps[2], 'the kicks while one waits share its run');
  release();
  await Promise.all([first, ...followUps]);
  assert.equal(runs, 2, 'three kicks during the run cost one follow-up');
  await kick();
  assert.equal(runs, 3);
});
