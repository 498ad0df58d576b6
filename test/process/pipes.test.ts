// Real children writing through real pipes: reopening /dev/stdout works, the read ends end
// when the last holder of the write end (a descendant too) closes it, and no fd is left over.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { execWithOutput, spawnWithOutput } from '../../src/process/pipes.ts';

const openFds = () => readdirSync('/proc/self/fd').length;

function collect(stream: Readable): { text: () => string; ended: Promise<void>; isEnded: () => boolean } {
  let text = '';
  let ended = false;
  stream.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
  const done = once(stream, 'end').then(() => { ended = true; });
  return { text: () => text, ended: done, isEnded: () => ended };
}

test('a child that opens /dev/stdout and /dev/stderr reaches both streams', async () => {
  const before = openFds();
  const { child, stdout, stderr } = spawnWithOutput('/bin/sh', ['-c', 'echo out > /dev/stdout; echo err > /dev/stderr'], {});
  const out = collect(stdout);
  const err = collect(stderr);
  const [code] = await once(child, 'exit');
  await Promise.all([out.ended, err.ended, once(stdout, 'close'), once(stderr, 'close')]);
  assert.equal(code, 0);
  assert.equal(out.text(), 'out\n');
  assert.equal(err.text(), 'err\n');
  assert.equal(openFds(), before, 'both pipes closed: write ends at spawn, read ends at their end');
});

// The descendant holds stdout until the test tells it to finish, through fd 3 (extra stdio).
test('stdout ends only when a descendant that inherited it closes it too', async () => {
  const script = 'echo early; (read go <&3; echo late) & exit 0';
  const { child, stdout } = spawnWithOutput('/bin/sh', ['-c', script], {}, ['pipe']);
  const out = collect(stdout);
  await once(child, 'exit');
  assert.equal(out.isEnded(), false, 'the background shell still holds the write end');
  const control = child.stdio[3] as NodeJS.WritableStream;
  control.write('go\n');
  await out.ended;
  assert.equal(out.text(), 'early\nlate\n');
});

// Runs as root, as test/charts does (nginx -t as uid 65534): only root can switch users.
test('a child running as another user owns its pipes and can reopen them', async () => {
  const result = await execWithOutput('/bin/sh', ['-c', 'id -u > /dev/stdout; echo err > /dev/stderr'], { uid: 65534, gid: 65534, timeoutMs: 10_000 });
  assert.deepEqual(result, { exit: { code: 0, signal: null }, stdout: '65534\n', stderr: 'err\n', timedOut: false });
});

test('execWithOutput: the exit code and both outputs', async () => {
  const result = await execWithOutput('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
  assert.deepEqual(result, { exit: { code: 3, signal: null }, stdout: 'out\n', stderr: 'err\n', timedOut: false });
});

test('execWithOutput: SIGKILL after the timeout', async () => {
  const result = await execWithOutput('/bin/sh', ['-c', 'echo started >&2; exec sleep 30'], { timeoutMs: 200 });
  assert.deepEqual(result, { exit: { code: null, signal: 'SIGKILL' }, stdout: '', stderr: 'started\n', timedOut: true });
});

test('execWithOutput: output beyond maxChars is dropped', async () => {
  const result = await execWithOutput('/bin/sh', ['-c', 'printf %05000d 0'], { timeoutMs: 10_000, maxChars: 100 });
  assert.equal(result.stdout, '0'.repeat(100));
});

test('execWithOutput: a command that cannot start rejects, leaving no fd open', async () => {
  const before = openFds();
  await assert.rejects(execWithOutput('/nonexistent/command', [], { timeoutMs: 10_000 }), { code: 'ENOENT' });
  assert.equal(openFds(), before);
});
