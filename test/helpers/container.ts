// One "container" of a local pod: a real `hotcycle` process tree (the CLI from source, Node 24)
// whose JSON log lines tests wait on as events. Where the machine allows it (root, util-linux
// `unshare`), the container gets its own PID and mount namespaces, as a real container does:
//
//   host:       node test ── unshare --fork --pid --mount-proc ── (fork)
//   container:                                                     hotcycle (PID 1) ── workers
//
// hotcycle runs as the container's PID 1, as in the image (no init): the kubelet's SIGTERM goes
// to it, and SIGKILL of it takes the whole namespace down, as the kernel does for a container.
// Its /proc shows only its own processes, so the other container's pids are neither visible
// nor signalable. Without namespaces, each container is a plain process group (logged once).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { waitForExit, type ExitInfo } from '../../src/process/exit.ts';
import { forEachLine } from '../../src/process/lines.ts';
import { alive, CLI, type LogLine } from './master.ts';

const run = promisify(execFile);
let namespaces: boolean | undefined;

/** Whether containers get their own PID and mount namespaces here (checked once). */
export function namespacesAvailable(): boolean {
  if (namespaces === undefined) {
    try {
      if (process.env.HOTCYCLE_POD_NAMESPACES === '0') throw new Error('HOTCYCLE_POD_NAMESPACES=0');
      execFileSync('unshare', ['--fork', '--pid', '--mount-proc', 'true'], { stdio: 'ignore', timeout: 10_000 });
      namespaces = true;
    } catch (error) {
      namespaces = false;
      console.error(`pod: no PID/mount namespaces here (${error instanceof Error ? error.message : String(error)}); containers run as plain process groups`);
    }
  }
  return namespaces;
}

export interface ContainerSpec {
  name: string;
  /** Arguments after `hotcycle`. */
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export class Container {
  readonly name: string;
  readonly isolated: boolean;
  readonly logs: LogLine[] = [];
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  /** hotcycle's pid as the host sees it (PID 1 inside its namespace); set once it logged. */
  hostPid = 0;
  readonly #waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();

  constructor(spec: ContainerSpec) {
    this.name = spec.name;
    this.isolated = namespacesAvailable();
    const hotcycle = [process.execPath, CLI, ...spec.args];
    const [command, ...args] = this.isolated ? ['unshare', '--fork', '--pid', '--mount-proc', '--', ...hotcycle] : hotcycle;
    // detached: a process group of its own, as a container is: a terminal's Ctrl-C does not reach
    // it, and the plain fallback can kill the whole tree.
    this.child = spawn(command!, args, {
      stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      env: { ...process.env, HOTCYCLE_LOG_FORMAT: 'json', ...spec.env },
    });
    this.exited = waitForExit(this.child).then((exit) => this.#containerExit(exit));
    if (!this.isolated) this.hostPid = this.child.pid ?? 0;
    forEachLine(this.child.stdout!, (line) => this.#take(line));
    forEachLine(this.child.stderr!, (line) => this.#take(line));
  }

  /** Starts the container and waits for the log line that says it serves. */
  static async start(spec: ContainerSpec, ready: (l: LogLine) => boolean): Promise<Container> {
    const container = new Container(spec);
    await container.waitForLog(ready);
    if (container.isolated) container.hostPid = await childOf(container.child.pid!);
    return container;
  }

  /** The first matching line, past or future; rejects if the container exits first. */
  waitForLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.logs.find(match);
    return seen ? Promise.resolve(seen) : this.nextLog(match);
  }

  /** The next matching line from now on; rejects if the container exits first. */
  nextLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.#waiters.add(waiter);
      void this.exited.then((exit) => {
        if (!this.#waiters.delete(waiter)) return;
        reject(new Error(`${this.name} exited (${JSON.stringify(exit)}) while waiting:\n${this.output.slice(-30).join('\n')}`));
      });
    });
  }

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A signal to the container's PID 1, as the kubelet (through the runtime) sends it. */
  signal(signal: NodeJS.Signals): void {
    if (this.running() && this.hostPid && alive(this.hostPid)) process.kill(this.hostPid, signal);
  }

  /** A signal to one of the container's processes, by its pid as the container sees it (as in status). */
  async signalPid(pid: number, signal: NodeJS.Signals): Promise<void> {
    if (!this.isolated) {
      process.kill(pid, signal);
      return;
    }
    const sent = await this.exec(['kill', `-${signal.replace(/^SIG/, '')}`, String(pid)]);
    if (sent.code !== 0) throw new Error(`kill -${signal} ${pid} in ${this.name}: ${sent.stderr.trim()}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs` (the pod's terminationGracePeriodSeconds). */
  async stop(graceMs = 20_000): Promise<ExitInfo> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.kill9(), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** SIGKILL of the whole container: PID 1 (the kernel kills the rest of its namespace), or the group. */
  kill9(): Promise<ExitInfo> {
    if (this.running() && this.hostPid) {
      try {
        process.kill(this.isolated ? this.hostPid : -this.hostPid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    return this.exited;
  }

  /** Runs a command inside the container's PID and mount namespaces (isolated containers only). */
  async exec(command: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    if (!this.isolated) throw new Error(`${this.name} runs without namespaces: nothing to enter`);
    try {
      const { stdout, stderr } = await run('nsenter', ['--target', String(this.hostPid), '--pid', '--mount', '--', ...command]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  /** Zombie processes in the container (a PID 1 that does not reap orphans leaves them). */
  async zombies(): Promise<number> {
    if (!this.isolated || !this.running()) return 0;
    const ps = await this.exec(['ps', '-eo', 'stat=']);
    return ps.stdout.split('\n').filter((s) => s.startsWith('Z')).length;
  }

  /**
   * PID 1's exit as the runtime would report it. unshare re-raises the signal that killed its
   * child, except SIGKILL, which it cannot re-raise: it then says so and exits 1.
   */
  #containerExit(exit: ExitInfo): ExitInfo {
    const killed = this.isolated && exit.code === 1 && this.output.at(-1)?.startsWith('unshare: sigprocmask unblock failed');
    return killed ? { code: null, signal: 'SIGKILL' } : exit;
  }

  #take(line: string): void {
    this.output.push(line);
    let log: LogLine;
    try {
      log = line.startsWith('{') ? JSON.parse(line) as LogLine : { message: line, raw: true };
    } catch {
      log = { message: line, raw: true };
    }
    this.logs.push(log);
    for (const waiter of this.#waiters) if (waiter.match(log)) {
      this.#waiters.delete(waiter);
      waiter.resolve(log);
    }
  }
}

/** The one child of `unshare --fork`: the container's PID 1, by its host pid. */
async function childOf(pid: number): Promise<number> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`unshare ${pid} has ${children.length} children, expected 1`);
  return Number(children[0]);
}
