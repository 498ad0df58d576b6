// The nginx master as hotcycle's child: spawned in its own process group (so a forced stop
// also reaches workers a dead master left behind), its stdout and stderr forwarded as log
// lines, stopped through the one stop helper (SIGQUIT: graceful, SIGKILL after the timeout).
import type { ChildProcess } from 'node:child_process';
import { HotcycleError } from '../../../errors.ts';
import type { Logger } from '../../../log.ts';
import { waitForExit, hasExited, type ExitInfo } from '../../../process/exit.ts';
import { forEachLine, LineTail } from '../../../process/lines.ts';
import { spawnWithOutput } from '../../../process/pipes.ts';
import { signalProcess, stopProcess, type StopResult } from '../../../process/stop.ts';
import type { NginxCommand } from './command.ts';
import { loggerLevel, parseLogLine } from './errorlog.ts';

export class NginxServer {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** The last lines nginx printed, for "why did it exit" reports. */
  readonly tail = new LineTail(20);
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, pid: number) {
    this.#child = child;
    this.pid = pid;
    this.exited = waitForExit(child);
  }

  /** Starts nginx; `onLine` sees every stderr line (where `error_log stderr` logs go). */
  static async start(command: NginxCommand, logger: Logger, onLine: (raw: string) => void): Promise<NginxServer> {
    // Real pipes, not 'pipe' (a socketpair): `access_log /dev/stdout;` reopens fd 1.
    const { child, stdout, stderr } = spawnWithOutput(command.binary, command.args, { detached: true });
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', resolve);
    });
    if (spawned || child.pid === undefined) {
      stdout.destroy();
      stderr.destroy();
      throw new HotcycleError('start', 'ENGINXSPAWN', `cannot start ${command.binary}: ${spawned?.message ?? 'no pid'}`, { cause: spawned });
    }
    const server = new NginxServer(child, child.pid);
    const forward = (stream: 'stdout' | 'stderr') => (raw: string) => {
      server.tail.push(raw);
      if (stream === 'stderr') onLine(raw);
      const line = parseLogLine(raw);
      logger.log(line ? loggerLevel(line.level) : 'info', line?.message ?? raw, {
        event: 'nginx.output', stream, ...(line ? { nginxLevel: line.level, nginxPid: line.pid } : {}),
      });
    };
    forEachLine(stdout, forward('stdout'));
    forEachLine(stderr, forward('stderr'));
    return server;
  }

  get running(): boolean {
    return !hasExited(this.#child);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** SIGQUIT (nginx's graceful shutdown), SIGKILL after `timeoutMs`; then sweeps the group. */
  async stop(timeoutMs: number): Promise<StopResult> {
    const result = await stopProcess(this.#child, { signal: 'SIGQUIT', timeoutMs });
    signalProcess(this.#child, result.forced ? 'SIGKILL' : 'SIGQUIT', true);
    return result;
  }

  /** Workers of a master that died (crash, SIGKILL) live on; tell them to finish and exit. */
  releaseOrphans(): void {
    signalProcess(this.#child, 'SIGQUIT', true);
  }

  kill(): Promise<ExitInfo> {
    signalProcess(this.#child, 'SIGKILL', true);
    return this.exited;
  }
}
