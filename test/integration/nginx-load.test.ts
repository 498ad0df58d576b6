// Issue 4, acceptance 3: 50 reloads under a bounded loopback load of new connections fail
// no request, and a long request on an old worker completes while its generation drains
// (and status shows it draining).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ReloadResult } from '../../src/protocol/types.ts';
import { download, Load, type Download } from '../helpers/load.ts';
import { freePort } from '../helpers/ports.ts';
import { Harness } from '../fixtures/nginx-driver/harness.ts';

// Larger than loopback's socket buffers on both ends: while the client does not read, the
// worker sending it cannot finish, so it is still draining when the test looks.
const BIG = 16 * 1024 * 1024;

describe('nginx driver: reloads under load', () => {
  let h: Harness;
  let port: number;
  const conf = (n: number) => `server {
    listen 127.0.0.1:${port} reuseport;
    location = /big { alias ${h.dir}/big.bin; }
    location / { add_header X-Generation ${n}; return 200 "v${n}\\n"; }
  }`;

  before(async () => {
    h = await Harness.create();
    port = await freePort();
    await writeFile(join(h.dir, 'big.bin'), Buffer.alloc(BIG, 7));
    await h.writeConf(conf(1));
    await h.start();
  });
  after(() => h.close());

  async function reloads(results: ReloadResult[], long: Download): Promise<void> {
    for (let n = 2; n <= 51; n++) {
      await h.writeConf(conf(n));
      results.push(await h.reload(`load ${n}`));
      if (n !== 2) continue;
      // The long request holds one worker of generation 1: it drains, and status says so.
      const detail = (await h.status()).detail as { draining: { generation: number; workers: number[]; drainingMs: number }[] };
      const first = detail.draining.find((d) => d.generation === 1);
      assert.ok(first && first.workers.length === 1 && first.drainingMs >= 0, JSON.stringify(detail));
      long.resume();
    }
  }

  test('0 failed requests over new connections during 50 reloads; a long request on an old worker completes', async () => {
    const long = download(port, '/big');
    await long.responding;
    const load = new Load({ port, connections: 8, keepAlive: false, maxRequests: 1_000_000 }).start();
    const results: ReloadResult[] = [];
    try {
      await load.flowing();
      await reloads(results, long);
    } finally {
      await load.stop();
    }
    const summary = await load.stop();
    const failed = results.filter((r) => !r.ok);
    assert.deepEqual(failed.map((r) => r.error), []);
    assert.equal(results.at(-1)?.generation, 51);
    assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
    assert.ok(summary.ok > 100, `only ${summary.ok} requests completed`);
    assert.ok((summary.generations['51'] ?? 0) > 0, 'the last generation served');
    const bytes = await long.done;
    assert.equal(bytes, BIG, 'the long request finished in full on its old worker');
    process.stdout.write(`# nginx driver: ${summary.ok} requests, ${summary.failed} failed, 50 reloads, long request ${bytes} bytes\n`);
  });
});
