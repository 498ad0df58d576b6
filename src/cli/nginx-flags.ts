// The nginx check's flags, shared by `hotcycle check` and `hotcycle sidecar`: which file nginx is
// run with (`-c`), which absolute directories are the set at run time, and the context of a set
// without a main config. hotcycle.yaml's `checks.nginx` adds to them (checks/gate.ts).
import { NGINX_ROOT_CONTEXTS, type NginxRootContext } from '../config/types.ts';
import type { CheckOptions } from '../checks/gate.ts';
import { UsageError } from './command.ts';
import { resolve, SETTINGS } from './defaults.ts';

export const NGINX_FLAGS = {
  'nginx-conf': { type: 'string' }, 'include-root': { type: 'string', multiple: true }, 'nginx-context': { type: 'string' },
} as const;

export const NGINX_FLAGS_HELP = `  --nginx-conf FILE          the main config nginx is run with (-c), relative to the set;
                             default nginx.conf when the set has one, else every *.conf at
                             the set's root is read as nginx's stock nginx.conf reads conf.d/
                             (env HOTCYCLE_NGINX_CONF)
  --include-root DIR         an absolute directory that is the set's root when nginx runs
                             (e.g. /etc/nginx): includes under it are checked in the set
                             (repeatable)
  --nginx-context CTX        where a set without a main config is read: ${NGINX_ROOT_CONTEXTS.join(', ')}
                             (default http)`;

interface NginxFlagValues { 'nginx-conf'?: string; 'include-root'?: string[]; 'nginx-context'?: string }

export function nginxCheckFlags(values: NginxFlagValues, extraRoots: readonly string[] = []): NonNullable<CheckOptions['nginx']> {
  const main = resolve(SETTINGS.nginxConf, values['nginx-conf']);
  const context = values['nginx-context'];
  if (context !== undefined && !(NGINX_ROOT_CONTEXTS as readonly string[]).includes(context)) {
    throw new UsageError(`--nginx-context must be one of ${NGINX_ROOT_CONTEXTS.join(', ')}, not "${context}"`);
  }
  const roots = [...(values['include-root'] ?? []), ...extraRoots];
  const relative = roots.find((root) => !root.startsWith('/'));
  if (relative !== undefined) throw new UsageError(`--include-root must be an absolute directory, not "${relative}"`);
  return {
    ...(main === '' ? {} : { main }),
    ...(context === undefined ? {} : { context: context as NginxRootContext }),
    includeRoots: roots,
  };
}
