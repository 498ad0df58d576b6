import { masterReload } from '../../protocol/master-client.ts';
import type { ReloadEvent } from '../../protocol/types.ts';
import { output, parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { formatReload } from '../format.ts';

export const reloadCommand: Command = {
  name: 'reload',
  summary: 'reload the server now and print the cycle\'s result',
  help: `Usage: hotcycle reload --direct [options]

Asks the master for a reload cycle and waits for its result. Phases are shown as they
happen. Requests that arrive while a cycle runs are coalesced into one follow-up cycle.
Exit status: 0 when the new generation serves, 1 when the reload failed (the old
generation keeps serving), 2 for usage errors, 3 when the socket cannot be reached.

Options:
  --direct                   talk to the master's socket
${describe(SETTINGS.masterSocket)}
  --reason TEXT              recorded in the result and the master's log
  --expect-hash SHA256       reload only if the config directory holds exactly this set
  --json                     print the result as JSON
  -h, --help                 this help
`,
  async run(argv) {
    const { values } = parse('reload', argv, {
      direct: { type: 'boolean' }, socket: { type: 'string' }, reason: { type: 'string' },
      'expect-hash': { type: 'string' }, json: { type: 'boolean' },
    });
    if (values.help) return printHelp(this);
    if (!values.direct) throw new UsageError('reload needs --direct (talk to the master)');
    const json = values.json ?? false;
    const onEvent = json ? undefined : (event: ReloadEvent) => {
      if (event.event === 'phase') process.stderr.write(`  ${event.name} ${event.ok ? 'ok' : 'FAILED'} (${event.ms} ms)\n`);
    };
    const result = await masterReload(resolve(SETTINGS.masterSocket, values.socket), {
      reason: values.reason ?? 'hotcycle reload',
      ...(values['expect-hash'] ? { expectHash: values['expect-hash'] } : {}),
    }, onEvent);
    return output(json, result, formatReload(result), result.ok);
  },
};
