// `nginx -t` must not disturb live traffic (kubernetes/kubernetes#48358: with `reuseport`,
// the test process bound a second socket, took a share of new connections and reset them).
// nginx 1.22 skips SO_REUSEPORT under -t; this keeps that claim checked: 100 checks through
// the master (each a real `nginx -t`) while new connections hammer reuseport listeners.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { masterCheck } from '../../../../src/protocol/master-client.ts';
import { Load } from '../../../helpers/load.ts';
import { Harness } from '../../../fixtures/nginx-driver/harness.ts';

describe('the check phase under live traffic', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await Harness.serving((p) => `server { listen 127.0.0.1:${p} reuseport; return 200 "ok\\n"; }`, { workers: 4 })));
  after(() => h.close());

  test('100 nginx -t runs against reuseport listeners fail no new connection', async () => {
    const load = new Load({ port, connections: 8, keepAlive: false, maxRequests: 1_000_000 }).start();
    let checks = 0;
    try {
      await load.flowing();
      for (; checks < 100; checks++) {
        const result = await masterCheck(h.socket);
        assert.equal(result.ok, true, JSON.stringify(result.error));
      }
    } finally {
      await load.stop();
    }
    const summary = await load.stop();
    assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
    process.stdout.write(`# nginx -t × ${checks} under load: ${summary.ok} requests, ${summary.failed} failed\n`);
  });
});
