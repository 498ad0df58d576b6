import { errorMessage } from '../../errors.ts';
import { createLogger, type LogFormat, type Logger } from '../../log.ts';
import { parseNginxCommand, type NginxCommand } from '../../master/drivers/nginx/command.ts';
import type { MasterOptions } from '../../master/main.ts';
import { describeExit } from '../../process/exit.ts';
import { tuneV8ForLongRunningRole } from '../../v8-tuning.ts';
import { parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';

const DRIVERS = ['native', 'nginx'] as const;
type StartFailure = NonNullable<MasterOptions['startFailure']>;
const START_FAILURES = ['exit', 'wait'] as const satisfies readonly StartFailure[];

export const masterCommand: Command = {
  help: `Usage: hotcycle master [options]
       hotcycle master --driver nginx [options] -- nginx -g 'daemon off;' -c DIR/nginx.conf

Runs as the main container's entrypoint.

native driver (default): reads DIR/hotcycle.yaml, opens its listeners,
starts the workers it describes, and serves the control API. Every reload builds a new
cycle: check → plan → open → start → ready → commit. Sockets with the same address pass
from the old workers to the new ones (no connection is refused); the old generation is
told to stop only when every new worker is ready, and killed after shutdown.timeoutMs.
Any failure rolls back: the old generation keeps serving.

nginx driver: runs the command after -- (a real nginx master, daemon off) as its child;
-p, -c, -e and -g pass through untouched. Every reload runs \`nginx -t\` on the live
files (check), sends SIGHUP (start), waits for new worker pids (ready) and for the old
workers to be told to quit (commit). A configuration nginx refuses at reload (e.g. a port
already taken) is a failed reload with nginx's own [emerg] message; nginx keeps serving
the old one. nginx exiting on its own makes the master exit 1 (the container restarts).

A first configuration that cannot serve (any phase of the first cycle fails) makes the master
exit 1. With --start-failure wait it stays up instead, serving nothing (status: waiting), until
a reload succeeds: the sidecar's next version, the release's last good config, or SIGHUP. The
chart sets it with lastGood.enabled, so a pod started on a bad version is not crash-looping.

Signals: SIGHUP reloads. SIGTERM/SIGINT refuse new reloads (ESHUTTINGDOWN) and roll back a
reload in progress; with --shutdown-delay-ms N, every listener stays open and served for N ms
more (Services and load balancers keep sending new connections to a terminating pod until
its endpoint removal reaches them; set the pod's terminationGracePeriodSeconds above the
delay plus the drain timeout); then every worker drains (nginx: SIGQUIT) and the master
exits 0. A second signal during the delay skips the rest of it; during the drain it forces
(SIGKILL) and exits 1.

Options:
${describe(SETTINGS.configDir, 'DIR')}
${describe(SETTINGS.masterSocket)}
${describe(SETTINGS.stateDir, 'DIR')}
${describe(SETTINGS.shutdownDelayMs, 'MS')}
${describe(SETTINGS.startFailure, 'exit|wait')}
  --driver NAME              native (hotcycle.yaml describes the workers) or nginx (the command
                             after -- runs nginx) (env HOTCYCLE_DRIVER; default native)
  --shutdown-timeout MS      nginx: SIGQUIT, then SIGKILL after MS (default 30000)
  --reload-timeout MS        nginx: the longest nginx -t, or SIGHUP to new workers, may take (default 15000)
  --max-draining N           nginx: report more than N generations still shutting down (default 3)
${describe(SETTINGS.logFormat, 'FORMAT')}
${describe(SETTINGS.logLevel, 'LEVEL')}
  -h, --help                 this help

Control: curl --unix-socket SOCKET http://hotcycle/v1/status (or: hotcycle status --socket SOCKET)
`,
  async run(argv) {
    // Everything after `--` is nginx's command line, never hotcycle's options.
    const split = argv.indexOf('--');
    const own = split < 0 ? argv : argv.slice(0, split);
    const command = split < 0 ? [] : argv.slice(split + 1);
    const { values, positionals } = parse('master', own, {
      'config-dir': { type: 'string' }, socket: { type: 'string' }, 'state-dir': { type: 'string' },
      driver: { type: 'string' }, 'log-format': { type: 'string' }, 'log-level': { type: 'string' },
      'shutdown-timeout': { type: 'string' }, 'reload-timeout': { type: 'string' }, 'max-draining': { type: 'string' },
      'shutdown-delay-ms': { type: 'string' }, 'start-failure': { type: 'string' },
    }, true);
    if (values.help) return printHelp(this);
    const driver = values.driver ?? process.env.HOTCYCLE_DRIVER ?? 'native';
    if (!(DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`unknown driver "${driver}": expected one of ${DRIVERS.join(', ')}`);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"${driver === 'nginx' ? ': put the nginx command after --' : ''}`);
    if (driver === 'native' && command.length) {
      throw new UsageError(`the native driver takes its command from hotcycle.yaml (workers.command), not from the command line: ${command.join(' ')}`);
    }
    const format = resolve(SETTINGS.logFormat, values['log-format']);
    if (format !== 'json' && format !== 'text') throw new UsageError(`--log-format must be json or text, not ${format}`);
    const logger = createLogger({ component: 'master', format: format as LogFormat, level: resolve(SETTINGS.logLevel, values['log-level']) });
    const options: MasterOptions = {
      configDir: resolve(SETTINGS.configDir, values['config-dir']),
      socketPath: resolve(SETTINGS.masterSocket, values.socket),
      stateDir: resolve(SETTINGS.stateDir, values['state-dir']) || undefined,
      shutdownDelayMs: count(resolve(SETTINGS.shutdownDelayMs, values['shutdown-delay-ms']), '--shutdown-delay-ms', 0),
      startFailure: startFailure(resolve(SETTINGS.startFailure, values['start-failure'])),
      logger,
    };
    tuneV8ForLongRunningRole();
    if (driver === 'native') {
      // Loaded only to run it: `hotcycle status` and the others never load the engine.
      const { runMaster } = await import('../../master/main.ts');
      return runMaster(options);
    }
    return runNginxMaster(options, command, {
      shutdownTimeoutMs: count(values['shutdown-timeout'], '--shutdown-timeout', 30_000),
      reloadTimeoutMs: count(values['reload-timeout'], '--reload-timeout', 15_000),
      maxDraining: count(values['max-draining'], '--max-draining', 3),
    }, logger);
  },
};

async function runNginxMaster(
  options: MasterOptions, argv: string[],
  limits: { shutdownTimeoutMs: number; reloadTimeoutMs: number; maxDraining: number }, logger: Logger,
): Promise<number> {
  if (!argv.length) throw new UsageError("the nginx driver needs nginx's command after -- (e.g. -- nginx -g 'daemon off;' -c DIR/nginx.conf)");
  const command = nginxCommand(argv);
  const [{ runMaster }, { NginxDriver }] = await Promise.all([import('../../master/main.ts'), import('../../master/drivers/nginx/driver.ts')]);
  return runMaster(options, ({ fail }) => new NginxDriver({
    command, configDir: options.configDir, logger, ...limits,
    onUnexpectedExit: (exit) => fail(`nginx ${describeExit(exit)} on its own`),
  }));
}

function nginxCommand(argv: string[]): NginxCommand {
  try {
    return parseNginxCommand(argv);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

function startFailure(value: string): StartFailure {
  if (!(START_FAILURES as readonly string[]).includes(value)) throw new UsageError(`--start-failure must be ${START_FAILURES.join(' or ')}, not "${value}"`);
  return value as StartFailure;
}

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, not "${value}"`);
  return Number(value);
}
