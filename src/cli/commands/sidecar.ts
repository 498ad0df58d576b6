import { createLogger, type LogFormat } from '../../log.ts';
import { parseSchemaFlag } from '../../sidecar/check-schemas.ts';
import { SIDECAR_DRIVERS, type SidecarDriver } from '../../sidecar/gate.ts';
import { tuneV8ForLongRunningRole } from '../../v8-tuning.ts';
import { parse, printHelp, UsageError, type Command } from '../command.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';

export const sidecarCommand: Command = {
  help: `Usage: hotcycle sidecar [options]

Runs beside the master (the chart's native sidecar). Watches the source directory — on a
ConfigMap volume only kubelet's ..data swap counts, on a plain directory any settled change —
and re-hashes it every --resync-ms in case an event was missed. Each new version (sha256 of
the whole file set; the same hash twice does nothing) is checked, in order:
  hotcycle.yaml against hotcycle's schema (required with the native driver),
  files mapped to a JSON Schema (checks.schemas in hotcycle.yaml, or --schema),
  nginx syntax (checks.nginx.files; *.conf by default with --driver nginx),
  check commands (checks.commands), each in a copy of the version, with a timeout.
A rejected version never reaches the live directory; its findings are logged as
file:line:col. An accepted one is published there with kubelet's atomic ..data swap, then
the master is asked to reload it (POST /v1/reload with the version's hash). If the master
rejects it, the previous version is put back in the live directory, and the rejected one is
not retried until it changes (or 'hotcycle reload' forces it).

At start the current source is published at once (/startupz passes), then reconciled: if
the master already runs that version, nothing is reloaded.

In a cluster (KUBERNETES_SERVICE_HOST, a service-account token and POD_NAME from the
Downward API), every outcome also becomes an Event on the Pod (Reloaded, ReloadFailed,
ConfigRejected) and a reload sets the Pod annotations hotcycle.dev/generation,
hotcycle.dev/config-hash and hotcycle.dev/reloaded-at. Outside one, this is off (one log line).

Options:
${describe(SETTINGS.sourceDir, 'DIR')}
${describe(SETTINGS.liveDir, 'DIR')}
${describe(SETTINGS.sidecarMasterSocket)}
${describe(SETTINGS.sidecarOwnSocket)}
${describe(SETTINGS.listen, 'ADDR')}
${describe(SETTINGS.driver, 'NAME')}
${describe(SETTINGS.watchConfigMap, 'NAME')}
${describe(SETTINGS.debounceMs, 'MS')}
${describe(SETTINGS.debounceMaxMs, 'MS')}
${describe(SETTINGS.resyncMs, 'MS')}
  --schema GLOB=SCHEMA       check files matching GLOB against the JSON Schema file SCHEMA
                             (repeatable; a path on disk, e.g. a mounted schemas ConfigMap)
${describe(SETTINGS.logFormat, 'FORMAT')}
${describe(SETTINGS.logLevel, 'LEVEL')}
  -h, --help                 this help

Environment: POD_NAME, POD_NAMESPACE, POD_UID (Downward API) name the Pod to report on.
HOTCYCLE_KUBE_ROOT (tests only) roots the service-account directory elsewhere than /.

Control: hotcycle reload (sync + reload), hotcycle status, or
curl --unix-socket SOCKET http://hotcycle/v1/status
`,
  async run(argv) {
    const { values, positionals } = parse('sidecar', argv, {
      source: { type: 'string' }, live: { type: 'string' }, 'master-socket': { type: 'string' }, socket: { type: 'string' },
      listen: { type: 'string' }, driver: { type: 'string' }, 'watch-configmap': { type: 'string' },
      'debounce-ms': { type: 'string' }, 'debounce-max-ms': { type: 'string' }, 'resync-ms': { type: 'string' }, schema: { type: 'string', multiple: true },
      'log-format': { type: 'string' }, 'log-level': { type: 'string' },
    });
    if (values.help) return printHelp(this);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const driver = resolve(SETTINGS.driver, values.driver);
    if (!(SIDECAR_DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`unknown driver "${driver}": expected one of ${SIDECAR_DRIVERS.join(', ')}`);
    const format = resolve(SETTINGS.logFormat, values['log-format']);
    if (format !== 'json' && format !== 'text') throw new UsageError(`--log-format must be json or text, not ${format}`);
    const debounceMs = millis(resolve(SETTINGS.debounceMs, values['debounce-ms']), '--debounce-ms', 0);
    // A maximum below the debounce itself would quietly become the debounce.
    const debounceMaxMs = millis(resolve(SETTINGS.debounceMaxMs, values['debounce-max-ms']), '--debounce-max-ms', Math.max(1, debounceMs));
    const logger = createLogger({ component: 'sidecar', format: format as LogFormat, level: resolve(SETTINGS.logLevel, values['log-level']) });
    tuneV8ForLongRunningRole();
    // Loaded only to run it: the other commands never pay for the watcher, metrics and the rest.
    const { runSidecar } = await import('../../sidecar/main.ts');
    return runSidecar({
      sourceDir: resolve(SETTINGS.sourceDir, values.source),
      liveDir: resolve(SETTINGS.liveDir, values.live),
      masterSocket: resolve(SETTINGS.sidecarMasterSocket, values['master-socket']),
      socketPath: resolve(SETTINGS.sidecarOwnSocket, values.socket),
      listen: resolve(SETTINGS.listen, values.listen),
      driver: driver as SidecarDriver,
      debounceMs,
      debounceMaxMs,
      resyncMs: millis(resolve(SETTINGS.resyncMs, values['resync-ms']), '--resync-ms', 1),
      schemas: (values.schema ?? []).map((flag) => schemaFlag(flag)),
      configMap: resolve(SETTINGS.watchConfigMap, values['watch-configmap']),
      kubeRoot: process.env.HOTCYCLE_KUBE_ROOT ?? '',
      logger,
    });
  },
};

function millis(value: string, flag: string, minimum: number): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum) throw new UsageError(`${flag} must be a whole number of milliseconds ≥ ${minimum}, not "${value}"`);
  return Number(value);
}

function schemaFlag(flag: string): ReturnType<typeof parseSchemaFlag> {
  try {
    return parseSchemaFlag(flag);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
