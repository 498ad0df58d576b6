// Acceptance (engine) 9: a bounded loopback load — new connections and keep-alive — sees
// 0 failed requests during 50 reloads. Fixed counts, no timing assertions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Load } from '../helpers/load.ts';
import { demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

const RELOADS = 50;
let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port));
});
after(() => master.cleanup());

test(`${RELOADS} reloads under load: 0 failed requests`, async () => {
  const fresh = new Load({ port, connections: 4, keepAlive: false, maxRequests: 1_000_000 }).start();
  const kept = new Load({ port, connections: 4, keepAlive: true, maxRequests: 1_000_000 }).start();
  await Promise.all([fresh.flowing(), kept.flowing()]);
  for (let i = 1; i <= RELOADS; i++) {
    await master.writeFile('message.txt', `version ${i}`);
    const result = await master.reload({ reason: `load ${i}` });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.generation, 1 + i);
  }
  const [a, b] = await Promise.all([fresh.stop(), kept.stop()]);
  const report = JSON.stringify({ newConnections: a, keepAlive: b });
  assert.equal(a.failed, 0, report);
  assert.equal(b.failed, 0, report);
  // The load ran throughout: many generations answered it.
  assert.ok(Object.keys(a.generations).length > RELOADS / 2, report);
  assert.ok(Object.keys(b.generations).length > RELOADS / 2, report);
  console.log(`# ${RELOADS} reloads: new-connection requests ok=${a.ok} failed=${a.failed}; keep-alive ok=${b.ok} failed=${b.failed}`);
});
