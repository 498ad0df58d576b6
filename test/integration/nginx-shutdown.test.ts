// Issue 4, acceptance 4: SIGTERM to hotcycle drains (SIGQUIT to nginx): an in-flight long
// request completes, nginx exits, hotcycle exits 0. And nginx dying on its own ends the
// master with exit code 1 and a log line that says so (the container restarts).
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { alive } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Harness } from '../fixtures/nginx-driver/harness.ts';

const BIG = 300 * 1024;

describe('nginx driver: shutdown', () => {
  let h: Harness | undefined;
  afterEach(() => h?.close());

  test('SIGTERM drains an in-flight long request, then nginx and hotcycle exit 0', async () => {
    h = await Harness.create();
    const port = await freePort();
    await writeFile(join(h.dir, 'big.bin'), Buffer.alloc(BIG, 1));
    await h.writeConf(`server { listen 127.0.0.1:${port}; location = /big { alias ${h.dir}/big.bin; limit_rate 200k; } }`);
    await h.start();
    const { nginxPid } = (await h.status()).detail as { nginxPid: number };
    const workers = await h.pids();
    const exited = h.exitCode();
    const body = new Promise<number>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/big', agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          if (bytes === 0) h?.process.kill('SIGTERM');
          bytes += chunk.length;
        });
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(await body, BIG, 'the in-flight request completed in full');
    const code = await exited;
    assert.equal(code, 0, h.logText());
    assert.ok(h.logs.some((e) => e.event === 'nginx.stopped' && e.forced === false), h.logText());
    assert.deepEqual([nginxPid, ...workers].filter(alive), []);
  });

  test('nginx exiting on its own makes hotcycle exit 1 with a clear log line', async () => {
    h = await Harness.create();
    const port = await freePort();
    await h.writeConf(`server { listen 127.0.0.1:${port}; return 200; }`);
    await h.start();
    const { nginxPid } = (await h.status()).detail as { nginxPid: number };
    const workers = await h.pids();
    process.kill(nginxPid, 'SIGKILL');
    assert.equal(await h.exitCode(), 1);
    const line = await h.waitForLog((e) => e.event === 'nginx.exited');
    assert.match(line.message, /^nginx killed by SIGKILL on its own; hotcycle exits so the container restarts it$/);
    // The orphaned workers were told to finish (SIGQUIT to nginx's process group).
    await h.waitForErrorLog(new RegExp(`${workers[0]}#\\d+: exit$`));
  });
});
