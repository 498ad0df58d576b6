// kubelet's AtomicWriter (Kubernetes pkg/volume/util/atomic_writer.go), so the live directory
// changes the same way a ConfigMap volume does and readers never see half a version.
//
// Layout of a target directory holding `nginx.conf` and `conf.d/site.conf`:
//
//   <target>/nginx.conf                  -> ..data/nginx.conf
//   <target>/conf.d                      -> ..data/conf.d
//   <target>/..data                      -> ..2024_05_01_12_00_00.a1B2c3
//   <target>/..2024_05_01_12_00_00.a1B2c3/nginx.conf, conf.d/site.conf   (the real files)
//
// writeAtomic(target, payload), numbered as kubelet numbers it:
//
//   (1)  Validate the payload; an invalid payload changes nothing.
//   (2)  Read `..data` to find the current timestamped directory.
//   (3)  Walk the current version to find paths the payload no longer has.
//   (4)  Compare the current files with the payload; equal and nothing removed → no new version.
//   (5)  Create a new timestamped directory `..YYYY_MM_DD_HH_MM_SS.<random>` (mkdtemp, 0755).
//   (6)  Write the payload into it (files 0644, or their own mode, as kubelet's per-item mode).
//   (7)  fsync its files and directories, so a crash leaves either version complete.
//        (kubelet's step 7 applies ownership; ours makes the version durable.)
//   (8)  Create the symlink `..data_tmp` → new directory.
//   (9)  Rename `..data_tmp` over `..data`: the atomic switch. fsync the target directory.
//   (10) Create the user-visible symlinks `name -> ..data/name` for top-level names.
//   (11) Remove user-visible names the payload no longer has.
//   (12) Remove the previous timestamped directory.
//
// A failure in (5)–(9) removes what this call created and leaves the previous version live
// (code EWRITE). After (9) the new version is live; a failure in (10)–(12) is EFINISH, and the
// next write repairs it, since (10)–(12) also run when nothing changed. Where kubelet would wedge
// or leak after a crash, we heal: a stale `..data_tmp` is replaced in (8), and (12) also removes
// timestamped directories that `..data` does not name (left by a kill -9 between (5) and (9)).
// Like kubelet's, this writer is not safe for concurrent calls on one directory: serialize them.
import { constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, HotcycleError, type ErrorCode } from '../../errors.ts';
import { DATA_DIR, type FileSet } from '../../configset/fileset.ts';
import { pathsToRemove, topLevelNames, validatePayload, withAncestors } from './payload.ts';

export { pathsToRemove, validatePayload, validatePayloadPath } from './payload.ts';

export const DATA_TMP = '..data_tmp';
const TIMESTAMP_DIR = /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\./;
const SYNC_CONCURRENCY = 32;

export interface WriteOptions {
  /** fsync files and directories (step 7, 9); default true. */
  fsync?: boolean;
  /** Per-file modes (e.g. a Secret's 0640); other files get 0644. */
  modes?: ReadonlyMap<string, number>;
}

export interface WriteResult {
  changed: boolean;
  /** The timestamped directory `..data` names after the write. */
  dataDir: string;
}

export async function writeAtomic(targetDir: string, payload: FileSet, options: WriteOptions = {}): Promise<WriteResult> {
  const fsync = options.fsync ?? true;
  const modes = options.modes ?? new Map<string, number>();
  // (1)
  const clean = validatePayload(payload);
  await checkTargetDir(targetDir);
  // (2)
  const oldTsDir = await step('EWRITE', 'reading ..data', () => readDataLink(targetDir));
  let liveTsDir = oldTsDir;
  let toRemove: string[] = [];
  let changed = true;
  if (oldTsDir) {
    const oldTsPath = path.join(targetDir, oldTsDir);
    // (3) a `..data` that names a missing directory holds no version: write one.
    const oldPaths = await step('EWRITE', 'walking the current version', () => walkTree(oldTsPath));
    toRemove = pathsToRemove(oldPaths ?? [], clean.keys());
    // (4)
    changed = oldPaths === null || toRemove.length > 0 || (await step('EWRITE', 'comparing', () => payloadDiffers(clean, oldTsPath, modes)));
  }
  // (5)–(9)
  if (changed) liveTsDir = await swapIn(targetDir, clean, fsync, modes);
  if (changed && fsync) await step('EFINISH', 'syncing the target directory', () => syncPath(targetDir));
  // (10)
  await step('EFINISH', 'creating user-visible symlinks', () => createUserVisibleFiles(targetDir, clean));
  // (11)
  await step('EFINISH', 'removing old user-visible paths', () => removeUserVisiblePaths(targetDir, clean, toRemove));
  // (12)
  await step('EFINISH', 'removing old versions', () => removeStaleVersions(targetDir, liveTsDir));
  return { changed, dataDir: path.join(targetDir, liveTsDir) };
}

/** (5)–(9): a complete new version behind `..data`, or, on failure, nothing left behind. */
async function swapIn(targetDir: string, payload: FileSet, fsync: boolean, modes: ReadonlyMap<string, number>): Promise<string> {
  // (5)
  const tsDir = await step('EWRITE', 'creating the version directory', () => newTimestampDir(targetDir));
  const tmpLink = path.join(targetDir, DATA_TMP);
  let linked = false;
  try {
    // (6)
    await writePayloadToDir(payload, tsDir, modes);
    // (7)
    if (fsync) await syncTree(tsDir, payload);
    // (8) a `..data_tmp` that exists now was left by a crashed writer: writes are serialized.
    await rm(tmpLink, { force: true });
    await symlink(path.basename(tsDir), tmpLink);
    linked = true;
    // (9)
    await rename(tmpLink, path.join(targetDir, DATA_DIR));
  } catch (error) {
    if (linked) await rm(tmpLink, { force: true }).catch(() => undefined);
    await rm(tsDir, { recursive: true, force: true }).catch(() => undefined);
    const message = `writing a new version into ${targetDir} failed (the previous version is still live): ${errorMessage(error)}`;
    throw publishError('EWRITE', message, error);
  }
  return path.basename(tsDir);
}

async function checkTargetDir(targetDir: string): Promise<void> {
  const info = await stat(targetDir).catch((error: unknown) => {
    throw publishError('ENOTARGET', `target directory ${targetDir} does not exist or cannot be read: ${errorMessage(error)}`, error);
  });
  if (!info.isDirectory()) throw publishError('ENOTARGET', `target ${targetDir} is not a directory`);
}

/** The name `..data` points to, or '' when there is no version yet. */
async function readDataLink(targetDir: string): Promise<string> {
  try {
    return await readlink(path.join(targetDir, DATA_DIR));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return '';
    throw error;
  }
}

/** Every file and directory below `dir`, relative, like filepath.Walk; null if `dir` is gone. */
async function walkTree(dir: string): Promise<string[] | null> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries.map((entry) => entry.split(path.sep).join('/'));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** Content, or the mode of a file given one, differs from the current version. */
async function payloadDiffers(payload: FileSet, oldTsPath: string, modes: ReadonlyMap<string, number>): Promise<boolean> {
  for (const [name, content] of payload) {
    try {
      const onDisk = await readFile(path.join(oldTsPath, name));
      if (!onDisk.equals(content)) return true;
      const mode = modes.get(name);
      if (mode !== undefined && ((await stat(path.join(oldTsPath, name))).mode & 0o7777) !== mode) return true;
    } catch (error) {
      if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes(errorCode(error))) return true;
      throw error;
    }
  }
  return false;
}

async function newTimestampDir(targetDir: string): Promise<string> {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-T:]/g, '_');
  const tsDir = await mkdtemp(path.join(targetDir, `..${stamp}.`));
  // mkdtemp makes 0700; other users in the pod (the app container's user) must traverse it.
  await chmod(tsDir, 0o755).catch(async (error: unknown) => {
    await rm(tsDir, { recursive: true, force: true });
    throw error;
  });
  return tsDir;
}

async function writePayloadToDir(payload: FileSet, dir: string, modes: ReadonlyMap<string, number>): Promise<void> {
  for (const [name, content] of payload) {
    const full = path.join(dir, name);
    const mode = modes.get(name) ?? 0o644;
    await mkdir(path.dirname(full), { recursive: true, mode: 0o755 });
    // Created with the final mode (and no more), so a secret is never readable by others, even briefly.
    const handle = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      await handle.writeFile(content);
      await handle.chmod(mode); // regardless of umask, as kubelet does
    } finally {
      await handle.close();
    }
  }
}

/** fsync every file, then every directory bottom-up, then the version directory itself. */
async function syncTree(tsDir: string, payload: FileSet): Promise<void> {
  const files = [...payload.keys()].map((name) => path.join(tsDir, name));
  const dirs = [...withAncestors(payload.keys())].filter((p) => !payload.has(p)).map((p) => path.join(tsDir, p));
  for (const batch of [files, dirs.sort().reverse(), [tsDir]]) {
    for (let i = 0; i < batch.length; i += SYNC_CONCURRENCY) {
      await Promise.all(batch.slice(i, i + SYNC_CONCURRENCY).map(syncPath));
    }
  }
}

async function syncPath(target: string): Promise<void> {
  const handle = await open(target, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** (10) `name -> ..data/name` for each top-level name; anything else in its place is replaced. */
async function createUserVisibleFiles(targetDir: string, payload: FileSet): Promise<void> {
  for (const name of topLevelNames(payload.keys())) {
    const link = path.join(targetDir, name);
    const wanted = `${DATA_DIR}/${name}`;
    const current = await readlink(link).catch((error: unknown) => errorCode(error));
    if (current === wanted) continue;
    // The target directory belongs to the writer: a stray file or link under a payload name goes.
    if (current !== 'ENOENT') await rm(link, { recursive: true, force: true });
    await symlink(wanted, link);
  }
}

/** (11) kubelet removes only top-level entries: below them everything lives in the old version. */
async function removeUserVisiblePaths(targetDir: string, payload: FileSet, toRemove: string[]): Promise<void> {
  const keep = new Set(topLevelNames(payload.keys()));
  const names = new Set(toRemove.filter((p) => !p.includes('/')));
  // Links into ..data that no version we know of owns (a crash between (9) and (11)).
  for (const entry of await readdir(targetDir)) {
    if (keep.has(entry) || entry.startsWith('..')) continue;
    const target = await readlink(path.join(targetDir, entry)).catch(() => '');
    if (target === `${DATA_DIR}/${entry}`) names.add(entry);
  }
  for (const name of names) await rm(path.join(targetDir, name), { force: true });
}

/** (12) Every timestamped directory but the live one, and a stale `..data_tmp`. */
async function removeStaleVersions(targetDir: string, liveTsDir: string): Promise<void> {
  for (const entry of await readdir(targetDir)) {
    if (TIMESTAMP_DIR.test(entry) && entry !== liveTsDir) {
      await rm(path.join(targetDir, entry), { recursive: true, force: true });
    }
  }
  await rm(path.join(targetDir, DATA_TMP), { force: true });
}

async function step<T>(code: 'EWRITE' | 'EFINISH', what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof HotcycleError) throw error;
    const state = code === 'EWRITE' ? 'the previous version is still live' : 'the new version is live';
    throw publishError(code, `${what} failed (${state}): ${errorMessage(error)}`, error);
  }
}

function publishError(code: ErrorCode, message: string, cause?: unknown): HotcycleError {
  return new HotcycleError('publish', code, message, { cause, detail: errorCode(cause) || undefined });
}

function errorCode(error: unknown): string {
  return error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? '') : '';
}

