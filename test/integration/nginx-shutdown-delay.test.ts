// Issue 11, defect 2 (nginx driver): with --shutdown-delay-ms, SIGTERM to hotcycle does not
// send SIGQUIT at once. For the delay nginx keeps listening and answering new connections and
// reloads are refused; then SIGQUIT drains nginx — a download in flight across the end of the
// delay completes in full — and hotcycle exits 0.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { Load } from '../helpers/load.ts';
import { alive } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Harness } from '../fixtures/nginx-driver/harness.ts';

const DELAY_MS = 3000;
// 1 MiB at 200 KiB/s: about 5 s, so a download started during the delay outlasts it.
const BIG = 1024 * 1024;

let h: Harness | undefined;
afterEach(() => h?.close());

function download(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/big', agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('nginx: during the shutdown delay new connections are served and reloads refused; then SIGQUIT drains and hotcycle exits 0', async () => {
  h = await Harness.create();
  const port = await freePort();
  await writeFile(join(h.dir, 'big.bin'), Buffer.alloc(BIG, 1));
  await h.writeConf(`server { listen 127.0.0.1:${port};
    location = /big { alias ${h.dir}/big.bin; limit_rate 200k; }
    location / { return 200 "ok\\n"; } }`);
  await h.start(['--shutdown-delay-ms', String(DELAY_MS)]);
  const { nginxPid } = (await h.status()).detail as { nginxPid: number };
  const workers = await h.pids();
  const exited = h.exitCode();

  h.process.kill('SIGTERM');
  assert.equal((await h.waitForLog((e) => e.event === 'master.shutdown-delay')).delayMs, DELAY_MS);
  const load = new Load({ port, connections: 2, keepAlive: false, maxRequests: 40 }).start();
  await load.until(40);
  const summary = await load.stop();
  assert.deepEqual([summary.ok, summary.failed], [40, 0], JSON.stringify(summary.errors));
  await assert.rejects(h.reload(), { code: 'ESHUTTINGDOWN' });
  const inFlight = download(port);
  assert.deepEqual([nginxPid, ...workers].filter(alive), [nginxPid, ...workers], 'nginx was not told to quit yet');
  assert.ok(!h.logs.some((e) => e.event === 'master.shutdown'), 'all of the above happened during the delay');

  assert.equal((await h.waitForLog((e) => e.event === 'master.shutdown')).skipped, false);
  assert.equal(await inFlight, BIG, 'the download in flight across the end of the delay completed in full');
  assert.equal(await exited, 0, h.logText());
  assert.ok(h.logs.some((e) => e.event === 'nginx.stopped' && e.forced === false), h.logText());
  assert.deepEqual([nginxPid, ...workers].filter(alive), []);
});
