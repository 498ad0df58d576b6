// A cycle is one configuration generation, built the way nginx's ngx_init_cycle builds
// one from the old: every step either completes or undoes exactly what it did, so a
// failed reload leaves the old cycle serving, untouched.
//
//   (1) check  — read the config set (one version, through `..data`), hash it, validate
//                hotcycle.yaml, and freeze it into this generation's snapshot directory.
//   (2) plan   — pure: match the new listeners to the old cycle's by canonical address.
//   (3) open   — open the listeners the old cycle lacks. On failure only those close.
//   (4) start  — spawn the new generation with every listener as fds 3….
//   (5) ready  — every new worker must report ready before its deadline.
//   (6) commit — the new cycle becomes current; removed listeners close; the old
//                generation drains (configured signal, SIGKILL after the timeout), and the
//                commit ends when none of its workers still accepts (bounded).
// Invariant (tableflip's): at most one generation is not ready at a time.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHotcycleConfig, selectConfigFile } from '../config/load.ts';
import type { HotcycleConfig } from '../config/types.ts';
import { HotcycleError } from '../errors.ts';
import { Generation, type GenerationHooks } from './generation.ts';
import { closeListeners, openedListeners, openListeners, planListeners, type Listener } from './listeners.ts';
import type { PhaseClock } from './phases.ts';
import { readExpectedVersion, writeSnapshot } from '../configset/snapshot.ts';

/** How long the commit waits for the old workers to close their listening sockets. */
const STOP_ACCEPTING_MS = 2000;

export interface Cycle {
  readonly generation: number;
  readonly configHash: string;
  readonly config: HotcycleConfig;
  readonly listeners: readonly Listener[];
  readonly workers: Generation;
}

export interface CycleContext {
  configDir: string;
  stateDir: string;
  /** The environment every worker starts from (the master's own, minus hotcycle's variables). */
  baseEnv: Readonly<Record<string, string>>;
  hooks: GenerationHooks;
  clock: PhaseClock;
  /** Aborts the ready wait (a shutdown during a reload); the cycle then rolls back. */
  signal: AbortSignal;
  expectHash?: string;
  observed: { configHash?: string };
  /** Drains a generation in the background (the old one on commit, the new one on rollback). */
  retire: (workers: Generation) => void;
  /** Told of the new generation as soon as it is spawned, so status can show it starting. */
  starting: (workers: Generation) => void;
}

export async function initCycle(old: Cycle | null, generation: number, ctx: CycleContext): Promise<Cycle> {
  const { clock } = ctx;
  // (1)
  const { config, configHash, snapshotDir } = await clock.run('check', () => checkConfig(generation, ctx));
  let started = false;
  try {
    // (2)
    const plan = await clock.run('plan', () => planListeners(old?.listeners ?? [], config.listeners));
    // (3)
    const listeners = await clock.run('open', () => openListeners(plan));
    const opened = openedListeners(plan, listeners);
    let workers: Generation;
    try {
      // (4), (5)
      workers = await clock.run('start', () => startGeneration(generation, configHash, snapshotDir, config, listeners, ctx));
      started = true;
      await clock.run('ready', () => awaitReady(workers, ctx));
    } catch (error) {
      closeListeners(opened);
      throw error;
    }
    // (6)
    return await clock.run('commit', async () => {
      workers.makeCurrent();
      closeListeners(plan.close);
      if (old) await retireOld(old.workers, ctx);
      return { generation, configHash, config, listeners, workers };
    });
  } catch (error) {
    // A started generation's snapshot goes when it has drained (retire); else now.
    if (!started) await rm(snapshotDir, { recursive: true, force: true });
    throw error;
  }
}

async function checkConfig(generation: number, ctx: CycleContext) {
  const { files, config, configHash } = await loadConfigSet(ctx.configDir, ctx.expectHash, ctx.observed);
  const snapshotDir = await writeSnapshot(join(ctx.stateDir, 'generations', String(generation)), files, ctx.configDir);
  return { config, configHash, snapshotDir };
}

/** Reads one version of the config set and validates its hotcycle.yaml (the check phase). */
export async function loadConfigSet(configDir: string, expectHash?: string, observed: { configHash?: string } = {}) {
  const { files, hash } = await readExpectedVersion(configDir, expectHash, observed);
  try {
    const name = selectConfigFile([...files.keys()], configDir);
    const text = (files.get(name) as Buffer).toString('utf8');
    return { files, config: parseHotcycleConfig(text, name), configHash: hash };
  } catch (error) {
    throw error instanceof HotcycleError ? error.inPhase('check') : error;
  }
}

function startGeneration(
  generation: number, configHash: string, snapshotDir: string,
  config: HotcycleConfig, listeners: readonly Listener[], ctx: CycleContext,
): Generation {
  const { workers } = config;
  const gen = new Generation({
    generation, configHash, snapshotDir,
    count: workers.count,
    command: workers.command,
    cwd: join(snapshotDir, workers.cwd),
    env: { ...ctx.baseEnv, ...workers.env },
    readiness: workers.readiness,
    shutdown: workers.shutdown,
    restart: workers.restart,
    listeners: listeners.map((l) => ({ name: l.name, fd: l.fd })),
  }, ctx.hooks);
  ctx.starting(gen);
  try {
    gen.start();
  } catch (error) {
    ctx.retire(gen);
    throw error;
  }
  return gen;
}

/**
 * The old generation is told to stop, and the commit ends once none of its workers still
 * accepts (bounded): when a reload has returned, new connections reach only the new workers.
 */
async function retireOld(old: Generation, ctx: CycleContext): Promise<void> {
  ctx.retire(old);
  const still = await old.stoppedAccepting(STOP_ACCEPTING_MS);
  if (still.length > 0) {
    ctx.hooks.logger.warn(`old workers still accept ${STOP_ACCEPTING_MS} ms after their stop signal`, {
      event: 'generation.still-accepting', generation: old.number, pids: still,
    });
  }
}

async function awaitReady(workers: Generation, ctx: CycleContext): Promise<void> {
  try {
    await workers.waitReady(ctx.signal);
  } catch (error) {
    // Rolled back: the new workers drain in the background; the old cycle never noticed.
    ctx.retire(workers);
    throw error;
  }
}
