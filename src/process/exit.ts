// A child's exit as one value and one promise, created once per child so every waiter
// (readiness race, stop helper, respawn) observes the same event.
import type { ChildProcess } from 'node:child_process';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const exits = new WeakMap<ChildProcess, Promise<ExitInfo>>();

export function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  let exited = exits.get(child);
  if (!exited) {
    exited = child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
      : new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    exits.set(child, exited);
  }
  return exited;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
