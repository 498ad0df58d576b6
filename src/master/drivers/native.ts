// The native driver: hotcycle itself is the master of a worker pool described by the
// reloadable hotcycle.yaml. Its registry is the one record of the current cycle and every
// generation starting or draining; each new cycle is built with initCycle.
import { join } from 'node:path';
import type { Logger } from '../../log.ts';
import { initCycle, parseVersion, type CycleEffects } from '../cycle.ts';
import { osEffects, removeSnapshot } from '../cycle-effects.ts';
import type { Driver, DriverStatus, ReloadAttempt, ReloadContext } from '../driver.ts';
import { closeListeners } from '../listeners.ts';
import { readConfigSet } from '../../configset/snapshot.ts';
import { GenerationRegistry } from '../registry.ts';

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
  readonly #effects: CycleEffects;
  readonly #registry: GenerationRegistry;
  #attempts = 0;

  constructor(options: NativeDriverOptions) {
    this.#options = options;
    const output = options.output ?? defaultOutput;
    this.#effects = osEffects({
      logger: options.logger,
      onOutput: (line, stream) => output(line, stream),
      scheduleRespawn: options.schedule,
    });
    this.#registry = new GenerationRegistry({ removeSnapshot, logger: options.logger });
  }

  async reload(ctx: ReloadContext): Promise<ReloadAttempt> {
    // Every attempt gets its own number, so a rolled-back generation that still drains
    // never shares a number (or a snapshot directory) with the next one.
    const generation = ++this.#attempts;
    const outcome = await initCycle(generation, {
      configDir: this.#options.configDir,
      stateDir: this.#options.stateDir,
      baseEnv: workerBaseEnv(process.env),
      effects: this.#effects,
      registry: this.#registry,
      clock: ctx.clock,
      signal: ctx.signal,
      expectHash: ctx.expectHash,
    });
    return outcome.ok ? { ok: true, outcome: { generation, configHash: outcome.cycle.configHash } } : outcome;
  }

  check(): Promise<{ configHash: string }> {
    return checkConfigDir(this.#options.configDir);
  }

  status(): DriverStatus {
    const current = this.#registry.current;
    return {
      generation: current?.generation ?? 0,
      configHash: current?.configHash ?? '',
      listeners: (current?.listeners ?? []).map((l) => ({ name: l.name, key: l.key })),
      generations: this.#registry.status(),
    };
  }

  async shutdown(force: boolean): Promise<void> {
    const current = this.#registry.retireCurrent();
    // As nginx's master on QUIT: stop listening at once, so clients that arrive during the
    // drain are refused (and retry elsewhere) instead of waiting in a backlog nobody accepts.
    if (current) closeListeners(current.listeners);
    if (force) await Promise.all(this.#registry.all().map((g) => g.kill()));
    await this.#registry.drained();
    await removeSnapshot(join(this.#options.stateDir, 'generations'));
  }
}

/** The native driver's check phase on its own: hotcycle.yaml valid (its addresses parse). */
export async function checkConfigDir(configDir: string): Promise<{ configHash: string }> {
  const version = await readConfigSet(configDir);
  parseVersion(configDir, version);
  return { configHash: version.hash };
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
