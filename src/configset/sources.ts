// One config set from several volumes (DESIGN.md §9). The unnamed source is the root of the set;
// the files of a named source appear under `NAME/`. Each source is read through its own `..data`
// (readFileSet), so each contributes one whole version of itself; the set's hash is the usual
// hash over all of it, so a change to any source is a new version.
//   (1) Names are checked once, at start: a single path segment, not reserved, not twice.
//   (2) Every read checks that no root entry has a source's name: `NAME/x` would be ambiguous.
//   (3) A source that cannot be read as a directory is a source problem (EFILESET naming that
//       directory, as for the root); a bad file in it is named by its path in the set.
//   (4) A set is read again when any source's `..data` moved while the sources were read, so a
//       version never pairs a source with another's state it never coexisted with.
// Files of a secret source keep restrictive modes wherever hotcycle writes them (secretModes).
import { readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { HotcycleError } from '../errors.ts';
import { DATA_DIR, fileSetFrom, hashFileSet, readFileSet, type FileSet } from './fileset.ts';

export interface Source {
  /** '' for the root of the set; else the directory name the files appear under. */
  readonly name: string;
  readonly dir: string;
  /** A Secret volume: its content is never shown, its files never world-readable. */
  readonly secret: boolean;
}

const MAX_NAME_BYTES = 255;
// As readFileSet's: a writer that swaps faster than we read gets ECHANGING, and a read later.
const READ_ATTEMPTS = 10;

/** (1) Why `name` cannot name a source, or undefined when it can. */
export function invalidSourceName(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.includes('/')) return 'must be a single path segment (no "/")';
  if (name === '.' || name.startsWith('..')) return 'must not be "." or start with ".." (reserved for ..data)';
  if (name.includes('\0')) return 'must not contain a NUL byte';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** (1) Throws ESOURCE (phase config) for an invalid or repeated name, or more than one root. */
export function validateSources(sources: readonly Source[]): readonly Source[] {
  const seen = new Set<string>();
  for (const source of sources) {
    const why = source.name === '' ? undefined : invalidSourceName(source.name);
    if (why) throw sourceError(`source name ${JSON.stringify(source.name)} ${why}`);
    if (seen.has(source.name)) throw sourceError(source.name ? `source name "${source.name}" is given twice` : 'only one unnamed (root) source may be given');
    seen.add(source.name);
  }
  if (!seen.has('')) throw sourceError('the root source (--source DIR) is missing');
  return Object.freeze([...sources]);
}

/** (2) A root entry named like a source, or undefined. */
export function collidingName(root: Iterable<string>, sources: readonly Source[]): string | undefined {
  const named = new Set(sources.map((s) => s.name).filter(Boolean));
  for (const file of root) {
    const top = file.split('/')[0] ?? file;
    if (named.has(top)) return top;
  }
  return undefined;
}

/** (2) At start: a root entry named like a source, or undefined (also when the root cannot be read yet). */
export async function rootCollision(sources: readonly Source[]): Promise<string | undefined> {
  const root = sources.find((s) => s.name === '');
  if (!root || sources.length === 1) return undefined;
  const files = await readFileSet(root.dir).catch(() => null);
  return files ? collidingName(files.keys(), sources) : undefined;
}

/** Reads every source, each through its own `..data`, into one set with one hash. */
export async function readSources(sources: readonly Source[]): Promise<{ files: FileSet; hash: string }> {
  const root = sources.find((s) => s.name === '');
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const before = await dataLinks(sources);
    const files = await withNamedSources(root ? await readSource(root) : new Map(), sources);
    // (4) No source swapped while the others were read: the set is one moment of all of them.
    if ((await dataLinks(sources)) === before) return { files, hash: hashFileSet(files) };
  }
  throw new HotcycleError('watch', 'ECHANGING', `the sources changed ${READ_ATTEMPTS} times while being read`, { detail: sourceDirs(sources).join(', ') });
}

/** Where every source's `..data` points ('' for a plain directory), as one string to compare. */
async function dataLinks(sources: readonly Source[]): Promise<string> {
  const links = await Promise.all(sources.map((s) => readlink(path.join(s.dir, DATA_DIR)).catch(() => '')));
  return links.join('\0');
}

/**
 * The root's files (from the volume, or from the ConfigMap through the API: the fast path)
 * with every named source read from its volume under its name.
 */
export async function withNamedSources(root: FileSet, sources: readonly Source[]): Promise<FileSet> {
  const clash = collidingName(root.keys(), sources); // (2)
  if (clash) throw new HotcycleError('check', 'EFILESET', `${clash} in the root source has the name of the source "${clash}"`, { detail: clash });
  const entries: [string, Buffer][] = [...root];
  for (const source of sources.filter((s) => s.name)) {
    for (const [name, content] of await readSource(source)) entries.push([`${source.name}/${name}`, content]);
  }
  return fileSetFrom(entries);
}

/** (3) One source through its own `..data`; a bad file named by its path in the set. */
function readSource(source: Source): Promise<FileSet> {
  return readFileSet(source.dir).catch((error: unknown) => {
    throw withSetPath(error, source);
  });
}

/** The sources' directories: a read error naming one of them is about the source, not a file. */
export function sourceDirs(sources: readonly Source[]): string[] {
  return sources.map((s) => s.dir);
}

/** Set names under a secret source (`tls/` …), for redaction and modes. */
export function secretPrefixes(sources: readonly Source[]): string[] {
  return sources.filter((s) => s.secret && s.name).map((s) => `${s.name}/`);
}

/**
 * The mode of each file of `set` from a secret source: its mode in the source (kubelet's
 * `defaultMode` or the item's `mode`) without any bit for others; 0600 when it is gone.
 * Other files are left to the writer's default.
 */
export async function secretModes(sources: readonly Source[], set: FileSet): Promise<Map<string, number>> {
  const modes = new Map<string, number>();
  for (const source of sources.filter((s) => s.secret && s.name)) {
    const prefix = `${source.name}/`;
    for (const name of set.keys()) {
      if (!name.startsWith(prefix)) continue;
      const info = await stat(path.join(source.dir, name.slice(prefix.length))).catch(() => null);
      modes.set(name, info ? info.mode & 0o770 : 0o600);
    }
  }
  return modes;
}

/**
 * The files of `set` that the live directory `dir` holds without the read bit for others: those
 * of Secret sources, as the publisher writes them (secretModes; every other file is 0644). How
 * the master, which is never told the sources, keeps their content out of its findings. In a
 * directory not written by the sidecar, any such file counts: content withheld in error.
 */
export async function secretFilesIn(dir: string, set: FileSet): Promise<string[]> {
  const names: string[] = [];
  for (const name of set.keys()) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info && (info.mode & 0o004) === 0) names.push(name);
  }
  return names;
}

function withSetPath(error: unknown, source: Source): unknown {
  if (!source.name || !(error instanceof HotcycleError) || error.code !== 'EFILESET') return error;
  if (!error.detail || error.detail === source.dir) return error;
  const name = `${source.name}/${error.detail}`;
  return new HotcycleError(error.phase, error.code, `${name}: ${error.message}`, { detail: name, cause: error });
}

function sourceError(message: string): HotcycleError {
  return new HotcycleError('config', 'ESOURCE', message);
}
