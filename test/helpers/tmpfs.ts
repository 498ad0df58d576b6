// A tiny real tmpfs for fault tests: writing more than it holds fails with a real ENOSPC, and
// nr_inodes makes creating one more file, directory or symlink fail the same way. Needs root
// (CAP_SYS_ADMIN), which the test environment has; mode bits cannot fake this, as root ignores them.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  readonly dir: string;
  /**
   * Creates empty files in `filler/` until at most `spare` inodes are free (for the step under
   * test to run out there); resolves with a function that frees them again.
   */
  useInodes(spare: number): Promise<() => Promise<void>>;
  /** Remounts it read-only (writes fail with a real EROFS, root or not) or read-write again. */
  setReadOnly(readOnly: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function mountTmpfs(options: { size: string; inodes?: number }): Promise<Tmpfs> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hotcycle-tmpfs-'));
  const opts = `size=${options.size}${options.inodes ? `,nr_inodes=${options.inodes}` : ''}`;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  } catch (error) {
    await rmdir(dir);
    throw new Error(`mounting a tmpfs needs root (CAP_SYS_ADMIN): ${String(error)}`, { cause: error });
  }
  let closed = false;
  return {
    dir,
    async useInodes(spare) {
      const filler = path.join(dir, 'filler');
      await mkdir(filler, { recursive: true });
      for (let i = 0; (await statfs(dir)).ffree > spare; i++) await writeFile(path.join(filler, String(i)), '');
      return () => rm(filler, { recursive: true });
    },
    async setReadOnly(readOnly) {
      await run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir]);
    },
    async close() {
      if (closed) return;
      closed = true;
      await run('umount', [dir]);
      await rmdir(dir);
    },
  };
}
