// Acceptance (engine) 2: adding and removing a listener by reload: the new port answers,
// the removed port refuses, and the kept port never refuses a connection meanwhile.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { fetchText, Load } from '../helpers/load.ts';
import { fixture, MasterProcess, type HotcycleYaml } from '../helpers/master.ts';
import { freePorts } from '../helpers/ports.ts';

let master: MasterProcess;
let kept: number, removed: number, added: number;

const config = (ports: Record<string, number>): HotcycleYaml => ({
  listeners: Object.entries(ports).map(([name, port]) => ({ name, address: `127.0.0.1:${port}` })),
  workers: { count: 2, command: ['node', fixture('multi-listener.ts')], shutdown: { signal: 'SIGTERM', timeoutMs: 5000 } },
});

before(async () => {
  [kept, removed, added] = await freePorts(3);
  master = await MasterProcess.start(config({ kept, removed }));
});
after(() => master.cleanup());

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

test('a reload adds one listener and removes another; the kept one never refuses', async () => {
  assert.match((await fetchText(removed)).body, /^removed 1/);
  assert.equal(await refused(added), true, 'the new port is not open before the reload');
  const load = new Load({ port: kept, connections: 4, keepAlive: false, maxRequests: 100_000 }).start();
  await load.flowing();

  await master.writeConfig(config({ kept, added }));
  const drained = master.nextLog((l) => l.event === 'generation.drained' && l.generation === 1);
  const result = await master.reload();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.match((await fetchText(added)).body, /^added 2/);
  assert.match((await fetchText(kept)).body, /^kept 2/);
  await drained;
  const summary = await load.stop();

  assert.equal(await refused(removed), true, 'the removed port refuses once the old generation is gone');
  assert.equal(summary.failed, 0, `kept port failures: ${JSON.stringify(summary.errors)}`);
  assert.ok((summary.generations['1'] ?? 0) > 0 && (summary.generations['2'] ?? 0) > 0, `served by both generations: ${JSON.stringify(summary.generations)}`);
  const status = await master.status();
  assert.deepEqual(status.listeners.map((l) => l.name), ['kept', 'added']);
  assert.deepEqual(status.listeners.map((l) => l.key), [`tcp:127.0.0.1:${kept}`, `tcp:127.0.0.1:${added}`]);
});
