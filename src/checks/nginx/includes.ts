// Where an `include` points inside the config set. nginx resolves a relative include against
// its configuration prefix — the directory of the `-c` file, which for hotcycle is the set's
// root — and an absolute one as is; `includeRoots` are absolute directories that are the
// set's root at run time (e.g. /etc/nginx when the live directory is mounted there).

import { posix } from 'node:path';
import { hasGlobMagic, matchesGlob } from './glob.ts';

export type IncludeTarget =
  /** Files of the set, sorted as glob(3) returns them; empty for a glob that matches nothing. */
  | { kind: 'files'; files: string[] }
  /** A literal path inside the set's root that the set lacks. */
  | { kind: 'missing'; path: string }
  /** Outside the set (e.g. /etc/nginx/mime.types of the image): left to `nginx -t`. */
  | { kind: 'outside' };

export function resolveInclude(value: string, set: ReadonlyMap<string, string>, includeRoots: readonly string[]): IncludeTarget {
  const relative = toSetPath(value, includeRoots);
  if (relative === undefined) return { kind: 'outside' };
  if (!hasGlobMagic(relative)) return set.has(relative) ? { kind: 'files', files: [relative] } : { kind: 'missing', path: relative };
  const files = [...set.keys()].filter((name) => matchesGlob(name, relative)).sort();
  return { kind: 'files', files };
}

function toSetPath(value: string, includeRoots: readonly string[]): string | undefined {
  let relative = value;
  if (value.startsWith('/')) {
    const root = includeRoots.map((r) => r.replace(/\/+$/, '')).find((r) => value.startsWith(`${r}/`));
    if (root === undefined) return undefined;
    relative = value.slice(root.length + 1);
  }
  relative = posix.normalize(relative);
  if (relative === '..' || relative.startsWith('../') || relative === '.' || relative === '') return undefined;
  return relative;
}
