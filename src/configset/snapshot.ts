// Each generation runs on a frozen copy of the config set it was checked with, so a
// later edit of the live directory never changes what a running generation reads
// (HOTCYCLE_CONFIG_DIR); the copy goes when the generation has drained.
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorMessage, HotcycleError } from '../errors.ts';
import { NOT_TRIED } from '../protocol/types.ts';
import { hashFileSet, readFileSet, type FileSet } from './fileset.ts';

/** One version of a config set: its files and their hash. */
export interface ConfigVersion {
  files: FileSet;
  hash: string;
}

export async function readConfigSet(configDir: string): Promise<ConfigVersion> {
  const files = await readFileSet(configDir);
  return { files, hash: hashFileSet(files) };
}

/**
 * The check phase's step after reading a version (readConfigSet), for every driver: refuse it
 * when the caller expected another (the sidecar passes the hash it published).
 */
export function refuseUnexpected(configDir: string, hash: string, expectHash: string | undefined): void {
  if (expectHash && expectHash !== hash) {
    throw new HotcycleError('check', NOT_TRIED, `the config directory holds ${hash.slice(0, 12)}, not the expected ${expectHash.slice(0, 12)}`, {
      detail: `config dir: ${configDir}`,
    });
  }
}

/**
 * Files are 0640 in a 0750 directory: never world-readable. With `modesFrom` (the live directory
 * the set was read from) a file keeps no more than its mode there, so a Secret's 0400
 * (kubelet's defaultMode, kept by the sidecar's publisher) stays 0400.
 */
export async function writeSnapshot(dir: string, files: FileSet, modesFrom?: string): Promise<string> {
  try {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o750 });
    for (const [name, content] of files) {
      const path = join(dir, name);
      const mode = modesFrom ? await stat(join(modesFrom, name)).then((s) => s.mode & 0o640, () => 0o640) : 0o640;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content, { mode });
      await chmod(path, mode); // regardless of umask
    }
    return dir;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new HotcycleError('check', 'ESNAPSHOT', `cannot write the generation's config snapshot in ${dir}`, {
      detail: errorMessage(error),
      cause: error,
    });
  }
}
