// A stand-in for kubelet: runs a chart's rendered pod with podman (runc), where no kubelet runs.
//
//   (1) The pod's network namespace (its own loopback, nothing else), like the pod sandbox.
//   (2) Volumes as host directories: emptyDirs (0777, group fsGroup); the ConfigMap volume,
//       written with kubelet's atomic `..data` swap by test/helpers/kubelet.ts and mounted
//       read-only; the projected kube-api-access volume with the namespace only (no API server
//       here, so no token: the sidecar runs outside a cluster and reports nothing to Kubernetes);
//       a downwardAPI volume's metadata.annotations item as kubelet writes it, from the template.
//   (3) Init containers in order: a plain one must exit 0; a native sidecar (restartPolicy
//       Always) keeps running and its startup probe must pass before the next one starts.
//   (4) The main containers, each with its securityContext, Downward API env and limits
//       (test/runtime/pod-plan.ts); probes run in the pod's network namespace (probes.ts).
//   (5) Deletion as kubelet does it: SIGTERM to the main containers, SIGKILL after
//       terminationGracePeriodSeconds; then the sidecars, in reverse order, with the rest.
// Not done: restarts (restartPolicy), liveness-driven kills, the sidecar's API reporting.
import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { formatDownwardMap, KubeletVolume } from '../helpers/kubelet.ts';
import { LoggedProcess } from '../helpers/logged-process.ts';
import { freePort } from '../helpers/ports.ts';
import type { K8sObject } from '../charts/k8s-tools.ts';
import { isSidecar, planRun, PodSpecError, type PodIdentity } from './pod-plan.ts';
import { podman, podmanOk, runProgram, type Ran } from './podman.ts';
import { LivenessWatch, probeOnce, ProbeError, waitForProbe } from './probes.ts';

export interface RunningContainer {
  name: string;
  spec: Container;
  /** `podman logs -f`: the container's output lines, waited on as events. */
  logs: LoggedProcess;
  /** The container's exit code, once it exited. */
  exited: Promise<number>;
}

export interface Termination { exitCode: number; ms: number }

export class PodmanPod {
  readonly identity: PodIdentity;
  readonly spec: PodSpec;
  readonly source: KubeletVolume;
  readonly containers = new Map<string, RunningContainer>();
  /** Liveness probes, by container: their failures (the stand-in restarts nothing). */
  readonly liveness = new Map<string, LivenessWatch>();
  readonly #root: string;
  readonly #prefix: string;
  readonly #netnsName: string;
  readonly #helpers: LoggedProcess[] = [];
  #closed: Promise<void> | undefined;

  private constructor(spec: PodSpec, root: string, prefix: string) {
    this.spec = spec;
    this.#root = root;
    this.#prefix = prefix;
    this.#netnsName = prefix;
    this.identity = { name: `${prefix}-pod`, namespace: 'hotcycle', uid: randomUUID() };
    this.source = new KubeletVolume(join(root, 'volumes', 'config'));
  }

  get netns(): string {
    return `/run/netns/${this.#netnsName}`;
  }

  /** Starts the Deployment's pod from `helm template` output; closes everything if it cannot. */
  static async start(objects: readonly K8sObject[], name: string): Promise<PodmanPod> {
    const deployment = objects.find((o) => o.kind === 'Deployment') as Deployment | undefined;
    const spec = deployment?.spec?.template.spec;
    if (!spec) throw new PodSpecError('no Deployment pod template among the rendered objects');
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && !o.metadata.name.endsWith('-last-good')) as (K8sObject & { data?: Record<string, string> }) | undefined;
    const prefix = `hc-${name}-${randomUUID().slice(0, 6)}`;
    const pod = new PodmanPod(spec, await mkdtemp(join(tmpdir(), `${prefix}-`)), prefix);
    console.error(`podman-pod: a stand-in for kubelet (podman ${await podVersion()} with runc) runs pod ${pod.identity.name}: ` +
      'its own network namespace (loopback only), emptyDirs and a kubelet-style ConfigMap volume as host directories, no API server');
    try {
      await pod.#createNetns(); // (1)
      await pod.#createVolumes(configMap?.data ?? {}, deployment?.spec?.template.metadata?.annotations ?? {}); // (2)
      for (const container of spec.initContainers ?? []) await pod.#startInit(container); // (3)
      for (const container of spec.containers) await pod.#run(container); // (4)
      return pod;
    } catch (error) {
      await pod.close();
      throw error;
    }
  }

  container(name: string): RunningContainer {
    const found = this.containers.get(name);
    if (!found) throw new PodSpecError(`no container ${name} in pod (${[...this.containers.keys()].join(', ')})`);
    return found;
  }

  /** Waits until the container's readiness probe passes (kubelet keeps probing: no threshold). */
  async waitReady(name: string, withinMs = 60_000): Promise<void> {
    const { spec, exited } = this.container(name);
    const probe = spec.readinessProbe;
    if (!probe) return;
    // As many attempts as fit in withinMs at the probe's own period.
    const attempts = Math.ceil(withinMs / 1000 / (probe.periodSeconds ?? 10)) + 1;
    await waitForProbe({
      netns: this.netns, probe: { ...probe, failureThreshold: attempts },
      ports: spec.ports ?? [], exec: this.#probeExec(name), exited, what: `${name} readiness (within ${withinMs} ms)`,
    });
  }

  /** One readiness attempt now. */
  ready(name: string): Promise<boolean> {
    const { spec } = this.container(name);
    return spec.readinessProbe ? probeOnce(this.netns, spec.readinessProbe, spec.ports ?? [], this.#probeExec(name)) : Promise.resolve(true);
  }

  /** `podman exec` in a container, as the container's own user (like kubectl exec). */
  exec(name: string, argv: readonly string[], timeoutMs = 60_000): Promise<Ran> {
    return podman(['exec', `${this.#prefix}-${name}`, ...argv], timeoutMs);
  }

  /**
   * A host loopback port forwarded to `port` on the pod's loopback (what kubectl port-forward
   * does): socat in the pod's network namespace listens on a Unix socket, socat on the host
   * listens on 127.0.0.1 and connects to it per connection. Both listen with a full backlog:
   * socat's default of 5 overflowed under a 4-connection load on a busy machine, and the
   * forward's refusal reached the client as ECONNRESET, which the pod never caused.
   */
  async forward(port: number): Promise<number> {
    const socket = join(this.#root, `forward-${port}.sock`);
    const inner = this.#helper(['nsenter', `--net=${this.netns}`, '--', 'socat', '-d', '-d', `UNIX-LISTEN:${socket},fork,mode=600,backlog=511`, `TCP:127.0.0.1:${port}`]);
    await inner.waitForLog((l) => /listening on/.test(l.message));
    const hostPort = await freePort();
    const outer = this.#helper(['socat', '-d', '-d', `TCP-LISTEN:${hostPort},bind=127.0.0.1,fork,reuseaddr,backlog=511`, `UNIX-CONNECT:${socket}`]);
    await outer.waitForLog((l) => /listening on/.test(l.message));
    return hostPort;
  }

  /** socat's error lines (` E `) from every port forward: why a forwarded connection failed. */
  forwardErrors(): string[] {
    return this.#helpers.flatMap((h) => h.output).filter((line) => !/ N (accepting|forked off|opening connection|successfully connected|starting data transfer|socket [12] |exiting with status 0|socket .* is at EOF|childdied|waitpid|listening on)/.test(line));
  }

  /** (5) Pod deletion with the pod's grace period; each container's exit code and when it exited. */
  async delete(): Promise<Map<string, Termination>> {
    const graceMs = (this.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const started = Date.now();
    for (const watch of this.liveness.values()) watch.stop(); // kubelet stops probing a terminating pod
    const result = new Map<string, Termination>();
    const stop = async (name: string, ms: number) => {
      await podmanOk(['stop', '--time', String(Math.ceil(ms / 1000)), `${this.#prefix}-${name}`], ms + 30_000);
      result.set(name, { exitCode: await this.container(name).exited, ms: Date.now() - started });
    };
    await Promise.all(this.spec.containers.map((c) => stop(c.name, graceMs)));
    const sidecars = (this.spec.initContainers ?? []).filter(isSidecar).reverse();
    for (const c of sidecars) await stop(c.name, Math.max(2000, graceMs - (Date.now() - started)));
    return result;
  }

  /** Removes every container, helper, the namespace and the directories; safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const watch of this.liveness.values()) watch.stop();
      const names = (await podman(['ps', '-a', '--filter', `label=dev.hotcycle.pod=${this.#prefix}`, '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
      if (names.length > 0) await podman(['rm', '--force', '--time', '0', ...names]);
      await Promise.all([...this.#helpers, ...[...this.containers.values()].map((c) => c.logs)].map((p) => p.stop('SIGKILL')));
      await runProgram('ip', ['netns', 'delete', this.#netnsName]);
      await rm(this.#root, { recursive: true, force: true });
    })();
    return this.#closed;
  }

  async #createNetns(): Promise<void> {
    for (const args of [['netns', 'add', this.#netnsName], ['-n', this.#netnsName, 'link', 'set', 'lo', 'up']]) {
      const ran = await runProgram('ip', args);
      if (ran.code !== 0) throw new PodSpecError(`ip ${args.join(' ')}: ${ran.stderr}`);
    }
  }

  async #createVolumes(configMapData: Record<string, string>, annotations: Record<string, string>): Promise<void> {
    const fsGroup = this.spec.securityContext?.fsGroup ?? 0;
    for (const volume of this.spec.volumes ?? []) {
      const dir = join(this.#root, 'volumes', volume.name);
      await mkdir(dir, { recursive: true });
      if (volume.emptyDir) {
        await chown(dir, 0, fsGroup);
        await chmod(dir, 0o2777);
      } else if (volume.configMap) {
        await chmod(dir, 0o755);
        if (volume.name !== 'config') throw new PodSpecError(`configMap volume ${volume.name}: only the chart's own ConfigMap is supported`);
        await this.source.update(configMapData);
      } else if (volume.projected) {
        // No API server here: the namespace file only (what the sidecar reads to know it is
        // outside a cluster is the missing KUBERNETES_SERVICE_HOST, as kubelet would set it).
        await writeFile(join(dir, 'namespace'), this.identity.namespace, { mode: 0o644 });
      } else if (volume.downwardAPI) {
        const items = volume.downwardAPI.items ?? [];
        const other = items.find((i) => i.fieldRef?.fieldPath !== 'metadata.annotations');
        if (other) throw new PodSpecError(`downwardAPI volume ${volume.name}: only metadata.annotations is supported by the stand-in, not ${other.path}`);
        await chmod(dir, 0o755);
        await new KubeletVolume(dir).update(Object.fromEntries(items.map((i) => [i.path, formatDownwardMap(annotations)])));
      } else {
        throw new PodSpecError(`volume ${volume.name}: only emptyDir, configMap, projected and downwardAPI volumes are supported by the stand-in`);
      }
    }
  }

  #volumeDirs(): Map<string, string> {
    return new Map((this.spec.volumes ?? []).map((v) => [v.name, join(this.#root, 'volumes', v.name)]));
  }

  async #startInit(container: Container): Promise<void> {
    if (!isSidecar(container)) {
      const ran = await podman(['run', ...this.#runArgs(container)], 120_000);
      if (ran.code !== 0) throw new PodSpecError(`init container ${container.name} exited ${ran.code}: ${ran.stderr}${ran.stdout}`);
      return;
    }
    const running = await this.#run(container);
    if (container.startupProbe) {
      const ms = await waitForProbe({
        netns: this.netns, probe: container.startupProbe, ports: container.ports ?? [],
        exec: this.#probeExec(container.name), exited: running.exited, what: `${container.name} startup`,
      }).catch((error: unknown) => {
        throw new ProbeError(`${error instanceof Error ? error.message : String(error)}\n${running.logs.output.slice(-20).join('\n')}`, { cause: error });
      });
      console.error(`podman-pod: ${container.name} startup probe passed after ${ms} ms; starting the next container`);
    }
  }

  #runArgs(container: Container): string[] {
    return planRun({ pod: this.spec, identity: this.identity, netns: this.netns, volumeDirs: this.#volumeDirs(), prefix: this.#prefix }, container);
  }

  async #run(container: Container): Promise<RunningContainer> {
    const name = `${this.#prefix}-${container.name}`;
    await podmanOk(['run', '--detach', ...this.#runArgs(container)]);
    const logs = new LoggedProcess(['podman', 'logs', '--follow', name]);
    const exited = podmanOk(['wait', name], 24 * 3600_000).then((out) => Number(out.trim()));
    exited.catch(() => {});
    const running: RunningContainer = { name: container.name, spec: container, logs, exited };
    this.containers.set(container.name, running);
    if (container.livenessProbe) {
      this.liveness.set(container.name, new LivenessWatch(this.netns, container.livenessProbe, container.ports ?? [], this.#probeExec(container.name), container.name));
    }
    return running;
  }

  #probeExec(name: string) {
    return async (argv: string[], timeoutMs: number) => (await this.exec(name, argv, timeoutMs)).code === 0;
  }

  #helper(argv: string[]): LoggedProcess {
    const helper = new LoggedProcess(argv);
    this.#helpers.push(helper);
    return helper;
  }
}

async function podVersion(): Promise<string> {
  return (await podmanOk(['version', '--format', '{{.Client.Version}}'])).trim();
}
