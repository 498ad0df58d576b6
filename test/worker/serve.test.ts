// hotcycle/worker's serve() in a real worker process on a real inherited socket: it
// reports ready, and on SIGTERM stops accepting, answers the in-flight request, answers a
// further request on a kept-alive connection with `Connection: close`, and exits 0.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Agent, request } from 'node:http';
import { closeFd, listenTcp, localPort } from '../../src/native.ts';
import { Worker } from '../../src/master/workers.ts';
import { DEMO_APP, ROOT } from '../helpers/master.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const fd = listenTcp('127.0.0.1', 0, 64);
const port = localPort(fd);
after(() => closeFd(fd));

function get(agent: Agent, path: string): Promise<{ body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ body, connection: res.headers.connection }));
    }).on('error', reject).end();
  });
}

test('serve() drains: in-flight answered, keep-alive told to close, exit 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-serve-'));
  await writeFile(join(dir, 'message.txt'), 'drain me');
  const waiters: { prefix: string; resolve: () => void }[] = [];
  const nextLine = (prefix: string) => new Promise<void>((resolve) => waiters.push({ prefix, resolve }));
  const onOutput = (line: string) => {
    for (const w of waiters.filter((w) => line.startsWith(w.prefix))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const worker = new Worker({
    generation: 1, slot: 0, command: [process.execPath, DEMO_APP], cwd: ROOT, env: { PATH: process.env.PATH ?? '' },
    configDir: dir, listeners: [{ name: 'http', fd }], readiness: { mode: 'notify', timeoutMs: 10_000 },
    onOutput,
  });
  try {
    await worker.waitReady();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    assert.equal((await get(agent, '/')).connection, 'keep-alive');
    const started = nextLine('demo: slow request started');
    const slow = get(new Agent({ keepAlive: true }), '/slow?ms=600');
    await started;
    const draining = nextLine('demo: SIGTERM: draining');
    process.kill(worker.pid, 'SIGTERM');
    await draining;
    // The kept-alive connection is still open: its next request is answered, with Connection: close.
    const last = await get(agent, '/');
    assert.equal(last.body, 'drain me\n');
    assert.equal(last.connection, 'close');
    assert.match((await slow).body, /drain me \(after 600 ms\)/);
    assert.deepEqual(await worker.exited, { code: 0, signal: null });
    agent.destroy();
  } finally {
    await worker.stop({ signal: 'SIGKILL', timeoutMs: 1000 });
    await rm(dir, { recursive: true, force: true });
  }
});
