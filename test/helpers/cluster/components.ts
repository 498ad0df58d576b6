// The processes of a test control plane: etcd, kube-apiserver, kube-controller-manager, each a
// real binary built by scripts/lib/cluster.sh, on loopback ports only. Each start resolves when
// the component says it is ready (etcd's "ready to serve" line, the API server's /readyz);
// a component that exits first fails the start with its last lines of output.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoggedProcess } from '../logged-process.ts';
import { httpsRequest } from './https.ts';
import { freePort, freePorts } from '../ports.ts';
import type { ClientCert, Pki } from './pki.ts';

export const CLUSTER_SETUP_COMMAND = 'bash scripts/lib/cluster.sh';
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** A built component; a missing one fails with the command that builds it — never a skip. */
export function clusterBinary(name: 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubelet'): string {
  const dir = process.env.HOTCYCLE_CLUSTER_BIN;
  if (!dir) throw new Error(`HOTCYCLE_CLUSTER_BIN is not set: run \`${CLUSTER_SETUP_COMMAND}\` (npm test does) and export what it prints`);
  const path = join(dir, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${name} not found at ${path}: run \`${CLUSTER_SETUP_COMMAND}\``);
  }
  return path;
}

export interface Etcd { url: string; process: LoggedProcess }

export async function startEtcd(dataDir: string): Promise<Etcd> {
  const [client, peer] = await freePorts(2);
  const url = `http://127.0.0.1:${client}`;
  const etcd = new LoggedProcess([clusterBinary('etcd'),
    '--name', 'test', '--data-dir', dataDir, '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `test=http://127.0.0.1:${peer}`, '--log-level', 'warn', '--logger', 'zap', '--log-outputs', 'stderr',
    // Keep every revision until a test compacts on purpose (the watch's 410 Gone is a real one).
    '--auto-compaction-retention', '0', '--quota-backend-bytes', String(512 * 1024 * 1024)]);
  await waitReady('etcd', etcd, () => probeHttp(`${url}/health`).then((body) => body.includes('"health":"true"')));
  return { url, process: etcd };
}

export interface ApiServerOptions {
  etcdUrl: string;
  pki: Pki;
  port?: number;
  /** false: every watch goes to etcd itself (--watch-cache=false), so etcd's compaction is what answers 410 Gone. */
  watchCache?: boolean;
}
export interface ApiServer { url: string; port: number; process: LoggedProcess }

/** Authorization Node,RBAC; admission defaults (PodSecurity, ValidatingAdmissionPolicy on). */
export async function startApiServer(options: ApiServerOptions, admin: ClientCert): Promise<ApiServer> {
  const { etcdUrl, pki } = options;
  const port = options.port ?? await freePort();
  const apiserver = new LoggedProcess([clusterBinary('kube-apiserver'),
    '--etcd-servers', etcdUrl,
    '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(port),
    // Loopback is no endpoint a Service may have: the `kubernetes` Service gets none.
    '--endpoint-reconciler-type', 'none',
    '--tls-cert-file', pki.serverCert, '--tls-private-key-file', pki.serverKey, '--client-ca-file', pki.caCert,
    '--service-account-issuer', SERVICE_ACCOUNT_ISSUER, '--api-audiences', SERVICE_ACCOUNT_ISSUER,
    '--service-account-key-file', pki.serviceAccountPub, '--service-account-signing-key-file', pki.serviceAccountKey,
    '--authorization-mode', 'Node,RBAC', '--enable-admission-plugins', 'NodeRestriction',
    '--service-cluster-ip-range', '10.96.0.0/16', '--cert-dir', join(pki.dir, 'apiserver-generated'),
    // kubectl exec/logs reach a kubelet (test/helpers/cluster/node.ts) by its node name, which
    // is `localhost`: its Hostname address, never the machine's own network address.
    '--kubelet-preferred-address-types', 'Hostname', '--kubelet-client-certificate', admin.cert, '--kubelet-client-key', admin.key,
    '--profiling=false', '--v', '1', ...(options.watchCache === false ? ['--watch-cache=false'] : [])]);
  const url = `https://127.0.0.1:${port}`;
  await waitReady('kube-apiserver', apiserver, () => probeHttp(`${url}/readyz`, { pki, client: admin }).then((body) => body.trim() === 'ok'), 120_000);
  return { url, port, process: apiserver };
}

export async function startControllerManager(kubeconfig: string, pki: Pki): Promise<LoggedProcess> {
  const port = await freePort();
  const manager = new LoggedProcess([clusterBinary('kube-controller-manager'),
    '--kubeconfig', kubeconfig, '--authentication-kubeconfig', kubeconfig, '--authorization-kubeconfig', kubeconfig,
    '--leader-elect=false', '--bind-address', '127.0.0.1', '--secure-port', String(port),
    '--root-ca-file', pki.caCert, '--service-account-private-key-file', pki.serviceAccountKey,
    '--use-service-account-credentials=true', '--v', '1']);
  // /healthz is always allowed; its serving certificate is self-signed (hence `insecure`).
  await waitReady('kube-controller-manager', manager, () => probeHttp(`https://127.0.0.1:${port}/healthz`, { insecure: true }).then((b) => b.trim() === 'ok'), 120_000);
  return manager;
}

/** kube-scheduler, so that the Pods a Deployment makes are bound to a kubelet's node. */
export async function startScheduler(kubeconfig: string): Promise<LoggedProcess> {
  const port = await freePort();
  const scheduler = new LoggedProcess([clusterBinary('kube-scheduler'),
    '--kubeconfig', kubeconfig, '--authentication-kubeconfig', kubeconfig, '--authorization-kubeconfig', kubeconfig,
    '--leader-elect=false', '--bind-address', '127.0.0.1', '--secure-port', String(port), '--v', '1']);
  await waitReady('kube-scheduler', scheduler, () => probeHttp(`https://127.0.0.1:${port}/healthz`, { insecure: true }).then((b) => b.trim() === 'ok'), 120_000);
  return scheduler;
}

/**
 * Polls `ready` (a health endpoint: the API server has no other signal) every 200 ms until it
 * holds; fails when the process exits or `timeoutMs` passes, with the component's last output.
 */
export async function waitReady(name: string, process: LoggedProcess, ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process.exited.then(() => { exited = true; });
  while (!(await ready().catch(() => false))) {
    if (exited || Date.now() > deadline) {
      const why = exited ? 'exited' : `not ready after ${timeoutMs} ms`;
      throw new Error(`${name} ${why}:\n${process.output.slice(-25).join('\n')}`);
    }
    await sleep(200);
  }
}

export interface ProbeTls { pki?: Pki; client?: ClientCert; insecure?: boolean }

/** GET over HTTP(S) with the cluster's CA and a client certificate; the body as text, or throws. */
export function probeHttp(url: string, tls: ProbeTls = {}): Promise<string> {
  if (url.startsWith('http:')) return fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text());
  const { pki, client, insecure = false } = tls;
  return httpsRequest(url, {
    ca: pki ? readFileSync(pki.caCert) : undefined,
    cert: client ? readFileSync(client.cert) : undefined,
    key: client ? readFileSync(client.key) : undefined,
    rejectUnauthorized: !insecure,
    timeout: 2000,
  }).then((answer) => answer.text);
}
