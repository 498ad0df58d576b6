// The one way hotcycle stops a process: the graceful signal, then SIGKILL once the
// timeout passes. Every path that ends a child (drain, rollback, shutdown, check
// commands) goes through here, so "killed after the drain timeout" means one thing.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { hasExited, waitForExit, type ExitInfo } from './exit.ts';

export interface StopOptions {
  signal: NodeJS.Signals;
  timeoutMs: number;
  /** Signal the child's whole process group (it was spawned `detached`): its descendants too. */
  group?: boolean;
}

export interface StopResult extends ExitInfo {
  /** True when the process outlived the timeout and was killed with SIGKILL. */
  forced: boolean;
}

export async function stopProcess(child: ChildProcess, options: StopOptions): Promise<StopResult> {
  const exited = waitForExit(child);
  const send = (signal: NodeJS.Signals) => signalProcess(child, signal, options.group ?? false);
  if (hasExited(child)) {
    if (options.group) send('SIGKILL'); // descendants that outlived the leader
    return { ...(await exited), forced: false };
  }
  send(options.signal);
  const timer = new AbortController();
  const graceful = await Promise.race([
    exited,
    delay(options.timeoutMs, null, { signal: timer.signal }).catch(() => null),
  ]);
  timer.abort();
  if (graceful) return { ...graceful, forced: false };
  send('SIGKILL');
  return { ...(await exited), forced: true };
}

/** One signal to the child, or to its whole process group (ESRCH, a group already gone, is no error). */
export function signalProcess(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (!group || child.pid === undefined) {
    child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}
