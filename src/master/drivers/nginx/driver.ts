// The nginx driver: a real nginx master (daemon off) is hotcycle's child. hotcycle checks
// each new configuration with `nginx -t`, reloads with SIGHUP, and proves the outcome by
// watching the master's children in /proc and its error log (reload.ts). nginx is the
// server: if it exits on its own there is nothing to respawn it into, so the driver reports
// it and the master exits non-zero, and the container restarts (the last good config is
// what the live directory holds).
import { relative } from 'node:path';
import { HotcycleError } from '../../../errors.ts';
import type { Logger } from '../../../log.ts';
import { UNCONFIRMED } from '../../../protocol/types.ts';
import type { ExitInfo } from '../../../process/exit.ts';
import { describeExit } from '../../../process/exit.ts';
import { readConfigSet, type ConfigVersion } from '../../../configset/snapshot.ts';
import type { Driver, DriverOutcome, DriverStatus, ReloadAttempt, ReloadContext } from '../../driver.ts';
import { readBuildDefaults } from './check.ts';
import type { NginxCommand } from './command.ts';
import { reloadSign, type ReloadSign } from './errorlog.ts';
import { WorkerBook } from './generations.ts';
import { resolveLayout, type BuildDefaults, type LogTarget, type NginxLayout } from './layout.ts';
import { ErrorLogs } from './logs.ts';
import { prepareCycle, type Prepared } from './prepare.ts';
import { listChildren, type NginxChild } from './procs.ts';
import { judgeCommit, judgeStart } from './reload.ts';
import { NginxServer } from './server.ts';
import { pollUntil } from './wait.ts';

export interface NginxDriverOptions {
  command: NginxCommand;
  configDir: string;
  logger: Logger;
  /** SIGQUIT, then SIGKILL after this long (--shutdown-timeout). */
  shutdownTimeoutMs: number;
  /** How long a reload may take from SIGHUP to the old workers told to quit (--reload-timeout). */
  reloadTimeoutMs: number;
  /** More generations than this still shutting down is reported (--max-draining). */
  maxDraining: number;
  /** nginx exited without being asked: the master should exit non-zero. */
  onUnexpectedExit: (exit: ExitInfo) => void;
  pollMs?: number;
}

type NginxPaths = { build: BuildDefaults; layout: NginxLayout };

export class NginxDriver implements Driver {
  readonly name = 'nginx';
  readonly #options: NginxDriverOptions;
  readonly #book = new WorkerBook();
  readonly #logs = new ErrorLogs();
  #server: NginxServer | null = null;
  #paths: NginxPaths | null = null;
  #targets: LogTarget[] = [];
  #configHash = '';
  #reloading = false;
  #stopping = false;

  constructor(options: NginxDriverOptions) {
    this.#options = options;
  }

  async reload(ctx: ReloadContext): Promise<ReloadAttempt> {
    let read: string | undefined; // the hash of the version the check phase read, for the failed result
    try {
      const prepared = await ctx.clock.run('check', async () => {
        const version = await this.#read();
        read = version.version.hash;
        return this.#prepare(version, ctx.expectHash);
      });
      this.#reloading = true;
      try {
        const server = this.#server;
        return { ok: true, outcome: server ? await this.#reloadServer(server, prepared, ctx) : await this.#startServer(prepared, ctx) };
      } finally {
        this.#reloading = false;
      }
    } catch (error) {
      return { ok: false, error, configHash: read };
    }
  }

  async check(): Promise<{ configHash: string }> {
    const { configHash } = await this.#prepare(await this.#read());
    return { configHash };
  }

  status(): DriverStatus {
    const server = this.#server;
    const now = new Date();
    if (server) this.#book.observe(listChildren(server.pid), now, !this.#reloading);
    const draining = this.#book.draining(now);
    const { maxDraining } = this.#options;
    return {
      generation: this.#book.current,
      configHash: this.#configHash,
      listeners: [],
      generations: this.#book.status(),
      detail: {
        nginxPid: server?.pid ?? null,
        errorLogs: { files: this.#logs.files, stderr: this.#logs.readsStderr, unreadable: this.#logs.unreadable },
        draining,
        drainingGenerations: draining.length,
        maxDraining,
        ...(draining.length > maxDraining ? { drainWarning: drainWarning(draining.length, maxDraining) } : {}),
      },
    };
  }

  async shutdown(force: boolean): Promise<void> {
    this.#stopping = true;
    const server = this.#server;
    if (!server) return;
    if (force) {
      await server.kill();
      return;
    }
    const result = await server.stop(this.#options.shutdownTimeoutMs);
    this.#options.logger.info(`nginx stopped: ${describeExit(result)}${result.forced ? ' (SIGKILL after the shutdown timeout)' : ''}`, {
      event: 'nginx.stopped', forced: result.forced,
    });
  }

  /** The check phase's first steps: nginx's paths (resolved once), then one version of the config set. */
  async #read(): Promise<{ paths: NginxPaths; version: ConfigVersion }> {
    this.#paths ??= await this.#resolvePaths();
    return { paths: this.#paths, version: await readConfigSet(this.#options.configDir) };
  }

  #prepare({ paths, version }: { paths: NginxPaths; version: ConfigVersion }, expectHash?: string): Promise<Prepared> {
    const { command, configDir, logger, reloadTimeoutMs } = this.#options;
    return prepareCycle({ command, configDir, logger, timeoutMs: reloadTimeoutMs, version, expectHash, ...paths });
  }

  async #resolvePaths(): Promise<NginxPaths> {
    const build = await readBuildDefaults(this.#options.command.binary);
    const layout = resolveLayout(this.#options.command, build, process.cwd());
    const inside = relative(this.#options.configDir, layout.confPath);
    if (inside.startsWith('..')) {
      this.#options.logger.warn(`nginx's main file ${layout.confPath} is outside the config dir ${this.#options.configDir}: only what it includes from there is reloadable`, {
        event: 'nginx.conf.outside',
      });
    }
    return { build, layout };
  }

  // (start) nginx's first cycle: spawn it; ready once its workers exist and stop appearing.
  async #startServer(prepared: Prepared, ctx: ReloadContext): Promise<DriverOutcome> {
    await this.#followLogs(prepared.targets);
    const server = await ctx.clock.run('start', () => NginxServer.start(this.#options.command, this.#options.logger, (raw) => this.#logs.pushStderr(raw)));
    this.#server = server;
    void server.exited.then((exit) => this.#onExit(server, exit));
    try {
      const signs: ReloadSign[] = [];
      const workers = await ctx.clock.run('ready', () => this.#awaitFirstWorkers(server, signs, ctx.signal));
      return await ctx.clock.run('commit', () => this.#commit(server, prepared, workers, signs));
    } catch (error) {
      this.#server = null;
      await server.kill();
      throw error;
    }
  }

  // (reload) SIGHUP, then the proof (reload.ts): new workers, or the master's final [emerg].
  async #reloadServer(server: NginxServer, prepared: Prepared, ctx: ReloadContext): Promise<DriverOutcome> {
    this.#book.observe(listChildren(server.pid), new Date(), true);
    // Failures are logged to the old cycle's logs, the new workers to the new one's: read both.
    await this.#logs.follow([...this.#targets, ...prepared.targets]);
    await this.#logs.collect();
    const signs: ReloadSign[] = [];
    const deadline = Date.now() + this.#options.reloadTimeoutMs;
    await ctx.clock.run('start', () => server.signal('SIGHUP'));
    try {
      await ctx.clock.run('ready', () => this.#awaitNewWorkers(server, signs, deadline, ctx.signal));
      const workers = await ctx.clock.run('commit', () => this.#awaitOldRetired(server, signs, deadline, ctx.signal));
      return await this.#commit(server, prepared, workers, signs);
    } catch (error) {
      // SIGHUP was sent and neither outcome was seen in time: nginx may still finish the
      // reload. Which config it runs is unknown until the next reload proves one.
      if (error instanceof HotcycleError && error.code === UNCONFIRMED) {
        this.#configHash = '';
        this.#options.logger.warn('nginx did not confirm the reload in time: the config it runs is unknown until the next reload', {
          event: 'nginx.reload.unknown', configHash: prepared.configHash,
        });
      }
      throw error;
    }
  }

  async #commit(server: NginxServer, prepared: Prepared, workers: NginxChild[], signs: ReloadSign[]): Promise<DriverOutcome> {
    const generation = this.#book.current + 1;
    this.#book.commit(generation, prepared.configHash, workers, new Date());
    this.#configHash = prepared.configHash;
    await this.#followLogs(prepared.targets);
    const started = new Set(signs.flatMap((s) => (s.kind === 'worker-started' ? [s.pid] : [])));
    const draining = this.#book.draining(new Date()).length;
    if (draining > this.#options.maxDraining) {
      this.#options.logger.warn(drainWarning(draining, this.#options.maxDraining), { event: 'nginx.drain.bound', generation, draining });
    }
    const pids = workers.map((w) => w.pid);
    return {
      generation,
      configHash: prepared.configHash,
      detail: { nginxPid: server.pid, workers: pids, logConfirmed: pids.every((pid) => started.has(pid)) && started.size > 0, drainingGenerations: draining },
    };
  }

  async #followLogs(targets: LogTarget[]): Promise<void> {
    await this.#logs.follow(targets);
    this.#targets = targets;
    if (this.#logs.unreadable.length) {
      this.#options.logger.warn(`nginx logs to ${this.#logs.unreadable.join(', ')}, which hotcycle cannot read: a failed reload shows only as a timeout`, {
        event: 'nginx.log.unreadable',
      });
    }
  }

  #awaitFirstWorkers(server: NginxServer, signs: ReloadSign[], signal: AbortSignal): Promise<NginxChild[]> {
    let previous = -1;
    return pollUntil(async () => {
      await this.#readSigns(server, signs);
      const children = listChildren(server.pid);
      const workers = children.filter((c) => c.role === 'worker');
      // nginx forks its workers in one loop: the set is complete when it stops growing and
      // every child has taken its title.
      const settled = workers.length > 0 && workers.length === previous && !children.some((c) => c.role === 'starting');
      previous = workers.length;
      return settled ? workers : null;
    }, this.#waitOptions(server, 'ready', Date.now() + this.#options.reloadTimeoutMs, signal, () =>
      new HotcycleError('ready', 'ENGINXSTARTTIMEOUT', `nginx started no worker within ${this.#options.reloadTimeoutMs} ms`, { detail: server.tail.toString() })));
  }

  #awaitNewWorkers(server: NginxServer, signs: ReloadSign[], deadline: number, signal: AbortSignal): Promise<NginxChild[]> {
    let retryingBind = false;
    return pollUntil(async () => {
      await this.#readSigns(server, signs);
      const verdict = judgeStart(listChildren(server.pid), (c) => this.#book.knows(c), signs);
      if (verdict.kind === 'failed') {
        throw new HotcycleError('ready', 'ENGINXRELOAD', `nginx kept the old configuration: ${verdict.message}`, { detail: verdict.lines.join('\n') });
      }
      if (verdict.kind === 'pending') retryingBind = verdict.retryingBind;
      return verdict.kind === 'started' ? verdict.workers : null;
    }, this.#waitOptions(server, 'ready', deadline, signal, () => new HotcycleError('ready', UNCONFIRMED,
      `nginx showed neither new workers nor an error within ${this.#options.reloadTimeoutMs} ms of SIGHUP${retryingBind ? ' (it was still retrying bind())' : ''}`,
      { detail: `the old workers keep serving; error logs read: ${[...this.#logs.files, ...(this.#logs.readsStderr ? ['stderr'] : [])].join(', ') || 'none'}` })));
  }

  #awaitOldRetired(server: NginxServer, signs: ReloadSign[], deadline: number, signal: AbortSignal): Promise<NginxChild[]> {
    return pollUntil(async () => {
      await this.#readSigns(server, signs);
      return judgeCommit(listChildren(server.pid), (c) => this.#book.knows(c));
    }, this.#waitOptions(server, 'commit', deadline, signal, () => new HotcycleError('commit', UNCONFIRMED,
      `nginx started new workers but did not tell the old ones to quit within ${this.#options.reloadTimeoutMs} ms`)));
  }

  async #readSigns(server: NginxServer, signs: ReloadSign[]): Promise<void> {
    for (const line of await this.#logs.collect()) {
      const sign = reloadSign(line, server.pid);
      if (sign) signs.push(sign);
    }
  }

  #waitOptions(server: NginxServer, phase: 'ready' | 'commit', deadline: number, signal: AbortSignal, timeoutError: () => HotcycleError) {
    return { phase, deadline, signal, timeoutError, pollMs: this.#options.pollMs ?? 10, exited: server.exited, tail: () => server.tail.toString() };
  }

  #onExit(server: NginxServer, exit: ExitInfo): void {
    if (server !== this.#server) return;
    this.#server = null;
    // Before the first commit the ready wait reports the exit; afterwards nothing else would.
    if (this.#stopping || this.#book.current === 0) return;
    server.releaseOrphans();
    this.#options.logger.error(`nginx ${describeExit(exit)} on its own; hotcycle exits so the container restarts it`, {
      event: 'nginx.exited', code: exit.code, signal: exit.signal, tail: server.tail.toString(),
    });
    this.#options.onUnexpectedExit(exit);
  }
}

export function drainWarning(draining: number, max: number): string {
  return `${draining} generations of nginx workers are still shutting down (more than --max-draining ${max}): ` +
    'long-lived connections keep old workers alive; set worker_shutdown_timeout in nginx.conf to bound how long they may drain';
}
