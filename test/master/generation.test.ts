// A Generation with real worker processes: a worker that died between reporting ready and
// the commit is replaced as soon as the generation becomes current; stop is idempotent and
// the lifecycle refuses illegal transitions.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { Generation } from '../../src/master/generation.ts';
import { fixture, ROOT } from '../helpers/master.ts';

const dirs: string[] = [];
const generations: Generation[] = [];
after(async () => {
  await Promise.all(generations.map((g) => g.kill()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function generation(script: string, onRespawn: () => void = () => {}): Promise<Generation> {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-gen-'));
  dirs.push(dir);
  const gen = new Generation({
    generation: 1, configHash: 'h', snapshotDir: dir, count: 2, command: [process.execPath, fixture(script)], cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' }, readiness: { mode: 'notify', timeoutMs: 10_000 },
    shutdown: { signal: 'SIGTERM', timeoutMs: 2000 }, restart: { backoffMs: 10, maxBackoffMs: 100 }, listeners: [],
  }, {
    logger: silentLogger(), onOutput: () => {},
    scheduleRespawn: (ms, respawn) => setTimeout(() => (respawn(), onRespawn()), ms),
  });
  generations.push(gen);
  return gen;
}

test('a worker that died after ready but before commit is respawned when the generation commits', async () => {
  let respawned!: () => void;
  const respawn = new Promise<void>((resolve) => (respawned = resolve));
  const gen = await generation('staggered.ts', () => respawned());
  gen.start();
  const first = gen.workers[0]!.pid;
  await gen.waitReady(new AbortController().signal);
  await gen.workers[0]!.exited; // slot 0 is dead; slot 1 is ready
  gen.makeCurrent();
  await respawn;
  const replacement = gen.workers[0]!;
  assert.notEqual(replacement.pid, first);
  await replacement.waitReady();
  assert.deepEqual(gen.status().workers.map((w) => w.state), ['ready', 'ready']);
  assert.equal(gen.status().restarts, 1);
});

test('stop is idempotent, and a stopped generation cannot become current', async () => {
  const gen = await generation('staggered.ts');
  gen.start();
  const [a, b] = [gen.stop(), gen.stop()];
  assert.equal(a, b, 'one drain, however often asked');
  await a;
  assert.equal(gen.state, 'ended');
  assert.throws(() => gen.makeCurrent(), /illegal transition ended → current/);
});

test('kill() ends a current generation for good: nothing is respawned', async () => {
  let respawns = 0;
  const gen = await generation('never-ready.ts', () => respawns++);
  gen.start();
  gen.makeCurrent();
  const pids = gen.workers.map((w) => w.pid);
  await gen.kill();
  await Promise.all(gen.workers.map((w) => w.exited));
  assert.deepEqual(gen.workers.map((w) => w.pid), pids, 'the slots hold the killed workers, not replacements');
  assert.equal(gen.state, 'draining');
  assert.equal(respawns, 0);
});
