import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type NetConnectOpts, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HotcycleError } from '../../src/errors.ts';
import { addressKey, parseAddress } from '../../src/config/address.ts';
import {
  closeListeners, openedListeners, openListenerCount, openListeners, planListeners,
  type Listener, type ListenerSpec,
} from '../../src/master/listeners.ts';
import { closeFd, listenUnix } from '../../src/native.ts';
import { freePort, freePorts } from '../helpers/ports.ts';

/** A listener as the loader hands it over: parsed and keyed (config/address.ts). */
function spec(name: string, address: string): ListenerSpec {
  const listen = parseAddress(address);
  return { name, address, listen, key: addressKey(listen) };
}

/** A fake open listener for the pure plan: the fd is never used. */
function held(name: string, address: string, fd: number): Listener {
  const { listen, key } = spec(name, address);
  return { name, address: listen, fd, key };
}

describe('planListeners', () => {
  const http = held('http', '0.0.0.0:8080', 10);
  const admin = held('admin', '127.0.0.1:9000', 11);
  const v6 = held('v6', '[::1]:8080', 12);
  const sock = held('sock', 'unix:/run/app.sock', 13);
  const cases: {
    name: string; old: Listener[]; next: ListenerSpec[];
    reuse: [number, string, Listener][]; open: [number, string, string][]; close: Listener[];
  }[] = [
    { name: 'first cycle opens everything', old: [], next: [spec('http', '0.0.0.0:8080')],
      reuse: [], open: [[0, 'http', 'tcp:0.0.0.0:8080']], close: [] },
    { name: 'keep', old: [http, admin], next: [spec('http', '0.0.0.0:8080'), spec('admin', '127.0.0.1:9000')],
      reuse: [[0, 'http', http], [1, 'admin', admin]], open: [], close: [] },
    { name: 'add', old: [http], next: [spec('http', '0.0.0.0:8080'), spec('sock', 'unix:/run/app.sock')],
      reuse: [[0, 'http', http]], open: [[1, 'sock', 'unix:/run/app.sock']], close: [] },
    { name: 'remove', old: [http, admin, sock], next: [spec('admin', '127.0.0.1:9000')],
      reuse: [[0, 'admin', admin]], open: [], close: [http, sock] },
    { name: 'rename keeps the socket', old: [http], next: [spec('web', '0.0.0.0:8080')],
      reuse: [[0, 'web', http]], open: [], close: [] },
    { name: 'port change opens and closes', old: [http], next: [spec('http', '0.0.0.0:8081')],
      reuse: [], open: [[0, 'http', 'tcp:0.0.0.0:8081']], close: [http] },
    { name: 'reorder follows next', old: [http, admin], next: [spec('admin', '127.0.0.1:9000'), spec('http', '0.0.0.0:8080')],
      reuse: [[0, 'admin', admin], [1, 'http', http]], open: [], close: [] },
    { name: 'v6 spellings are one socket', old: [v6], next: [spec('v6', '[0:0:0::1]:8080')],
      reuse: [[0, 'v6', v6]], open: [], close: [] },
    { name: 'unix paths are normalised', old: [sock], next: [spec('sock', 'unix:/run//./app.sock')],
      reuse: [[0, 'sock', sock]], open: [], close: [] },
    { name: 'same port, other host is another socket', old: [http], next: [spec('http', '127.0.0.1:8080')],
      reuse: [], open: [[0, 'http', 'tcp:127.0.0.1:8080']], close: [http] },
    { name: 'empty next closes all', old: [http, v6], next: [], reuse: [], open: [], close: [http, v6] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planListeners(c.old, c.next);
      assert.deepEqual(plan.reuse.map((r) => [r.index, r.spec.name, r.listener]), c.reuse);
      assert.deepEqual(plan.open.map((o) => [o.index, o.spec.name, o.spec.key]), c.open);
      assert.deepEqual(plan.close, c.close);
      for (const r of plan.reuse) assert.equal(r.listener, c.old.find((l) => l.key === r.listener.key));
    });
  }

});

/** 'connected' once the kernel completes the handshake (nobody needs to accept), else the error code. */
async function tryConnect(options: NetConnectOpts): Promise<string> {
  const socket = connect(options);
  try {
    await once(socket, 'connect');
    return 'connected';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  } finally {
    socket.destroy();
  }
}

/** Everything a server sends on one connection, until it ends it. */
async function readAnswer(options: NetConnectOpts): Promise<string> {
  const socket = connect(options);
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => { text += chunk; });
  await once(socket, 'end');
  socket.destroy();
  return text;
}


async function listenNode(options: { port: number; host: string } | { path: string }): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => {}); // the stale-socket probe connects and hangs up at once
    socket.end('node');
  });
  server.listen(options);
  await once(server, 'listening');
  return server;
}

describe('openListeners and closeListeners (real sockets)', () => {
  const baseline = openListenerCount();
  after(() => assert.equal(openListenerCount(), baseline, 'every test closes what it opened'));

  test('a held socket completes connections nobody accepts; closing refuses them', async () => {
    const port = await freePort();
    const listeners = openListeners(planListeners([], [spec('http', `127.0.0.1:${port}`)]));
    assert.equal(listeners.length, 1);
    assert.deepEqual({ ...listeners[0], fd: 0 }, { name: 'http', key: `tcp:127.0.0.1:${port}`,
      address: { kind: 'tcp', host: '127.0.0.1', port, family: 4 }, fd: 0 });
    assert.equal(await tryConnect({ port, host: '127.0.0.1' }), 'connected');
    assert.equal(openListenerCount(), baseline + 1);
    closeListeners(listeners);
    closeListeners(listeners); // idempotent
    assert.equal(openListenerCount(), baseline);
    assert.equal(await tryConnect({ port, host: '127.0.0.1' }), 'ECONNREFUSED');
  });

  test('reuse carries the same fd; a rename carries it in a new object; re-closing is harmless', async () => {
    const port = await freePort();
    const first = openListeners(planListeners([], [spec('http', `127.0.0.1:${port}`)]));
    const samePlan = planListeners(first, [spec('http', `127.0.0.1:${port}`)]);
    const same = openListeners(samePlan);
    assert.equal(same[0], first[0]);
    assert.deepEqual(openedListeners(samePlan, same), []);
    const renamePlan = planListeners(same, [spec('web', `127.0.0.1:${port}`)]);
    const renamed = openListeners(renamePlan);
    assert.equal(renamed[0]!.fd, first[0]!.fd);
    assert.equal(renamed[0]!.name, 'web');
    assert.deepEqual(openedListeners(renamePlan, renamed), []);
    closeListeners(renamed);
    closeListeners(first); // the old object shares the fd: already closed, must be a no-op
    assert.equal(await tryConnect({ port, host: '127.0.0.1' }), 'ECONNREFUSED');
    assert.throws(() => openListeners(planListeners(first, [spec('http', `127.0.0.1:${port}`)])), /ECLOSED|already closed/);
  });

  test('EADDRINUSE rolls back only what this call opened, never a reused socket', async () => {
    const [keptPort, newPort, busyPort] = await freePorts(3);
    const old = openListeners(planListeners([], [spec('kept', `127.0.0.1:${keptPort}`)]));
    const busy = await listenNode({ port: busyPort, host: '127.0.0.1' });
    const plan = planListeners(old, [
      spec('kept', `127.0.0.1:${keptPort}`), spec('new', `127.0.0.1:${newPort}`), spec('busy', `127.0.0.1:${busyPort}`),
    ]);
    assert.throws(() => openListeners(plan), (error: unknown) => {
      assert.ok(error instanceof HotcycleError);
      assert.equal(error.phase, 'open');
      assert.equal(error.code, 'EADDRINUSE');
      assert.match(error.message, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busyPort} \\(listener "busy"\\)`));
      assert.equal((error.cause as NodeJS.ErrnoException).syscall, 'bind');
      return true;
    });
    assert.equal(await tryConnect({ port: newPort, host: '127.0.0.1' }), 'ECONNREFUSED', 'the new one is closed again');
    assert.equal(await tryConnect({ port: keptPort, host: '127.0.0.1' }), 'connected', 'the reused one stays open');
    assert.equal(await readAnswer({ port: busyPort, host: '127.0.0.1' }), 'node', 'the other owner is untouched');
    assert.equal(openListenerCount(), baseline + 1);
    busy.close();
    closeListeners(old);
  });

  test('a second open of a held address fails with EADDRINUSE', async () => {
    const port = await freePort();
    const first = openListeners(planListeners([], [spec('a', `127.0.0.1:${port}`)]));
    assert.throws(() => openListeners(planListeners([], [spec('b', `127.0.0.1:${port}`)])),
      (error: unknown) => error instanceof HotcycleError && error.code === 'EADDRINUSE' && /another socket/.test(error.detail ?? ''));
    assert.equal(await tryConnect({ port, host: '127.0.0.1' }), 'connected');
    closeListeners(first);
  });
});

// A worker as the master starts one: the listening socket is inherited as fd 3.
const WORKER = `
const net = require('node:net');
net.createServer((socket) => socket.end(process.argv[1] + ' ' + process.pid))
  .listen({ fd: 3 }, () => process.stdout.write('listening\\n'));
`;

async function startWorker(fd: number, label: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', WORKER, label], { stdio: ['ignore', 'pipe', 'inherit', fd] });
  child.stdout!.setEncoding('utf8');
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`worker exited early: ${code ?? signal}`)));
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('listening\n')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('handover between workers on a master-held socket', () => {
  test('a connection made while no worker runs is served by the next one', async () => {
    const port = await freePort();
    const [listener] = openListeners(planListeners([], [spec('http', `127.0.0.1:${port}`)]));
    const first = await startWorker(listener!.fd, 'gen1');
    try {
      assert.equal(await readAnswer({ port, host: '127.0.0.1' }), `gen1 ${first.pid}`);
      await stopWorker(first);
      // Nobody accepts now; the kernel still completes the handshake into the backlog.
      const waiting = connect({ port, host: '127.0.0.1' });
      waiting.setEncoding('utf8');
      let answer = '';
      waiting.on('data', (chunk: string) => { answer += chunk; });
      await once(waiting, 'connect');
      const second = await startWorker(listener!.fd, 'gen2');
      try {
        await once(waiting, 'end');
        assert.equal(answer, `gen2 ${second.pid}`);
        assert.equal(await readAnswer({ port, host: '127.0.0.1' }), `gen2 ${second.pid}`);
      } finally {
        waiting.destroy();
        await stopWorker(second);
      }
    } finally {
      await stopWorker(first);
      closeListeners([listener!]);
    }
  });
});

const hasV6Loopback = Object.values(networkInterfaces()).flat()
  .some((nic) => nic?.internal === true && nic.family === 'IPv6' && nic.address === '::1');

describe('IPv6', { skip: hasV6Loopback ? false : 'this machine has no IPv6 loopback (::1)' }, () => {
  test('[::]:P and 0.0.0.0:P coexist (IPV6_V6ONLY) and both take connections', async () => {
    const port = await freePort('::');
    const listeners = openListeners(planListeners([], [spec('v4', `0.0.0.0:${port}`), spec('v6', `[::]:${port}`)]));
    try {
      assert.deepEqual(listeners.map((l) => l.key), [`tcp:0.0.0.0:${port}`, `tcp:[::]:${port}`]);
      assert.equal(await tryConnect({ port, host: '127.0.0.1' }), 'connected');
      assert.equal(await tryConnect({ port, host: '::1' }), 'connected');
    } finally {
      closeListeners(listeners);
    }
    assert.equal(await tryConnect({ port, host: '::1' }), 'ECONNREFUSED');
  });

  test('[::1] reloaded as [0:0::1] keeps its socket', async () => {
    const port = await freePort('::1');
    const old = openListeners(planListeners([], [spec('v6', `[::1]:${port}`)]));
    const plan = planListeners(old, [spec('v6', `[0:0::1]:${port}`)]);
    assert.deepEqual(plan.open, []);
    const next = openListeners(plan);
    assert.equal(next[0], old[0]);
    assert.equal(await tryConnect({ port, host: '::1' }), 'connected');
    closeListeners(next);
  });
});

describe('unix sockets', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'hotcycle-listeners-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('open, connect, close removes the file', async () => {
    const path = join(dir, 'app.sock');
    const listeners = openListeners(planListeners([], [spec('sock', `unix:${path}`)]));
    assert.equal(listeners[0]!.key, `unix:${path}`);
    assert.equal(await tryConnect({ path }), 'connected');
    closeListeners(listeners);
    await assert.rejects(stat(path), { code: 'ENOENT' });
    assert.equal(await tryConnect({ path }), 'ENOENT');
  });

  test('a stale socket file (nobody listening) is replaced', async () => {
    const path = join(dir, 'stale.sock');
    closeFd(listenUnix(path, 1)); // bound, then closed without unlinking: a crashed master's leftover
    assert.ok((await stat(path)).isSocket());
    assert.equal(await tryConnect({ path }), 'ECONNREFUSED');
    const listeners = openListeners(planListeners([], [spec('sock', `unix:${path}`)]));
    assert.equal(await tryConnect({ path }), 'connected');
    closeListeners(listeners);
  });

  test('a live socket is never stolen, nor a non-socket file replaced', async () => {
    const path = join(dir, 'live.sock');
    const server = await listenNode({ path });
    const file = join(dir, 'plain-file');
    await writeFile(file, 'keep me');
    for (const taken of [path, file]) {
      assert.throws(() => openListeners(planListeners([], [spec('sock', `unix:${taken}`)])),
        (error: unknown) => error instanceof HotcycleError && error.phase === 'open' && error.code === 'EADDRINUSE' &&
          error.message.includes(`unix:${taken}`));
    }
    assert.equal(await readAnswer({ path }), 'node');
    assert.ok((await stat(file)).isFile());
    server.close();
  });

  test('a missing directory fails clearly (it is not created)', () => {
    const path = join(dir, 'missing', 'app.sock');
    assert.throws(() => openListeners(planListeners([], [spec('sock', `unix:${path}`)])),
      (error: unknown) => error instanceof HotcycleError && error.code === 'ENOENT' && /does not exist/.test(error.detail ?? ''));
  });

  test('closing does not remove a file that is no longer ours', async () => {
    const path = join(dir, 'moved.sock');
    const listeners = openListeners(planListeners([], [spec('sock', `unix:${path}`)]));
    await rm(path);
    const server = await listenNode({ path }); // someone else now owns the path
    closeListeners(listeners);
    assert.equal(await readAnswer({ path }), 'node');
    server.close();
  });
});
