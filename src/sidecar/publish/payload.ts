// The pure half of the atomic writer: which payload paths are acceptable (kubelet's
// validatePath, same rules and limits) and which old paths a new version drops (its
// pathsToRemove, minus the directory walk). No I/O here, so both are table-tested.
import path from 'node:path';
import { HotcycleError } from '../../errors.ts';
import { fileSetFrom, type FileSet } from '../../configset/fileset.ts';

const MAX_FILE_NAME_BYTES = 255;
const MAX_PATH_LENGTH = 4096;

/**
 * Throws EPAYLOAD for a path that is empty, absolute, longer than 4096 characters, has an
 * element `..` or longer than 255 bytes, or starts with `..` (names the writer reserves).
 */
export function validatePayloadPath(target: string): void {
  const refuse = (why: string): never => {
    throw payloadError(target, why);
  };
  if (target === '') refuse('must not be empty');
  if (target.includes('\0')) refuse('must not contain a NUL byte');
  if (path.posix.isAbsolute(target)) refuse('must be a relative path');
  if (target.length > MAX_PATH_LENGTH) refuse(`must be at most ${MAX_PATH_LENGTH} characters`);
  const items = target.split('/');
  for (const item of items) {
    if (item === '..') refuse("must not contain '..'");
    if (Buffer.byteLength(item) > MAX_FILE_NAME_BYTES) refuse(`file names must be at most ${MAX_FILE_NAME_BYTES} bytes`);
  }
  if (items[0]?.startsWith('..')) refuse("must not start with '..' (reserved for the writer)");
}

/**
 * Validates every path and returns the payload keyed by clean paths (`a//b/` → `a/b`). Two
 * entries may not clean to one path, and one path may not be both a file and a directory.
 */
export function validatePayload(payload: FileSet): FileSet {
  const clean = new Map<string, Buffer>();
  for (const [name, content] of payload) {
    validatePayloadPath(name);
    const cleaned = path.posix.normalize(name).replace(/\/+$/, '');
    if (cleaned === '.' || cleaned === '') throw payloadError(name, 'must name a file');
    if (clean.has(cleaned)) throw payloadError(name, `is the same path as another entry (${cleaned})`);
    clean.set(cleaned, content);
  }
  for (const name of clean.keys()) {
    for (const parent of ancestors(name)) {
      if (clean.has(parent)) throw payloadError(name, `lies under ${parent}, which is also a file`);
    }
  }
  return fileSetFrom(clean);
}

/** Paths of the old version (files and the directories above them) the new one no longer has, sorted. */
export function pathsToRemove(oldPaths: Iterable<string>, newPaths: Iterable<string>): string[] {
  const keep = withAncestors(newPaths);
  return [...withAncestors(oldPaths)].filter((p) => !keep.has(p)).sort();
}

/** The paths and every directory above them. */
export function withAncestors(paths: Iterable<string>): Set<string> {
  const all = new Set<string>();
  for (const p of paths) {
    all.add(p);
    for (const parent of ancestors(p)) all.add(parent);
  }
  return all;
}

/** The first element of each path: the names a user sees in the target directory. */
export function topLevelNames(paths: Iterable<string>): string[] {
  return [...new Set([...paths].map((p) => p.split('/')[0] ?? p))];
}

/** `a/b/c` → `a`, `a/b`. */
function ancestors(p: string): string[] {
  const parts = p.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

function payloadError(name: string, why: string): HotcycleError {
  return new HotcycleError('publish', 'EPAYLOAD', `invalid path ${JSON.stringify(name)}: ${why}`, { detail: name });
}
