// winston is the one way anything logs. JSON lines by default (what a log pipeline greps:
// `component`, `event`, `generation`, `configHash`, `phase`, `durationMs`); `text` for people
// running the demo. Everything goes to stderr so a command's stdout stays its result.
import winston from 'winston';

export type LogFormat = 'json' | 'text';
export type Logger = winston.Logger;

export interface LoggerOptions {
  component: string;
  level?: string;
  format?: LogFormat;
}

const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, component, ...rest } = info;
  const fields = Object.entries(rest)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp)} ${String(component)} ${level} ${String(message)}${fields ? ' ' + fields : ''}`;
});

export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? 'json';
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { component: options.component },
    format: winston.format.combine(
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : textFormat,
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}

/** A logger that drops everything, for library code run inside tests and the CLI. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console()] });
}
