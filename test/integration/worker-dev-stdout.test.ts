// A worker that logs by opening /dev/stdout (a shell's `> /dev/stdout`, nginx's
// `access_log /dev/stdout;`) under a real `hotcycle master`: its stdout is a real pipe,
// which open() can reopen (a socketpair, Node's 'pipe' stdio, fails with ENXIO), and its
// lines reach the master's output.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const masters: MasterProcess[] = [];
after(() => Promise.all(masters.map((m) => m.cleanup())));

test('lines a worker writes to /dev/stdout and /dev/stderr by path reach the master\'s output', async () => {
  const port = await freePort();
  const script = 'echo "generation $HOTCYCLE_GENERATION via /dev/stdout" > /dev/stdout && ' +
    'echo "generation $HOTCYCLE_GENERATION via /dev/stderr" > /dev/stderr && exec sleep 3600';
  const master = await MasterProcess.start({
    listeners: [{ name: 'http', address: `127.0.0.1:${port}` }],
    workers: { count: 1, command: ['/bin/sh', '-c', script], readiness: { mode: 'settle', delayMs: 200 }, shutdown: { signal: 'SIGTERM', timeoutMs: 5000 } },
  });
  masters.push(master);
  await master.waitForLog((l) => l.message === 'generation 1 via /dev/stdout');
  await master.waitForLog((l) => l.message === 'generation 1 via /dev/stderr');
  // A reload's new worker reopens them the same way.
  const result = await master.reload();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  await master.waitForLog((l) => l.message === 'generation 2 via /dev/stdout');
  assert.ok(!master.output.some((line) => /No such device or address|cannot create/.test(line)), master.output.join('\n'));
});
