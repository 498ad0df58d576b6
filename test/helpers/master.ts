// Runs a real `hotcycle master` (the CLI from source, Node 24) in a temporary directory:
// a config dir the test edits, the control socket, and the master's JSON log lines,
// which tests wait on as events (no sleeps).
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ExitInfo } from '../../src/process/exit.ts';
import { masterCheck, masterReload, masterStatus } from '../../src/protocol/master-client.ts';
import type { CheckResult, MasterStatus, ReloadEvent, ReloadRequest, ReloadResult } from '../../src/protocol/types.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'src/cli/main.ts');
export const DEMO_APP = join(ROOT, 'examples/demo/app.ts');
export const fixture = (name: string) => join(ROOT, 'test/fixtures', name);

import { LoggedProcess, type LogLine } from './logged-process.ts';

export type { LogLine };

export interface WorkersYaml {
  count?: number;
  command: string[];
  readiness?: Record<string, unknown>;
  shutdown?: Record<string, unknown>;
  restart?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface HotcycleYaml {
  listeners: { name: string; address: string }[];
  workers: WorkersYaml;
}

/** A demo-app config on `port`, `count` workers, the demo's message. */
export function demoConfig(port: number, extra: Partial<WorkersYaml> = {}): HotcycleYaml {
  return {
    listeners: [{ name: 'http', address: `127.0.0.1:${port}` }],
    workers: { count: 2, command: ['node', DEMO_APP], readiness: { mode: 'notify', timeoutMs: 10_000 }, shutdown: { signal: 'SIGTERM', timeoutMs: 10_000 }, ...extra },
  };
}

export class MasterProcess {
  readonly dir: string;
  readonly configDir: string;
  readonly socket: string;
  #process!: LoggedProcess;

  readonly #cli: string;
  readonly #args: readonly string[];
  readonly #env: NodeJS.ProcessEnv;

  private constructor(dir: string, cli = CLI, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.dir = dir;
    this.#cli = cli;
    this.#args = args;
    this.#env = env;
    this.configDir = join(dir, 'config');
    this.socket = join(dir, 'run', 'master.sock');
  }

  /** Writes the config, starts the master, and waits until it serves (or `until` says, or it exits). */
  static async start(
    config: HotcycleYaml | string, files: Record<string, string> = { 'message.txt': 'one' },
    options: { cli?: string; args?: string[]; env?: NodeJS.ProcessEnv; until?: (line: LogLine) => boolean } = {},
  ): Promise<MasterProcess> {
    const master = new MasterProcess(await mkdtemp(join(tmpdir(), 'hotcycle-test-')), options.cli, options.args, options.env);
    await mkdir(master.configDir);
    await master.writeConfig(config);
    for (const [name, text] of Object.entries(files)) await master.writeFile(name, text);
    master.#spawn();
    const until = options.until ?? ((l: LogLine) => l.event === 'master.ready');
    const first = await Promise.race([master.waitForLog(until), master.exited.then(() => null)]);
    if (!first) throw new Error(`master exited before serving:\n${master.output.join('\n')}`);
    return master;
  }

  /** A new master on the same directory, config and socket path (an app container restart). */
  static async restartIn(previous: MasterProcess): Promise<MasterProcess> {
    const master = new MasterProcess(previous.dir, previous.#cli, previous.#args, previous.#env);
    master.#spawn();
    const first = await Promise.race([master.waitForLog((l) => l.event === 'master.ready'), master.exited.then(() => null)]);
    if (!first) throw new Error(`master exited before serving:\n${master.output.join('\n')}`);
    return master;
  }

  #spawn(): void {
    this.#process = new LoggedProcess([process.execPath, this.#cli, 'master', '--config-dir', this.configDir, '--socket', this.socket, ...this.#args], this.#env);
  }

  get child(): ChildProcess {
    return this.#process.child;
  }

  get exited(): Promise<ExitInfo> {
    return this.#process.exited;
  }

  get logs(): LogLine[] {
    return this.#process.logs;
  }

  get output(): string[] {
    return this.#process.output;
  }

  waitForLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    return this.#process.waitForLog(match);
  }

  nextLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    return this.#process.nextLog(match);
  }

  async writeConfig(config: HotcycleYaml | string): Promise<void> {
    await this.writeFile('hotcycle.yaml', typeof config === 'string' ? config : stringify(config));
  }

  async writeFile(name: string, text: string): Promise<void> {
    await writeFile(join(this.configDir, name), text);
  }

  reload(request: ReloadRequest = { reason: 'test' }, onEvent?: (e: ReloadEvent) => void): Promise<ReloadResult> {
    return masterReload(this.socket, request, onEvent);
  }

  status(): Promise<MasterStatus> {
    return masterStatus(this.socket);
  }

  check(): Promise<CheckResult> {
    return masterCheck(this.socket);
  }

  /** Pids of the workers of one generation (default: the current one). */
  async pids(generation?: number): Promise<number[]> {
    return generationPids(await this.status(), generation);
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitInfo> {
    return this.#process.stop(signal);
  }

  /** Stops the master (SIGKILL after a grace), then any worker it left, and removes the directory. */
  cleanup(): Promise<void> {
    return cleanUp(this.socket, [this], this.dir);
  }
}

/**
 * A test's teardown: notes every worker the master at `socket` runs, stops `processes`
 * (SIGKILL after a grace), kills any worker they left behind, and removes `dir`.
 */
export async function cleanUp(socket: string, processes: readonly ({ stop(): Promise<unknown> } | null)[], dir: string): Promise<void> {
  const workers = await masterStatus(socket).then((s) => s.generations.flatMap((g) => g.workers.map((w) => w.pid)), () => []);
  await Promise.all(processes.map((p) => p?.stop()));
  for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
}

/** The pids of one generation's workers in a status (default: the current generation). */
export function generationPids(status: MasterStatus, generation = status.generation): number[] {
  return status.generations.find((g) => g.generation === generation)?.workers.map((w) => w.pid) ?? [];
}

/** True while `pid` exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
