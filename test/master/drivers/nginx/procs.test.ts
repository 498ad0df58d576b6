import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { classifyTitle, listChildren, parseStartTicks } from '../../../../src/master/drivers/nginx/procs.ts';

describe('procs', () => {
  test('titles nginx sets through its argv area', () => {
    assert.equal(classifyTitle('nginx: worker process' + ' '.repeat(40)), 'worker');
    assert.equal(classifyTitle('nginx: worker process is shutting down\0\0'), 'shutting-down');
    assert.equal(classifyTitle('nginx: cache manager process'), 'helper');
    // Forked, not yet retitled: still the master's title.
    assert.equal(classifyTitle('nginx: master process /usr/sbin/nginx -g daemon off;\0'), 'starting');
  });

  test('start time is field 22, whatever the command name holds', () => {
    const fields = Array.from({ length: 30 }, (_, i) => String(i + 3));
    assert.equal(parseStartTicks(`42 (nginx: a) b) ${fields.join(' ')}`), 22);
  });

  test('children from a /proc tree; a child gone meanwhile is skipped', async () => {
    const proc = await mkdtemp(join(tmpdir(), 'hotcycle-proc-'));
    try {
      const stat = (pid: number, start: number) => `${pid} (nginx) S ${Array.from({ length: 30 }, (_, i) => (i === 18 ? String(start) : '0')).join(' ')}`;
      await mkdir(join(proc, '10/task/10'), { recursive: true });
      await writeFile(join(proc, '10/task/10/children'), '11 12 13 14 15 ');
      await writeFile(join(proc, 'uptime'), '9.00 17.50\n'); // 900 ticks since boot
      const master = 'nginx: master process /usr/sbin/nginx -g daemon off;';
      for (const [pid, title, start] of [
        [11, 'nginx: worker process', 777], [12, 'nginx: worker process is shutting down', 777],
        [14, master, 777], // forked 1.23 s ago, not retitled yet: a worker being born
        [15, master, 500], // 4 s old and still the master's title: not a worker (a USR2 upgrade)
      ] as const) {
        await mkdir(join(proc, String(pid)));
        await writeFile(join(proc, String(pid), 'cmdline'), title + '\0');
        await writeFile(join(proc, String(pid), 'stat'), stat(pid, start));
      }
      assert.deepEqual(listChildren(10, proc), [
        { pid: 11, role: 'worker', startTicks: 777 }, { pid: 12, role: 'shutting-down', startTicks: 777 },
        { pid: 14, role: 'starting', startTicks: 777 }, { pid: 15, role: 'helper', startTicks: 500 },
      ]);
      assert.deepEqual(listChildren(99, proc), []);
    } finally {
      await rm(proc, { recursive: true, force: true });
    }
  });

  test('the real /proc: this process is a child of its parent', () => {
    const me = listChildren(process.ppid).find((c) => c.pid === process.pid);
    assert.ok(me && me.startTicks > 0);
  });
});
