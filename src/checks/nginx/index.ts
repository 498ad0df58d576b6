// The built-in nginx syntax check the sidecar runs on every new config set before it is
// published; the master's `nginx -t` later does the semantic part. Pure: a set of texts in,
// diagnostics out. It judges what nginx reads, in the context where nginx reads it:
// (1) the roots and their context (roots.ts): the main config, else entry globs, else conf.d;
// (2) an entry that another reached file includes is not a root — it is checked where it is
//     included, in that context (a `server { }` snippet is fine inside `http`, wrong in main);
// (3) included files are followed in the including context, once per include, cycles reported;
//     an include outside the set (the image's /etc/nginx/mime.types) is a notice, left to nginx -t;
// (4) a `*.conf` of the set that nothing reads is checked for syntax only (tokens, quotes,
//     braces) and named in a notice: nginx never reads it, so it refuses nothing.
// Unknown directives default to `ignore`: third-party and dynamic modules exist, and an
// unknown directive inside a sound structure is `nginx -t`'s to reject, with its own message.

import { formatDiagnostic, type Diagnostic } from '../../diagnostic.ts';
import { GrammarChecker } from './check.ts';
import type { NginxContext } from './directives.ts';
import { includeValues, resolveInclude, type IncludeScope } from './includes.ts';
import { parseNginx, type ParsedFile } from './parser.ts';
import { planRoots, type RootOptions, type RootPlan } from './roots.ts';

export type { NginxContext } from './directives.ts';
export { DEFAULT_MAIN, entryFiles } from './roots.ts';

export interface NginxCheckOptions extends RootOptions {
  /** Absolute directories that are the set's root at run time, e.g. `/etc/nginx`. */
  includeRoots?: readonly string[];
  /** `error` reports directives missing from the built-in table; default `ignore`. */
  unknownDirectives?: 'error' | 'ignore';
}

export function checkNginx(set: ReadonlyMap<string, string>, options: NginxCheckOptions = {}): Diagnostic[] {
  const plan = planRoots([...set.keys()], options); // (1)
  if (plan.kind === 'missing-main') {
    return [{ file: plan.main, line: 0, column: 0, message: `the main config ${plan.main} is not in the config set: nginx could not start on it`, source: 'nginx' }];
  }
  const scope: IncludeScope = { roots: options.includeRoots ?? [], prefix: plan.kind === 'main' ? plan.prefix : '', confd: plan.kind === 'confd' };
  const parse = cachedParser(set);
  const checker = new GrammarChecker(set, { scope, unknownDirectives: options.unknownDirectives ?? 'ignore' }, parse);
  const found: Diagnostic[] = [];
  for (const [root, context] of roots(plan, set, scope, parse)) {
    if (plan.kind === 'confd') found.push(notice(root, 0, `read inside ${context} { } as nginx's stock nginx.conf reads conf.d/*.conf: the set has no ${options.main ?? 'nginx.conf'}`));
    checker.checkFile(root, context);
  }
  if (plan.kind !== 'entries') found.push(...unread(set, checker.reached, parse, plan)); // (4)
  return sortUnique([...checker.diagnostics, ...found]);
}

function roots(plan: Exclude<RootPlan, { kind: 'missing-main' }>, set: ReadonlyMap<string, string>, scope: IncludeScope, parse: (file: string) => ParsedFile): [string, NginxContext][] {
  if (plan.kind === 'main') return [[plan.main, 'main']];
  return rootFiles(plan.entries, set, scope, parse).map((file) => [file, plan.context]); // (2)
}

/** (4) Files that look like nginx config but that nothing reads: their syntax, as notices. */
function unread(set: ReadonlyMap<string, string>, reached: ReadonlySet<string>, parse: (file: string) => ParsedFile, plan: RootPlan): Diagnostic[] {
  const by = plan.kind === 'main' ? `from ${plan.main}` : 'from the conf.d files';
  return [...set.keys()].filter((file) => file.endsWith('.conf') && !reached.has(file)).map((file) => {
    const error = parse(file).error;
    if (!error) return notice(file, 0, `nginx does not read this file (nothing includes it ${by}): checked for syntax only`);
    return { ...notice(file, error.at.line, `${error.message} (nginx does not read this file: nothing includes it ${by})`), column: error.at.column };
  });
}

function notice(file: string, line: number, message: string): Diagnostic {
  return { file, line, column: 0, message, source: 'nginx', severity: 'notice' };
}

/** (2) Entries no other reachable file includes; an include cycle among all of them keeps the first. */
function rootFiles(entries: readonly string[], set: ReadonlyMap<string, string>, scope: IncludeScope, parse: (file: string) => ParsedFile): string[] {
  const included = new Set<string>();
  const queue = [...entries];
  const seen = new Set(queue);
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const value of includeValues(parse(file).nodes)) {
      const target = resolveInclude(value, set, scope);
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
