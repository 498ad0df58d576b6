import { masterReload } from '../../protocol/master-client.ts';
import { syncSucceeded } from '../../protocol/sidecar.ts';
import { sidecarSync } from '../../protocol/sidecar-client.ts';
import type { ReloadEvent } from '../../protocol/types.ts';
import { output, parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { formatReload } from '../format.ts';
import { formatSync } from '../sidecar-format.ts';

export const reloadCommand: Command = {
  help: `Usage: hotcycle reload [options]
       hotcycle reload --direct [options]

Through the sidecar (default): it re-reads the source directory now, checks the version,
publishes it into the live directory, and asks the master for a reload cycle even when
nothing changed (also retrying a version the master rejected before). Prints the checks'
findings (file:line:col) or the master's result.

With --direct: asks the master for a reload cycle of what the live directory holds, and
waits for its result. Phases are shown as they happen.

Requests that arrive while a cycle runs are coalesced into one follow-up cycle.
Exit status: 0 when the new generation serves, 1 when the checks or the reload failed (the
old generation keeps serving), 2 for usage errors, 3 when the socket cannot be reached.

Options:
${describe(SETTINGS.sidecarSocket)}
  --direct                   talk to the master's socket instead of the sidecar's
${describe(SETTINGS.masterSocket)}
                             (with --direct)
  --reason TEXT              recorded in the result and the logs
  --expect-hash SHA256       with --direct: reload only if the config directory holds exactly this set
  --json                     print the result as JSON
  -h, --help                 this help
`,
  async run(argv) {
    const { values } = parse('reload', argv, {
      direct: { type: 'boolean' }, socket: { type: 'string' }, 'sidecar-socket': { type: 'string' }, reason: { type: 'string' },
      'expect-hash': { type: 'string' }, json: { type: 'boolean' },
    });
    if (values.help) return printHelp(this);
    const json = values.json ?? false;
    const reason = values.reason ?? 'hotcycle reload';
    if (!values.direct) {
      if (values['expect-hash'] || values.socket) throw new UsageError('--expect-hash and --socket go with --direct (the sidecar publishes and names the hash itself)');
      const result = await sidecarSync(resolve(SETTINGS.sidecarSocket, values['sidecar-socket']), { force: true, reason });
      return output(json, result, formatSync(result), syncSucceeded(result));
    }
    const onEvent = json ? undefined : (event: ReloadEvent) => {
      if (event.event === 'phase') process.stderr.write(`  ${event.name} ${event.ok ? 'ok' : 'FAILED'} (${event.ms} ms)\n`);
    };
    const result = await masterReload(resolve(SETTINGS.masterSocket, values.socket), {
      reason,
      ...(values['expect-hash'] ? { expectHash: values['expect-hash'] } : {}),
    }, onEvent);
    return output(json, result, formatReload(result), result.ok);
  },
};
