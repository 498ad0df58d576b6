// The native driver: hotcycle itself is the master of a worker pool described by the
// reloadable hotcycle.yaml. It keeps the current cycle and every generation still
// draining, and builds each new cycle with initCycle.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import { initCycle, loadConfigSet, type Cycle } from '../cycle.ts';
import type { Driver, DriverOutcome, DriverStatus, ReloadContext } from '../driver.ts';
import type { Generation, GenerationHooks } from '../generation.ts';
import { closeListeners, planListeners } from '../listeners.ts';

export interface NativeDriverOptions {
  configDir: string;
  stateDir: string;
  logger: Logger;
  /** Runs a respawn through the master's queue after a delay. */
  schedule: (delayMs: number, task: () => void) => void;
  /** Where worker output goes (the master's stdout/stderr). */
  output?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export class NativeDriver implements Driver {
  readonly name = 'native';
  readonly #options: NativeDriverOptions;
  readonly #draining = new Map<Generation, Promise<void>>();
  readonly #hooks: GenerationHooks;
  #current: Cycle | null = null;
  #starting: Generation | null = null;
  #attempts = 0;

  constructor(options: NativeDriverOptions) {
    this.#options = options;
    const output = options.output ?? defaultOutput;
    this.#hooks = {
      logger: options.logger,
      onOutput: (line, stream) => output(line, stream),
      scheduleRespawn: options.schedule,
    };
  }

  async reload(ctx: ReloadContext): Promise<DriverOutcome> {
    // Every attempt gets its own number, so a rolled-back generation that still drains
    // never shares a number (or a snapshot directory) with the next one.
    const generation = ++this.#attempts;
    try {
      this.#current = await this.#initCycle(generation, ctx);
    } finally {
      this.#starting = null;
    }
    return { generation, configHash: this.#current.configHash };
  }

  #initCycle(generation: number, ctx: ReloadContext): Promise<Cycle> {
    return initCycle(this.#current, generation, {
      configDir: this.#options.configDir,
      stateDir: this.#options.stateDir,
      baseEnv: workerBaseEnv(process.env),
      hooks: this.#hooks,
      clock: ctx.clock,
      signal: ctx.signal,
      expectHash: ctx.expectHash,
      observed: ctx.observed,
      retire: (workers) => this.#retire(workers),
      starting: (workers) => (this.#starting = workers),
    });
  }

  check(): Promise<{ configHash: string }> {
    return checkConfigDir(this.#options.configDir);
  }

  status(): DriverStatus {
    const current = this.#current;
    const generations = [...(this.#starting ? [this.#starting] : []), ...(current ? [current.workers] : []), ...this.#draining.keys()];
    return {
      generation: current?.generation ?? 0,
      configHash: current?.configHash ?? '',
      listeners: (current?.listeners ?? []).map((l) => ({ name: l.name, key: l.key })),
      generations: generations.sort((a, b) => b.number - a.number).map((g) => g.status()),
    };
  }

  async shutdown(force: boolean): Promise<void> {
    const all = [...(this.#starting ? [this.#starting] : []), ...(this.#current ? [this.#current.workers] : []), ...this.#draining.keys()];
    if (this.#current) {
      this.#retire(this.#current.workers);
      // As nginx's master on QUIT: stop listening at once, so clients that arrive during the
      // drain are refused (and retry elsewhere) instead of waiting in a backlog nobody accepts.
      closeListeners(this.#current.listeners);
      this.#current = null;
    }
    if (force) await Promise.all(all.map((g) => g.kill()));
    await Promise.all(this.#draining.values());
    await rm(join(this.#options.stateDir, 'generations'), { recursive: true, force: true });
  }

  #retire(workers: Generation): void {
    if (this.#draining.has(workers)) return;
    const drained = workers.stop().then(async (results) => {
      await rm(workers.spec.snapshotDir, { recursive: true, force: true });
      this.#draining.delete(workers);
      const forced = results.filter((r) => r.forced).length;
      this.#options.logger.info('generation drained', { event: 'generation.drained', generation: workers.number, forced });
    });
    this.#draining.set(workers, drained);
  }
}

/** The native driver's check phase on its own: hotcycle.yaml valid, every address parses. */
export async function checkConfigDir(configDir: string): Promise<{ configHash: string }> {
  const { config, configHash } = await loadConfigSet(configDir);
  planListeners([], config.listeners);
  return { configHash };
}

/** The master's environment minus what hotcycle sets per worker (never inherit a stale one). */
export function workerBaseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || /^(HOTCYCLE_|LISTEN_)/.test(key) || key === 'NOTIFY_SOCKET') continue;
    out[key] = value;
  }
  return out;
}

function defaultOutput(line: string, stream: 'stdout' | 'stderr'): void {
  (stream === 'stdout' ? process.stdout : process.stderr).write(line + '\n');
}
