// A local pod (issue 6): the app container (`hotcycle master`) and the hotcycle container
// (`hotcycle sidecar`) as two separate process trees — each in its own PID and mount namespace
// where the machine allows it (container.ts) — sharing only what a real pod's containers share:
//
//   <dir>/source   the ConfigMap volume; the kubelet stand-in updates it (KubeletVolume)
//   <dir>/sources/NAME  more sources (ConfigMap or Secret volumes), mounted in the sidecar only
//   <dir>/run      emptyDir "hotcycle-run": master.sock, sidecar.sock — the only channel
//   <dir>/live     emptyDir "hotcycle-live": the published config (or `liveDir`, e.g. a tmpfs)
//   <dir>/app      the app container's own filesystem (per-generation snapshots)
//   loopback       the pod's network namespace (the app's listeners, the sidecar's probes)
//
// Start order is the pod's: the sidecar (a native sidecar) first, until its startup probe
// passes (the first version is published); then the app container.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExitInfo } from '../../src/process/exit.ts';
import { masterStatus } from '../../src/protocol/master-client.ts';
import type { SidecarStatus, SyncRequest, SyncResult } from '../../src/protocol/sidecar.ts';
import { sidecarStatus, sidecarSync } from '../../src/protocol/sidecar-client.ts';
import type { MasterStatus } from '../../src/protocol/types.ts';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { Container, namespacesAvailable } from './container.ts';
import { KubeletVolume, type VolumeFiles } from './kubelet.ts';

export type ContainerName = 'app' | 'sidecar';

/** A named source: `--source NAME=DIR`, or `--secret-source NAME=DIR` when `secret`. */
export interface PodSource {
  files: VolumeFiles;
  secret?: boolean;
  defaultMode?: number;
}

export interface PodOptions {
  /** The ConfigMap's data, hotcycle.yaml included. */
  files: VolumeFiles;
  /** Named sources by name. */
  sources?: Record<string, PodSource>;
  driver?: 'native' | 'nginx';
  /** The live emptyDir somewhere else (a tiny tmpfs); it must exist. */
  liveDir?: string;
  sidecarArgs?: string[];
  /** The sidecar's environment besides the test's own (e.g. in-cluster variables). */
  sidecarEnv?: NodeJS.ProcessEnv;
  /** Extra master arguments (for nginx: `--`, then the nginx command). */
  masterArgs?: string[];
}

export interface PodStatus {
  isolated: boolean;
  master: MasterStatus | { error: string };
  sidecar: SidecarStatus | { error: string };
  /** Hash of the version the live directory holds, or why it cannot be read. */
  live: string;
  zombies: Record<ContainerName, number>;
}

export class Pod {
  readonly dir: string;
  readonly kubelet: KubeletVolume;
  /** The named sources' volumes, by name. */
  readonly volumes: Record<string, KubeletVolume>;
  readonly runDir: string;
  readonly liveDir: string;
  readonly masterSocket: string;
  readonly sidecarSocket: string;
  readonly isolated = namespacesAvailable();
  master!: Container;
  sidecar!: Container;
  metricsPort = 0;
  readonly #options: PodOptions;

  private constructor(dir: string, options: PodOptions) {
    this.dir = dir;
    this.#options = options;
    this.kubelet = new KubeletVolume(join(dir, 'source'));
    this.volumes = Object.fromEntries(Object.entries(options.sources ?? {}).map(([name, source]) =>
      [name, new KubeletVolume(join(dir, 'sources', name), source.defaultMode === undefined ? {} : { defaultMode: source.defaultMode })]));
    this.runDir = join(dir, 'run');
    this.liveDir = options.liveDir ?? join(dir, 'live');
    this.masterSocket = join(this.runDir, 'master.sock');
    this.sidecarSocket = join(this.runDir, 'sidecar.sock');
  }

  /** Creates the volumes, starts the sidecar, then the app once the first version is live. */
  static async start(options: PodOptions): Promise<Pod> {
    const pod = new Pod(await mkdtemp(join(tmpdir(), 'hotcycle-pod-')), options);
    try {
      const volumes = Object.values(pod.volumes).map((v) => v.dir);
      for (const dir of [pod.kubelet.dir, ...volumes, pod.runDir, join(pod.dir, 'app'), pod.liveDir]) await mkdir(dir, { recursive: true });
      await pod.kubelet.update(options.files);
      for (const [name, source] of Object.entries(options.sources ?? {})) await pod.volumes[name]?.update(source.files);
      await pod.restartSidecar();
      await pod.sidecar.waitForLog((l) => l.event === 'config.published');
      await pod.restartMaster();
      await pod.sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
      return pod;
    } catch (error) {
      await pod.cleanup();
      throw error;
    }
  }

  /** The app container (re)starts on the same volumes: a crash's restart, or a first start. */
  async restartMaster(): Promise<Container> {
    if (this.master?.running()) await this.master.stop();
    const args = ['master', '--driver', this.#options.driver ?? 'native', '--config-dir', this.liveDir, '--socket', this.masterSocket,
      '--state-dir', join(this.dir, 'app', 'state'), ...(this.#options.masterArgs ?? [])];
    this.master = await Container.start({ name: 'app', args }, (l) => l.event === 'master.ready');
    return this.master;
  }

  /** The hotcycle container (re)starts; resolves once it serves its socket and probes. */
  async restartSidecar(): Promise<Container> {
    if (this.sidecar?.running()) await this.sidecar.stop();
    const args = ['sidecar', '--driver', this.#options.driver ?? 'native', '--source', this.kubelet.dir, '--live', this.liveDir,
      '--master-socket', this.masterSocket, '--socket', this.sidecarSocket, '--listen', '127.0.0.1:0', ...this.#sourceArgs(), ...(this.#options.sidecarArgs ?? [])];
    const env = this.#options.sidecarEnv;
    this.sidecar = await Container.start({ name: 'sidecar', args, ...(env ? { env } : {}) }, (l) => l.event === 'sidecar.started');
    this.metricsPort = Number(this.sidecar.logs.find((l) => l.event === 'sidecar.started')?.metricsPort);
    return this.sidecar;
  }

  #sourceArgs(): string[] {
    return Object.entries(this.#options.sources ?? {}).flatMap(([name, source]) =>
      [source.secret ? '--secret-source' : '--source', `${name}=${this.volumes[name]?.dir ?? ''}`]);
  }

  container(name: ContainerName): Container {
    return name === 'app' ? this.master : this.sidecar;
  }

  /** SIGKILL of one container (all its processes); resolves when it is gone. */
  kill9(name: ContainerName): Promise<ExitInfo> {
    return this.container(name).kill9();
  }

  /** Pod deletion: SIGTERM to both containers at once, SIGKILL after the grace period. */
  async stop(graceMs = 20_000): Promise<Record<ContainerName, ExitInfo>> {
    const [app, sidecar] = await Promise.all([this.master.stop(graceMs), this.sidecar.stop(graceMs)]);
    return { app, sidecar };
  }

  masterStatus(): Promise<MasterStatus> {
    return masterStatus(this.masterSocket);
  }

  sidecarStatus(): Promise<SidecarStatus> {
    return sidecarStatus(this.sidecarSocket);
  }

  sync(request: SyncRequest = {}): Promise<SyncResult> {
    return sidecarSync(this.sidecarSocket, request);
  }

  /** The hash of the version in the live directory ('' when it holds none readable). */
  async liveHash(): Promise<string> {
    return readFileSet(this.liveDir).then(hashFileSet, () => '');
  }

  async status(): Promise<PodStatus> {
    const failed = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });
    const [master, sidecar, live, app, side] = await Promise.all([
      this.masterStatus().catch(failed), this.sidecarStatus().catch(failed), readFileSet(this.liveDir).then(hashFileSet, (e: Error) => `unreadable: ${e.message}`),
      this.master?.zombies() ?? 0, this.sidecar?.zombies() ?? 0,
    ]);
    return { isolated: this.isolated, master, sidecar, live, zombies: { app, sidecar: side } };
  }

  /** SIGKILL whatever still runs, then removes the pod's directory (not an outside liveDir). Idempotent. */
  async cleanup(): Promise<void> {
    await Promise.all([this.master?.kill9(), this.sidecar?.kill9()]);
    await rm(this.dir, { recursive: true, force: true });
  }
}
