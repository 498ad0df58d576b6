// Proving a reload. `nginx -s reload` sends SIGHUP and exits 0 whatever happens next; here
// the outcome is observed. After SIGHUP, nginx's master (ngx_master_process_cycle):
//   (1) logs `reconfiguring` and runs ngx_init_cycle on the new configuration;
//   (2) on failure logs `[emerg] …` and keeps the old cycle — the workers do not change. A
//       bind() failure first retries 5 × 500 ms (`try again to bind()`), handling no signal
//       meanwhile, then logs `[emerg] still could not bind()`;
//   (3) on success starts the new workers (`start worker process N`), sleeps 100 ms, and
//       sends the old ones SIGQUIT: they retitle themselves "worker process is shutting down".
// So: ready = new worker pids exist (or the failure is final); commit = no old worker is
// still an active worker. Pure judges here; the polling loop lives in the driver.
import type { ReloadSign } from './errorlog.ts';
import type { NginxChild } from './procs.ts';

export type StartVerdict =
  | { kind: 'pending'; retryingBind: boolean }
  | { kind: 'started'; workers: NginxChild[] }
  | { kind: 'failed'; message: string; lines: string[] };

/** After SIGHUP: new workers mean success; a final `[emerg]` of the master means failure. */
export function judgeStart(children: readonly NginxChild[], isKnown: (c: NginxChild) => boolean, signs: readonly ReloadSign[]): StartVerdict {
  const fresh = children.filter((c) => c.role === 'worker' && !isKnown(c));
  if (fresh.length) return { kind: 'started', workers: fresh };
  const errors = signs.filter((s) => s.kind === 'emerg' || s.kind === 'bind-failed' || s.kind === 'gave-up');
  const lines = errors.map((s) => ('message' in s ? s.message : ''));
  const final = signs.find((s) => s.kind === 'emerg' || s.kind === 'gave-up');
  if (final) {
    // For a bind failure the useful message is the bind() line, not "still could not bind()".
    const bind = signs.find((s) => s.kind === 'bind-failed');
    const message = final.kind === 'gave-up' && bind && 'message' in bind ? bind.message : ('message' in final ? final.message : '');
    return { kind: 'failed', message, lines: [...new Set(lines)] };
  }
  return { kind: 'pending', retryingBind: signs.some((s) => s.kind === 'bind-failed') };
}

/**
 * The new generation is complete once nginx has told every old worker to quit (it starts all
 * new workers before that) and every child it forked has taken its title. Returns the new
 * workers then, else null.
 */
export function judgeCommit(children: readonly NginxChild[], isKnown: (c: NginxChild) => boolean): NginxChild[] | null {
  const oldActive = children.filter((c) => c.role === 'worker' && isKnown(c));
  if (oldActive.length || children.some((c) => c.role === 'starting')) return null;
  return children.filter((c) => c.role === 'worker' && !isKnown(c));
}
