// Issue 21: what a ConfigMap edit costs a user of the chart's defaults, the fast path against the
// volume alone, in one run. A private control plane with kube-scheduler and a real kubelet 1.35
// (test/helpers/cluster/node.ts) with kubelet's own defaults for what paces a ConfigMap volume:
// no syncFrequency given (1 min), the default ConfigMap change detection. Two releases from the
// local images, one pod each: `api` with the default values (the fast path on), `volume` with
// fastPath.enabled=false. Per edit, both ConfigMaps get the same edited nginx.conf by `kubectl
// apply`; the figure is from just before that apply (the CLI's start included, as an operator
// waits for it) to the time of the sidecar's `reload.ok` line for that version (the new nginx
// generation serving), read from `kubectl logs -f`. The next edit starts once both pods served
// this one. Each pod's `hotcycle status` then must say which origin brought it (api, volume):
// a figure that came the other way would measure the wrong path, and fails the suite.
import { fileSetFrom, hashFileSet } from '../../src/configset/fileset.ts';
import { kubectlPath } from '../charts/k8s-tools.ts';
import { Cluster } from '../helpers/cluster/cluster.ts';
import { KubeletNode } from '../helpers/cluster/node.ts';
import { LoggedProcess } from '../helpers/logged-process.ts';
import { installLocalImages, LOCAL_IMAGES, type LocalRelease } from './kubelet-release.ts';
import { percentile, type SuiteResult } from './lib.ts';

export interface EditToServingOptions { edits: number }

/** One edit's wait, at most: kubelet's sync period (1 min) with its jitter, and then some. */
const EDIT_TIMEOUT_MS = 180_000;

interface Path { release: LocalRelease; logs: LoggedProcess; ms: number[] }

export async function editToServingSuite(options: EditToServingOptions): Promise<SuiteResult> {
  const began = Date.now();
  const cluster = await Cluster.start({ scheduler: true });
  let node: KubeletNode | undefined;
  const paths: Path[] = [];
  try {
    node = await KubeletNode.start(cluster, { images: LOCAL_IMAGES, syncFrequency: null });
    for (const [prefix, args] of [['bench-api', []], ['bench-volume', ['--set', 'fastPath.enabled=false']]] as const) {
      const release = await installLocalImages(cluster, node, prefix, [...args]);
      const logs = new LoggedProcess([kubectlPath(), '--kubeconfig', cluster.info.kubeconfig, 'logs', '-f', '-n', release.namespace, release.pod, '-c', 'hotcycle']);
      paths.push({ release, logs, ms: [] });
    }
    const [api, volume] = paths as [Path, Path];
    // The API is reachable only once the Service relay is in the pod: the watch lists then.
    await api.logs.waitForLog((l) => l.event === 'configmap-watch' && /^configmap watch: listed/.test(l.message));
    const generations = await generation(cluster, api.release);
    for (let i = 1; i <= options.edits; i++) {
      await Promise.all(paths.map((path) => edit(cluster, path, `edit ${i}`)));
      await origin(cluster, api.release, 'api');
      await origin(cluster, volume.release, 'volume');
    }
    const reloads = (await generation(cluster, api.release)) - generations;
    const minutes = ((Date.now() - began) / 60_000).toFixed(1);
    const range = (ms: number[]) => `${percentile(ms, 50)} / ${percentile(ms, 99)}`;
    return {
      suite: `edit → serving under a real kubelet 1.35 with its defaults (chart defaults vs fastPath.enabled=false, nginx driver; this suite ran ${minutes} min)`,
      data: { apiMs: api.ms, volumeMs: volume.ms, apiReloads: reloads, minutes: Number(minutes) },
      rows: [{
        measure: `fast path (the default): kubectl apply → reloaded, p50 / p99 (${options.edits} edits)`, value: `${range(api.ms)} ms`,
        note: `the API watch; kubectl apply → the sidecar's reload.ok; ${reloads} reloads for ${options.edits} edits (the volume's later copy of each reloads nothing)`,
      }, {
        measure: `volume only (fastPath.enabled=false): kubectl apply → reloaded, p50 / p99 (${options.edits} edits)`,
        value: `${range(volume.ms.map((ms) => ms / 1000))} s`,
        note: 'kubelet\'s default syncFrequency (1 min) and ConfigMap change detection; its ..data swap, then the sidecar (100 ms debounce, checks, reload)',
      }],
    };
  } finally {
    for (const path of paths) await path.logs.stop();
    await node?.stop();
    await cluster.stop();
  }
}

/** Applies the edit to one release's ConfigMap and records apply → that version's reload.ok. */
async function edit(cluster: Cluster, path: Path, text: string): Promise<void> {
  const { namespace } = path.release;
  const current = await cluster.json<{ data: Record<string, string> }>(['get', 'configmap', 'hotcycle', '-n', namespace]);
  const conf = current.data['nginx.conf'] ?? '';
  const data = { ...current.data, 'nginx.conf': conf.replace(/(hello from hotcycle|edit \d+)/, text) };
  if (data['nginx.conf'] === conf) throw new Error(`nothing to edit in ${namespace}'s nginx.conf: ${conf}`);
  const hash = hashFileSet(fileSetFrom(data));
  const reloaded = path.logs.nextLog((l) => l.event === 'reload.ok' && l.configHash === hash);
  const timeout = AbortSignal.timeout(EDIT_TIMEOUT_MS);
  const started = Date.now();
  await cluster.must(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hotcycle', namespace }, data }));
  const line = await Promise.race([reloaded, new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(new Error(`${namespace}: ${text} not reloaded within ${EDIT_TIMEOUT_MS} ms`))))]);
  path.ms.push(Date.parse(String(line.timestamp)) - started);
}

async function status(cluster: Cluster, release: LocalRelease): Promise<{ sidecar: { runningSource?: string }; master: { generation: number } }> {
  return JSON.parse(await cluster.must(['exec', '-n', release.namespace, release.pod, '-c', 'hotcycle', '--', 'hotcycle', 'status', '--json']));
}

async function origin(cluster: Cluster, release: LocalRelease, expected: string): Promise<void> {
  const source = (await status(cluster, release)).sidecar.runningSource;
  if (source !== expected) throw new Error(`${release.namespace}: the running version came from ${source ?? 'nowhere known'}, not the ${expected}: the figure would measure the wrong path`);
}

async function generation(cluster: Cluster, release: LocalRelease): Promise<number> {
  return (await status(cluster, release)).master.generation;
}
