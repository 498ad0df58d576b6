// The gate's last step: the user's check commands (`checks.commands` in hotcycle.yaml), each run
// in a private copy of the version (its working directory, also HOTCYCLE_CONFIG_DIR), with a
// timeout enforced by the one stop helper on its whole process group. A non-zero exit rejects the version; its stderr is the
// finding, and stderr lines of the form `file:line[:col]: message` naming a file of the set
// become located findings.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Diagnostic } from '../diagnostic.ts';
import type { CheckCommand } from '../config/types.ts';
import { errorMessage, HotcycleError } from '../errors.ts';
import { describeExit, waitForExit } from '../process/exit.ts';
import { forEachLine, LineTail } from '../process/lines.ts';
import { spawnWithOutput } from '../process/pipes.ts';
import { stopProcess } from '../process/stop.ts';
import { writeSnapshot } from '../configset/snapshot.ts';
import type { FileSet } from '../configset/fileset.ts';

export const COMMAND_SOURCE = 'command';
const KILL_GRACE_MS = 2000;
const LOCATED = /^(?<file>[^\s:][^:]*):(?<line>\d+)(?::(?<col>\d+))?:\s*(?<message>.+)$/;

export async function checkCommands(set: FileSet, commands: readonly CheckCommand[], declaredIn: string): Promise<Diagnostic[]> {
  if (commands.length === 0) return [];
  const dir = await scratchDir();
  try {
    await writeSnapshot(dir, set);
    const found: Diagnostic[] = [];
    for (const command of commands) found.push(...(await runOne(command, dir, set, declaredIn)));
    return found;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A private directory for the copy; without one no command can run, which is not a finding. */
async function scratchDir(): Promise<string> {
  try {
    return await mkdtemp(path.join(tmpdir(), 'hotcycle-check-'));
  } catch (error) {
    const reason = errorMessage(error);
    throw new HotcycleError('check', 'ESCRATCH', `cannot create a scratch directory for check commands in ${tmpdir()}: ${reason}`, {
      detail: 'check commands run in a copy of the version under TMPDIR: point TMPDIR at a writable directory (in Kubernetes, an emptyDir)',
      cause: error,
    });
  }
}

async function runOne(command: CheckCommand, dir: string, set: FileSet, declaredIn: string): Promise<Diagnostic[]> {
  const shown = command.command.join(' ');
  const whole = (message: string): Diagnostic => ({ file: declaredIn, line: 0, column: 0, message: `check command \`${shown}\` ${message}`, source: COMMAND_SOURCE });
  const [program = '', ...args] = command.command;
  // Its own process group, so a timeout also ends whatever it started in the background.
  const { child, stdout, stderr } = spawnWithOutput(program, args, { cwd: dir, env: { ...process.env, HOTCYCLE_CONFIG_DIR: dir }, detached: true });
  const failed = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (failed) return [whole(`cannot run: ${failed.message}`)];
  stdout.resume();
  // Listened for before anything awaits: it may end together with the exit.
  const stderrEnded = once(stderr, 'end').then(() => true, () => true);
  const tailLines = new LineTail(20);
  const lines: string[] = [];
  forEachLine(stderr, (line) => {
    tailLines.push(line);
    if (lines.length < 50) lines.push(line);
  });
  const deadline = Date.now() + command.timeoutMs;
  const exit = await within(waitForExit(child), command.timeoutMs);
  // A descendant may hold stderr open past the exit: read until it ends or the time is up.
  const ended = exit ? await within(stderrEnded, Math.max(0, deadline - Date.now())) : null;
  await stopProcess(child, { signal: 'SIGTERM', timeoutMs: KILL_GRACE_MS, group: true });
  if (!ended) stderr.destroy();
  if (!exit) return [whole(`did not finish within ${command.timeoutMs} ms${tail(tailLines)}`)];
  if (exit.code === 0) return [];
  const located = lines.flatMap((line) => locate(line, dir, set));
  return located.length > 0 ? located : [whole(`failed (${describeExit(exit)})${tail(tailLines)}`)];
}

/** The value, or null when `ms` pass first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, delay(ms, null, { signal: timer.signal }).catch(() => null)]);
  } finally {
    timer.abort();
  }
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
