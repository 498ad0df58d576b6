// One worker process of one generation: spawned with the cycle's listening sockets as
// fds 3…, tracked through an explicit lifecycle, ready when it says so (notify) or
// when it survives a settle delay, stopped only through the shared stop helper.
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { WorkersConfig } from '../config/types.ts';
import { HotcycleError } from '../errors.ts';
import { ABORTED, type WorkerInfo } from '../protocol/types.ts';
import { describeExit, waitForExit, type ExitInfo } from '../process/exit.ts';
import { forEachLine, LineTail } from '../process/lines.ts';
import { spawnWithOutput } from '../process/pipes.ts';
import { stopProcess, type StopOptions, type StopResult } from '../process/stop.ts';
import { readinessDeadlineMs, waitForReady } from './readiness.ts';

export type WorkerState = 'starting' | 'ready' | 'draining' | 'exited' | 'failed';

const TRANSITIONS: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  starting: ['ready', 'draining', 'exited', 'failed'],
  ready: ['draining', 'exited', 'failed'],
  draining: ['exited'],
  exited: [],
  failed: [],
};

/** `cwd` resolved and `env` whole (the master's, then hotcycle.yaml's), as the generation holds them. */
export interface WorkerSpec extends Pick<WorkersConfig, 'command' | 'cwd' | 'env' | 'readiness'> {
  generation: number;
  slot: number;
  configDir: string;
  listeners: readonly { name: string; fd: number }[];
  /** Receives every line the worker prints, for the master's log. */
  onOutput: (line: string, stream: 'stdout' | 'stderr', worker: Worker) => void;
}

/** The protocol's WorkerInfo, with this driver's states. */
export interface WorkerStatus extends WorkerInfo {
  state: WorkerState;
}

// `exec` keeps the shell's pid, so LISTEN_PID names the server itself (sd_listen_fds checks it).
const LISTEN_PID_WRAPPER = 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"';

export class Worker {
  readonly pid: number;
  readonly generation: number;
  readonly slot: number;
  readonly exited: Promise<ExitInfo>;
  readonly #child: ChildProcess;
  readonly #spec: WorkerSpec;
  readonly #stderr = new LineTail();
  #state: WorkerState = 'starting';
  #ready: Promise<void> | null = null;
  #since = new Date();

  constructor(spec: WorkerSpec) {
    this.#spec = spec;
    this.generation = spec.generation;
    this.slot = spec.slot;
    const notifyFd = 3 + spec.listeners.length;
    // Real pipes for stdout and stderr, so a worker can open /dev/stdout; the notify fd
    // stays a Node 'pipe' (the worker only writes to it).
    const { child, stdout, stderr } = spawnWithOutput('/bin/sh', ['-c', LISTEN_PID_WRAPPER, ...spec.command], {
      cwd: spec.cwd,
      env: workerEnv(spec, notifyFd),
    }, [...spec.listeners.map((l) => l.fd), 'pipe']);
    this.#child = child;
    this.#child.on('error', () => {}); // reported through the exit below; spawn errors set no pid
    if (this.#child.pid === undefined) {
      stdout.destroy();
      stderr.destroy();
      throw new HotcycleError('start', 'ESPAWN', `cannot start worker ${spec.slot} of generation ${spec.generation}`);
    }
    this.pid = this.#child.pid;
    this.exited = waitForExit(this.#child);
    this.#pipeOutput(stdout, stderr);
    void this.exited.then((exit) => this.#transition(this.#state === 'draining' || exit.code === 0 ? 'exited' : 'failed'));
    // Nobody may read the notify fd again once the worker is gone: let it close.
    void this.exited.then(() => this.#child.stdio[3 + spec.listeners.length]?.destroy());
  }

  get state(): WorkerState {
    return this.#state;
  }

  get stderrTail(): string {
    return this.#stderr.toString();
  }

  /** Resolves once ready; rejects with the phase-`ready` error that rolls a cycle back. */
  waitReady(signal?: AbortSignal): Promise<void> {
    // One wait per worker: READY=1 arrives once, so a second caller shares the first wait.
    this.#ready ??= this.#waitReady(signal);
    return this.#ready;
  }

  async #waitReady(signal?: AbortSignal): Promise<void> {
    const notify = this.#child.stdio[3 + this.#spec.listeners.length];
    const outcome = await waitForReady(this.#spec.readiness, notify ?? null, this.exited, signal);
    if (outcome.ready && this.#state === 'starting') {
      this.#transition('ready');
      return;
    }
    const what = `worker ${this.slot} (pid ${this.pid}) of generation ${this.generation}`;
    const detail = this.stderrTail || undefined;
    if (!outcome.ready && outcome.aborted) {
      throw new HotcycleError('ready', ABORTED, `${what}: readiness wait aborted (${outcome.aborted})`);
    }
    // Ready too late (it exited meanwhile) counts as an exit.
    const exit = outcome.ready ? await this.exited : outcome.exit;
    if (exit) throw new HotcycleError('ready', 'EWORKEREXIT', `${what} ${describeExit(exit)} before it was ready`, { detail });
    throw new HotcycleError('ready', 'EREADYTIMEOUT', `${what} did not report ready within ${readinessDeadlineMs(this.#spec.readiness)} ms`, { detail });
  }

  /** Graceful stop (the configured signal), then SIGKILL after the timeout. */
  stop(options: StopOptions): Promise<StopResult> {
    if (this.#state === 'starting' || this.#state === 'ready') this.#transition('draining');
    return stopProcess(this.#child, options);
  }

  status(): WorkerStatus {
    return { pid: this.pid, generation: this.generation, slot: this.slot, state: this.#state, since: this.#since.toISOString() };
  }

  #transition(next: WorkerState): void {
    if (!TRANSITIONS[this.#state].includes(next)) {
      throw new Error(`worker ${this.pid}: illegal transition ${this.#state} → ${next}`);
    }
    this.#state = next;
    this.#since = new Date();
  }

  #pipeOutput(stdout: Readable, stderr: Readable): void {
    forEachLine(stdout, (line) => this.#spec.onOutput(line, 'stdout', this));
    forEachLine(stderr, (line) => {
      this.#stderr.push(line);
      this.#spec.onOutput(line, 'stderr', this);
    });
  }
}

function workerEnv(spec: WorkerSpec, notifyFd: number): Record<string, string> {
  const env: Record<string, string> = {
    ...spec.env,
    LISTEN_FDS: String(spec.listeners.length),
    LISTEN_FDNAMES: spec.listeners.map((l) => l.name).join(':'),
    HOTCYCLE_GENERATION: String(spec.generation),
    HOTCYCLE_WORKER_SLOT: String(spec.slot),
    HOTCYCLE_CONFIG_DIR: spec.configDir,
  };
  if (spec.readiness.mode === 'notify') env.HOTCYCLE_NOTIFY_FD = String(notifyFd);
  return env;
}
