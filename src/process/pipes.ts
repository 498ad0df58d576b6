// A child's stdout and stderr through real pipes. spawn()'s 'pipe' stdio is a socketpair,
// and a program that reopens its own output (open("/dev/stdout"), nginx's
// `access_log /dev/stdout;`, `echo x > /dev/stdout`) fails on a socket with ENXIO; a
// pipe(2) can be reopened through /proc/self/fd, as under a shell or a container runtime.
import { spawn, type ChildProcess, type SpawnOptions, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { fchownSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { HotcycleError } from '../errors.ts';
import { closeFd, isNativeError, pipe } from '../native.ts';
import { waitForExit, type ExitInfo } from './exit.ts';

/** One element of spawn()'s stdio array, for the child's fds 3…. */
export type ExtraStdio = Extract<StdioOptions, unknown[]>[number];

export interface SpawnedWithOutput {
  child: ChildProcess;
  /** Ends once the child and every descendant that inherited its stdout have closed it. */
  stdout: Readable;
  stderr: Readable;
}

/**
 * spawn() with real pipes as fds 1 and 2, stdin ignored, and `extra` as fds 3….
 * (1) One pipe per stream, close-on-exec, so no other child inherits an end.
 * (2) A child that runs as another user must own its pipe to reopen it (pipes are 0600).
 * (3) Spawn with the write ends as stdio: the child gets its own copies.
 * (4) Close the write ends here at once, whatever spawn did, so a read end ends exactly when
 *     the child's side is gone. A spawn that throws closes the read ends too.
 * (5) The read ends as non-blocking streams: libuv's pipe handle (net.Socket on the fd), not
 *     fs.createReadStream, whose blocking reads would each hold a threadpool thread.
 */
export function spawnWithOutput(
  file: string,
  args: readonly string[],
  options: Omit<SpawnOptions, 'stdio'>,
  extra: readonly ExtraStdio[] = [],
): SpawnedWithOutput {
  const out = openPipe(); // (1)
  let err: [number, number];
  try {
    err = openPipe();
  } catch (error) {
    for (const fd of out) closeFd(fd);
    throw error;
  }
  let child: ChildProcess;
  try {
    if (options.uid !== undefined) { // (2) both ends share one inode
      for (const [, write] of [out, err]) fchownSync(write, options.uid, options.gid ?? -1);
    }
    child = spawn(file, args, { ...options, stdio: ['ignore', out[1], err[1], ...extra] }); // (3)
  } catch (error) {
    closeFd(out[0]);
    closeFd(err[0]);
    throw error;
  } finally {
    closeFd(out[1]); // (4)
    closeFd(err[1]);
  }
  return { child, stdout: readEnd(out[0]), stderr: readEnd(err[0]) }; // (5)
}

export interface ExecOptions extends Omit<SpawnOptions, 'stdio' | 'timeout'> {
  /** SIGKILL after this long; the result says `timedOut`. */
  timeoutMs: number;
  /** Output kept per stream; the rest is read and dropped. */
  maxChars?: number;
}

export interface ExecResult {
  exit: ExitInfo;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a command to its end with real pipes as stdout and stderr (execFile uses 'pipe').
 * Resolves once it exited and both streams ended (a descendant that keeps them open keeps
 * this waiting); rejects only when it could not start.
 */
export async function execWithOutput(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const { timeoutMs, maxChars = 1024 * 1024, ...spawnOptions } = options;
  const { child, stdout, stderr } = spawnWithOutput(file, args, spawnOptions);
  const texts = Promise.all([collect(stdout, maxChars), collect(stderr, maxChars)]);
  texts.catch(() => {}); // awaited below, after the exit
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    const exit = await new Promise<ExitInfo>((resolve, reject) => {
      child.once('error', reject); // a spawn failure; a later error is moot once it exited
      void waitForExit(child).then(resolve);
    });
    const [out, err] = await texts;
    return { exit, stdout: out, stderr: err, timedOut };
  } catch (error) {
    await Promise.all([stdout, stderr].map(destroy));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function collect(stream: Readable, maxChars: number): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) if (text.length < maxChars) text += chunk as string;
  return text.slice(0, maxChars);
}

/** Destroys a stream and resolves once its fd is closed. */
async function destroy(stream: Readable): Promise<void> {
  if (stream.closed) return;
  const closed = once(stream, 'close');
  stream.destroy();
  await closed;
}

function openPipe(): [number, number] {
  try {
    return pipe();
  } catch (error) {
    const reason = isNativeError(error) ? error.code : String(error);
    throw new HotcycleError('start', 'EOUTPUTPIPE', `cannot create a pipe for a child's output (${reason})`, { cause: error });
  }
}

function readEnd(fd: number): Readable {
  return new Socket({ fd, readable: true, writable: false });
}
