// Paths and their environment variables (DESIGN.md §1): one table, read by every command
// and printed by every --help, so the two never disagree.

export interface Setting {
  flag: string;
  env: string;
  fallback: string;
  help: string;
}

export const SETTINGS = {
  configDir: { flag: '--config-dir', env: 'HOTCYCLE_CONFIG_DIR', fallback: '/etc/hotcycle/live', help: 'the live config directory the server runs from' },
  masterSocket: { flag: '--socket', env: 'HOTCYCLE_MASTER_SOCKET', fallback: '/run/hotcycle/master.sock', help: "the master's control socket" },
  sidecarSocket: { flag: '--sidecar-socket', env: 'HOTCYCLE_SIDECAR_SOCKET', fallback: '/run/hotcycle/sidecar.sock', help: "the sidecar's control socket" },
  stateDir: { flag: '--state-dir', env: 'HOTCYCLE_STATE_DIR', fallback: '', help: "per-generation config snapshots (default: 'state' beside the socket)" },
  // `hotcycle sidecar`'s own names for the shared paths (DESIGN.md §1): the live directory is the
  // master's config directory, and its own socket is --socket there.
  sourceDir: { flag: '--source', env: 'HOTCYCLE_SOURCE_DIR', fallback: '/etc/hotcycle/source', help: 'the ConfigMap volume (or plain directory) to watch' },
  liveDir: { flag: '--live', env: 'HOTCYCLE_CONFIG_DIR', fallback: '/etc/hotcycle/live', help: 'where accepted versions are published (the master reads it)' },
  sidecarMasterSocket: { flag: '--master-socket', env: 'HOTCYCLE_MASTER_SOCKET', fallback: '/run/hotcycle/master.sock', help: "the master's control socket" },
  sidecarOwnSocket: { flag: '--socket', env: 'HOTCYCLE_SIDECAR_SOCKET', fallback: '/run/hotcycle/sidecar.sock', help: "this sidecar's control socket" },
  listen: { flag: '--listen', env: 'HOTCYCLE_LISTEN', fallback: ':9090', help: '/metrics, /healthz, /readyz and /startupz' },
  driver: { flag: '--driver', env: 'HOTCYCLE_DRIVER', fallback: 'native', help: 'native (hotcycle.yaml required) or nginx (the files nginx reads are checked)' },
  nginxConf: { flag: '--nginx-conf', env: 'HOTCYCLE_NGINX_CONF', fallback: '', help: 'the main config nginx is run with, relative to the set' },
  watchConfigMap: { flag: '--watch-configmap', env: 'HOTCYCLE_WATCH_CONFIGMAP', fallback: '', help: 'fast path: also follow this ConfigMap through the API (in a cluster)' },
  lastGoodSecret: {
    flag: '--last-good-secret', env: 'HOTCYCLE_LAST_GOOD_SECRET', fallback: '',
    help: "keep each version the master runs in this Secret; a pod whose source is rejected starts on it (in a cluster)",
  },
  debounceMs: { flag: '--debounce-ms', env: 'HOTCYCLE_DEBOUNCE_MS', fallback: '100', help: 'wait this long after the last change before syncing' },
  debounceMaxMs: { flag: '--debounce-max-ms', env: 'HOTCYCLE_DEBOUNCE_MAX_MS', fallback: '5000', help: 'but sync at most this long after the first change of a burst (≥ --debounce-ms)' },
  resyncMs: { flag: '--resync-ms', env: 'HOTCYCLE_RESYNC_MS', fallback: '60000', help: 're-hash the source this often, to heal missed events' },
  shutdownDelayMs: {
    flag: '--shutdown-delay-ms', env: 'HOTCYCLE_SHUTDOWN_DELAY_MS', fallback: '0',
    help: 'after SIGTERM, keep every listener open and serving this long (refusing reloads) before draining',
  },
  startFailure: {
    flag: '--start-failure', env: 'HOTCYCLE_START_FAILURE', fallback: 'exit',
    help: 'a first configuration that cannot serve: exit 1, or wait (serving nothing) for a reload that succeeds',
  },
  tlsExpiryWarningDays: { flag: '--tls-expiry-warning-days', env: 'HOTCYCLE_TLS_EXPIRY_WARNING_DAYS', fallback: '14', help: 'warn when a checked certificate expires within this many days' },
  logFormat: { flag: '--log-format', env: 'HOTCYCLE_LOG_FORMAT', fallback: 'json', help: 'json (one object per line) or text' },
  logLevel: { flag: '--log-level', env: 'HOTCYCLE_LOG_LEVEL', fallback: 'info', help: 'error, warn, info or debug' },
} as const satisfies Record<string, Setting>;

/** The flag's value, else the environment's, else the default. */
export function resolve(setting: Setting, flagValue: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flagValue ?? env[setting.env] ?? setting.fallback;
}

export function describe(setting: Setting, valueName = 'PATH'): string {
  const fallback = setting.fallback ? `; default ${setting.fallback}` : '';
  return `  ${`${setting.flag} ${valueName}`.padEnd(26)} ${setting.help} (env ${setting.env}${fallback})`;
}
