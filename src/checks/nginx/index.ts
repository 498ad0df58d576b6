// The built-in nginx syntax check the sidecar runs on every new config set before it is
// published; the master's `nginx -t` later does the semantic part. Pure: a set of texts in,
// diagnostics out.
//
// Which files are checked, and where:
// (1) entry files: the caller's globs over the set (default `*.conf` at its root);
// (2) an entry that another reached file includes is not a root — it is checked where it is
//     included, in that context (a `server { }` snippet is fine inside `http`, wrong in main);
// (3) every root is checked in `rootContext` (default `main`, as for nginx's `-c` file);
// (4) included files are followed in the including context, once per include, cycles reported.
// Unknown directives default to `ignore`: third-party and dynamic modules exist, and an
// unknown directive inside a sound structure is `nginx -t`'s to reject, with its own message.

import { formatDiagnostic, type Diagnostic } from '../../diagnostic.ts';
import { GrammarChecker } from './check.ts';
import type { NginxContext } from './directives.ts';
import { matchesGlob } from './glob.ts';
import { resolveInclude } from './includes.ts';
import { parseNginx, type DirectiveNode, type ParsedFile } from './parser.ts';

export type { NginxContext } from './directives.ts';

export interface NginxCheckOptions {
  /** Files to check (set-relative); default `nginxEntryFiles(set)`. */
  entries?: readonly string[];
  /** Absolute directories that are the set's root at run time, e.g. `/etc/nginx`. */
  includeRoots?: readonly string[];
  /** `error` reports directives missing from the built-in table; default `ignore`. */
  unknownDirectives?: 'error' | 'ignore';
  /** Context of root files; `http` for a set of `server { }` snippets. Default `main`. */
  rootContext?: NginxContext;
}

/** Set files matching any of `globs` (glob(3) rules: `*` stays within one directory), sorted. */
export function nginxEntryFiles(set: ReadonlyMap<string, string>, globs: readonly string[] = ['*.conf']): string[] {
  return [...set.keys()].filter((file) => globs.some((glob) => matchesGlob(file, glob))).sort();
}

export function checkNginx(set: ReadonlyMap<string, string>, options: NginxCheckOptions = {}): Diagnostic[] {
  const includeRoots = options.includeRoots ?? [];
  const parse = cachedParser(set);
  const entries = (options.entries ?? nginxEntryFiles(set)).filter((file) => set.has(file)); // (1)
  const checker = new GrammarChecker(set, { includeRoots, unknownDirectives: options.unknownDirectives ?? 'ignore' }, parse);
  for (const root of rootFiles(entries, set, includeRoots, parse)) checker.checkFile(root, options.rootContext ?? 'main'); // (3)
  return sortUnique(checker.diagnostics);
}

/** (2) Entries no other reachable file includes; an include cycle among all of them keeps the first. */
function rootFiles(entries: readonly string[], set: ReadonlyMap<string, string>, includeRoots: readonly string[], parse: (file: string) => ParsedFile): string[] {
  const included = new Set<string>();
  const queue = [...entries];
  const seen = new Set(queue);
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const value of includeValues(parse(file).nodes)) {
      const target = resolveInclude(value, set, includeRoots);
      for (const next of target.kind === 'files' ? target.files : []) {
        if (next !== file) included.add(next);
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
  }
  const roots = entries.filter((file) => !included.has(file));
  return roots.length > 0 || entries.length === 0 ? roots : entries.slice(0, 1);
}

function includeValues(nodes: readonly DirectiveNode[]): string[] {
  // A work list, not recursion: nginx accepts blocks nested deeper than the JS stack would.
  const values: string[] = [];
  const pending = [...nodes];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.name === 'include' && node.args.length === 1) values.push(node.args[0]?.value ?? '');
    for (const child of node.children ?? []) pending.push(child);
  }
  return values;
}

function cachedParser(set: ReadonlyMap<string, string>): (file: string) => ParsedFile {
  const cache = new Map<string, ParsedFile>();
  return (file) => {
    let parsed = cache.get(file);
    if (!parsed) cache.set(file, (parsed = parseNginx(set.get(file) ?? '')));
    return parsed;
  };
}

function sortUnique(found: readonly Diagnostic[]): Diagnostic[] {
  const unique = new Map(found.map((d) => [formatDiagnostic(d), d]));
  return [...unique.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
