import { rootCollision, validateSources, type Source } from '../../configset/sources.ts';
import { errorMessage, HotcycleError } from '../../errors.ts';
import { createLogger, type LogFormat } from '../../log.ts';
import { parseSchemaFlag } from '../../checks/schema-mappings.ts';
import { SIDECAR_DRIVERS, type SidecarDriver } from '../../checks/gate.ts';
import { tuneV8ForLongRunningRole } from '../../v8-tuning.ts';
import path from 'node:path';
import { parse, printHelp, UsageError, type Command } from '../command.ts';
import { NGINX_FLAGS, NGINX_FLAGS_HELP, nginxCheckFlags } from '../nginx-flags.ts';
import { describe, resolve, SETTINGS } from '../defaults.ts';
import { parseProbeSpec, parseReadinessSpec, type ProbeSpec, type ReadinessSpec } from '../../sidecar/rollout/probe-spec.ts';
import type { RolloutSettings } from '../../sidecar/main.ts';

const ROLLOUT_DEFAULTS = { bakeSeconds: 10, waveBakeSeconds: 5, maxInFlight: 1, slotTimeoutSeconds: 15 };
const ROLLOUT_FLAGS = {
  'rollout-lease': { type: 'string' }, 'rollout-bake-seconds': { type: 'string' }, 'rollout-wave-bake-seconds': { type: 'string' },
  'rollout-max-in-flight': { type: 'string' }, 'rollout-slot-timeout-seconds': { type: 'string' }, 'rollout-probe': { type: 'string' },
  'rollout-readiness': { type: 'string' },
} as const;

export const sidecarCommand: Command = {
  help: `Usage: hotcycle sidecar [options]

Runs beside the master (the chart's native sidecar). Watches the source directory — on a
ConfigMap volume only kubelet's ..data swap counts, on a plain directory any settled change —
and re-hashes it every --resync-ms in case an event was missed. Each new version (sha256 of
the whole file set; the same hash twice does nothing) is checked, in order:
  hotcycle.yaml against hotcycle's schema (required with the native driver),
  files mapped to a JSON Schema (checks.schemas in hotcycle.yaml, or --schema),
  nginx syntax and grammar of what nginx reads (with --driver nginx, or checks.nginx in
    hotcycle.yaml): the main config (--nginx-conf) and its includes, else each *.conf at the
    root inside http { } (a conf.d set); the live directory is an include root (see
    'hotcycle check --help' for what this check covers and what it leaves to nginx -t),
  check commands (checks.commands), each in a copy of the version, with a timeout.
A rejected version never reaches the live directory; its findings are logged as
file:line:col. An accepted one is published there with kubelet's atomic ..data swap, then
the master is asked to reload it (POST /v1/reload with the version's hash). If the master
rejects it, the previous version is put back in the live directory, and the rejected one is
not retried until it changes (or 'hotcycle reload' forces it).

Several sources make one config set (repeat the flags): the unnamed --source DIR is its
root; --source NAME=DIR (a ConfigMap, projected volume or plain directory) and
--secret-source NAME=DIR (a Secret volume) add their files under NAME/ (--secret-source
tls=/etc/hotcycle/tls gives tls/tls.crt and tls/tls.key). NAME is a single path segment that
no root file or directory may have (write ./DIR for a root directory whose name has a '=').
Each source is read through its own ..data; one hash covers them all, and changes to several
sources within the debounce become one version, one publish (the whole live set in one ..data
swap) and one reload. A Secret source's content never appears in logs, Events, status or
metrics (a finding in one of its files gives file:line:col, never the line or a token of it;
other findings have its lines replaced by [secret]), and its files keep their mode in the live
directory (kubelet's defaultMode) minus any bit for others: never world-readable. With
--watch-configmap, the API brings the root; the named sources come from their volumes.

Certificate/key pairs are checked (the tls check): each tls.crt with the tls.key beside it,
and the files nginx's ssl_certificate/ssl_certificate_key name inside the set. The chain must
parse, the key must match the leaf, the leaf must be valid now. Each certificate's expiry is
the metric hotcycle_tls_certificate_expiry_timestamp_seconds{file}, and a Warning log line
(event tls.expiring) when it is under --tls-expiry-warning-days away.

At start the current source is published at once (/startupz passes), then reconciled: if
the master already runs that version, nothing is reloaded.

The last good config (--last-good-secret NAME, in a cluster; the chart creates NAME): each
version the master runs is stored, compressed, in that Secret (get/patch on it alone). A pod
that starts while its source version is rejected — by these checks, or by the master's own
check while the master serves nothing — publishes the stored version instead, if it passes
the checks, so the pod starts and serves the last config the release ran. It says so: a
Warning Event RunningLastGood, the Pod annotation hotcycle.dev/running-last-good "true", the
metric hotcycle_last_good_running 1, and 'hotcycle status'. The next version the master runs
(the source fixed) moves it on. A version over 1 MiB compressed is not stored (a Warning Event
LastGoodNotStored, the metric hotcycle_last_good_not_stored_total).

In a cluster (KUBERNETES_SERVICE_HOST, a service-account token and POD_NAME from the
Downward API), every outcome also becomes an Event on the Pod (Reloaded, ReloadFailed,
ConfigRejected) and a reload sets the Pod annotations hotcycle.dev/generation,
hotcycle.dev/config-hash and hotcycle.dev/reloaded-at; a version not run (rejected, its checks
unable to run, refused by the master) sets hotcycle.dev/last-failure to why, in one line, and
hotcycle.dev/last-failure-at. The Pod condition hotcycle.dev/config-applied (pods/status) says
whether the pod serves what the release should serve now: True (Applied) while the master runs
the version the source holds, or (Rejected; with a rollout Held, MarkedBad) while it serves the
version before for a verdict every pod reaches alike; False when this pod cannot (ReloadFailed,
Pending, nothing served, a version just marked bad still running): a readiness gate can use it.
Outside one, this is off (one log line).

Reloads requested by annotation (--pod-annotations FILE): FILE is a downwardAPI volume item
with fieldRef metadata.annotations (the chart mounts it). When the Pod's annotation
hotcycle.dev/reload-requested takes a new value ('kubectl hotcycle reload pod/NAME' sets it to
the time; a user needs only patch on pods, no exec), the sidecar does what 'hotcycle reload'
does, then reports the outcome: an Event ReloadRequested (Warning when it failed) and the
annotations hotcycle.dev/last-reload-request (the value acted on) and
hotcycle.dev/last-reload-outcome ("ok: …" or "failed: …"). The value found at start is acted
on only if it is a time after the sidecar started and not yet acknowledged. kubelet rewrites
FILE (a ..data swap) on the sync of the Pod its update triggers: about a second after the
annotation, at the latest after kubelet's periodic sync.

Fleet rollout (--rollout-lease NAME, in a cluster; the chart gives it with more than one replica): the replicas
of a release apply a new checked version one canary at a time, coordinated through the one
coordination.k8s.io Lease NAME (the chart creates <fullname>-rollout; get/update on it alone).
A checked version is held until its turn. The first pod to hold it starts the rollout as its
canary: it applies the version and bakes it for --rollout-bake-seconds while it judges it —
the reload's result, exits of the new generation's workers, the main container's readiness
(--rollout-readiness tcp://:PORT or http[s]://:PORT/PATH[?failureThreshold=3&intervalMs=1000]:
the kubelet's tcpSocket or httpGet check, run on 127.0.0.1 every interval; failureThreshold
failures in a row are harm, since the kubelet would take the pod out of its Service; the chart
passes the app container's readinessProbe), and the optional HTTP probe
(--rollout-probe http[s]://:PORT/PATH[?minSuccess=0.95&max5xx=0.05&intervalMs=500], GET on
127.0.0.1 every interval; harm is called as soon as the failures exceed what the minimum allows
over the bake). Healthy: the others apply it in waves of --rollout-max-in-flight, each judged
for --rollout-wave-bake-seconds. Harmed: that pod rolls back to the version it ran before (an
ordinary reload), marks the version bad in the Lease (no other pod applies it) and emits a
Warning Event RolloutAborted with the signal and its figures. A newer version replaces the one
in flight and starts again with its own canary. A role not renewed within
--rollout-slot-timeout-seconds (a killed pod) is free again. A pod that runs nothing yet reads
the Lease first (up to 10 s) and starts on what its source holds; if the Lease marks that
version bad, on the release's last good config (--last-good-secret) instead, and says so. While the Lease cannot be read or written, new versions stay held. Events RolloutStarted/RolloutCompleted, metrics hotcycle_rollout_phase
and hotcycle_rollout_aborts_total{signal}, and 'hotcycle status' (rollout: role · phase) say
where it stands.

Options:
${describe(SETTINGS.sourceDir, 'DIR')}
  --source NAME=DIR          add a source whose files appear under NAME/ (repeatable)
  --secret-source NAME=DIR   the same for a Secret volume: never shown, never world-readable
${describe(SETTINGS.tlsExpiryWarningDays, 'DAYS')}
${describe(SETTINGS.liveDir, 'DIR')}
${describe(SETTINGS.sidecarMasterSocket)}
${describe(SETTINGS.sidecarOwnSocket)}
${describe(SETTINGS.listen, 'ADDR')}
${describe(SETTINGS.driver, 'NAME')}
${describe(SETTINGS.watchConfigMap, 'NAME')}
${describe(SETTINGS.lastGoodSecret, 'NAME')}
  --pod-annotations FILE     act on hotcycle.dev/reload-requested in this downward API file (default: off)
  --rollout-lease NAME       coordinate versions through this Lease (default: off)
  --rollout-bake-seconds S   how long the canary is judged (default ${ROLLOUT_DEFAULTS.bakeSeconds})
  --rollout-wave-bake-seconds S
                             how long each later pod is judged (default ${ROLLOUT_DEFAULTS.waveBakeSeconds})
  --rollout-max-in-flight N  pods applying at once in the waves (default ${ROLLOUT_DEFAULTS.maxInFlight})
  --rollout-slot-timeout-seconds S
                             a role not renewed this long is free (default ${ROLLOUT_DEFAULTS.slotTimeoutSeconds})
  --rollout-readiness SPEC   the main container's readiness check, as above (default: none)
  --rollout-probe SPEC       the bake's HTTP probe, as above (default: none)
${describe(SETTINGS.debounceMs, 'MS')}
${describe(SETTINGS.debounceMaxMs, 'MS')}
${describe(SETTINGS.resyncMs, 'MS')}
${NGINX_FLAGS_HELP}
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
      source: { type: 'string', multiple: true }, 'secret-source': { type: 'string', multiple: true }, 'tls-expiry-warning-days': { type: 'string' }, live: { type: 'string' }, 'master-socket': { type: 'string' }, socket: { type: 'string' },
      listen: { type: 'string' }, driver: { type: 'string' }, 'watch-configmap': { type: 'string' }, 'last-good-secret': { type: 'string' }, 'pod-annotations': { type: 'string' },
      'debounce-ms': { type: 'string' }, 'debounce-max-ms': { type: 'string' }, 'resync-ms': { type: 'string' }, schema: { type: 'string', multiple: true },
      'log-format': { type: 'string' }, 'log-level': { type: 'string' }, ...NGINX_FLAGS, ...ROLLOUT_FLAGS,
    });
    if (values.help) return printHelp(this);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const driver = resolve(SETTINGS.driver, values.driver);
    if (!(SIDECAR_DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`unknown driver "${driver}": expected one of ${SIDECAR_DRIVERS.join(', ')}`);
    const format = resolve(SETTINGS.logFormat, values['log-format']);
    if (format !== 'json' && format !== 'text') throw new UsageError(`--log-format must be json or text, not ${format}`);
    const debounceMs = wholeNumber(resolve(SETTINGS.debounceMs, values['debounce-ms']), '--debounce-ms', 0);
    // A maximum below the debounce itself would quietly become the debounce.
    const debounceMaxMs = wholeNumber(resolve(SETTINGS.debounceMaxMs, values['debounce-max-ms']), '--debounce-max-ms', Math.max(1, debounceMs));
    const sources = await parseSources(values.source ?? [], values['secret-source'] ?? []);
    const tlsWarningDays = wholeNumber(resolve(SETTINGS.tlsExpiryWarningDays, values['tls-expiry-warning-days']), '--tls-expiry-warning-days', 0, 'days');
    const logger = createLogger({ component: 'sidecar', format: format as LogFormat, level: resolve(SETTINGS.logLevel, values['log-level']) });
    tuneV8ForLongRunningRole();
    // Loaded only to run it: the other commands never pay for the watcher, metrics and the rest.
    const { runSidecar } = await import('../../sidecar/main.ts');
    const liveDir = resolve(SETTINGS.liveDir, values.live);
    return runSidecar({
      sources,
      tlsWarningDays,
      liveDir,
      // nginx reads the live directory: an absolute include under it points into the set.
      nginx: nginxCheckFlags(values, [path.resolve(liveDir)]),
      masterSocket: resolve(SETTINGS.sidecarMasterSocket, values['master-socket']),
      socketPath: resolve(SETTINGS.sidecarOwnSocket, values.socket),
      listen: resolve(SETTINGS.listen, values.listen),
      driver: driver as SidecarDriver,
      debounceMs,
      debounceMaxMs,
      resyncMs: wholeNumber(resolve(SETTINGS.resyncMs, values['resync-ms']), '--resync-ms', 1),
      schemas: (values.schema ?? []).map((flag) => schemaFlag(flag)),
      configMap: resolve(SETTINGS.watchConfigMap, values['watch-configmap']),
      lastGoodSecret: resolve(SETTINGS.lastGoodSecret, values['last-good-secret']),
      podAnnotations: values['pod-annotations'] ?? '',
      rollout: rolloutSettings(values),
      kubeRoot: process.env.HOTCYCLE_KUBE_ROOT ?? '',
      logger,
    });
  },
};

/** The rollout's settings, or null without --rollout-lease (then its other flags are refused: they would do nothing). */
function rolloutSettings(values: Partial<Record<keyof typeof ROLLOUT_FLAGS, string>>): RolloutSettings | null {
  const lease = values['rollout-lease'] ?? '';
  if (!lease) {
    const stray = Object.keys(ROLLOUT_FLAGS).find((flag) => flag !== 'rollout-lease' && values[flag as keyof typeof ROLLOUT_FLAGS] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --rollout-lease NAME`);
    return null;
  }
  const seconds = (flag: keyof typeof ROLLOUT_FLAGS, fallback: number, minimum: number): number =>
    wholeNumber(values[flag] ?? String(fallback), `--${flag}`, minimum, 'seconds') * 1000;
  let probe: ProbeSpec | null = null;
  let readiness: ReadinessSpec | null = null;
  try {
    probe = values['rollout-probe'] ? parseProbeSpec(values['rollout-probe']) : null;
    readiness = values['rollout-readiness'] ? parseReadinessSpec(values['rollout-readiness']) : null;
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  return {
    lease, probe, readiness,
    bakeMs: seconds('rollout-bake-seconds', ROLLOUT_DEFAULTS.bakeSeconds, 1),
    waveBakeMs: seconds('rollout-wave-bake-seconds', ROLLOUT_DEFAULTS.waveBakeSeconds, 0),
    slotTimeoutMs: seconds('rollout-slot-timeout-seconds', ROLLOUT_DEFAULTS.slotTimeoutSeconds, 3),
    maxInFlight: wholeNumber(values['rollout-max-in-flight'] ?? String(ROLLOUT_DEFAULTS.maxInFlight), '--rollout-max-in-flight', 1, 'pods'),
  };
}

function wholeNumber(value: string, flag: string, minimum: number, unit = 'milliseconds'): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum) throw new UsageError(`${flag} must be a whole number of ${unit} ≥ ${minimum}, not "${value}"`);
  return Number(value);
}

/** `DIR` is the root (else the environment's or the default); `NAME=DIR` a named source. */
async function parseSources(plain: readonly string[], secret: readonly string[]): Promise<readonly Source[]> {
  const named = (flag: string, value: string, isSecret: boolean): Source => {
    const match = /^([^/=]+)=(.+)$/.exec(value);
    if (!match) throw new UsageError(`${flag} ${value}: expected NAME=DIR (NAME a single path segment)`);
    return { name: match[1] ?? '', dir: match[2] ?? '', secret: isSecret };
  };
  const roots = plain.filter((v) => !/^[^/=]*=/.test(v));
  if (roots.length > 1) throw new UsageError(`--source DIR is given ${roots.length} times: only one root source (the others need NAME=DIR)`);
  const sources = [
    { name: '', dir: resolve(SETTINGS.sourceDir, roots[0]), secret: false },
    ...plain.filter((v) => !roots.includes(v)).map((v) => named('--source', v, false)),
    ...secret.map((v) => named('--secret-source', v, true)),
  ];
  try {
    const valid = validateSources(sources);
    const clash = await rootCollision(valid);
    if (clash) throw new UsageError(`source name "${clash}" collides with ${clash} in the root source ${valid[0]?.dir ?? ''}: rename the source`);
    return valid;
  } catch (error) {
    if (error instanceof HotcycleError && error.code === 'ESOURCE') throw new UsageError(error.message);
    throw error;
  }
}

function schemaFlag(flag: string): ReturnType<typeof parseSchemaFlag> {
  try {
    return parseSchemaFlag(flag);
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}
