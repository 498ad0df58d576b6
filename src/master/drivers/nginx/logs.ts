// Every place nginx's error log can be read from, as one stream of parsed lines: the files
// its main-level `error_log` directives name (followed like tail -F) and its stderr (where
// Debian's build logs by default). A target hotcycle cannot read (syslog:, memory:) is
// reported, so the driver can say that failed reloads will only be seen as timeouts.
import { FileFollower } from './follow.ts';
import { parseLogLine, type LogLine } from './errorlog.ts';
import type { LogTarget } from './layout.ts';

const MAX_BUFFERED = 1000;

export class ErrorLogs {
  #followers = new Map<string, FileFollower>();
  #stderr: string[] = [];
  #readsStderr = false;
  #unreadable: string[] = [];

  /** Follows exactly `targets` from now on; files already followed keep their position. */
  async follow(targets: readonly LogTarget[]): Promise<void> {
    const next = new Map<string, FileFollower>();
    for (const target of targets) {
      if (target.kind !== 'file' || next.has(target.path)) continue;
      let follower = this.#followers.get(target.path);
      if (!follower) {
        follower = new FileFollower(target.path);
        await follower.start();
      }
      next.set(target.path, follower);
    }
    this.#followers = next;
    this.#readsStderr = targets.some((t) => t.kind === 'stderr');
    this.#unreadable = targets.flatMap((t) => (t.kind === 'unreadable' ? [t.value] : []));
  }

  /** Logs nginx writes that hotcycle cannot read. */
  get unreadable(): readonly string[] {
    return this.#unreadable;
  }

  get files(): string[] {
    return [...this.#followers.keys()];
  }

  /** A line nginx printed on stderr. Kept even when stderr is not a configured log: early errors land there. */
  pushStderr(raw: string): void {
    this.#stderr.push(raw);
    if (this.#stderr.length > MAX_BUFFERED) this.#stderr.shift();
  }

  get readsStderr(): boolean {
    return this.#readsStderr;
  }

  /** Every line written since the last call. */
  async collect(): Promise<LogLine[]> {
    const raw = this.#stderr.splice(0);
    for (const follower of this.#followers.values()) raw.push(...(await follower.poll()));
    return raw.flatMap((r) => parseLogLine(r) ?? []);
  }
}
