// `hotcycle master`: wires a driver, the master, the control socket and the signals.
// Signal handlers only enqueue: SIGHUP reloads (as nginx's does); SIGTERM and SIGINT end the
// master as exit.ts describes (the shutdown delay, then drain and exit 0; a second one skips
// the delay, or forces).
import { join, dirname } from 'node:path';
import type { Logger } from '../log.ts';
import { startControlServer } from '../protocol/server.ts';
import { masterRoutes } from './control.ts';
import type { Driver } from './driver.ts';
import { NativeDriver } from './drivers/native.ts';
import { Exit } from './exit.ts';
import { Master } from './master.ts';

export interface MasterOptions {
  configDir: string;
  socketPath: string;
  stateDir?: string;
  /** After the first SIGTERM/SIGINT, keep serving this long before draining (0: drain at once). */
  shutdownDelayMs?: number;
  /** A first configuration that cannot serve: exit 1 (the default), or wait, serving nothing, for a reload. */
  startFailure?: 'exit' | 'wait';
  logger: Logger;
}

/** What a driver may ask of the master process around it. */
export interface DriverHooks {
  /** Runs `task` through the master's queue after `delayMs` (respawns). */
  schedule: Master['schedule'];
  /** The server died in a way the driver cannot repair: drain what is left and exit 1. */
  fail: (message: string) => void;
}

export async function runMaster(options: MasterOptions, makeDriver?: (hooks: DriverHooks) => Driver): Promise<number> {
  const { logger, configDir, socketPath } = options;
  const stateDir = options.stateDir ?? join(dirname(socketPath), 'state');
  let master: Master | null = null;
  let exit: Exit | null = null;
  const hooks: DriverHooks = {
    schedule: (delayMs, task) => master?.schedule(delayMs, task),
    fail: (message) => exit?.fail(message),
  };
  const driver = makeDriver?.(hooks) ?? new NativeDriver({ configDir, stateDir, logger, schedule: hooks.schedule });
  master = new Master({ driver, logger, configDir });
  const server = await startControlServer({ socketPath, routes: masterRoutes(master), logger });
  exit = new Exit(master, logger, options.shutdownDelayMs ?? 0);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => exit.signal(signal));
  process.on('SIGHUP', () => void master.requestReload({ reason: 'SIGHUP' }).catch(() => undefined));

  const first = await master.requestReload({ reason: 'start' });
  // A SIGTERM during the first cycle aborts it: that is a shutdown, not a bad config.
  if (!first.ok && exit.stopping) {
    const code = await exit.code;
    await server.close();
    return code;
  }
  if (!first.ok && options.startFailure !== 'wait') {
    logger.error('initial configuration cannot serve; exiting', { event: 'master.start.failed', ...first.error });
    await master.shutdown();
    await server.close();
    return 1;
  }
  if (first.ok) logger.info('master serving', { event: 'master.ready', generation: first.generation, configHash: first.configHash, socket: socketPath });
  // The sidecar's next version (or its last good one, or a SIGHUP) starts the first generation.
  else logger.error('initial configuration cannot serve; serving nothing until a reload succeeds', { event: 'master.start.failed', waiting: true, ...first.error });
  const code = await exit.code;
  await server.close();
  logger.info('master exiting', { event: 'master.exit', code });
  return code;
}
