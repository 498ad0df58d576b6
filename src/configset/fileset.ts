// A config version is the set of files the user can see in a directory: relative POSIX path →
// bytes. On a kubelet-managed volume those files live in the timestamped directory that `..data`
// points to; we resolve `..data` once and read from that directory, so one read sees one version
// even while kubelet (or our own publisher) swaps in the next one.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, HotcycleError } from '../errors.ts';

/** Relative POSIX path → content, iterated in byte order of the names. */
export type FileSet = ReadonlyMap<string, Buffer>;

export interface FileSetLimits {
  /** Total bytes of all files; default 1 MiB, the ConfigMap limit. */
  maxBytes?: number;
  /** Number of files; default 1000. */
  maxFiles?: number;
}

export const DATA_DIR = '..data';
const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAX_FILES = 1000;
// A swap while we read makes us start over; a bound keeps a writer that swaps faster than we
// can read from pinning the reader (it then gets ECHANGING and reads again later).
const READ_ATTEMPTS = 10;

/** Names are ordered by their UTF-8 bytes, so every implementation agrees on the order. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A FileSet from entries in any order (a plain record works too). */
export function fileSetFrom(entries: Iterable<[string, Buffer | string]> | Record<string, Buffer | string>): FileSet {
  const list = Symbol.iterator in entries ? [...entries] : Object.entries(entries);
  list.sort(([a], [b]) => compareNames(a, b));
  return new Map(list.map(([name, content]) => [name, Buffer.isBuffer(content) ? content : Buffer.from(content)]));
}

export function fileSetsEqual(a: FileSet, b: FileSet): boolean {
  if (a.size !== b.size) return false;
  for (const [name, content] of a) {
    const other = b.get(name);
    if (!other || !other.equals(content)) return false;
  }
  return true;
}

/**
 * sha256 over the sorted entries, each framed as name length, name, content length, content
 * (lengths as 64-bit big-endian), so `{a: "bc"}` and `{ab: "c"}` cannot collide.
 */
export function hashFileSet(set: FileSet): string {
  const hash = createHash('sha256').update('hotcycle-fileset-v1\0');
  const names = [...set.keys()].sort(compareNames);
  for (const name of names) {
    const nameBytes = Buffer.from(name);
    const content = set.get(name) ?? Buffer.alloc(0);
    hash.update(frameLength(nameBytes.length)).update(nameBytes);
    hash.update(frameLength(content.length)).update(content);
  }
  return hash.digest('hex');
}

function frameLength(length: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(length));
  return buffer;
}

/** The first 12 hex characters: enough to tell versions apart in Events and logs. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/**
 * Reads the user-visible files of `dir`: through `..data` when it exists, else the plain tree.
 * Entries whose names start with `..` are AtomicWriter's own and are skipped; single-dot files
 * are kept (`.htpasswd` is a valid ConfigMap key). Throws EFILESET (phase check) for a set that
 * can never be accepted — outside symlink, fifo/socket/device, over a limit — and ECHANGING
 * (phase watch) when it kept changing while being read.
 */
export async function readFileSet(dir: string, limits: FileSetLimits = {}): Promise<FileSet> {
  const bounds = { maxBytes: limits.maxBytes ?? DEFAULT_MAX_BYTES, maxFiles: limits.maxFiles ?? DEFAULT_MAX_FILES };
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const version = await resolveVersion(dir);
    try {
      const files = await readTree(version.dir, bounds);
      // A writer removes a version only after swapping `..data` away from it, and version names
      // are never reused: if `..data` still names ours, nothing was removed while we read.
      if (version.link === null || (await resolveVersion(dir)).link === version.link) return fileSetFrom(files);
    } catch (error) {
      // Swapped out and removed under us, or a file of a plain directory deleted: start over.
      if (!isNotFound(error)) throw asFileSetError(error, dir);
    }
  }
  // Transient, not a bad config: the caller reads again once the writer pauses.
  const message = `config set in ${dir} changed ${READ_ATTEMPTS} times while being read`;
  throw new HotcycleError('watch', 'ECHANGING', message, { detail: dir });
}

/** The directory holding the files: `..data`'s target on a kubelet-style volume, else `dir`. */
async function resolveVersion(dir: string): Promise<{ dir: string; link: string | null }> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (error) {
    throw fileSetError(`cannot read ${dir}: ${errorMessage(error)}`, dir, error);
  }
  try {
    const link = await readlink(path.join(root, DATA_DIR));
    return { dir: path.resolve(root, link), link };
  } catch (error) {
    if (isNotFound(error)) return { dir: root, link: null };
    throw fileSetError(`cannot resolve ${DATA_DIR} in ${dir}: ${errorMessage(error)}`, dir, error);
  }
}

interface Bounds { maxBytes: number; maxFiles: number }
interface Walk { root: string; bounds: Bounds; files: [string, Buffer][]; bytes: number }

async function readTree(root: string, bounds: Bounds): Promise<[string, Buffer][]> {
  const rootReal = await realpath(root);
  const walk: Walk = { root: rootReal, bounds, files: [], bytes: 0 };
  await readDirInto(walk, rootReal, '', [rootReal]);
  return walk.files;
}

/** Depth-first; `ancestors` are the real paths above, so a symlinked directory cannot loop. */
async function readDirInto(walk: Walk, realDir: string, relative: string, ancestors: string[]): Promise<void> {
  const entries = await readdir(realDir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('..')) continue;
    const name = relative ? `${relative}/${entry.name}` : entry.name;
    const real = await resolveInside(walk.root, path.join(realDir, entry.name), name);
    const info = await stat(real);
    if (info.isDirectory()) {
      if (ancestors.includes(real)) throw fileSetError(`${name} is a symlink loop`, name);
      await readDirInto(walk, real, name, [...ancestors, real]);
    } else {
      await readFileInto(walk, real, name, info);
    }
  }
}

/** The real path of `full`, which must stay inside the set (a symlink may point within it). */
async function resolveInside(root: string, full: string, name: string): Promise<string> {
  if (!(await lstat(full)).isSymbolicLink()) return full;
  const real = await realpath(full);
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw fileSetError(`${name} is a symlink that points outside the config set (to ${real})`, name);
  }
  return real;
}

async function readFileInto(walk: Walk, real: string, name: string, info: Stats): Promise<void> {
  checkRegular(info, name);
  if (walk.files.length >= walk.bounds.maxFiles) {
    throw fileSetError(`config set has more than ${walk.bounds.maxFiles} files`, name);
  }
  checkBytes(walk, walk.bytes + info.size, name);
  // O_NONBLOCK: a fifo swapped in after stat() must not block us; fstat has the last word.
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    checkRegular(await handle.stat(), name);
    const content = await handle.readFile();
    walk.bytes += content.length;
    checkBytes(walk, walk.bytes, name);
    walk.files.push([name, content]);
  } finally {
    await handle.close();
  }
}

function checkBytes(walk: Walk, bytes: number, name: string): void {
  if (bytes > walk.bounds.maxBytes) {
    throw fileSetError(`config set is larger than ${walk.bounds.maxBytes} bytes (reached at ${name})`, name);
  }
}

function checkRegular(info: Stats, name: string): void {
  if (info.isFile()) return;
  const kind = info.isFIFO() ? 'fifo' : info.isSocket() ? 'socket' : info.isDirectory() ? 'directory' : 'device';
  throw fileSetError(`${name} is not a regular file (${kind})`, name);
}

function fileSetError(message: string, detail: string, cause?: unknown): HotcycleError {
  return new HotcycleError('check', 'EFILESET', message, { detail, cause });
}

function asFileSetError(error: unknown, dir: string): HotcycleError {
  if (error instanceof HotcycleError) return error;
  return fileSetError(`cannot read config set in ${dir}: ${errorMessage(error)}`, dir, error);
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

