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
  const load = new Load({ port, connections: 8, keepAlive: false, maxRequests: 1_000_000 }).start();
  await load.flowing();
  const states = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  // Sample the master's sockets for as long as the load runs, across two reloads.
  const sampler = (async () => {
    while (sampling) {
      for (const s of (await tcpSocketsOf(masterPid)).filter((s) => s.localPort === port)) {
        states.set(s.state, (states.get(s.state) ?? 0) + 1);
      }
      samples++;
    }
  })();
  for (let i = 0; i < 2; i++) assert.equal((await master.reload()).ok, true);
  const afterReloads = load.completed;
  await load.until(afterReloads + 500);
  sampling = false;
  await sampler;
  const summary = await load.stop();
  assert.ok(samples >= 3, `sampled ${samples} times`);
  assert.deepEqual([...states.keys()], ['LISTEN'], `master socket states on :${port}: ${JSON.stringify(Object.fromEntries(states))}`);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  // Every answer carries a worker generation header: the master has no HTTP server at all.
  assert.equal(Object.values(summary.generations).reduce((a, b) => a + b, 0), summary.ok);
  assert.ok(!('?' in summary.generations));
  assert.deepEqual(Object.keys(summary.generations).sort(), ['1', '2', '3'], 'all three generations served the load');
});
