// The hotcycle.yaml shapes: `Raw*` is what the schema admits (optional fields, `string | string[]`
// globs), `HotcycleConfig` is the normalised, frozen form every consumer reads (defaults filled in).
import type { BackoffPolicy } from '../backoff.ts';
import type { ListenAddress } from './address.ts';

/** Signals a worker generation may be asked to stop with; the schema's enum comes from this list. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export const READINESS_MODES = ['notify', 'settle'] as const;
export type ReadinessMode = (typeof READINESS_MODES)[number];

/** Contexts a set of nginx files without a main config may be read in (`checks.nginx.context`). */
export const NGINX_ROOT_CONTEXTS = ['main', 'http', 'server', 'location', 'stream'] as const;
export type NginxRootContext = (typeof NGINX_ROOT_CONTEXTS)[number];

export interface RawListener { name: string; address: string }

export type RawReadiness =
  | { mode: 'notify'; timeoutMs?: number }
  | { mode: 'settle'; delayMs?: number };

export interface RawWorkers {
  count?: number;
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  readiness?: RawReadiness;
  shutdown?: { signal?: ShutdownSignal; timeoutMs?: number };
  restart?: { backoffMs?: number; maxBackoffMs?: number };
}

export interface RawChecks {
  schemas?: { files: string | string[]; schema: string }[];
  nginx?: RawNginxChecks;
  commands?: { command: string[]; timeoutMs?: number }[];
}

export interface RawNginxChecks {
  main?: string;
  files?: string | string[];
  context?: NginxRootContext;
  includeRoots?: string[];
}

export interface RawHotcycleConfig {
  listeners?: RawListener[];
  workers: RawWorkers;
  checks?: RawChecks;
}

/** hotcycle.yaml under the nginx driver: only `checks` is read. */
export type RawChecksConfig = Omit<RawHotcycleConfig, 'workers'> & { workers?: RawWorkers };

export interface ListenerConfig {
  readonly name: string;
  /** As written: `host:port`, `[v6]:port` or `unix:/path` (for messages). */
  readonly address: string;
  /** Parsed once, by the loader (rules.ts rejects what does not parse). */
  readonly listen: ListenAddress;
  /** The canonical key the master matches sockets by: `tcp:127.0.0.1:8080`, `unix:/run/app.sock`. */
  readonly key: string;
}

export type ReadinessConfig =
  | { readonly mode: 'notify'; readonly timeoutMs: number }
  | { readonly mode: 'settle'; readonly delayMs: number };

/** The one source of a generation's worker settings: the master's specs extend or pick from it. */
export interface WorkersConfig {
  readonly count: number;
  readonly command: readonly string[];
  /** Relative to the generation's config snapshot. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly readiness: ReadinessConfig;
  readonly shutdown: { readonly signal: ShutdownSignal; readonly timeoutMs: number };
  readonly restart: BackoffPolicy;
}

export interface SchemaMapping { readonly files: readonly string[]; readonly schema: string }
export interface CheckCommand { readonly command: readonly string[]; readonly timeoutMs: number }

export interface NginxChecks {
  readonly main?: string;
  /** Entry globs, used when the set has no main config; empty when none are configured. */
  readonly files: readonly string[];
  readonly context?: NginxRootContext;
  readonly includeRoots: readonly string[];
}

export interface ChecksConfig {
  readonly schemas: readonly SchemaMapping[];
  /** The nginx check's settings (checks/nginx/roots.ts); undefined when hotcycle.yaml has none. */
  readonly nginx?: NginxChecks;
  readonly commands: readonly CheckCommand[];
}

export interface HotcycleConfig {
  /** In fd order: the first listener is fd 3 in every worker. */
  readonly listeners: readonly ListenerConfig[];
  readonly workers: WorkersConfig;
  readonly checks: ChecksConfig;
}
