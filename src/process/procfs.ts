// What /proc says about a process, parsed in one place for the master and the tests.
import { readdir, readlink } from 'node:fs/promises';

/**
 * The fields of /proc/PID/stat after `comm`, which may hold spaces and parentheses: index 0 is
 * field 3 (state), so field N is at N - 3.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * What each of the process's fds points to (`socket:[INODE]`, a path…), as /proc/PID/fd links
 * name them; '' for an fd closed meanwhile. Rejects when the process is gone.
 */
export async function fdLinks(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`);
  return Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
}
