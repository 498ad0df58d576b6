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
  const sample = async () => {
    for (const s of (await tcpSocketsOf(masterPid)).filter((s) => s.localPort === port)) {
      states.set(s.state, (states.get(s.state) ?? 0) + 1);
    }
  };
  // Sampled before, between and after two reloads, and all the while in the background.
  let sampling = true;
  const background = (async () => {
    while (sampling) await sample();
  })();
  for (let i = 0; i < 2; i++) {
    await sample();
    assert.equal((await master.reload()).ok, true);
  }
  await load.until(load.completed + 500);
  await sample();
  sampling = false;
  await background;
  const summary = await load.stop();
  assert.deepEqual([...states.keys()], ['LISTEN'], `master socket states on :${port}: ${JSON.stringify(Object.fromEntries(states))}`);
  assert.ok((states.get('LISTEN') ?? 0) >= 3);
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  // Every answer carries a worker generation header: the master has no HTTP server at all.
  assert.equal(Object.values(summary.generations).reduce((a, b) => a + b, 0), summary.ok);
  assert.ok(!('?' in summary.generations));
  assert.deepEqual(Object.keys(summary.generations).sort(), ['1', '2', '3'], 'all three generations served the load');
});
