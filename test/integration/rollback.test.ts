// Acceptance (engine) 3: a new worker that exits at start, one that never becomes ready,
// and a listener address already in use each fail the reload in the right phase; the old
// generation keeps serving with its pids unchanged, and nothing the failed cycle opened stays.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { fetchText, Load } from '../helpers/load.ts';
import { alive, demoConfig, fixture, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';

let master: MasterProcess;
let port: number;
let servingPids: number[];

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port), { 'message.txt': 'good config' });
  servingPids = await master.pids();
});
after(() => master.cleanup());

async function assertOldGenerationServes(): Promise<void> {
  const status = await master.status();
  assert.equal(status.generation, 1);
  assert.deepEqual(await master.pids(1), servingPids);
  for (const pid of servingPids) assert.ok(alive(pid));
  const answer = await fetchText(port);
  assert.match(answer.body, /good config/);
  assert.equal(answer.headers['x-generation'], '1');
}

async function failedReload(workers: Parameters<typeof demoConfig>[1], expected: { phase: string; code: string }) {
  await master.writeConfig(demoConfig(port, workers));
  const load = new Load({ port, connections: 2, keepAlive: true, maxRequests: 100_000 }).start();
  await load.flowing();
  const result = await master.reload();
  const summary = await load.stop();
  assert.equal(result.ok, false);
  assert.equal(result.error?.phase, expected.phase, JSON.stringify(result.error));
  assert.equal(result.error?.code, expected.code);
  assert.equal(result.generation, 1, 'the result names the generation still serving');
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.deepEqual(Object.keys(summary.generations), ['1']);
  return result;
}

test('a new worker that exits at start rolls back, with its stderr in the error', async () => {
  const result = await failedReload({ command: ['node', fixture('crash-on-start.ts')] }, { phase: 'ready', code: 'EWORKEREXIT' });
  assert.match(result.error?.message ?? '', /exited with code 3 before it was ready/);
  assert.match(result.error?.detail ?? '', /cannot open database/);
  await assertOldGenerationServes();
});

test('a new worker that never reports ready rolls back after its deadline', async () => {
  const result = await failedReload({ command: ['node', fixture('never-ready.ts')], readiness: { mode: 'notify', timeoutMs: 1500 } }, { phase: 'ready', code: 'EREADYTIMEOUT' });
  assert.match(result.error?.message ?? '', /did not report ready within 1500 ms/);
  await assertOldGenerationServes();
});

test('a listener address already in use fails the open phase and closes only what the cycle opened', async () => {
  const other = await freePort();
  const taken = await freePort();
  const squatter: Server = createServer();
  await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
  try {
    const config = demoConfig(port);
    config.listeners.push({ name: 'other', address: `127.0.0.1:${other}` }, { name: 'taken', address: `127.0.0.1:${taken}` });
    await master.writeConfig(config);
    const result = await master.reload();
    assert.equal(result.ok, false);
    assert.equal(result.error?.phase, 'open');
    assert.equal(result.error?.code, 'EADDRINUSE');
    assert.match(result.error?.message ?? '', new RegExp(`127\\.0\\.0\\.1:${taken}`));
    // The listener this cycle opened before failing was closed again: the port is free.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(other, '127.0.0.1', resolve));
    probe.close();
    await assertOldGenerationServes();
  } finally {
    squatter.close();
  }
});

test('after three failures, a good config still reloads', async () => {
  await master.writeConfig(demoConfig(port));
  await master.writeFile('message.txt', 'fixed config');
  const result = await master.reload();
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.match((await fetchText(port)).body, /fixed config/);
});
