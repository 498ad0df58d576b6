// Whether old workers still accept: a worker that got its stop signal keeps accepting from
// the shared listening socket until it handles the signal and closes its copy. The commit
// waits (bounded) until the kernel shows none of the old workers holding a listener, so a
// reload that returned means new connections reach only the new generation.
import { fstatSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fdLinks } from '../process/procfs.ts';

const POLL_MS = 5;

/** The socket inodes of the master's listener fds, as /proc/PID/fd links name them. */
export function socketInodes(fds: readonly number[]): Set<string> {
  return new Set(fds.map((fd) => `socket:[${fstatSync(fd).ino}]`));
}

/** Resolves with the pids still holding one of `inodes` when `timeoutMs` ran out (none: []). */
export async function waitUntilNotListening(pids: readonly number[], inodes: ReadonlySet<string>, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let holding = [...pids];
  while (holding.length > 0) {
    holding = (await Promise.all(holding.map(async (pid) => ((await holds(pid, inodes)) ? [pid] : [])))).flat();
    if (holding.length === 0 || Date.now() >= deadline) break;
    await delay(POLL_MS);
  }
  return holding;
}

async function holds(pid: number, inodes: ReadonlySet<string>): Promise<boolean> {
  const links = await fdLinks(pid).catch(() => []); // gone: holds nothing
  return links.some((link) => inodes.has(link));
}
