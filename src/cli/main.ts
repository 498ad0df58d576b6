#!/usr/bin/env node
// The one executable: `hotcycle <command>`. The role is chosen here in one line;
// each command lives in its own module.
import { HotcycleError } from '../errors.ts';
import { UnreachableError } from '../protocol/client.ts';
import { UsageError, type Command } from './command.ts';
import { checkCommand } from './commands/check.ts';
import { masterCommand } from './commands/master.ts';
import { reloadCommand } from './commands/reload.ts';
import { sidecarCommand } from './commands/sidecar.ts';
import { statusCommand } from './commands/status.ts';
import { formatError } from './format.ts';

const COMMANDS: readonly Command[] = [masterCommand, sidecarCommand, reloadCommand, statusCommand, checkCommand];

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `hotcycle ${VERSION}: graceful, validated, in-place config reloads, the way nginx's master does them.

Usage: hotcycle <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'hotcycle <command> --help' for a command's options.
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}" (see: hotcycle --help)`);
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`hotcycle: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof HotcycleError) {
      process.stderr.write(`hotcycle: ${formatError(error.toJSON())}\n`);
      process.exitCode = error instanceof UnreachableError ? 3 : 1;
    } else {
      process.stderr.write(`hotcycle: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
