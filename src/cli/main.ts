#!/usr/bin/env node
// The one executable: `hotcycle <command>`. The role is chosen here in one line;
// each command lives in its own module, imported only to run it: in the bundle each is a chunk
// (scripts/build.ts), so `hotcycle --help` parses none of them and `hotcycle status` not the
// engine, the sidecar or their libraries.
import { HotcycleError, UnreachableError } from '../errors.ts';
import { formatError, UsageError, type Command } from './command.ts';

interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  { name: 'master', summary: 'run the server under hotcycle: own its sockets and workers, reload in cycles',
    load: async () => (await import('./commands/master.ts')).masterCommand },
  { name: 'sidecar', summary: 'watch the ConfigMap, check each version, publish it and have the master reload',
    load: async () => (await import('./commands/sidecar.ts')).sidecarCommand },
  { name: 'reload', summary: "check and publish the source, reload the server, print the cycle's result",
    load: async () => (await import('./commands/reload.ts')).reloadCommand },
  { name: 'status', summary: "show the sidecar's and the master's state: versions, generations, workers",
    load: async () => (await import('./commands/status.ts')).statusCommand },
  { name: 'check', summary: 'validate a config directory without touching anything',
    load: async () => (await import('./commands/check.ts')).checkCommand },
];

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
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new UsageError(`unknown command "${name}" (see: hotcycle --help)`);
  return (await entry.load()).run(rest);
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
