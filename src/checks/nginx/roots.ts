// Which files of a set nginx reads as its configuration, and in which context (issue 25). Pure.
//   (1) A main config — the one named (the chart's `app.nginx.configFile`, `--nginx-conf`,
//       `checks.nginx.main`), else `nginx.conf` when the set has one — is the only root, read
//       in `main`; relative includes resolve against its directory, nginx's conf prefix.
//   (2) Else the entry globs `checks.nginx.files`: the entries no other entry includes are the
//       roots, read in `context` (default `main`), as before there were main configs.
//   (3) Else the set is a conf.d: every `*.conf` at its root is read as nginx's stock
//       nginx.conf reads `conf.d/*.conf`, inside `http` (or `context`). Its relative includes
//       point into the image's /etc/nginx: those the set lacks are nginx -t's to judge.
import { posix } from 'node:path';
import type { NginxContext } from './directives.ts';
import { matchesGlob } from './glob.ts';

export const DEFAULT_MAIN = 'nginx.conf';

export interface RootOptions {
  /** The main config, set-relative; when named but absent, the set is refused for it. */
  main?: string;
  /** Entry globs (`checks.nginx.files`), used when there is no main config. */
  files?: readonly string[];
  /** The context of roots without a main config: default `main` for (2), `http` for (3). */
  context?: NginxContext;
}

export type RootPlan =
  | { kind: 'main'; main: string; prefix: string }
  | { kind: 'missing-main'; main: string }
  | { kind: 'entries'; entries: string[]; context: NginxContext }
  | { kind: 'confd'; entries: string[]; context: NginxContext };

export function planRoots(names: readonly string[], options: RootOptions): RootPlan {
  const main = options.main ?? (options.files?.length ? undefined : DEFAULT_MAIN);
  if (main !== undefined && names.includes(main)) return { kind: 'main', main, prefix: prefixOf(main) }; // (1)
  if (options.main !== undefined) return { kind: 'missing-main', main: options.main };
  if (options.files?.length) return { kind: 'entries', entries: entryFiles(names, options.files), context: options.context ?? 'main' }; // (2)
  return { kind: 'confd', entries: entryFiles(names, ['*.conf']), context: options.context ?? 'http' }; // (3)
}

/** Set files matching any of `globs` (glob(3) rules: `*` stays within one directory), sorted. */
export function entryFiles(names: readonly string[], globs: readonly string[]): string[] {
  return names.filter((file) => globs.some((glob) => matchesGlob(file, glob))).sort();
}

/** nginx's conf prefix for `-c FILE`: FILE's directory, as a set-relative prefix ('' or `dir/`). */
function prefixOf(main: string): string {
  const dir = posix.dirname(main);
  return dir === '.' ? '' : `${dir}/`;
}
