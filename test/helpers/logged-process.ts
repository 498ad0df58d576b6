// A real process whose output lines tests wait on as events (no sleeps): JSON lines (hotcycle's
// logs) parsed, other lines (a worker's output, forwarded raw) kept as `{ message, raw }`.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitForExit, type ExitInfo } from '../../src/process/exit.ts';
import { forEachLine } from '../../src/process/lines.ts';

export type LogLine = Record<string, unknown> & { message: string; event?: string };

export class LoggedProcess {
  readonly logs: LogLine[] = [];
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  readonly #waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();

  /** `unwrap`: the line a process prints, from the line it is read as (a CRI log file's prefix removed, say). */
  constructor(argv: readonly string[], env: NodeJS.ProcessEnv = {}, unwrap: (line: string) => string = (line) => line) {
    const [program = '', ...args] = argv;
    this.child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOTCYCLE_LOG_FORMAT: 'json', ...env } });
    this.exited = waitForExit(this.child);
    const take = (raw: string) => {
      const line = unwrap(raw);
      this.output.push(line);
      const log: LogLine = line.startsWith('{') ? JSON.parse(line) as LogLine : { message: line, raw: true };
      this.logs.push(log);
      for (const waiter of this.#waiters) if (waiter.match(log)) {
        this.#waiters.delete(waiter);
        waiter.resolve(log);
      }
    };
    forEachLine(this.child.stdout!, take);
    forEachLine(this.child.stderr!, take);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The first matching line, past or future; rejects if the process exits first. */
  waitForLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.logs.find(match);
    return seen ? Promise.resolve(seen) : this.nextLog(match);
  }

  /** The next matching line from now on; rejects if the process exits first. */
  nextLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    const line = new Promise<LogLine>((resolve, reject) => {
      this.#waiters.add({ match, resolve });
      void this.exited.then((exit) => reject(new Error(`exited (${JSON.stringify(exit)}) while waiting:\n${this.output.slice(-30).join('\n')}`)));
    });
    line.catch(() => {}); // a wait nobody awaits any more must not fail the test at exit
    return line;
  }

  /** The signal, then SIGKILL if it has not exited within 20 s. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}
