// The shape of a subcommand, and the argument parsing and output they share: node's parseArgs,
// strict, with a usage error (exit 2) that says what was wrong and where help is. main.ts uses it
// for --help and errors too, so it imports nothing heavier than node:util.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HotcycleError, type ErrorInfo } from '../errors.ts';

/** A subcommand's module; src/cli/main.ts names it and loads it only to run it. */
export interface Command {
  help: string;
  /** Returns the process exit code: 0 only on success. */
  run(argv: string[]): Promise<number>;
}

export class UsageError extends HotcycleError {
  constructor(message: string) {
    super('control', 'EUSAGE', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends Options>(command: string, argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see: hotcycle ${command} --help)`);
  }
}

export function printHelp(command: Command): number {
  process.stdout.write(command.help);
  return 0;
}

/** Prints `value` as JSON (--json) or as text; returns the exit code for `ok`. */
export function output(json: boolean, value: unknown, text: string, ok: boolean): number {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');
  return ok ? 0 : 1;
}

/** A failure as operators read it: phase, message, code, then the detail's lines. */
export function formatError(error: ErrorInfo): string {
  const lines = [`failed in phase ${error.phase}: ${error.message} [${error.code}]`];
  if (error.detail) lines.push(...error.detail.split('\n').map((l) => `  | ${l}`));
  return lines.join('\n');
}
