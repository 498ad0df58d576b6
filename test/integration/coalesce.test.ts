// Acceptance (engine) 5: 20 concurrent reload requests produce at most 2 cycles, and the
// final generation runs the newest config, written while the first cycle was running.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import type { ReloadResult } from '../../src/protocol/types.ts';

let master: MasterProcess;
let port: number;

before(async () => {
  port = await freePort();
  master = await MasterProcess.start(demoConfig(port), { 'message.txt': 'v0' });
});
after(() => master.cleanup());

test('20 concurrent reloads coalesce into at most 2 cycles ending on the newest config', async () => {
  await master.writeFile('message.txt', 'v1');
  let checked!: () => void;
  const firstCheckDone = new Promise<void>((resolve) => (checked = resolve));
  const early: Promise<ReloadResult>[] = [];
  early.push(master.reload({ reason: 'r0' }, (e) => e.event === 'phase' && e.name === 'check' && checked()));
  for (let i = 1; i < 10; i++) early.push(master.reload({ reason: `r${i}` }));
  // The first cycle has read v1; write the newest version while it is still running.
  await firstCheckDone;
  await master.writeFile('message.txt', 'newest');
  const late = Array.from({ length: 10 }, (_, i) => master.reload({ reason: `r${10 + i}` }));
  const results = await Promise.all([...early, ...late]);

  assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)?.error));
  const cycles = new Set(results.map((r) => r.startedAt + r.generation));
  assert.ok(cycles.size <= 2, `${cycles.size} cycles for 20 requests`);
  assert.equal(results.reduce((n, r) => n + 1 / r.requests, 0).toFixed(6), cycles.size.toFixed(6), 'each cycle reports how many requests it answered');
  const finalGeneration = Math.max(...results.map((r) => r.generation));
  for (const r of late) assert.equal((await r).generation, finalGeneration, 'requests made after the edit see it applied');
  assert.equal((await master.status()).generation, finalGeneration);
  assert.match((await fetchText(port)).body, /newest/);
  const cycleLogs = master.logs.filter((l) => l.event === 'reload.ok' && l.reason !== 'start');
  assert.equal(cycleLogs.length, cycles.size);
});
