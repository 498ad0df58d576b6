// The one way hotcycle stops a process: the graceful signal, then SIGKILL once the
// timeout passes. Every path that ends a child (drain, rollback, shutdown, check
// commands) goes through here, so "killed after the drain timeout" means one thing.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { hasExited, waitForExit, type ExitInfo } from './exit.ts';

export interface StopOptions {
  signal: NodeJS.Signals;
  timeoutMs: number;
}

export interface StopResult extends ExitInfo {
  /** True when the process outlived the timeout and was killed with SIGKILL. */
  forced: boolean;
}

export async function stopProcess(child: ChildProcess, options: StopOptions): Promise<StopResult> {
  const exited = waitForExit(child);
  if (hasExited(child)) return { ...(await exited), forced: false };
  child.kill(options.signal);
  const timer = new AbortController();
  const graceful = await Promise.race([
    exited,
    delay(options.timeoutMs, null, { signal: timer.signal }).catch(() => null),
  ]);
  timer.abort();
  if (graceful) return { ...graceful, forced: false };
  child.kill('SIGKILL');
  return { ...(await exited), forced: true };
}
