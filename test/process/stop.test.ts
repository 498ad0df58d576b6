import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { stopProcess } from '../../src/process/stop.ts';

const node = (script: string) => spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });

test('a process that exits on the signal is not forced', async () => {
  const child = node("process.on('SIGTERM', () => process.exit(0)); console.log('up'); setInterval(() => {}, 1000)");
  await once(child.stdout!, 'data');
  const result = await stopProcess(child, { signal: 'SIGTERM', timeoutMs: 5000 });
  assert.deepEqual(result, { code: 0, signal: null, forced: false });
});

test('a process that ignores the signal is killed with SIGKILL after the timeout', async () => {
  const child = node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)");
  await once(child.stdout!, 'data');
  const result = await stopProcess(child, { signal: 'SIGTERM', timeoutMs: 200 });
  assert.deepEqual(result, { code: null, signal: 'SIGKILL', forced: true });
});

test('stopping an exited process reports its exit and sends nothing', async () => {
  const child = node('process.exit(4)');
  await once(child, 'exit');
  assert.deepEqual(await stopProcess(child, { signal: 'SIGTERM', timeoutMs: 10 }), { code: 4, signal: null, forced: false });
});
