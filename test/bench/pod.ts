// A pod on this machine for the benchmarks, like test/helpers/sidecar.ts's Pod but running the
// bundle (dist/hotcycle.mjs) as images do: a kubelet-style source directory, the live directory,
// both sockets, and `hotcycle sidecar` / `hotcycle master` processes whose JSON log lines the
// suites wait on as events.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readlink, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { waitForExit, type ExitInfo } from '../../src/process/exit.ts';
import { fileSetFrom, hashFileSet } from '../../src/sidecar/fileset.ts';
import { forEachLine } from '../../src/process/lines.ts';
import { masterStatus } from '../../src/protocol/master-client.ts';
import type { MasterStatus } from '../../src/protocol/types.ts';
import { KubeletVolume, type VolumeFiles } from '../helpers/kubelet.ts';
import { alive, ROOT, type HotcycleYaml, type LogLine } from '../helpers/master.ts';

export const BUNDLE = join(ROOT, 'dist/hotcycle.mjs');

/** One `node dist/hotcycle.mjs …` process and its log lines. */
export class BundleProcess {
  readonly logs: LogLine[] = [];
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  readonly #waiters = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOTCYCLE_LOG_FORMAT: 'json' } });
    this.exited = waitForExit(this.child);
    const take = (line: string) => {
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
    return new Promise((resolve, reject) => {
      this.#waiters.add({ match, resolve });
      void this.exited.then((exit) => reject(new Error(`exited (${JSON.stringify(exit)}) while waiting:\n${this.output.slice(-30).join('\n')}`)));
    });
  }

  async stop(): Promise<ExitInfo> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

export class BenchPod {
  readonly dir: string;
  readonly source: KubeletVolume;
  readonly liveDir: string;
  readonly masterSocket: string;
  sidecar: BundleProcess | null = null;
  master: BundleProcess | null = null;

  private constructor(dir: string) {
    this.dir = dir;
    this.source = new KubeletVolume(join(dir, 'source'));
    this.liveDir = join(dir, 'live');
    this.masterSocket = join(dir, 'run', 'master.sock');
  }

  /** Source volume holding `files` plus hotcycle.yaml; sidecar started, first version published, master serving it. */
  static async start(files: VolumeFiles, config: HotcycleYaml): Promise<BenchPod> {
    const pod = new BenchPod(await mkdtemp(join(tmpdir(), 'hotcycle-bench-pod-')));
    try {
      await mkdir(pod.source.dir);
      await pod.source.update(withConfig(files, config));
      pod.sidecar = new BundleProcess(['sidecar', '--source', pod.source.dir, '--live', pod.liveDir, '--master-socket', pod.masterSocket,
        '--socket', join(pod.dir, 'run', 'sidecar.sock'), '--listen', '127.0.0.1:0']);
      await pod.sidecar.waitForLog((l) => l.event === 'config.published');
      pod.master = new BundleProcess(['master', '--config-dir', pod.liveDir, '--socket', pod.masterSocket, '--state-dir', join(pod.dir, 'state')]);
      await pod.master.waitForLog((l) => l.event === 'master.ready');
      await pod.sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
    } catch (error) {
      await pod.cleanup();
      throw error;
    }
    return pod;
  }

  /**
   * kubelet's update (KubeletVolume.update) for a set whose file names do not change, split so the
   * moment of the `..data` rename is known: write the new timestamped directory, point
   * `..data_tmp` at it, rename it over `..data`, remove the old directory. Returns Date.now()
   * taken just before the rename (the clock the master's startedAt uses).
   */
  async swap(files: VolumeFiles, config: HotcycleYaml): Promise<number> {
    const data = join(this.source.dir, '..data');
    const old = await readlink(data);
    const next = await this.source.crashBeforeSwap(withConfig(files, config));
    await symlink(basename(next), join(this.source.dir, '..data_tmp'));
    const at = Date.now();
    await rename(join(this.source.dir, '..data_tmp'), data);
    await rm(join(this.source.dir, old), { recursive: true, force: true });
    return at;
  }

  masterStatus(): Promise<MasterStatus> {
    return masterStatus(this.masterSocket);
  }

  /** Stops both processes and any worker left, then removes the directory. */
  async cleanup(): Promise<void> {
    const workers = await this.masterStatus().then((s) => s.generations.flatMap((g) => g.workers.map((w) => w.pid)), () => []);
    await Promise.all([this.sidecar?.stop(), this.master?.stop()]);
    for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The hash the sidecar and the master compute for this version of the volume. */
export function versionHash(files: VolumeFiles, config: HotcycleYaml): string {
  return hashFileSet(fileSetFrom(withConfig(files, config)));
}

export function withConfig(files: VolumeFiles, config: HotcycleYaml): VolumeFiles {
  return { ...files, 'hotcycle.yaml': stringify(config) };
}
