// A real Kubernetes control plane for the tests: etcd, kube-apiserver and kube-controller-manager
// built from the Go module proxy (scripts/lib/cluster.sh), started on loopback ports.
//
// One cluster serves the whole run: `npm test` starts it in node's global setup
// (test/helpers/cluster/global-setup.ts) and hands its address to every test process through
// HOTCYCLE_CLUSTER. A test file run alone starts a private one (`useCluster()`), so
// `node --test test/cluster/x.test.ts` works too. Tests isolate themselves by namespace; a
// test that stops an API server starts its own on the shared etcd (`extraApiServer()`), or, with
// a private cluster of its own (a kubelet node's), stops that cluster's (`stopApiServer()`).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { kubectlPath } from '../../charts/k8s-tools.ts';
import { startApiServer, startControllerManager, startEtcd, startScheduler, type ApiServer, type ApiServerOptions } from './components.ts';
import { clientCert, createPki, writeKubeconfig, type ClientCert, type Pki } from './pki.ts';

const run = promisify(execFile);

/** What a test process needs to reach a running cluster (JSON in HOTCYCLE_CLUSTER). */
export interface ClusterInfo {
  dir: string;
  server: string;
  port: number;
  etcdUrl: string;
  /** cluster-admin (group system:masters) */
  kubeconfig: string;
  pki: Pki;
  admin: ClientCert;
}

export interface KubectlResult { ok: boolean; stdout: string; stderr: string }

export class Cluster {
  readonly info: ClusterInfo;
  readonly #stop: Array<() => Promise<unknown>>;
  /** The API server this object started (none when attached); stopApiServer()'s restart replaces it. */
  #apiServer: ApiServer | undefined;

  private constructor(info: ClusterInfo, stop: Array<() => Promise<unknown>> = [], apiServer?: ApiServer) {
    this.info = info;
    this.#stop = stop;
    this.#apiServer = apiServer;
  }

  /**
   * Starts etcd, kube-apiserver and kube-controller-manager in a new directory; kube-scheduler
   * too with `scheduler` (for a cluster with a kubelet: test/helpers/cluster/node.ts).
   */
  static async start(options: { scheduler?: boolean } = {}): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-cluster-'));
    const stop: Array<() => Promise<unknown>> = [];
    let cluster: Cluster | undefined;
    try {
      const pki = await createPki(await mkdirp(join(dir, 'pki')));
      const admin = await clientCert(pki, 'admin', 'hotcycle-admin', ['system:masters']);
      const etcd = await startEtcd(join(dir, 'etcd'));
      stop.unshift(() => etcd.process.stop());
      const apiserver = await startApiServer({ etcdUrl: etcd.url, pki }, admin);
      // The API server running when the cluster stops (stopApiServer()'s restart replaces it).
      stop.unshift(() => (cluster ? cluster.#apiServer ?? apiserver : apiserver).process.stop());
      const kubeconfig = join(dir, 'admin.kubeconfig');
      await writeKubeconfig(kubeconfig, apiserver.url, pki, admin);
      const managerConfig = join(dir, 'controller-manager.kubeconfig');
      await writeKubeconfig(managerConfig, apiserver.url, pki, await clientCert(pki, 'controller-manager', 'system:kube-controller-manager'));
      const manager = await startControllerManager(managerConfig, pki);
      stop.unshift(() => manager.stop());
      if (options.scheduler) {
        const schedulerConfig = join(dir, 'scheduler.kubeconfig');
        await writeKubeconfig(schedulerConfig, apiserver.url, pki, await clientCert(pki, 'scheduler', 'system:kube-scheduler'));
        const scheduler = await startScheduler(schedulerConfig);
        stop.unshift(() => scheduler.stop());
      }
      const info: ClusterInfo = { dir, server: apiserver.url, port: apiserver.port, etcdUrl: etcd.url, kubeconfig, pki, admin };
      cluster = new Cluster(info, stop, apiserver);
      return cluster;
    } catch (error) {
      for (const fn of stop) await fn();
      throw error;
    }
  }

  /** The cluster this run's global setup started, or undefined. */
  static attached(): Cluster | undefined {
    const json = process.env.HOTCYCLE_CLUSTER;
    return json ? new Cluster(JSON.parse(json) as ClusterInfo) : undefined;
  }

  /** Stops what this object started (nothing when attached) and removes its directory. */
  async stop(): Promise<void> {
    if (this.#stop.length === 0) return;
    for (const fn of this.#stop.splice(0)) await fn();
    await rm(this.info.dir, { recursive: true, force: true });
  }

  /** Real kubectl as cluster-admin; a non-zero exit is a result, not an exception. */
  async kubectl(args: string[], input?: string): Promise<KubectlResult> {
    return kubectlAs(this.info.kubeconfig, args, input);
  }

  /** kubectl that must succeed: its stdout, or an error with its stderr. */
  async must(args: string[], input?: string): Promise<string> {
    const result = await this.kubectl(args, input);
    if (!result.ok) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.must([...args, '-o', 'json'])) as T;
  }

  /** A fresh namespace enforcing the restricted Pod Security Standard. */
  async namespace(prefix: string): Promise<string> {
    const name = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
    await this.must(['create', 'namespace', name]);
    await this.must(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
    return name;
  }

  /**
   * An API server outage of this cluster's own (one it started, not an attached one): stops its
   * kube-apiserver, and resolves once the returned `restart()` brought it back on the same port,
   * where every kubeconfig, the kubelet and the pods' Service relay reach it again. etcd, the
   * controller-manager, the scheduler and a kubelet go on running and retry meanwhile.
   */
  async stopApiServer(): Promise<{ restart: () => Promise<void> }> {
    const stopped = this.#apiServer;
    if (!stopped) throw new Error('stopApiServer: this Cluster did not start its API server (attached to the run\'s shared one)');
    await stopped.process.stop();
    return {
      restart: async () => {
        this.#apiServer = await startApiServer({ etcdUrl: this.info.etcdUrl, pki: this.info.pki, port: stopped.port }, this.info.admin);
      },
    };
  }

  /** A second kube-apiserver on the same etcd, for a test that stops and restarts one. */
  async extraApiServer(port?: number, options: Pick<ApiServerOptions, 'watchCache'> = {}): Promise<ApiServer> {
    return startApiServer({ etcdUrl: this.info.etcdUrl, pki: this.info.pki, ...(port ? { port } : {}), ...options }, this.info.admin);
  }
}

async function kubectlAs(kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  const child = run(kubectlPath(), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await child;
    return { ok: true, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: unknown };
    if (typeof e.code !== 'number') throw error;
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * The run's shared cluster, or a private one started on first use and stopped after this file:
 * `const cluster = useCluster(); … const c = await cluster();`.
 */
export function useCluster(): () => Promise<Cluster> {
  let cluster: Promise<Cluster> | undefined;
  after(async () => (await cluster?.catch(() => undefined))?.stop());
  return () => (cluster ??= Promise.resolve(Cluster.attached() ?? Cluster.start()));
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The service-account files of a pod under `root` (HOTCYCLE_KUBE_ROOT), as kubelet mounts them. */
export async function writeServiceAccount(root: string, files: { token: string; caCert: string; namespace: string }): Promise<void> {
  const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  await mkdir(dir, { recursive: true });
  await Promise.all([writeFile(join(dir, 'token'), files.token), writeFile(join(dir, 'ca.crt'), await readFile(files.caCert)), writeFile(join(dir, 'namespace'), files.namespace)]);
}
