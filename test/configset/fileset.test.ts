import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { HotcycleError } from '../../src/errors.ts';
import { fileSetFrom, hashFileSet, readFileSet, shortHash, type FileSet } from '../../src/configset/fileset.ts';
import { KubeletVolume } from '../helpers/kubelet.ts';
import { Scratch } from '../helpers/scratch.ts';

const scratch = Scratch.forFile('hotcycle-fileset-');

async function freshDir(files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await scratch.dir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

function asRecord(set: FileSet): Record<string, string> {
  return Object.fromEntries([...set].map(([name, content]) => [name, content.toString()]));
}

async function rejects(dir: string, message: RegExp, limits = {}): Promise<void> {
  await assert.rejects(readFileSet(dir, limits), (error: unknown) => {
    assert.ok(error instanceof HotcycleError, String(error));
    assert.equal(error.phase, 'check');
    assert.equal(error.code, 'EFILESET');
    assert.match(error.message, message);
    return true;
  });
}

describe('hashFileSet', () => {
  test('does not depend on insertion order', () => {
    const a = new Map([['x', Buffer.from('1')], ['y', Buffer.from('2')]]);
    const b = new Map([['y', Buffer.from('2')], ['x', Buffer.from('1')]]);
    assert.equal(hashFileSet(a), hashFileSet(b));
  });

  test('frames names and contents, so concatenations do not collide', () => {
    assert.notEqual(hashFileSet(fileSetFrom({ a: 'bc' })), hashFileSet(fileSetFrom({ ab: 'c' })));
    assert.notEqual(hashFileSet(fileSetFrom({ a: '', b: '' })), hashFileSet(fileSetFrom({ ab: '' })));
    assert.notEqual(hashFileSet(fileSetFrom({})), hashFileSet(fileSetFrom({ '': '' })));
  });

  test('changes with any byte and is stable across releases', () => {
    const set = fileSetFrom({ 'nginx.conf': 'events {}\n', 'conf.d/a.conf': 'x' });
    assert.notEqual(hashFileSet(set), hashFileSet(fileSetFrom({ 'nginx.conf': 'events {}\n', 'conf.d/a.conf': 'y' })));
    // Pinned: the master and sidecar of different builds must agree on a version's name.
    assert.equal(hashFileSet(set), hashFileSet(fileSetFrom([['conf.d/a.conf', 'x'], ['nginx.conf', 'events {}\n']])));
    // Independently: python3 hashlib over b'hotcycle-fileset-v1\0' + (u64be len, name, u64be len, content)...
    assert.equal(hashFileSet(set), '40e9b8cf89737972779d5a77c0baebea1f85a488c1fe531fdaf8367ea25291b6');
  });

  test('shortHash is the first 12 hex characters', () => {
    const hash = hashFileSet(fileSetFrom({ a: 'b' }));
    assert.equal(shortHash(hash), hash.slice(0, 12));
    assert.equal(shortHash(hash).length, 12);
  });
});

describe('fileSetFrom', () => {
  test('iterates in byte order of the names', () => {
    const set = fileSetFrom({ b: '', 'a/z': '', a0: '', Z: '', 'é': '', '\u{1F600}': '' });
    assert.deepEqual([...set.keys()], ['Z', 'a/z', 'a0', 'b', 'é', '\u{1F600}']);
  });
});

describe('readFileSet', () => {
  test('reads a plain directory, nested, with dotfiles, skipping ..-names', async () => {
    const dir = await freshDir({ 'nginx.conf': 'n', 'conf.d/site.conf': 's', '.htpasswd': 'h', '..hidden/x': 'no' });
    assert.deepEqual(asRecord(await readFileSet(dir)), { '.htpasswd': 'h', 'conf.d/site.conf': 's', 'nginx.conf': 'n' });
  });

  test('reads a kubelet volume through ..data, and sees each update whole', async () => {
    const dir = await freshDir();
    const volume = new KubeletVolume(dir);
    await volume.update({ 'a.conf': 'v1', 'sub/b.conf': 'v1' });
    assert.deepEqual(asRecord(await readFileSet(dir)), { 'a.conf': 'v1', 'sub/b.conf': 'v1' });
    await volume.update({ 'a.conf': 'v2', 'c.conf': 'v2' });
    assert.deepEqual(asRecord(await readFileSet(dir)), { 'a.conf': 'v2', 'c.conf': 'v2' });
  });

  test('ignores a version written but not swapped in (kubelet killed mid-update)', async () => {
    const dir = await freshDir();
    const volume = new KubeletVolume(dir);
    await volume.update({ 'a.conf': 'v1' });
    await volume.crashBeforeSwap({ 'a.conf': 'v2' });
    assert.deepEqual(asRecord(await readFileSet(dir)), { 'a.conf': 'v1' });
  });

  test('follows a symlink that stays inside the set', async () => {
    const dir = await freshDir({ 'real.conf': 'r' });
    await symlink('real.conf', path.join(dir, 'alias.conf'));
    assert.deepEqual(asRecord(await readFileSet(dir)), { 'alias.conf': 'r', 'real.conf': 'r' });
  });

  test('rejects a symlink that points outside the set', async () => {
    const outside = await freshDir({ secret: 'root:x:0:0' });
    const dir = await freshDir({ 'a.conf': 'a' });
    await symlink(path.join(outside, 'secret'), path.join(dir, 'passwd'));
    await rejects(dir, /passwd is a symlink that points outside the config set/);
  });

  test('rejects a symlinked directory that loops', async () => {
    const dir = await freshDir({ 'sub/a.conf': 'a' });
    await symlink('..', path.join(dir, 'sub', 'loop'));
    await rejects(dir, /sub\/loop is a symlink loop/);
  });

  test('rejects a fifo without blocking on it', async () => {
    const dir = await freshDir({ 'a.conf': 'a' });
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    await rejects(dir, /pipe is not a regular file \(fifo\)/);
  });

  test('rejects a socket', async (t) => {
    const dir = await freshDir({ 'a.conf': 'a' });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'control.sock'), resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await rejects(dir, /control\.sock is not a regular file \(socket\)/);
  });

  test('rejects a device file', async () => {
    const dir = await freshDir({ 'a.conf': 'a' });
    execFileSync('mknod', [path.join(dir, 'null'), 'c', '1', '3']); // what /dev/null is; needs root
    await rejects(dir, /null is not a regular file \(device\)/);
  });

  test('rejects a set over the ConfigMap limit of 1 MiB by default', async () => {
    const dir = await freshDir({ 'a.conf': 'a', 'big.bin': Buffer.alloc(2 * 1024 * 1024) });
    await rejects(dir, /larger than 1048576 bytes/);
  });

  test('takes a smaller byte limit and a file-count limit', async () => {
    const dir = await freshDir({ a: '12345', b: '12345', c: '1', d: '1' });
    await rejects(dir, /larger than 8 bytes/, { maxBytes: 8 });
    await rejects(dir, /more than 3 files/, { maxFiles: 3 });
    assert.equal((await readFileSet(dir, { maxBytes: 12, maxFiles: 4 })).size, 4);
  });

  test('names a directory it cannot read', async () => {
    await rejects(scratch.path('missing'), /cannot read .*missing/);
  });
});
