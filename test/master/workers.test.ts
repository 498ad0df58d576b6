// A Worker is a real process: these tests spawn the print-env fixture with a real
// listening socket and check what it inherits and how its lifecycle moves.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeFd, listenTcp } from '../../src/native.ts';
import type { ReadinessConfig as Readiness } from '../../src/config/types.ts';
import { Worker } from '../../src/master/workers.ts';
import { fixture, ROOT } from '../helpers/master.ts';

const fd = listenTcp('127.0.0.1', 0, 16);
const started: Worker[] = [];
// A failed assertion must not leave a worker behind to keep this file's process alive.
after(async () => {
  await Promise.all(started.map((w) => w.stop({ signal: 'SIGKILL', timeoutMs: 1000 })));
  closeFd(fd);
});

function start(readiness: Readiness, env: Record<string, string> = {}, script = 'print-env.ts') {
  let gotLine!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  const worker = new Worker({
    generation: 7, slot: 1, command: [process.execPath, fixture(script)], cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env }, configDir: '/snapshot/7',
    listeners: [{ name: 'web', fd }], readiness, onOutput: (line) => gotLine(line),
  });
  started.push(worker);
  return { worker, firstLine };
}

test('a worker inherits its sockets and the systemd/hotcycle variables; LISTEN_PID is its own pid', async () => {
  const { worker, firstLine } = start({ mode: 'notify', timeoutMs: 10_000 });
  assert.equal(worker.state, 'starting');
  await worker.waitReady();
  assert.equal(worker.state, 'ready');
  const seen = JSON.parse(await firstLine) as { pid: number; env: Record<string, string>; sockets: boolean[] };
  assert.equal(seen.pid, worker.pid);
  assert.equal(seen.env.LISTEN_PID, String(worker.pid));
  assert.equal(seen.env.LISTEN_FDS, '1');
  assert.equal(seen.env.LISTEN_FDNAMES, 'web');
  assert.deepEqual(seen.sockets, [true]);
  assert.equal(seen.env.HOTCYCLE_GENERATION, '7');
  assert.equal(seen.env.HOTCYCLE_WORKER_SLOT, '1');
  assert.equal(seen.env.HOTCYCLE_CONFIG_DIR, '/snapshot/7');
  assert.equal(seen.env.HOTCYCLE_NOTIFY_FD, '4');
  const stopped = await worker.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
  assert.equal(stopped.forced, false);
  assert.equal(worker.state, 'exited');
});

test('settle mode: ready once it survives the delay; no notify fd is offered', async () => {
  const { worker, firstLine } = start({ mode: 'settle', delayMs: 300 }, { PRINT_ENV_NO_READY: '1' });
  await worker.waitReady();
  assert.equal(worker.state, 'ready');
  assert.equal(JSON.parse(await firstLine).env.HOTCYCLE_NOTIFY_FD, undefined);
  await worker.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
});

test('a worker that never notifies fails the ready phase after its timeout', async () => {
  const { worker } = start({ mode: 'notify', timeoutMs: 300 }, { PRINT_ENV_NO_READY: '1' });
  await assert.rejects(worker.waitReady(), (e: Error & { code: string; phase: string }) => e.code === 'EREADYTIMEOUT' && e.phase === 'ready');
  assert.equal(worker.state, 'starting');
  await worker.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
  assert.equal(worker.state, 'exited');
});

test('a worker that exits before ready fails with its stderr tail, state failed', async () => {
  const { worker } = start({ mode: 'notify', timeoutMs: 10_000 }, {}, 'crash-on-start.ts');
  await assert.rejects(worker.waitReady(), (e: Error & { code: string; detail: string }) => e.code === 'EWORKEREXIT' && /cannot open database/.test(e.detail));
  await worker.exited;
  assert.equal(worker.state, 'failed');
});

test('an aborted readiness wait says why', async () => {
  const { worker } = start({ mode: 'notify', timeoutMs: 10_000 }, { PRINT_ENV_NO_READY: '1' });
  const abort = new AbortController();
  const waiting = worker.waitReady(abort.signal);
  abort.abort('shutdown');
  await assert.rejects(waiting, /aborted \(shutdown\)/);
  await worker.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
});

// Node's 'pipe' stdio is a socketpair, which open("/dev/stdout") cannot reopen (ENXIO).
test('a worker that opens /dev/stdout and /dev/stderr by path: both lines reach onOutput', async () => {
  const lines: string[] = [];
  let gotBoth!: () => void;
  const both = new Promise<void>((resolve) => (gotBoth = resolve));
  const script = 'echo "via /dev/stdout" > /dev/stdout && echo "via /dev/stderr" > /dev/stderr && exec sleep 30';
  const worker = new Worker({
    generation: 1, slot: 0, command: ['/bin/sh', '-c', script], cwd: ROOT, env: { PATH: process.env.PATH ?? '' },
    configDir: '/snapshot/1', listeners: [{ name: 'web', fd }], readiness: { mode: 'settle', delayMs: 100 },
    onOutput: (line, stream) => {
      lines.push(`${stream}: ${line}`);
      if (lines.length === 2) gotBoth();
    },
  });
  started.push(worker);
  await worker.waitReady();
  await both;
  assert.deepEqual(lines.sort(), ['stderr: via /dev/stderr', 'stdout: via /dev/stdout']);
  assert.equal(worker.stderrTail, 'via /dev/stderr');
  await worker.stop({ signal: 'SIGTERM', timeoutMs: 5000 });
  assert.equal(worker.state, 'exited');
});
