// `hotcycle master`: wires a driver, the master, the control socket and the signals.
// Signal handlers only enqueue: SIGHUP reloads (as nginx's does), the first SIGTERM or
// SIGINT drains everything and exits 0, a second one forces.
import { join, dirname } from 'node:path';
import { toErrorInfo } from '../errors.ts';
import type { Logger } from '../log.ts';
import { startControlServer } from '../protocol/server.ts';
import { masterRoutes } from './control.ts';
import type { Driver } from './driver.ts';
import { NativeDriver } from './drivers/native.ts';
import { Master } from './master.ts';

export interface MasterOptions {
  configDir: string;
  socketPath: string;
  stateDir?: string;
  logger: Logger;
}

export async function runMaster(options: MasterOptions, makeDriver?: (schedule: Master['schedule']) => Driver): Promise<number> {
  const { logger, configDir, socketPath } = options;
  const stateDir = options.stateDir ?? join(dirname(socketPath), 'state');
  let master: Master | null = null;
  const schedule: Master['schedule'] = (delayMs, task) => master?.schedule(delayMs, task);
  const driver = makeDriver?.(schedule) ?? new NativeDriver({ configDir, stateDir, logger, schedule });
  master = new Master({ driver, logger, configDir });
  const server = await startControlServer({ socketPath, routes: masterRoutes(master), logger });
  const done = watchSignals(master, logger);

  const first = await master.requestReload({ reason: 'start' });
  if (!first.ok) {
    logger.error('initial configuration cannot serve; exiting', { event: 'master.start.failed', ...first.error });
    await master.shutdown();
    await server.close();
    return 1;
  }
  logger.info('master serving', { event: 'master.ready', generation: first.generation, configHash: first.configHash, socket: socketPath });
  const code = await done;
  await server.close();
  logger.info('master exiting', { event: 'master.exit', code });
  return code;
}

function watchSignals(master: Master, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    let forced = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        forced = true;
        logger.warn(`second ${signal}: forcing workers down`, { event: 'master.force', signal });
        void master.shutdown(true).then(() => resolve(1));
        return;
      }
      stopping = true;
      logger.info(`${signal}: draining all workers, then exiting`, { event: 'master.shutdown', signal });
      master.shutdown().then(() => resolve(forced ? 1 : 0), (error: unknown) => {
        logger.error('shutdown failed', { event: 'master.shutdown.failed', ...toErrorInfo(error, 'shutdown') });
        resolve(1);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => void master.requestReload({ reason: 'SIGHUP' }).catch(() => undefined));
  });
}
