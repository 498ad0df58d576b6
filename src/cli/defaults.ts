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
