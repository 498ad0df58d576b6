import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WorkerBook } from '../../../../src/master/drivers/nginx/generations.ts';
import type { NginxChild } from '../../../../src/master/drivers/nginx/procs.ts';

const w = (pid: number, role: NginxChild['role'] = 'worker'): NginxChild => ({ pid, role, startTicks: 100 + pid });
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('WorkerBook', () => {
  test('a reload makes a generation; the previous one drains until its workers are gone', () => {
    const book = new WorkerBook();
    book.commit(1, 'h1', [w(1), w(2)], t(0));
    book.commit(2, 'h2', [w(3), w(4)], t(10));
    book.observe([w(1, 'shutting-down'), w(3), w(4)], t(15), true);
    assert.equal(book.current, 2);
    assert.deepEqual(book.draining(t(15)), [{ generation: 1, since: t(10).toISOString(), drainingMs: 5000, workers: [1] }]);
    const [current, old] = book.status();
    assert.deepEqual([current?.generation, current?.state, old?.generation, old?.state], [2, 'current', 1, 'draining']);
    assert.deepEqual(old?.workers.map((x) => [x.pid, x.state]), [[1, 'shutting-down']]);
    book.observe([w(3), w(4)], t(20), true);
    assert.deepEqual(book.draining(t(20)), []);
    assert.deepEqual(book.status().map((g) => g.generation), [2]);
  });

  test('a worker nginx respawned joins the current generation, only outside a reload', () => {
    const book = new WorkerBook();
    book.commit(1, 'h1', [w(1), w(2)], t(0));
    book.observe([w(1), w(7)], t(1), false);
    assert.equal(book.knows(w(7)), false);
    book.observe([w(1), w(7)], t(2), true);
    assert.equal(book.knows(w(7)), true);
    assert.deepEqual(book.status()[0]?.restarts, 1);
    assert.equal(book.knows({ pid: 7, role: 'worker', startTicks: 1 }), false, 'a reused pid is another process');
  });
});
