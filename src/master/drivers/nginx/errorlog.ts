// The lines nginx writes to its error log (and to stderr before a log is open), read for
// what they say about a reload. nginx's master logs, in ngx_master_process_cycle:
//   [notice] reconfiguring                       — SIGHUP handled, ngx_init_cycle starts
//   [notice] start worker process N              — the new cycle's workers (notice level only)
//   [emerg] bind() to ADDR failed (98: …)        — then, 5 × 500 ms, `try again to bind()`
//   [emerg] still could not bind()               — the bind retries gave up
//   [emerg] anything else                        — ngx_init_cycle failed; the old cycle stays
// Only lines with the master's pid count: workers and `nginx -t` runs log to the same file.

export type NginxLevel = 'emerg' | 'alert' | 'crit' | 'error' | 'warn' | 'notice' | 'info' | 'debug';

export interface LogLine {
  level: NginxLevel;
  /** The writing process; absent on `nginx: [emerg] …` lines printed to stderr. */
  pid?: number;
  message: string;
}

export type ReloadSign =
  | { kind: 'reconfiguring' }
  | { kind: 'worker-started'; pid: number }
  | { kind: 'bind-failed'; message: string }
  | { kind: 'gave-up'; message: string }
  | { kind: 'emerg'; message: string };

const FILE_LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] (\d+)#\d+: (?:\*\d+ )?(.*)$/;
const STDERR_LINE = /^nginx: \[(\w+)\] (.*)$/;
const LEVELS = new Set<string>(['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug']);

export function parseLogLine(raw: string): LogLine | null {
  const file = FILE_LINE.exec(raw);
  if (file && LEVELS.has(file[1] ?? '')) return { level: file[1] as NginxLevel, pid: Number(file[2]), message: file[3] ?? '' };
  const early = STDERR_LINE.exec(raw);
  if (early && LEVELS.has(early[1] ?? '')) return { level: early[1] as NginxLevel, message: early[2] ?? '' };
  return null;
}

/** What a line of the nginx master (`masterPid`) says about a reload in progress, if anything. */
export function reloadSign(line: LogLine, masterPid: number): ReloadSign | null {
  if (line.pid !== masterPid) return null;
  const { message } = line;
  if (line.level === 'notice') {
    if (message === 'reconfiguring') return { kind: 'reconfiguring' };
    const started = /^start worker process (\d+)$/.exec(message);
    return started ? { kind: 'worker-started', pid: Number(started[1]) } : null;
  }
  if (line.level !== 'emerg') return null;
  if (message === 'still could not bind()') return { kind: 'gave-up', message };
  if (/^bind\(\) to .* failed \(98: /.test(message)) return { kind: 'bind-failed', message };
  return { kind: 'emerg', message };
}

/** winston's level for an nginx level, so forwarded lines keep their severity. */
export function loggerLevel(level: NginxLevel): 'error' | 'warn' | 'info' | 'debug' {
  switch (level) {
    case 'emerg': case 'alert': case 'crit': case 'error': return 'error';
    case 'warn': return 'warn';
    case 'notice': case 'info': return 'info';
    case 'debug': return 'debug';
  }
}
