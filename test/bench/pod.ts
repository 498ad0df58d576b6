// A pod on this machine for the benchmarks, like test/helpers/sidecar.ts's Pod but running the
// bundle (dist/hotcycle.mjs) as images do: a kubelet-style source directory, the live directory,
// both sockets, and `hotcycle sidecar` / `hotcycle master` processes whose JSON log lines the
// suites wait on as events.
import { mkdir, mkdtemp, readlink, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { fileSetFrom, hashFileSet } from '../../src/configset/fileset.ts';
import { masterStatus } from '../../src/protocol/master-client.ts';
import type { MasterStatus } from '../../src/protocol/types.ts';
import { KubeletVolume, type VolumeFiles } from '../helpers/kubelet.ts';
import { cleanUp, ROOT, type HotcycleYaml } from '../helpers/master.ts';
import { HotcycleProcess } from '../helpers/sidecar.ts';

export const BUNDLE = join(ROOT, 'dist/hotcycle.mjs');

/** One `node dist/hotcycle.mjs …` process and its log lines. */
export class BundleProcess extends HotcycleProcess {
  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    super(args, env, BUNDLE);
  }
}

/** The sidecar's extra arguments and environment (e.g. in-cluster settings and `--watch-configmap`). */
/** `env` goes to both processes; `sidecarArgs` and `sidecarEnv` to the sidecar only. */
export interface PodSetup { sidecarArgs?: string[]; sidecarEnv?: NodeJS.ProcessEnv; env?: NodeJS.ProcessEnv }

export class BenchPod {
  readonly dir: string;
  readonly source: KubeletVolume;
  readonly liveDir: string;
  readonly masterSocket: string;
  readonly sidecarSocket: string;
  sidecar: BundleProcess | null = null;
  master: BundleProcess | null = null;

  private constructor(dir: string) {
    this.dir = dir;
    this.source = new KubeletVolume(join(dir, 'source'));
    this.liveDir = join(dir, 'live');
    this.masterSocket = join(dir, 'run', 'master.sock');
    this.sidecarSocket = join(dir, 'run', 'sidecar.sock');
  }

  /** Source volume holding `files` plus hotcycle.yaml; sidecar started, first version published, master serving it. */
  static async start(files: VolumeFiles, config: HotcycleYaml, setup: PodSetup = {}): Promise<BenchPod> {
    const pod = new BenchPod(await mkdtemp(join(tmpdir(), 'hotcycle-bench-pod-')));
    try {
      await mkdir(pod.source.dir);
      await pod.source.update(withConfig(files, config));
      pod.sidecar = new BundleProcess(['sidecar', '--source', pod.source.dir, '--live', pod.liveDir, '--master-socket', pod.masterSocket,
        '--socket', pod.sidecarSocket, '--listen', '127.0.0.1:0', ...setup.sidecarArgs ?? []], { ...setup.env, ...setup.sidecarEnv });
      await pod.sidecar.waitForLog((l) => l.event === 'config.published');
      pod.master = new BundleProcess(['master', '--config-dir', pod.liveDir, '--socket', pod.masterSocket, '--state-dir', join(pod.dir, 'state')], setup.env);
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
  cleanup(): Promise<void> {
    return cleanUp(this.masterSocket, [this.sidecar, this.master], this.dir);
  }
}

/** The hash the sidecar and the master compute for this version of the volume. */
export function versionHash(files: VolumeFiles, config: HotcycleYaml): string {
  return hashFileSet(fileSetFrom(withConfig(files, config)));
}

export function withConfig(files: VolumeFiles, config: HotcycleYaml): VolumeFiles {
  return { ...files, 'hotcycle.yaml': stringify(config) };
}
