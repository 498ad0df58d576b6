import { createLogger, type LogFormat } from '../../log.ts';
import { runMaster } from '../../master/main.ts';
import { parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';

const DRIVERS = ['native'] as const;

export const masterCommand: Command = {
  name: 'master',
  summary: 'run the server under hotcycle: own its sockets and workers, reload in cycles',
  help: `Usage: hotcycle master [options]

Runs as the main container's entrypoint. Reads DIR/hotcycle.yaml, opens its listeners,
starts the workers it describes, and serves the control API. Every reload builds a new
cycle: check → plan → open → start → ready → commit. Sockets with the same address pass
from the old workers to the new ones (no connection is refused); the old generation is
told to stop only when every new worker is ready, and killed after shutdown.timeoutMs.
Any failure rolls back: the old generation keeps serving.

Signals: SIGHUP reloads; SIGTERM/SIGINT drain every worker and exit 0; a second one
forces (SIGKILL) and exits 1.

Options:
${describe(SETTINGS.configDir, 'DIR')}
${describe(SETTINGS.masterSocket)}
${describe(SETTINGS.stateDir, 'DIR')}
  --driver NAME              native (hotcycle.yaml describes the workers) (env HOTCYCLE_DRIVER; default native)
${describe(SETTINGS.logFormat, 'FORMAT')}
${describe(SETTINGS.logLevel, 'LEVEL')}
  -h, --help                 this help

Control: curl --unix-socket SOCKET http://hotcycle/v1/status (or: hotcycle status --socket SOCKET)
`,
  async run(argv) {
    const { values, positionals } = parse('master', argv, {
      'config-dir': { type: 'string' }, socket: { type: 'string' }, 'state-dir': { type: 'string' },
      driver: { type: 'string' }, 'log-format': { type: 'string' }, 'log-level': { type: 'string' },
    }, true);
    if (values.help) return printHelp(this);
    const driver = values.driver ?? process.env.HOTCYCLE_DRIVER ?? 'native';
    if (!(DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`unknown driver "${driver}": expected one of ${DRIVERS.join(', ')}`);
    if (positionals.length) throw new UsageError(`the native driver takes its command from hotcycle.yaml (workers.command), not from the command line: ${positionals.join(' ')}`);
    const format = resolve(SETTINGS.logFormat, values['log-format']);
    if (format !== 'json' && format !== 'text') throw new UsageError(`--log-format must be json or text, not ${format}`);
    const logger = createLogger({ component: 'master', format: format as LogFormat, level: resolve(SETTINGS.logLevel, values['log-level']) });
    return runMaster({
      configDir: resolve(SETTINGS.configDir, values['config-dir']),
      socketPath: resolve(SETTINGS.masterSocket, values.socket),
      stateDir: resolve(SETTINGS.stateDir, values['state-dir']) || undefined,
      logger,
    });
  },
};
