// Where an `include` points inside the config set. nginx resolves a relative include against
// its configuration prefix — the directory of the `-c` file — and an absolute one as is;
// `roots` are absolute directories that are the set's root at run time (the live directory,
// or /etc/nginx when it is mounted there). Only a relative include from a main config is known
// to be missing: its prefix is the set's directory. An absolute path under a root may be
// served by the image beside a mount of single files, and a conf.d set is read by an
// nginx.conf outside it, whose prefix is the image's: those the set lacks are `nginx -t`'s.

import { posix } from 'node:path';
import { hasGlobMagic, matchesGlob } from './glob.ts';
import type { DirectiveNode } from './parser.ts';

export type IncludeTarget =
  /** Files of the set, sorted as glob(3) returns them; empty for a glob that matches nothing. */
  | { kind: 'files'; files: string[] }
  /** A literal path inside the set's root that the set lacks. */
  | { kind: 'missing'; path: string }
  /** Outside the set (e.g. /etc/nginx/mime.types of the image): left to `nginx -t`. */
  | { kind: 'outside' };

export interface IncludeScope {
  /** Absolute directories that are the set's root when nginx runs. */
  readonly roots: readonly string[];
  /** The main config's directory in the set: '' or `dir/`. */
  readonly prefix: string;
  /** A conf.d set: the prefix is the image's, so a relative include the set lacks is outside. */
  readonly confd: boolean;
}

export function resolveInclude(value: string, set: ReadonlyMap<string, string>, scope: IncludeScope): IncludeTarget {
  const relative = toSetPath(value, scope);
  if (relative === undefined) return { kind: 'outside' };
  const glob = hasGlobMagic(relative);
  const files = glob ? [...set.keys()].filter((name) => matchesGlob(name, relative)).sort() : set.has(relative) ? [relative] : [];
  if (files.length > 0) return { kind: 'files', files };
  if (scope.confd || value.startsWith('/')) return { kind: 'outside' };
  return glob ? { kind: 'files', files } : { kind: 'missing', path: relative };
}

function toSetPath(value: string, scope: IncludeScope): string | undefined {
  let relative = `${scope.prefix}${value}`;
  if (value.startsWith('/')) {
    const root = scope.roots.map((r) => r.replace(/\/+$/, '')).find((r) => value.startsWith(`${r}/`));
    if (root === undefined) return undefined;
    relative = value.slice(root.length + 1);
  }
  relative = posix.normalize(relative);
  if (relative === '..' || relative.startsWith('../') || relative === '.' || relative === '') return undefined;
  return relative;
}

/** The value of every one-argument `include` under `nodes`, at any depth. */
export function includeValues(nodes: readonly DirectiveNode[]): string[] {
  // A work list, not recursion: nginx accepts blocks nested deeper than the JS stack would.
  const values: string[] = [];
  const pending = [...nodes];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.name === 'include' && node.args.length === 1) values.push(node.args[0]?.value ?? '');
    for (const child of node.children ?? []) pending.push(child);
  }
  return values;
}
