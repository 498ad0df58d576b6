import { HotcycleError, type ErrorCode } from '../../errors.ts';
import { masterStatus } from '../../protocol/master-client.ts';
import { sidecarStatus } from '../../protocol/sidecar-client.ts';
import type { SidecarStatus } from '../../protocol/sidecar.ts';
import { output, parse, printHelp, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { formatStatus } from '../format.ts';
import { formatSidecarStatus } from '../sidecar-format.ts';

/** The sidecar is not there (a master run alone, the local demo): show the master by itself. */
const NO_SIDECAR = new Set<ErrorCode>(['ENOENT', 'ECONNREFUSED']);

export const statusCommand: Command = {
  help: `Usage: hotcycle status [options]

Shows the sidecar's state (source and live directories, the published version, what the
master runs and which origin brought it — the fast path's API watch or the volume, and how far
the volume lags —, watch health, the last syncs and their outcomes; under each version not
run, why, in one line: its first finding as file:line:col: message (+N more), or the phase
that failed and the error) together with the master's: the current generation and its config
hash, the listeners, every generation still running (current, draining) with its workers'
pids and states, and the last reload results.

When no sidecar answers on its socket, or --socket names a master socket, the master's
state is shown alone, with a note.

Options:
${describe(SETTINGS.sidecarSocket)}
${describe(SETTINGS.masterSocket)}
                             (given: ask that master only)
  --json                     print {sidecar, master, note?} as JSON (each of sidecar.lastResults
                             with that line as \`why\`)
  -h, --help                 this help
`,
  async run(argv) {
    const { values } = parse('status', argv, { socket: { type: 'string' }, 'sidecar-socket': { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) return printHelp(this);
    const json = values.json ?? false;
    const sidecar = values.socket === undefined ? await askSidecar(resolve(SETTINGS.sidecarSocket, values['sidecar-socket'])) : null;
    if (sidecar && 'status' in sidecar) {
      const { master = null, ...own } = sidecar.status;
      return output(json, { sidecar: own, master }, formatSidecarStatus(sidecar.status), master !== null);
    }
    const note = sidecar ? sidecar.note : `master only (--socket ${values.socket} given)`;
    const master = await masterStatus(resolve(SETTINGS.masterSocket, values.socket));
    return output(json, { sidecar: null, master, note }, `${formatStatus(master)}\n(${note})`, true);
  },
};

async function askSidecar(socketPath: string): Promise<{ status: SidecarStatus } | { note: string }> {
  try {
    return { status: await sidecarStatus(socketPath) };
  } catch (error) {
    if (error instanceof HotcycleError && NO_SIDECAR.has(error.code)) return { note: `no sidecar at ${socketPath}: master only` };
    throw error;
  }
}
