// Where a running nginx keeps things, resolved as nginx resolves them: the prefix (-p, else
// the compiled-in one), the main file (-c, relative to the prefix, else compiled-in), and
// the error logs its cycle writes — the main-level `error_log` directives of the file and of
// -g, else -e, else the compiled-in path. Pure: `nginx -V`'s defaults come in as a value.
import { isAbsolute, join } from 'node:path';
import { parseNginx } from '../../../checks/nginx/parser.ts';
import type { NginxCommand } from './command.ts';

export interface BuildDefaults {
  prefix: string;
  confPath: string;
  /** `stderr` on Debian's build. */
  errorLogPath: string;
}

export interface NginxLayout {
  /** Absolute, ending in `/`. */
  prefix: string;
  confPath: string;
}

/** Where nginx's cycle logs: a file hotcycle can follow, its stderr, or nowhere it can read. */
export type LogTarget =
  | { kind: 'file'; path: string }
  | { kind: 'stderr' }
  | { kind: 'unreadable'; value: string };

export interface MainDirectives {
  errorLogs: string[];
  daemon?: string;
  masterProcess?: string;
}

/** From `nginx -V`'s "configure arguments:" line; nginx's own fallbacks where absent. */
export function parseBuildDefaults(versionOutput: string): BuildDefaults {
  const option = (name: string): string | undefined => new RegExp(`--${name}=(\\S+)`).exec(versionOutput)?.[1];
  const prefix = option('prefix') ?? '/usr/local/nginx';
  return {
    prefix,
    confPath: option('conf-path') ?? 'conf/nginx.conf',
    errorLogPath: option('error-log-path') ?? 'logs/error.log',
  };
}

export function resolveLayout(command: NginxCommand, build: BuildDefaults, cwd: string): NginxLayout {
  const rawPrefix = command.prefix ?? build.prefix;
  const prefix = withSlash(isAbsolute(rawPrefix) ? rawPrefix : join(cwd, rawPrefix));
  const conf = command.confFile ?? build.confPath;
  return { prefix, confPath: isAbsolute(conf) ? conf : join(prefix, conf) };
}

/** The main-level directives hotcycle cares about, from -g first, then the main file. */
export function mainDirectives(confText: string, globals = ''): MainDirectives {
  const out: MainDirectives = { errorLogs: [] };
  for (const text of [globals, confText]) {
    for (const node of parseNginx(text).nodes) {
      const value = node.args[0]?.value;
      if (value === undefined) continue;
      if (node.name === 'error_log') out.errorLogs.push(value);
      else if (node.name === 'daemon') out.daemon ??= value;
      else if (node.name === 'master_process') out.masterProcess ??= value;
    }
  }
  return out;
}

/** Why this configuration cannot run under hotcycle, or undefined when it can (-g counts first). */
export function refuseDirectives(main: MainDirectives): string | undefined {
  if (main.masterProcess === 'off') return '"master_process off" runs nginx without workers or reloads; hotcycle needs its master';
  if (main.daemon === 'on') return '"daemon on" would detach nginx from hotcycle; use daemon off (e.g. -g "daemon off;")';
  if (main.daemon === undefined) {
    return 'nginx would daemonize (its default): add -g "daemon off;" to the command or "daemon off;" to the main file';
  }
  return undefined;
}

/** Every log nginx's cycle writes at main level; `-e` and the compiled-in path only when none. */
export function logTargets(main: MainDirectives, command: NginxCommand, build: BuildDefaults, prefix: string): LogTarget[] {
  const values = main.errorLogs.length ? main.errorLogs : [command.errorLog ?? build.errorLogPath];
  return values.map((value) => toTarget(value, prefix));
}

function toTarget(value: string, prefix: string): LogTarget {
  if (value === 'stderr' || value === '/dev/stderr') return { kind: 'stderr' };
  if (/^(syslog|memory):/.test(value) || value === '/dev/null') return { kind: 'unreadable', value };
  return { kind: 'file', path: isAbsolute(value) ? value : join(prefix, value) };
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : path + '/';
}
