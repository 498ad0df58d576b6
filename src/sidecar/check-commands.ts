// The gate's last step: the user's check commands (`checks.commands` in hotcycle.yaml), each run
// in a private copy of the version (its working directory, also HOTCYCLE_CONFIG_DIR), with a
// timeout enforced by the one stop helper. A non-zero exit rejects the version; its stderr is the
// finding, and stderr lines of the form `file:line[:col]: message` naming a file of the set
// become located findings.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Diagnostic } from '../checks/diagnostic.ts';
import type { CheckCommand } from '../config/types.ts';
import { describeExit, waitForExit } from '../process/exit.ts';
import { forEachLine, LineTail } from '../process/lines.ts';
import { stopProcess } from '../process/stop.ts';
import { writeSnapshot } from '../master/snapshot.ts';
import type { FileSet } from './fileset.ts';

export const COMMAND_SOURCE = 'command';
const KILL_GRACE_MS = 2000;
const LOCATED = /^(?<file>[^\s:][^:]*):(?<line>\d+)(?::(?<col>\d+))?:\s*(?<message>.+)$/;

export async function checkCommands(set: FileSet, commands: readonly CheckCommand[], declaredIn: string): Promise<Diagnostic[]> {
  if (commands.length === 0) return [];
  const dir = await mkdtemp(path.join(tmpdir(), 'hotcycle-check-'));
  try {
    await writeSnapshot(dir, set);
    const found: Diagnostic[] = [];
    for (const command of commands) found.push(...(await runOne(command, dir, set, declaredIn)));
    return found;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runOne(command: CheckCommand, dir: string, set: FileSet, declaredIn: string): Promise<Diagnostic[]> {
  const shown = command.command.join(' ');
  const whole = (message: string): Diagnostic => ({ file: declaredIn, line: 0, column: 0, message: `check command \`${shown}\` ${message}`, source: COMMAND_SOURCE });
  const [program = '', ...args] = command.command;
  const child = spawn(program, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOTCYCLE_CONFIG_DIR: dir } });
  const spawned = new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  const stderr = new LineTail(20);
  const lines: string[] = [];
  forEachLine(child.stderr!, (line) => {
    stderr.push(line);
    if (lines.length < 50) lines.push(line);
  });
  const failed = await spawned;
  if (failed) return [whole(`cannot run: ${failed.message}`)];
  const timer = new AbortController();
  const exit = await Promise.race([waitForExit(child), delay(command.timeoutMs, null, { signal: timer.signal }).catch(() => null)]);
  timer.abort();
  if (!exit) {
    await stopProcess(child, { signal: 'SIGTERM', timeoutMs: KILL_GRACE_MS });
    return [whole(`did not finish within ${command.timeoutMs} ms${tail(stderr)}`)];
  }
  await streamClosed(child.stderr);
  if (exit.code === 0) return [];
  const located = lines.flatMap((line) => locate(line, dir, set));
  return located.length > 0 ? located : [whole(`failed (${describeExit(exit)})${tail(stderr)}`)];
}

/** `file:line[:col]: message` about a file of the set (absolute paths in the copy count too). */
export function locate(line: string, dir: string, set: FileSet): Diagnostic[] {
  const match = LOCATED.exec(line.trim());
  if (!match?.groups) return [];
  const { file = '', line: at = '0', col, message = '' } = match.groups;
  const relative = path.isAbsolute(file) ? path.relative(dir, file) : path.posix.normalize(file);
  if (!set.has(relative)) return [];
  return [{ file: relative, line: Number(at), column: col ? Number(col) : 0, message, source: COMMAND_SOURCE }];
}

function tail(lines: LineTail): string {
  const text = lines.toString().trim();
  return text ? `: ${text}` : '';
}

function streamClosed(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (!stream || (stream as { closed?: boolean }).closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
