// Every failure an operator sees is a HotcycleError: a stable `code` to grep and alert on,
// the `phase` that failed, a one-line message, and the detail that explains it (file:line:col,
// the offending field, a worker's stderr tail). `cause` keeps the underlying error.

/** Where a failure happened: the cycle's phases, then the places around them. */
export const PHASES = ['check', 'plan', 'open', 'start', 'ready', 'commit', 'config', 'control', 'publish', 'watch', 'shutdown'] as const;
export type Phase = (typeof PHASES)[number];

export interface ErrorInfo {
  phase: Phase;
  code: string;
  message: string;
  detail?: string;
}

export class HotcycleError extends Error {
  readonly code: string;
  readonly phase: Phase;
  readonly detail: string | undefined;

  constructor(phase: Phase, code: string, message: string, options: { detail?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'HotcycleError';
    this.phase = phase;
    this.code = code;
    this.detail = options.detail;
  }

  /** The same failure reported as part of another phase (a config error met in `check`). */
  inPhase(phase: Phase): HotcycleError {
    return new HotcycleError(phase, this.code, this.message, { detail: this.detail, cause: this });
  }

  toJSON(): ErrorInfo {
    return { phase: this.phase, code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

/** A control socket could not be reached at all (the CLI exits 3 for it). */
export class UnreachableError extends HotcycleError {}

/** Any thrown value as the operator-facing shape, keeping typed errors intact. */
export function toErrorInfo(error: unknown, phase: Phase): ErrorInfo {
  if (error instanceof HotcycleError) return error.toJSON();
  return { phase, code: 'EINTERNAL', message: errorMessage(error) };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
