// The hotcycle.yaml shapes: `Raw*` is what the schema admits (optional fields, `string | string[]`
// globs), `HotcycleConfig` is the normalised, frozen form every consumer reads (defaults filled in).
import type { BackoffPolicy } from '../backoff.ts';
import type { ListenAddress } from './address.ts';

/** Signals a worker generation may be asked to stop with; the schema's enum comes from this list. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export const READINESS_MODES = ['notify', 'settle'] as const;
export type ReadinessMode = (typeof READINESS_MODES)[number];

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
  nginx?: { files: string | string[] };
  commands?: { command: string[]; timeoutMs?: number }[];
}

export interface RawHotcycleConfig {
  listeners?: RawListener[];
  workers: RawWorkers;
  checks?: RawChecks;
}

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

export interface ChecksConfig {
  readonly schemas: readonly SchemaMapping[];
  /** Globs of nginx files to syntax-check; empty when none are configured. */
  readonly nginx: { readonly files: readonly string[] };
  readonly commands: readonly CheckCommand[];
}

export interface HotcycleConfig {
  /** In fd order: the first listener is fd 3 in every worker. */
  readonly listeners: readonly ListenerConfig[];
  readonly workers: WorkersConfig;
  readonly checks: ChecksConfig;
}
