// A cycle is one configuration generation, built the way nginx's ngx_init_cycle builds
// one from the old: each step that changes something registers its undo, and the one
// `failed:` path undoes exactly what this cycle did, newest first, so a failed reload
// leaves the old cycle serving, untouched, and initCycle returns the failure (with the
// version it read, once it read one) instead of a cycle.
//
//   (1) check  — read the config set (one version, through `..data`), hash it, refuse it if
//                another was expected, validate hotcycle.yaml, and freeze it into this
//                generation's snapshot directory. Undo: remove the snapshot.
//   (2) plan   — pure: match the new listeners to the old cycle's by canonical address.
//   (3) open   — open the listeners the old cycle lacks. Undo: close only those.
//   (4) start  — spawn the new generation with every listener as fds 3…; the registry shows
//                it starting, and the snapshot is now the generation's. Undo: retire it (it
//                drains, then its snapshot goes).
//   (5) ready  — every new worker must report ready before its deadline (or the shutdown
//                signal aborts the wait).
//   (6) commit — the new cycle becomes current in the registry; removed listeners close; the
//                old generation drains (configured signal, SIGKILL after the timeout), and the
//                commit ends when none of its workers still accepts (bounded).
// Invariant (tableflip's): at most one generation is not ready at a time.
// Every OS effect goes through CycleEffects (cycle-effects.ts), so the phases can be failed
// one by one without processes (test/master/cycle.test.ts).
import { join } from 'node:path';
import { parseHotcycleConfig, selectConfigFile } from '../config/load.ts';
import type { HotcycleConfig } from '../config/types.ts';
import type { FileSet } from '../configset/fileset.ts';
import { refuseUnexpected, type ConfigVersion } from '../configset/snapshot.ts';
import { errorMessage, HotcycleError } from '../errors.ts';
import type { ReloadFailed } from './driver.ts';
import type { Generation, GenerationSpec } from './generation.ts';
import { openedListeners, planListeners, type Listener, type ListenerPlan } from './listeners.ts';
import type { PhaseClock } from './phases.ts';
import type { GenerationRegistry } from './registry.ts';
import { UndoList } from './undo.ts';

/** How long the commit waits for the old workers to close their listening sockets. */
const STOP_ACCEPTING_MS = 2000;

/** What a cycle and the registry use of a generation of workers. */
export type Workers = Pick<Generation, 'number' | 'spec' | 'start' | 'waitReady' | 'makeCurrent' | 'stop' | 'stoppedAccepting' | 'kill' | 'status'>;

export interface Cycle {
  readonly generation: number;
  readonly configHash: string;
  readonly config: HotcycleConfig;
  readonly listeners: readonly Listener[];
  readonly workers: Workers;
}

/** The OS effects of a cycle: the real ones in cycle-effects.ts, fakes in the unit test. */
export interface CycleEffects {
  /** One version of the config set, and its hash. */
  readVersion(configDir: string): Promise<ConfigVersion>;
  /** `modesFrom`: the config directory, whose files' modes (a Secret's 0400) the snapshot keeps. */
  writeSnapshot(dir: string, files: FileSet, modesFrom: string): Promise<string>;
  removeSnapshot(dir: string): Promise<void>;
  openListeners(plan: ListenerPlan): Listener[];
  closeListeners(listeners: readonly Listener[]): void;
  /** A generation of workers, not yet started. */
  createWorkers(spec: GenerationSpec): Workers;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface CycleContext {
  configDir: string;
  stateDir: string;
  /** The environment every worker starts from (the master's own, minus hotcycle's variables). */
  baseEnv: Readonly<Record<string, string>>;
  effects: CycleEffects;
  registry: GenerationRegistry;
  clock: PhaseClock;
  /** Aborts the ready wait (a shutdown during a reload); the cycle then rolls back. */
  signal: AbortSignal;
  expectHash?: string;
}

/** initCycle's answer: the new cycle, or why there is none (the old one still serves). */
export type CycleOutcome = { ok: true; cycle: Cycle } | ReloadFailed;

export async function initCycle(generation: number, ctx: CycleContext): Promise<CycleOutcome> {
  const { clock, effects, registry } = ctx;
  const old = registry.current;
  const undo = new UndoList();
  let read: string | undefined; // the hash of the version (1) read, for the failed result
  try {
    // (1)
    const { config, configHash, snapshotDir } = await clock.run('check', async () => {
      const version = await effects.readVersion(ctx.configDir);
      read = version.hash;
      return checkVersion(generation, version, ctx, undo);
    });
    // (2)
    const plan = await clock.run('plan', () => planListeners(old?.listeners ?? [], config.listeners));
    // (3)
    const listeners = await clock.run('open', () => effects.openListeners(plan));
    undo.push('listeners', () => effects.closeListeners(openedListeners(plan, listeners)));
    // (4)
    const workers = await clock.run('start', () => startWorkers(generationSpec(generation, configHash, snapshotDir, config, listeners, ctx), ctx, undo));
    // (5)
    await clock.run('ready', () => workers.waitReady(ctx.signal));
    // (6)
    const cycle: Cycle = { generation, configHash, config, listeners, workers };
    await clock.run('commit', () => commitCycle(cycle, plan, ctx, undo));
    return { ok: true, cycle };
  } catch (error) {
    // failed:
    for (const { label, error: undoError } of await undo.run()) {
      effects.warn(`rolling back generation ${generation}: cannot undo its ${label}`, { event: 'cycle.undo.failed', generation, undo: label, error: errorMessage(undoError) });
    }
    return { ok: false, error, configHash: read };
  }
}

async function checkVersion(generation: number, version: ConfigVersion, ctx: CycleContext, undo: UndoList) {
  refuseUnexpected(ctx.configDir, version.hash, ctx.expectHash);
  const config = parseVersion(ctx.configDir, version);
  const snapshotDir = await ctx.effects.writeSnapshot(join(ctx.stateDir, 'generations', String(generation)), version.files, ctx.configDir);
  undo.push('snapshot', () => ctx.effects.removeSnapshot(snapshotDir));
  return { config, configHash: version.hash, snapshotDir };
}

/** Validates the hotcycle.yaml of a version read (the check phase). */
export function parseVersion(configDir: string, { files }: ConfigVersion): HotcycleConfig {
  try {
    const name = selectConfigFile([...files.keys()], configDir);
    const text = (files.get(name) as Buffer).toString('utf8');
    return parseHotcycleConfig(text, name);
  } catch (error) {
    throw error instanceof HotcycleError ? error.inPhase('check') : error;
  }
}

function generationSpec(
  generation: number, configHash: string, snapshotDir: string,
  config: HotcycleConfig, listeners: readonly Listener[], ctx: CycleContext,
): GenerationSpec {
  const { workers } = config;
  return {
    ...workers,
    generation, configHash, snapshotDir,
    cwd: join(snapshotDir, workers.cwd),
    env: { ...ctx.baseEnv, ...workers.env },
    listeners: listeners.map((l) => ({ name: l.name, fd: l.fd })),
  };
}

/** (4) The snapshot becomes the generation's: retiring it removes the snapshot once drained. */
function startWorkers(spec: GenerationSpec, ctx: CycleContext, undo: UndoList): Workers {
  const workers = ctx.effects.createWorkers(spec);
  ctx.registry.starting(workers);
  undo.handOver('snapshot');
  undo.push('workers', () => ctx.registry.retire(workers));
  workers.start();
  return workers;
}

/**
 * (6) The old generation is told to stop, and the commit ends once none of its workers still
 * accepts (bounded): when a reload has returned, new connections reach only the new workers.
 */
async function commitCycle(cycle: Cycle, plan: ListenerPlan, ctx: CycleContext, undo: UndoList): Promise<void> {
  cycle.workers.makeCurrent();
  const old = ctx.registry.commit(cycle);
  undo.clear(); // the commit point: from here on the new cycle is the one that serves
  ctx.effects.closeListeners(plan.close);
  if (!old) return;
  ctx.registry.retire(old.workers);
  const still = await old.workers.stoppedAccepting(STOP_ACCEPTING_MS);
  if (still.length > 0) {
    ctx.effects.warn(`old workers still accept ${STOP_ACCEPTING_MS} ms after their stop signal`, {
      event: 'generation.still-accepting', generation: old.workers.number, pids: still,
    });
  }
}
