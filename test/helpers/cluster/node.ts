// A real Kubernetes node for a test control plane: kubelet (built with the control plane by
// scripts/lib/cluster.sh) running pods through Debian's containerd and runc, with the CNI
// plugins and pause image of scripts/lib/kubelet.sh. It registers as node `localhost` with a
// client certificate for system:node:localhost (group system:nodes), so the Node authorizer
// and NodeRestriction treat it as the kubelet it is.
//
// Everything stays on this machine and out of other tests' way:
// - kubelet listens on 127.0.0.1 only; the API server reaches it by its Hostname address
//   (`localhost`, see startApiServer), never by the machine's network address;
// - each pod gets its own network namespace (CNI ptp: one veth pair to the host, host-local
//   addresses from a 10.244.N.0/24 no route on the machine uses yet, no default route, no
//   masquerading), so a pod's processes reach only their own loopback and the host end of
//   their veth, and kubelet's probes reach the pod; the `kubernetes` Service, where a test asks
//   for it (serviceInPod for one pod; `kubernetesService` for every pod from its start, made by
//   the chained CNI plugin service-cni.ts), is a relay from the pod's loopback over a Unix
//   socket; containerd and kubelet run with HTTP(S)_PROXY at a closed loopback port, so an
//   image pull (the chart's pods say `pullPolicy: Never`) could not leave the machine either;
// - containerd and kubelet run in a private mount namespace (scripts/lib/kubelet.sh
//   node-namespace) where the machine-wide kernel settings kubelet would write read as it
//   wants them and iptables is absent (kubelet would add KUBE-FIREWALL to the host's firewall);
// - its cgroups live under a cgroup root of its own, its state in one temporary directory;
//   stop() kills every container, both daemons and the namespace, and removes them.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../charts/k8s-tools.ts';
import { LoggedProcess } from '../logged-process.ts';
import { freePorts } from '../ports.ts';
import type { Cluster } from './cluster.ts';
import { clusterBinary, probeHttp, waitReady } from './components.ts';
import { clientCert, writeKubeconfig } from './pki.ts';

const run = promisify(execFile);

export const NODE_SETUP_COMMAND = 'bash scripts/lib/kubelet.sh';
export const NODE_NAME = 'localhost';
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
/** Where an image pull would have to go: a loopback port nothing listens on. */
const NO_PROXY_ENV = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '' };

/** A step of starting or stopping the node that failed, with what the component said. */
export class NodeError extends Error {
  readonly step: string;
  constructor(step: string, message: string, options?: ErrorOptions) {
    super(`kubelet node, ${step}: ${message}`, options);
    this.name = 'NodeError';
    this.step = step;
  }
}

export interface NodeRuntime { dir: string; cniBin: string; pauseArchive: string }

/** The node runtime scripts/lib/kubelet.sh built; missing, it fails with that command — never a skip. */
export function nodeRuntime(): NodeRuntime {
  const dir = process.env.HOTCYCLE_KUBELET_RUNTIME;
  if (!dir) throw new NodeError('runtime', `HOTCYCLE_KUBELET_RUNTIME is not set: run \`${NODE_SETUP_COMMAND}\` (npm test does) and export what it prints`);
  try {
    readFileSync(join(dir, '.complete'));
  } catch {
    throw new NodeError('runtime', `no complete node runtime in ${dir}: run \`${NODE_SETUP_COMMAND}\``);
  }
  return { dir, cniBin: join(dir, 'cni'), pauseArchive: join(dir, 'pause.tar') };
}

export interface NodeOptions {
  /** Images in the machine's podman/buildah storage to import into containerd (`podman save`). */
  images: string[];
  /**
   * kubelet's syncFrequency, which paces ConfigMap volume refreshes: 5s unless given; null leaves
   * kubelet's own default (1m), for figures a cluster with defaults would show (the bench).
   */
  syncFrequency?: string | null;
  /**
   * Every pod reaches the `kubernetes` Service from its start (service-cni.ts, run by containerd
   * as it sets up the pod's network), so no test needs serviceInPod: for pods a Deployment makes
   * while a test runs (a replacement, a scale-up) whose sidecars need the API at once.
   */
  kubernetesService?: boolean;
}

/** How long each step of KubeletNode.start took, in ms. */
export type NodeTimings = Record<'namespace' | 'containerd' | 'images' | 'kubelet' | 'ready', number>;

export class KubeletNode {
  readonly dir: string;
  readonly timings: NodeTimings;
  /** kubelet's --cgroup-root: its own in every hierarchy, so two nodes never share /kubepods. */
  readonly cgroupRoot: string;
  /** The pods' addresses (CNI host-local), e.g. 10.244.0.0/24. */
  podSubnet = '';
  readonly #processes: { holder: LoggedProcess; containerd?: LoggedProcess; kubelet?: LoggedProcess };
  /** The `kubernetes` Service's relays (serviceInPod): the host's end first. */
  readonly #relays: LoggedProcess[] = [];

  private constructor(dir: string, cgroupRoot: string, holder: LoggedProcess) {
    this.dir = dir;
    this.cgroupRoot = cgroupRoot;
    this.#processes = { holder };
    this.timings = { namespace: 0, containerd: 0, images: 0, kubelet: 0, ready: 0 };
  }

  get containerdSocket(): string {
    return join(this.dir, 'containerd.sock');
  }

  /** The last lines of kubelet's and containerd's output, for a failing test's message. */
  diagnostics(lines = 40): string {
    const { kubelet, containerd } = this.#processes;
    return [`--- kubelet ---`, ...(kubelet?.output.slice(-lines) ?? []), `--- containerd ---`, ...(containerd?.output.slice(-lines) ?? [])].join('\n');
  }

  /** Starts containerd and kubelet, imports the pause image and `images`; resolves once the Node is Ready. */
  static async start(cluster: Cluster, options: NodeOptions): Promise<KubeletNode> {
    const runtime = nodeRuntime();
    const kubeletBinary = clusterBinary('kubelet');
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-node-'));
    const cgroupRoot = `/${dir.split('/').pop()!}`;
    let step = Date.now();
    const lap = (): number => {
      const now = Date.now();
      const ms = now - step;
      step = now;
      return ms;
    };
    const holder = new LoggedProcess(['unshare', '--mount', '--propagation', 'private', 'bash', join(ROOT, 'scripts/lib/kubelet.sh'), 'node-namespace', dir]);
    const node = new KubeletNode(dir, cgroupRoot, holder);
    try {
      await holder.waitForLog((l) => l.message === 'node namespace ready').catch((error: unknown) => {
        throw new NodeError('mount namespace', `unshare failed:\n${holder.output.join('\n')}`, { cause: error });
      });
      node.timings.namespace = lap();
      const enter = ['nsenter', `--mount=/proc/${holder.pid}/ns/mnt`];

      node.podSubnet = await freePodSubnet();
      const service = options.kubernetesService ? await node.#serviceForEveryPod(cluster) : null;
      await writeContainerdConfig(dir, runtime, node.podSubnet, service);
      const containerd = new LoggedProcess([...enter, 'containerd', '--config', join(dir, 'containerd.toml')], NO_PROXY_ENV);
      node.#processes.containerd = containerd;
      await containerd.waitForLog((l) => l.message.includes('containerd successfully booted')).catch((error: unknown) => {
        throw new NodeError('containerd', `did not start:\n${containerd.output.slice(-25).join('\n')}`, { cause: error });
      });
      node.timings.containerd = lap();

      await node.ctr(['images', 'import', runtime.pauseArchive]);
      if (options.images.length > 0) {
        for (const image of options.images) {
          const exists = await run('podman', ['image', 'exists', image]).then(() => true, () => false);
          if (!exists) throw new NodeError('images', `${image} is not in podman's storage: build the images first (\`npm run images\`, issue 11)`);
        }
        const archive = join(dir, 'images.tar');
        await run('podman', ['save', '-q', '-m', '--format', 'docker-archive', '-o', archive, ...options.images]).catch((error: unknown) => {
          throw new NodeError('images', `podman save ${options.images.join(' ')} failed`, { cause: error });
        });
        await node.ctr(['images', 'import', archive]);
        await rm(archive);
      }
      node.timings.images = lap();

      await createCgroupRoot(cgroupRoot);
      const kubelet = await startKubelet(cluster, node, kubeletBinary, enter, options.syncFrequency === undefined ? '5s' : options.syncFrequency);
      node.#processes.kubelet = kubelet;
      node.timings.kubelet = lap();
      // Watches, through kubectl wait: the Node object, then its Ready condition.
      for (const condition of ['--for=create', '--for=condition=Ready']) {
        const waited = await cluster.kubectl(['wait', condition, `node/${NODE_NAME}`, '--timeout=90s']);
        if (!waited.ok) throw new NodeError('node registration', `${waited.stderr.trim()}\n${node.diagnostics()}`);
      }
      node.timings.ready = lap();
      return node;
    } catch (error) {
      await node.stop().catch(() => {});
      throw error;
    }
  }

  /** containerd's own client in the CRI's namespace (k8s.io); stdout, or a NodeError. */
  async ctr(args: string[]): Promise<string> {
    try {
      const { stdout } = await run('ctr', ['--address', this.containerdSocket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string };
      throw new NodeError('ctr', `ctr ${args.join(' ')} failed: ${e.stderr ?? String(error)}`, { cause: error });
    }
  }

  /**
   * The `kubernetes` Service (the ClusterIP kubelet puts into KUBERNETES_SERVICE_HOST, port 443)
   * inside one pod, as kube-proxy would make it, over loopback and a Unix socket only: in the
   * pod's network namespace the ClusterIP goes on the pod's own `lo` and a socat listens on it,
   * relaying each connection through a Unix socket in the node's directory to a socat on the
   * host that connects to the API server on 127.0.0.1. No kube-proxy runs here: it would
   * rewrite the machine's own iptables/nftables rules. Resolves once both ends listen.
   */
  async serviceInPod(cluster: Cluster, podUid: string): Promise<void> {
    const service = await cluster.json<{ spec: { clusterIP: string } }>(['get', 'service', 'kubernetes', '-n', 'default']);
    const clusterIP = service.spec.clusterIP;
    const socket = await this.#hostRelay(cluster);
    const sandbox = (await this.ctr(['containers', 'ls', '-q', `labels."io.kubernetes.pod.uid"==${podUid},labels."io.cri-containerd.kind"==sandbox`])).trim();
    if (!sandbox || sandbox.includes('\n')) throw new NodeError('kubernetes Service', `not one sandbox for pod ${podUid}: ${JSON.stringify(sandbox)}`);
    const task = (await this.ctr(['tasks', 'ls'])).split('\n').map((l) => l.trim().split(/\s+/)).find(([id]) => id === sandbox);
    if (!task?.[1]) throw new NodeError('kubernetes Service', `the sandbox ${sandbox} of pod ${podUid} has no task`);
    const netns = `--net=/proc/${task[1]}/ns/net`;
    await run('nsenter', [netns, 'ip', 'address', 'add', `${clusterIP}/32`, 'dev', 'lo']).catch((error: unknown) => {
      throw new NodeError('kubernetes Service', `ip address add ${clusterIP}/32 dev lo in pod ${podUid} failed`, { cause: error });
    });
    const pod = new LoggedProcess(['nsenter', netns, 'socat', '-d', '-d', `TCP-LISTEN:443,bind=${clusterIP},fork,reuseaddr`, `UNIX-CONNECT:${socket}`]);
    this.#relays.push(pod);
    await listening(pod, `the kubernetes Service relay in pod ${podUid}`);
  }

  /** The relay's host end: a Unix socket in the node's directory, each connection to the API server on 127.0.0.1. */
  async #hostRelay(cluster: Cluster): Promise<string> {
    const socket = join(this.dir, 'kubernetes-service.sock');
    if (this.#relays.length === 0) {
      const host = new LoggedProcess(['socat', '-d', '-d', `UNIX-LISTEN:${socket},fork,unlink-early`, `TCP:127.0.0.1:${cluster.info.port}`]);
      this.#relays.push(host);
      await listening(host, 'the kubernetes Service relay (host end)');
    }
    return socket;
  }

  /** The chained CNI plugin's configuration (service-cni.ts), the host end started. */
  async #serviceForEveryPod(cluster: Cluster): Promise<ServiceCni> {
    const service = await cluster.json<{ spec: { clusterIP: string } }>(['get', 'service', 'kubernetes', '-n', 'default']);
    const dir = join(this.dir, 'service-relays');
    await mkdir(dir, { recursive: true });
    return { clusterIP: service.spec.clusterIP, socket: await this.#hostRelay(cluster), dir };
  }

  /** Where kubelet keeps a container's output (CRI format): it outlives API server outages, unlike `kubectl logs -f`. */
  containerLogPath(pod: { namespace: string; name: string; uid: string }, container: string, restart = 0): string {
    return join(this.dir, 'pod-logs', `${pod.namespace}_${pod.name}_${pod.uid}`, container, `${restart}.log`);
  }

  /**
   * Stops kubelet, kills every container it left (their shims included), containerd and the
   * mount namespace, then removes the cgroups and the directory. Pods a test wants to see
   * terminate gracefully must be deleted before (through the API, while kubelet runs).
   */
  async stop(): Promise<void> {
    const { holder, containerd, kubelet } = this.#processes;
    for (const relay of this.#relays.splice(0).reverse()) await relay.stop();
    await kubelet?.stop();
    if (containerd && containerd.child.exitCode === null) {
      const tasks = (await this.ctr(['tasks', 'ls', '-q']).catch(() => '')).split('\n').filter(Boolean);
      for (const task of tasks) await this.ctr(['tasks', 'kill', '--all', '--signal', 'SIGKILL', task]).catch(() => '');
      for (const task of tasks) await this.ctr(['tasks', 'delete', '--force', task]).catch(() => '');
      await containerd.stop();
    }
    for (const pid of shimPids(this.containerdSocket)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    await holder.stop('SIGKILL');
    await killServiceRelays(join(this.dir, 'service-relays'));
    await removeCgroupRoot(this.cgroupRoot);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** 10.244.N.0/24 for an N no route of the machine mentions (another node's pods, say); N from a random start. */
async function freePodSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', 'route', 'show']);
  const start = Math.floor(Math.random() * 256);
  for (let i = 0; i < 256; i++) {
    const n = (start + i) % 256;
    if (!stdout.includes(`10.244.${n}.`)) return `10.244.${n}.0/24`;
  }
  throw new NodeError('pod network', `every 10.244.N.0/24 is routed already:\n${stdout}`);
}

/** service-cni.ts's configuration: the Service's ClusterIP, the host end's socket, where relays keep their pids. */
interface ServiceCni { clusterIP: string; socket: string; dir: string }

const SERVICE_PLUGIN = 'hotcycle-kubernetes-service';

/**
 * The CNI plugins containerd runs: the runtime's own, and with `service` the relay plugin
 * (service-cni.ts behind a wrapper naming this Node), in a directory of the node's own.
 */
async function cniBinDir(dir: string, runtime: NodeRuntime, service: ServiceCni | null): Promise<string> {
  if (!service) return runtime.cniBin;
  const bin = join(dir, 'cni-bin');
  await mkdir(bin, { recursive: true });
  for (const plugin of readdirSync(runtime.cniBin)) await symlink(join(runtime.cniBin, plugin), join(bin, plugin));
  const wrapper = join(bin, SERVICE_PLUGIN);
  await writeFile(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(import.meta.dirname, 'service-cni.ts'))}\n`);
  await chmod(wrapper, 0o755);
  return bin;
}

/** The relays service-cni.ts started for pods still there when the node stops (no DEL came for them). */
async function killServiceRelays(dir: string): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.pid'));
  } catch {
    return;
  }
  for (const file of files) {
    try {
      process.kill(Number(await readFile(join(dir, file), 'utf8')), 'SIGKILL');
    } catch { /* gone already */ }
  }
}

async function writeContainerdConfig(dir: string, runtime: NodeRuntime, podSubnet: string, service: ServiceCni | null): Promise<void> {
  const cniConf = join(dir, 'cni-conf');
  await mkdir(cniConf, { recursive: true });
  await writeFile(join(cniConf, '10-hotcycle.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name: 'hotcycle-pods',
    plugins: [{
      type: 'ptp', ipMasq: false, mtu: 1500,
      // No routes: a pod reaches its own loopback and its veth's host end, nothing else.
      ipam: { type: 'host-local', ranges: [[{ subnet: podSubnet }]], dataDir: join(dir, 'cni-ipam') },
    }, ...(service ? [{ type: SERVICE_PLUGIN, ...service }] : [])],
  }, null, 2));
  const cniBin = await cniBinDir(dir, runtime, service);
  // containerd 1.6 (Debian bookworm's) config, version 2. restrict_oom_score_adj: this machine
  // withholds CAP_SYS_RESOURCE even from root, so runc cannot give the sandbox kubelet's -998
  // ("failed to update /proc/self/oom_score_adj: Permission denied"); containerd clamps it.
  const toml = `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.opt"]
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  enable_selinux = false
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "${dir}/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${cniBin}"
    conf_dir = "${cniConf}"
    max_conf_num = 1
`;
  await writeFile(join(dir, 'containerd.toml'), toml);
}

async function startKubelet(cluster: Cluster, node: KubeletNode, binary: string, enter: string[], syncFrequency: string | null): Promise<LoggedProcess> {
  const { dir } = node;
  const { pki, server } = cluster.info;
  const cert = await clientCert(pki, `kubelet-${NODE_NAME}`, `system:node:${NODE_NAME}`, ['system:nodes']);
  const kubeconfig = join(dir, 'kubelet.kubeconfig');
  await writeKubeconfig(kubeconfig, server, pki, cert);
  const [port, healthzPort] = await freePorts(2);
  const config = join(dir, 'kubelet.yaml');
  await writeFile(config, `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: ${port}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${healthzPort}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${pki.caCert}}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://${node.containerdSocket}
# This machine has cgroup v1 (hybrid), which kubelet 1.35 refuses unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: ${node.cgroupRoot}
kernelMemcgNotification: false
# Each node its own pod-log directory (the field is podLogsDir: a misspelt one is ignored, and
# every node then shares /var/log/pods, where each kubelet's log GC deletes the other nodes' pods'
# logs as belonging to no pod it knows — a kubectl logs -f of a test beside another then fails).
podLogsDir: ${dir}/pod-logs
# Images are imported, never pulled: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
hairpinMode: none
registerNode: true
${syncFrequency === null ? '' : `# ConfigMap volumes are refreshed on a pod's periodic sync: every ${syncFrequency} here (default 1 min).
syncFrequency: ${syncFrequency}
`}
`);
  const kubelet = new LoggedProcess([...enter, binary,
    '--config', config, '--kubeconfig', kubeconfig, '--root-dir', join(dir, 'kubelet'), '--cert-dir', join(dir, 'kubelet-pki'),
    '--hostname-override', NODE_NAME, '--v', '1'], NO_PROXY_ENV);
  await waitReady('kubelet', kubelet, () => probeHttp(`http://127.0.0.1:${healthzPort}/healthz`).then((b) => b.trim() === 'ok'), 90_000);
  return kubelet;
}

/** Resolves when socat (-d -d) says it listens; fails with its output if it exits first. */
async function listening(socat: LoggedProcess, what: string): Promise<void> {
  await socat.waitForLog((l) => l.message.includes('listening on')).catch((error: unknown) => {
    throw new NodeError('kubernetes Service', `${what} did not start:\n${socat.output.join('\n')}`, { cause: error });
  });
}

/** The v1 hierarchies (and the unified one) mounted under /sys/fs/cgroup. */
function cgroupMounts(): string[] {
  return readdirSync('/sys/fs/cgroup', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join('/sys/fs/cgroup', d.name))
    .filter((path) => {
      try {
        readFileSync(join(path, 'cgroup.procs'));
        return true;
      } catch {
        return false;
      }
    });
}

/** kubelet requires its --cgroup-root to exist in every hierarchy; cpuset needs cpus and mems set. */
async function createCgroupRoot(root: string): Promise<void> {
  for (const mount of cgroupMounts()) {
    const path = join(mount, root);
    await mkdir(path, { recursive: true });
    if (mount.endsWith('/cpuset')) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) await writeFile(join(path, file), await readFile(join(mount, file)));
    }
  }
}

async function removeCgroupRoot(root: string): Promise<void> {
  const removeTree = async (path: string): Promise<void> => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) await removeTree(join(path, entry.name));
    await rmdir(path).catch(() => {});
  };
  for (const mount of cgroupMounts()) await removeTree(join(mount, root));
}

/** containerd-shim processes serving this node's containerd (they outlive it by design). */
function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.includes('containerd-shim') && argv.includes(socket)) pids.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}
