import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { prepareSocketPath } from '../../src/protocol/socket-path.ts';

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'hotcycle-sock-'))));
after(() => rm(dir, { recursive: true, force: true }));

test('a missing socket directory is created 0770', async () => {
  const path = join(dir, 'run', 'x.sock');
  await prepareSocketPath(path);
  assert.equal((await stat(join(dir, 'run'))).mode & 0o777, 0o770);
});

test('a stale socket file is removed; a live one and a regular file are refused', async () => {
  const stale = join(dir, 'stale.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(stale, resolve));
  await prepareSocketPath(stale).then(() => assert.fail('live socket must be refused'), (e: Error & { code: string }) => assert.equal(e.code, 'EADDRINUSE'));
  // Closing a Node server unlinks its file; a process killed with -9 leaves it behind.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`]);
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.ok((await stat(stale)).isSocket(), 'the killed process left its socket file');
  await prepareSocketPath(stale);
  await assert.rejects(stat(stale), /ENOENT/);

  const file = join(dir, 'file.sock');
  await writeFile(file, 'not a socket');
  await assert.rejects(prepareSocketPath(file), /is not a socket; refusing to replace it/);
});
