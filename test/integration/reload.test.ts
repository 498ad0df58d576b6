// Acceptance (engine) 1: a reload that changes the demo app's response is served by the
// new generation, the old workers exit, and status shows generations, pids and states.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { alive, demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port), { 'message.txt': 'first message' });
});
after(() => master.cleanup());

test('a reload serves the new config from a new generation and retires the old one', async () => {
  const before = await master.status();
  assert.equal(before.generation, 1);
  assert.equal(before.state, 'running');
  const oldPids = await master.pids(1);
  assert.equal(oldPids.length, 2);
  assert.match((await fetchText(port)).body, /first message/);

  await master.writeFile('message.txt', 'second message');
  const phases: string[] = [];
  const drained = master.nextLog((l) => l.event === 'generation.drained' && l.generation === 1);
  const result = await master.reload({ reason: 'test edit' }, (e) => e.event === 'phase' && phases.push(e.name));

  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.equal(result.generation, 2);
  assert.deepEqual(result.phases.map((p) => p.name), ['check', 'plan', 'open', 'start', 'ready', 'commit']);
  assert.deepEqual(phases, ['check', 'plan', 'open', 'start', 'ready', 'commit'], 'phases streamed as NDJSON events');
  assert.notEqual(result.configHash, before.configHash);

  const answer = await fetchText(port);
  assert.match(answer.body, /second message/);
  assert.equal(answer.headers['x-generation'], '2');

  await drained;
  for (const pid of oldPids) assert.equal(alive(pid), false, `old worker ${pid} exited`);
  const after = await master.status();
  assert.equal(after.generation, 2);
  assert.deepEqual(after.generations.map((g) => [g.generation, g.state]), [[2, 'current']]);
  const workers = after.generations[0]!.workers;
  assert.equal(workers.length, 2);
  for (const w of workers) {
    assert.equal(w.state, 'ready');
    assert.ok(alive(w.pid));
    assert.ok(!oldPids.includes(w.pid));
  }
  assert.equal(after.lastResults[0]?.generation, 2);
  assert.equal(after.lastResults[0]?.reason, 'test edit');
});

test('a running generation keeps reading its own snapshot, not the live directory', async () => {
  const status = await master.status();
  await master.writeFile('message.txt', 'edited but not reloaded');
  const answer = await fetchText(port, '/whoami');
  assert.equal(JSON.parse(answer.body).message, 'second message');
  assert.equal((await master.status()).generation, status.generation);
});

test('once a reload has returned, every new connection reaches the new generation', async () => {
  await master.writeFile('message.txt', 'third message');
  const result = await master.reload({ reason: 'no stragglers' });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  const answers = await Promise.all(Array.from({ length: 100 }, () => fetchText(port)));
  assert.deepEqual([...new Set(answers.map((a) => a.headers['x-generation']))], [String(result.generation)]);
  assert.ok(answers.every((a) => a.body === 'third message\n'));
});
