// A pod on this machine: a kubelet-style source directory (KubeletVolume), the live directory,
// the run directory with both sockets, and real `hotcycle sidecar` / `hotcycle master` processes
// (the CLI from source, Node 24) whose JSON log lines tests wait on as events (no sleeps).
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { masterStatus } from '../../src/protocol/master-client.ts';
import { sidecarStatus, sidecarSync } from '../../src/protocol/sidecar-client.ts';
import type { SidecarStatus, SyncRequest, SyncResult } from '../../src/protocol/sidecar.ts';
import type { MasterStatus } from '../../src/protocol/types.ts';
import { KubeletVolume, type VolumeFiles } from './kubelet.ts';
import { LoggedProcess } from './logged-process.ts';
import { CLI, cleanUp, type HotcycleYaml, type LogLine } from './master.ts';

/** One real hotcycle process (the CLI from source, or `cli`) and its log lines. */
export class HotcycleProcess extends LoggedProcess {
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, cli = CLI) {
    super([process.execPath, cli, ...args], env);
  }
}

export class Pod {
  readonly dir: string;
  readonly source: KubeletVolume;
  readonly liveDir: string;
  readonly masterSocket: string;
  readonly sidecarSocket: string;
  sidecar: HotcycleProcess | null = null;
  master: HotcycleProcess | null = null;
  metricsPort = 0;

  private constructor(dir: string) {
    this.dir = dir;
    this.source = new KubeletVolume(join(dir, 'source'));
    this.liveDir = join(dir, 'live');
    this.masterSocket = join(dir, 'run', 'master.sock');
    this.sidecarSocket = join(dir, 'run', 'sidecar.sock');
  }

  /** A pod directory whose ConfigMap volume holds `files` (a config object becomes hotcycle.yaml). */
  static async create(files: VolumeFiles, config?: HotcycleYaml | string): Promise<Pod> {
    const pod = new Pod(await mkdtemp(join(tmpdir(), 'hotcycle-pod-')));
    await mkdir(pod.source.dir);
    await pod.update(files, config);
    return pod;
  }

  update(files: VolumeFiles, config?: HotcycleYaml | string): Promise<void> {
    const all = config === undefined ? files : { ...files, 'hotcycle.yaml': typeof config === 'string' ? config : stringify(config) };
    return this.source.update(all);
  }

  /** Starts the sidecar and waits until it serves its socket and probes. */
  async startSidecar(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<HotcycleProcess> {
    const sidecar = new HotcycleProcess(['sidecar', '--source', this.source.dir, '--live', this.liveDir, '--master-socket', this.masterSocket,
      '--socket', this.sidecarSocket, '--listen', '127.0.0.1:0', ...args], env);
    this.sidecar = sidecar;
    const started = await sidecar.waitForLog((l) => l.event === 'sidecar.started');
    this.metricsPort = Number(started.metricsPort);
    return sidecar;
  }

  /** Starts the master on the live directory (with `env` over the test's) and waits until it serves (or `until` says). */
  async startMaster(args: string[] = [], until: (line: LogLine) => boolean = (l) => l.event === 'master.ready', env: NodeJS.ProcessEnv = {}): Promise<HotcycleProcess> {
    const master = new HotcycleProcess(['master', '--config-dir', this.liveDir, '--socket', this.masterSocket, '--state-dir', join(this.dir, 'state'), ...args], env);
    this.master = master;
    await master.waitForLog(until);
    return master;
  }

  sync(request: SyncRequest = {}): Promise<SyncResult> {
    return sidecarSync(this.sidecarSocket, request);
  }

  sidecarStatus(): Promise<SidecarStatus> {
    return sidecarStatus(this.sidecarSocket);
  }

  masterStatus(): Promise<MasterStatus> {
    return masterStatus(this.masterSocket);
  }

  /** Stops both processes and any worker left, then removes the directory. */
  cleanup(): Promise<void> {
    return cleanUp(this.masterSocket, [this.sidecar, this.master], this.dir);
  }
}

/** GET a probe or /metrics on the sidecar's port. */
export async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}
