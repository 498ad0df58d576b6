// Acceptance (engine) 6: the master holds the listening socket but never accepts on it.
// Proven two ways while a load of new connections runs across reloads: (a) the kernel
// shows the master owning only LISTEN sockets on the port, never an ESTABLISHED one;
// (b) every one of the requests was answered by a worker pid, none by the master.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Load } from '../helpers/load.ts';
import { demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { tcpSocketsOf } from '../helpers/procfs.ts';

let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port));
});
after(() => master.cleanup());

test('the master owns no accepted connection, and workers answer every request', async () => {
  const masterPid = master.child.pid!;
  const requests = 3000;
  const load = new Load({ port, connections: 8, keepAlive: false, maxRequests: requests }).start();
  await load.flowing();
  const seen = new Map<string, number>();
  const samplesPerSegment = [0, 0, 0];
  // Sample the master's sockets for as long as the load runs, across two reloads.
  let reloads = 0;
  while (load.completed < requests) {
    for (const s of (await tcpSocketsOf(masterPid)).filter((s) => s.localPort === port)) {
      seen.set(s.state, (seen.get(s.state) ?? 0) + 1);
    }
    samplesPerSegment[reloads]!++;
    if (reloads < 2 && load.completed > (reloads + 1) * (requests / 3)) {
      reloads++;
      assert.equal((await master.reload()).ok, true);
    }
  }
  const summary = await load.stop();
  assert.equal(reloads, 2);
  assert.ok(samplesPerSegment.every((n) => n > 0), `sampled before, between and after the reloads: ${samplesPerSegment}`);
  assert.deepEqual([...seen.keys()], ['LISTEN'], `master socket states on :${port}: ${JSON.stringify(Object.fromEntries(seen))}`);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.equal(summary.ok, requests);
  // Every answer carries a worker generation header: the master has no HTTP server at all.
  assert.equal(Object.values(summary.generations).reduce((a, b) => a + b, 0), requests);
  assert.ok(!('?' in summary.generations));
});
