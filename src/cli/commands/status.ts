import { masterStatus } from '../../protocol/master-client.ts';
import { output, parse, printHelp, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { formatStatus } from '../format.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show generations, workers, listeners and the last reloads',
  help: `Usage: hotcycle status [options]

Shows the master's state: the current generation and its config hash, the listeners,
every generation still running (current, draining) with its workers' pids and states,
and the last reload results.

Options:
${describe(SETTINGS.masterSocket)}
  --json                     print the status as JSON
  -h, --help                 this help
`,
  async run(argv) {
    const { values } = parse('status', argv, { socket: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) return printHelp(this);
    const status = await masterStatus(resolve(SETTINGS.masterSocket, values.socket));
    return output(values.json ?? false, status, formatStatus(status), true);
  },
};
