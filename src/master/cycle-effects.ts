// The real OS effects of a cycle (cycle.ts): the config set read from disk, the generation's
// snapshot, listening sockets from the addon, worker processes.
import { rm } from 'node:fs/promises';
import { readConfigSet, writeSnapshot } from '../configset/snapshot.ts';
import type { CycleEffects } from './cycle.ts';
import { Generation, type GenerationHooks } from './generation.ts';
import { closeListeners, openListeners } from './listeners.ts';

export function removeSnapshot(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export function osEffects(hooks: GenerationHooks): CycleEffects {
  return {
    readVersion: readConfigSet,
    writeSnapshot,
    removeSnapshot,
    openListeners: (plan) => openListeners(plan),
    closeListeners,
    createWorkers: (spec) => new Generation(spec, hooks),
    warn: (message, fields) => hooks.logger.warn(message, fields),
  };
}
