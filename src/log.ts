// The one way anything logs. JSON lines by default (what a log pipeline greps: `component`,
// `event`, `generation`, `configHash`, `phase`, `durationMs`); `text` for people running the demo.
// Everything goes to stderr so a command's stdout stays its result.
//
// The lines are winston's (DESIGN.md §7): its JSON format (every field of the call and the
// logger's, `level`, `message`, `timestamp`, keys sorted by safe-stable-stringify, bigints as
// strings), its levels and its merge of a call's fields (a field `message` is appended to the
// message). They are written by this file rather than by winston: winston's streams, transports
// and their dependencies cost every master and sidecar 3.8 MiB of idle RSS (issue 19), for one
// synchronous write to stderr. winston still fits `Logger` (the tests capture lines with one).
import { configure } from 'safe-stable-stringify';

/** winston's (npm's) levels: a line is written when its level is at most the logger's. */
export const LEVELS = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5, silly: 6 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFormat = 'json' | 'text';
export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  component: string;
  /** One of LEVELS; any other name writes nothing, as in winston. */
  level?: string;
  format?: LogFormat;
}

const stringify = configure({});
const bigintsAsStrings = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/** A call's line as winston builds it: the logger's fields, the call's, then level and message. */
export function logRecord(component: string, level: LogLevel, message: string, fields?: LogFields): LogFields {
  const record: LogFields = { component, ...fields, level, message };
  if (fields?.message) record.message = `${message} ${String(fields.message)}`;
  if (fields?.stack) record.stack = fields.stack;
  if (fields?.cause) record.cause = fields.cause;
  record.timestamp = new Date().toISOString();
  return record;
}

export function jsonLine(record: LogFields): string {
  return stringify(record, bigintsAsStrings) ?? '{}';
}

/** `<timestamp> <component> <level> <message> key=value…` (values not strings as JSON). */
export function textLine(record: LogFields): string {
  const { level, message, timestamp, component, ...rest } = record;
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ');
  return `${String(timestamp)} ${String(component)} ${String(level)} ${String(message)}${fields ? ' ' + fields : ''}`;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVELS[(options.level ?? 'info') as LogLevel] ?? -1;
  const line = (options.format ?? 'json') === 'json' ? jsonLine : textLine;
  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVELS[level] > threshold) return;
    process.stderr.write(`${line(logRecord(options.component, level, message, fields))}\n`);
  };
  return {
    log,
    error: (message, fields) => log('error', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    info: (message, fields) => log('info', message, fields),
    debug: (message, fields) => log('debug', message, fields),
  };
}

/** A logger that drops everything, for library code run inside tests and the CLI. */
export function silentLogger(): Logger {
  const drop = (): void => {};
  return { log: drop, error: drop, warn: drop, info: drop, debug: drop };
}
