// The fleet harness (issue 18): one release of the chart with several replicas on a real kubelet
// node (node.ts, started with `kubernetesService` so that every pod's sidecar reaches the API
// server from its start, a replacement pod's too), from the local images; a paced load on every
// pod's own address (the node's pod network is routed from this machine: ptp's host end); each
// pod's sidecar log read from kubelet's log file (it outlives an API server outage, unlike
// `kubectl logs -f`); the rollout Lease read through the API. Which version a pod serves is the
// X-Version header of its answers (fleetNginxConf); the load notes when each pod first served
// each one. Used by test/cluster/fleet-rollout.test.ts and the bench's fleet suite.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { fileSetFrom, hashFileSet } from '../../../src/configset/fileset.ts';
import { CHART, helmPath, runTool } from '../../charts/k8s-tools.ts';
import { Load, type LoadSummary } from '../load.ts';
import { LoggedProcess, type LogLine } from '../logged-process.ts';
import type { Cluster } from './cluster.ts';
import { httpsRequest } from './https.ts';
import type { KubeletNode } from './node.ts';

/** The images (`npm run images`); HOTCYCLE_NGINX_IMAGE and HOTCYCLE_IMAGE name others, as scripts/images.sh does. */
export const FLEET_IMAGES = {
  app: process.env.HOTCYCLE_NGINX_IMAGE || 'localhost/hotcycle-nginx:dev',
  sidecar: process.env.HOTCYCLE_IMAGE || 'localhost/hotcycle:dev',
};
export const VERSION_HEADER = 'X-Version';
const RESTARTS_FOLLOWED = 3;
const PORT = 8080;

export interface FleetPod { namespace: string; name: string; uid: string; ip: string }

/** The rollout state as the Lease holds it (parsed here, apart from the sidecar's decoder). */
export interface LeaseState {
  version: string; phase: string; canary: { pod: string } | null; slots: Array<{ pod: string }>; applied: string[];
  members: Array<{ pod: string }>; bad: Array<{ hash: string; reason: string }>; superseded: string[]; paused: boolean;
}

/**
 * The chart's nginx.conf, one worker, no access log (the load would fill the logs), answering
 * every request with `X-Version: <version>`; `healthz` is the status /healthz answers (the
 * rollout's probe path): 500 makes a version that passes every check and still harms.
 */
export function fleetNginxConf(version: string, options: { healthz?: number } = {}): string {
  return `worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr notice;
events {
    worker_connections 1024;
}
http {
    access_log off;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    default_type text/plain;
    server {
        listen ${PORT};
        add_header ${VERSION_HEADER} "${version}" always;
        location = /healthz {
            return ${options.healthz ?? 200} "ok\\n";
        }
        location / {
            return 200 "hello from ${version}\\n";
        }
    }
}
`;
}

/** The config hash the sidecars compute for a ConfigMap's data. */
export function configHash(data: Record<string, string>): string {
  return hashFileSet(fileSetFrom(data));
}

/** Drops the CRI prefix (`<time> stdout F `) of a line in kubelet's container log file. */
function unwrapCri(line: string): string {
  return line.replace(/^\S+ (?:stdout|stderr) [FP] /, '');
}

export class Fleet {
  readonly cluster: Cluster;
  readonly node: KubeletNode;
  readonly namespace: string;
  /** The Deployment, ConfigMap and Lease names (the release is `hotcycle`). */
  readonly name = 'hotcycle';
  readonly lease = 'hotcycle-rollout';
  readonly #logs = new Map<string, LoggedProcess>();

  private constructor(cluster: Cluster, node: KubeletNode, namespace: string) {
    this.cluster = cluster;
    this.node = node;
    this.namespace = namespace;
  }

  /**
   * `helm install hotcycle` into a new restricted namespace: the images of FLEET_IMAGES (never
   * pulled), `values` on top; resolves once the Deployment rolled out (every pod Ready).
   */
  static async install(cluster: Cluster, node: KubeletNode, prefix: string, values: object): Promise<Fleet> {
    const namespace = await cluster.namespace(prefix);
    const fleet = new Fleet(cluster, node, namespace);
    const [app, sidecar] = [FLEET_IMAGES.app, FLEET_IMAGES.sidecar].map(splitImage);
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-fleet-'));
    try {
      const file = join(dir, 'values.yaml');
      await writeFile(file, stringify({ image: { ...app, pullPolicy: 'Never' }, sidecar: { image: { ...sidecar, pullPolicy: 'Never' } } }));
      const extra = join(dir, 'extra.yaml');
      await writeFile(extra, stringify(values));
      const helm = await runTool(helmPath(), ['install', fleet.name, CHART, '--kubeconfig', cluster.info.kubeconfig, '--namespace', namespace, '-f', file, '-f', extra]);
      if (!helm.ok) throw new Error(`helm install failed: ${helm.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await fleet.rolledOut();
    return fleet;
  }

  /** Resolves once the Deployment's pods are all updated and Ready (`kubectl rollout status`, a watch). */
  async rolledOut(): Promise<void> {
    const rollout = await this.cluster.kubectl(['rollout', 'status', `deployment/${this.name}`, '-n', this.namespace, '--timeout=180s']);
    if (!rollout.ok) {
      const events = await this.cluster.kubectl(['get', 'events', '-n', this.namespace, '--sort-by=.lastTimestamp', '-o', 'custom-columns=OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message']);
      throw new Error(`the release's pods did not become Ready under kubelet: ${rollout.stderr}\n${events.stdout}\n${this.node.diagnostics()}`);
    }
  }

  /** The release's pods that run (not deleted, with an address), by name. */
  async pods(): Promise<FleetPod[]> {
    const list = await this.cluster.json<{ items: Array<{ metadata: { name: string; uid: string; deletionTimestamp?: string }; status: { phase: string; podIP?: string } }> }>(
      ['get', 'pods', '-n', this.namespace, '-l', `app.kubernetes.io/instance=${this.name}`]);
    return list.items.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && p.status.podIP)
      .map((p) => ({ namespace: this.namespace, name: p.metadata.name, uid: p.metadata.uid, ip: p.status.podIP! }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The sidecar's log of `pod`, followed in kubelet's log files from their first line: the
   * container's first run and up to RESTARTS_FOLLOWED restarts (one file each).
   */
  log(pod: FleetPod): LoggedProcess {
    let log = this.#logs.get(pod.uid);
    if (!log) {
      const files = Array.from({ length: RESTARTS_FOLLOWED + 1 }, (_, restart) => this.node.containerLogPath(pod, 'hotcycle', restart));
      // -s: tail polls files that do not exist yet (a restart's); 0.1 s, not its 1 s default.
      log = new LoggedProcess(['tail', '-q', '-F', '-s', '0.1', '-n', '+1', ...files], {}, unwrapCri);
      this.#logs.set(pod.uid, log);
    }
    return log;
  }

  /** The sidecar log lines of `pod` so far that match. */
  lines(pod: FleetPod, match: (l: LogLine) => boolean): LogLine[] {
    return this.log(pod).logs.filter(match);
  }

  async configMap(): Promise<Record<string, string>> {
    return (await this.cluster.json<{ data: Record<string, string> }>(['get', 'configmap', this.name, '-n', this.namespace])).data;
  }

  /** `kubectl apply` of the ConfigMap with `data`; its config hash, and the time just before the apply. */
  async apply(data: Record<string, string>): Promise<{ hash: string; at: number }> {
    const at = Date.now();
    await this.cluster.must(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: this.name, namespace: this.namespace }, data }));
    return { hash: configHash(data), at };
  }

  /** The rollout state in the Lease, read with the admin's certificate (no process spawned). */
  async leaseState(): Promise<LeaseState | null> {
    const { pki, admin, server } = this.cluster.info;
    const answer = await httpsRequest(new URL(`/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases/${this.lease}`, server), {
      ca: readFileSync(pki.caCert), cert: readFileSync(admin.cert), key: readFileSync(admin.key), timeout: 5000,
    });
    if (answer.status !== 200) throw new Error(`GET lease ${this.lease}: ${answer.status} ${answer.text}`);
    const lease = JSON.parse(answer.text) as { metadata: { annotations?: Record<string, string> } };
    return JSON.parse(lease.metadata.annotations?.['hotcycle.dev/rollout'] ?? 'null') as LeaseState | null;
  }

  /** Polls the Lease (every 250 ms; an unreachable API server is asked again) until `holds`, or fails after `timeoutMs`. */
  async waitLease(what: string, holds: (state: LeaseState) => boolean, timeoutMs: number): Promise<LeaseState> {
    const deadline = Date.now() + timeoutMs;
    let last: LeaseState | null = null;
    let error = '';
    while (Date.now() < deadline) {
      try {
        last = await this.leaseState();
        error = '';
        if (last && holds(last)) return last;
      } catch (e) {
        error = (e as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`the Lease did not show ${what} within ${timeoutMs} ms: ${JSON.stringify(last)}${error ? ` (last error: ${error})` : ''}`);
  }

  /** How often each pod's sidecar container restarted, by pod name (kubelet's count). */
  async sidecarRestarts(): Promise<Record<string, number>> {
    const list = await this.cluster.json<{ items: Array<{ metadata: { name: string }; status: { initContainerStatuses?: Array<{ name: string; restartCount: number }> } }> }>(
      ['get', 'pods', '-n', this.namespace, '-l', `app.kubernetes.io/instance=${this.name}`]);
    return Object.fromEntries(list.items.map((p) => [p.metadata.name, p.status.initContainerStatuses?.find((c) => c.name === 'hotcycle')?.restartCount ?? 0]));
  }

  /** Stops following the logs (idempotent). */
  async close(): Promise<void> {
    for (const log of this.#logs.values()) await log.stop();
    this.#logs.clear();
  }
}

/** `repository:tag` as the chart's image values. */
export function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

/**
 * A paced load on each pod's own address, counted per pod: one loop per pod, a new connection
 * per request (keep-alive connections meet nginx's own idle close in a reload: bench README),
 * `pauseMs` between a loop's requests.
 */
export class FleetLoad {
  readonly #loads = new Map<string, { pod: FleetPod; load: Load }>();
  readonly #pauseMs: number;

  constructor(pods: FleetPod[], pauseMs = 20) {
    this.#pauseMs = pauseMs;
    for (const pod of pods) this.add(pod);
  }

  add(pod: FleetPod): void {
    const load = new Load({ host: pod.ip, port: PORT, connections: 1, keepAlive: false, maxRequests: Number.MAX_SAFE_INTEGER, pauseMs: this.#pauseMs, header: VERSION_HEADER }).start();
    this.#loads.set(pod.name, { pod, load });
  }

  /** Stops the load on one pod (before it is deleted): its summary. */
  async remove(pod: FleetPod): Promise<LoadSummary> {
    const entry = this.#loads.get(pod.name);
    if (!entry) throw new Error(`no load on ${pod.name}`);
    this.#loads.delete(pod.name);
    return entry.load.stop();
  }

  /** When `pod` first answered with `version` (Date.now()), past or future. */
  seen(pod: FleetPod, version: string): Promise<number> {
    const entry = this.#loads.get(pod.name);
    if (!entry) throw new Error(`no load on ${pod.name}`);
    return entry.load.seen(version);
  }

  /** When the last of the loaded pods first answered with `version`. */
  async seenEverywhere(version: string): Promise<number> {
    return Math.max(...await Promise.all([...this.#loads.values()].map(({ load }) => load.seen(version))));
  }

  /** Resolves once every loaded pod answered at least once. */
  async flowing(): Promise<void> {
    await Promise.all([...this.#loads.values()].map(({ load }) => load.flowing()));
  }

  /** Stops every loop: each pod's summary, by pod name. */
  async stop(): Promise<Map<string, LoadSummary>> {
    const summaries = new Map<string, LoadSummary>();
    for (const [name, { load }] of this.#loads) summaries.set(name, await load.stop());
    this.#loads.clear();
    return summaries;
  }
}
