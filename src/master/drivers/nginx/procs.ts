// The nginx master's children, read from /proc: which are the current workers and which
// are shutting down. nginx names its processes through their argv area
// (ngx_setproctitle), so /proc/PID/cmdline says what each one is:
//   "nginx: worker process"                  — serving the current cycle
//   "nginx: worker process is shutting down" — told to quit (SIGQUIT), draining
//   "nginx: cache manager process", "nginx: cache loader process" — not workers
//   "nginx: master process …"                — just forked, not yet retitled: it will be one
//                                              of the above (a loaded machine can take longer
//                                              than nginx's 100 ms pause before SIGQUIT). Only
//                                              for STARTING_MS: an older one is something else
//                                              (a new master from an operator's USR2 upgrade).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { statFields } from '../../../process/procfs.ts';

export type ChildRole = 'worker' | 'shutting-down' | 'helper' | 'starting';

export interface NginxChild {
  pid: number;
  role: ChildRole;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): a pid plus this is unique. */
  startTicks: number;
}

export function classifyTitle(title: string): ChildRole {
  const name = title.replace(/\0/g, ' ').trim();
  if (/worker process is shutting down$/.test(name)) return 'shutting-down';
  if (/worker process$/.test(name)) return 'worker';
  if (/^nginx: master process\b/.test(name)) return 'starting';
  return 'helper';
}

/** How long a child may carry the master's title and still be taken for a worker being born. */
export const STARTING_MS = 2_000;
/** /proc/PID/stat counts start times in USER_HZ ticks, 100 a second on Linux. */
const TICKS_PER_SECOND = 100;

/** `comm (with spaces)` is field 2; field 22 (starttime) is the 20th after the closing `)`. */
export function parseStartTicks(stat: string): number {
  return Number(statFields(stat)[19] ?? NaN);
}

/** Synchronous on purpose: a handful of tiny /proc reads, so `status()` can stay synchronous. */
export function listChildren(masterPid: number, proc = '/proc'): NginxChild[] {
  const children = readProc(join(proc, String(masterPid), 'task', String(masterPid), 'children'));
  if (children === null) return [];
  const uptimeTicks = Number(readProc(join(proc, 'uptime'))?.split(' ')[0]) * TICKS_PER_SECOND;
  const out: NginxChild[] = [];
  for (const word of children.split(' ')) {
    const pid = Number(word);
    if (!word || !Number.isInteger(pid)) continue;
    const title = readProc(join(proc, word, 'cmdline'));
    const stat = readProc(join(proc, word, 'stat'));
    // Gone between the two reads: it exited, which is what the next scan would say anyway.
    if (title === null || stat === null) continue;
    const startTicks = parseStartTicks(stat);
    let role = classifyTitle(title);
    if (role === 'starting' && uptimeTicks - startTicks > (STARTING_MS / 1000) * TICKS_PER_SECOND) role = 'helper';
    out.push({ pid, role, startTicks });
  }
  return out;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}
