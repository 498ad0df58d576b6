// Every failure an operator sees is a HotcycleError: a stable `code` to grep and alert on,
// the `phase` that failed, a one-line message, and the detail that explains it (file:line:col,
// the offending field, a worker's stderr tail). `cause` keeps the underlying error.

import type { constants } from 'node:os';

/** Where a failure happened: the cycle's phases, then the places around them. */
export const PHASES = ['check', 'plan', 'open', 'start', 'ready', 'commit', 'config', 'control', 'publish', 'watch', 'shutdown'] as const;
export type Phase = (typeof PHASES)[number];

/** hotcycle's own error codes, by what they tell an operator. */
export const ERROR_CODES = [
  // The configuration or the command line is wrong: fix hotcycle.yaml, the flags or the Pod spec.
  'ECONFIG', 'ENOCONFIG', 'EADDRESS', 'ESOURCE', 'EUSAGE', 'ENGINXCOMMAND', 'EKUBEIDENTITY',
  // A version could not be taken as a whole: unreadable, changing underfoot, not the one expected,
  // no room to check or freeze it.
  'EFILESET', 'ECHANGING', 'ECHANGED', 'ECHECKRUN', 'ESCRATCH', 'ESNAPSHOT', 'EHASHMISMATCH',
  // nginx rejected the config, or could not be run, started or confirmed: its own output is the detail.
  'ENGINXCHECK', 'ENGINXCHECKTIMEOUT', 'ENGINXEXEC', 'ENGINXCONF', 'ENGINXSPAWN', 'ENGINXEXITED',
  'ENGINXSTARTTIMEOUT', 'ENGINXRELOAD', 'ENGINXRELOADTIMEOUT',
  // A native worker could not start or did not become ready: the old generation keeps serving.
  'ESPAWN', 'EOUTPUTPIPE', 'EWORKEREXIT', 'EREADYTIMEOUT',
  // Listening sockets: the addon is missing, or no errno says why an open failed.
  'ENATIVE', 'EOPEN',
  // Publishing into the live directory failed (before or after the `..data` swap, see the message).
  'EWRITE', 'EFINISH', 'ENOTARGET', 'EPAYLOAD', 'EHASH',
  // The release's last good config cannot be read, or is not a usable config set: no fallback.
  'ELASTGOOD',
  // The release's rollout Lease is missing, unreadable, or holds state this version does not understand.
  'EROLLOUT',
  // The Pod's annotations file (downward API, --pod-annotations) is not kubelet's key="value" format.
  'EANNOTATIONS',
  // A control request was refused, or its answer was not understood.
  'EBADREQUEST', 'EMEDIATYPE', 'ETOOLARGE', 'EMETHOD', 'ENOTFOUND', 'ETIMEOUT', 'EPROTOCOL', 'ECONNECT',
  // The master cannot take a reload now (starting, busy, shutting down), or cut one short: no verdict.
  'ESTARTING', 'EBUSY', 'ESHUTTINGDOWN', 'EABORTED', 'EINTERRUPTED',
  // A bug: something used after close, a failure without a code, no error where one was due.
  'ECLOSED', 'EINTERNAL', 'EUNKNOWN',
] as const;

/**
 * The OS's errno names (ENOENT, EADDRINUSE, ECONNREFUSED…), from Node's own table: the code of
 * a failure whose cause is the kernel's answer (a listener or socket that cannot be bound, a
 * control socket that cannot be reached) is that answer, passed through unchanged.
 */
export type OsErrorCode = keyof typeof constants.errno;

/**
 * A failure's code. On the control protocol it is a plain string (src/protocol/schemas.ts), so
 * that a peer of another version may send a code this one does not know.
 */
export type ErrorCode = (typeof ERROR_CODES)[number] | OsErrorCode;

export interface ErrorInfo {
  phase: Phase;
  code: ErrorCode;
  message: string;
  detail?: string;
}

export class HotcycleError extends Error {
  readonly code: ErrorCode;
  readonly phase: Phase;
  readonly detail: string | undefined;

  constructor(phase: Phase, code: ErrorCode, message: string, options: { detail?: string; cause?: unknown } = {}) {
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

/** The OS's errno name of a failed syscall's error (Node's `err.code`), if it has one. */
export function osErrorCode(error: unknown): OsErrorCode | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? (code as OsErrorCode) : undefined;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
