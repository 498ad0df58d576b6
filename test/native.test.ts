import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { closeSync, fstatSync, readFileSync, readSync, writeSync } from 'node:fs';
import { closeFd, isNativeError, listenTcp, listenUnix, localPort, nativeCandidates, peerCred, pipe } from '../src/native.ts';

const nativeModule = new URL('../src/native.ts', import.meta.url).href;
const built = fileURLToPath(new URL('../build/Release/hotcycle.node', import.meta.url));

/** Runs an ES module snippet in a fresh node (a fresh addon cache) and returns its stdout. */
async function runModule(code: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { env });
  return stdout;
}

describe('loading the addon', () => {
  test('candidates: beside the module, then the node-gyp build; HOTCYCLE_NATIVE alone when set', () => {
    const [beside, build] = nativeCandidates({});
    assert.equal(beside, fileURLToPath(new URL('../src/hotcycle.node', import.meta.url)));
    assert.equal(build, built);
    assert.deepEqual(nativeCandidates({ HOTCYCLE_NATIVE: '/opt/x.node' }), ['/opt/x.node']);
  });

  test('a missing addon is an ENATIVE error that says how to build it', async () => {
    const code = `import { listenTcp } from '${nativeModule}';
      try { listenTcp('127.0.0.1', 0, 1); } catch (e) { console.log(JSON.stringify({ ...e.toJSON(), name: e.name })); }`;
    const error = JSON.parse(await runModule(code, { ...process.env, HOTCYCLE_NATIVE: '/nonexistent/hotcycle.node' }));
    assert.equal(error.name, 'HotcycleError');
    assert.equal(error.phase, 'open');
    assert.equal(error.code, 'ENATIVE');
    assert.match(error.detail, /\/nonexistent\/hotcycle\.node: not found/);
    assert.match(error.detail, /npm run build/);
  });

  test('HOTCYCLE_NATIVE loads the given file', async () => {
    const code = `import { loadNative } from '${nativeModule}'; console.log(Object.keys(loadNative()).sort().join(','));`;
    const keys = await runModule(code, { ...process.env, HOTCYCLE_NATIVE: built });
    assert.equal(keys.trim(), 'closeFd,listenTcp,listenUnix,localPort,peerCred,pipe');
  });
});

describe('addon calls', () => {
  test('failures are system errors with code, errno and syscall', () => {
    const fd = listenTcp('127.0.0.1', 0, 8);
    try {
      assert.ok(localPort(fd) > 0);
      assert.throws(() => listenTcp('127.0.0.1', localPort(fd), 8), (error: unknown) => {
        assert.ok(isNativeError(error));
        assert.deepEqual([error.code, error.errno, error.syscall], ['EADDRINUSE', -98, 'bind']);
        assert.equal(error.message, 'bind EADDRINUSE: Address already in use');
        return true;
      });
    } finally {
      closeFd(fd);
    }
    assert.throws(() => closeFd(fd), { code: 'EBADF', syscall: 'close' });
    assert.throws(() => listenTcp('localhost', 8080, 8), { code: 'EINVAL', syscall: 'inet_pton' });
    assert.throws(() => listenUnix('', 8), { code: 'ENOENT' });
    assert.throws(() => listenUnix(`/${'x'.repeat(200)}`, 8), { code: 'ENAMETOOLONG' });
    assert.throws(() => localPort(-1), { code: 'EBADF', syscall: 'getsockname' });
  });
});

describe('peerCred', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'hotcycle-native-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('a listening unix socket reports the process that listened', () => {
    const fd = listenUnix(join(dir, 'self.sock'), 8);
    try {
      assert.deepEqual(peerCred(fd), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    } finally {
      closeFd(fd);
    }
  });

  // Node has no public API for an accepted socket's fd, so the accepted connection is
  // handed to a child (spawn's stdio duplicates it as fd 3), which asks the addon.
  test('a connection accepted by a Node server reports the connecting process', async () => {
    const path = join(dir, 'control.sock');
    const server = createServer();
    server.listen(path);
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = spawn(process.execPath, ['-e', `require('node:net').connect(process.argv[1])`, path], { stdio: 'ignore' });
    try {
      const [socket] = await accepted;
      const code = `import { peerCred } from '${nativeModule}'; console.log(JSON.stringify(peerCred(3)));`;
      const checker = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit', socket] });
      let output = '';
      checker.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
      const [exitCode] = await once(checker, 'exit');
      assert.equal(exitCode, 0);
      assert.deepEqual(JSON.parse(output), { pid: client.pid, uid: process.getuid!(), gid: process.getgid!() });
      socket.destroy();
    } finally {
      client.kill('SIGKILL');
      server.close();
    }
  });

  test('on a socket that is not connected it fails like getsockopt', () => {
    assert.throws(() => peerCred(-1), { code: 'EBADF', syscall: 'getsockopt' });
  });
});

describe('pipe', () => {
  /** The fd's open flags, octal, from /proc (O_CLOEXEC is 02000000). */
  const flags = (fd: number) => parseInt(/^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);

  test('returns a real pipe (a FIFO, not a socket), both ends close-on-exec', () => {
    const [read, write] = pipe();
    try {
      assert.ok(fstatSync(read).isFIFO() && fstatSync(write).isFIFO());
      assert.ok(flags(read) & 0o2000000 && flags(write) & 0o2000000);
      assert.equal(writeSync(write, 'through'), 7);
      const buffer = Buffer.alloc(16);
      assert.equal(buffer.toString('utf8', 0, readSync(read, buffer)), 'through');
    } finally {
      closeSync(read);
      closeSync(write);
    }
  });

  test('a child given the write end as stdout can reopen /dev/stdout', async () => {
    const [read, write] = pipe();
    const child = spawn('/bin/sh', ['-c', 'echo reopened > /dev/stdout'], { stdio: ['ignore', write, 'inherit'] });
    closeSync(write);
    const [code] = await once(child, 'exit');
    const buffer = Buffer.alloc(64);
    const text = buffer.toString('utf8', 0, readSync(read, buffer));
    closeSync(read);
    assert.equal(code, 0);
    assert.equal(text, 'reopened\n');
  });
});
