// The fast path's figure (issue 10, item 4), on a real control plane: a private etcd +
// kube-apiserver + kube-controller-manager (test/helpers/cluster), the chart installed by real
// helm with its fast-path values, and a pod of bundle processes (pod.ts) whose sidecar has one of
// the chart Pods' identity (a bound token, so only the chart's permissions) and
// `--watch-configmap`. Per edit: from just before `kubectl apply` of the edited ConfigMap (the
// CLI's own start included, as an operator waits for it) to the first GET / that answers the new
// text (polled every 5 ms). The volume is never updated, so only the API watch can deliver.
// Then the footprint row that needs a cluster (issue 13): that sidecar's idle RSS, client loaded
// and watch open, after `settleMs`, against a bare `node` started beside it and measured alike.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';
import { Cluster } from '../helpers/cluster/cluster.ts';
import { installRelease, sidecarEnv } from '../helpers/cluster/release.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { mib, percentile, round, type SuiteResult } from './lib.ts';
import { BenchPod } from './pod.ts';
import { rssKiB } from './procfs.ts';

const POLL_MS = 5;
/** The acceptance bound (issue 10, item 4). */
const P50_BOUND_MS = 1000;

export interface FastPathOptions { edits: number; settleMs: number }

/** The footprint goal for the sidecar in a cluster (issue 13), as a ratio to a bare node. */
const IN_CLUSTER_RSS_GOAL = 2.0;

/** The sidecar's idle RSS and a bare node's, both after `settleMs`. */
async function idleRss(sidecarPid: number, settleMs: number): Promise<{ sidecarKiB: number; bareKiB: number }> {
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  try {
    await once(bare, 'spawn');
    await delay(settleMs); // idle is a duration: a timer measures it
    return { sidecarKiB: await rssKiB(sidecarPid), bareKiB: await rssKiB(bare.pid!) };
  } finally {
    bare.kill();
  }
}

export async function fastPathSuite(options: FastPathOptions): Promise<SuiteResult> {
  const cluster = await Cluster.start();
  const kubeRoot = await mkdtemp(join(tmpdir(), 'hotcycle-bench-kube-'));
  let pod: BenchPod | undefined;
  try {
    // The chart's defaults: the fast path is on unless fastPath.enabled=false.
    const release = await installRelease(cluster, 'bench-fast', []);
    const port = await freePort();
    const config = demoConfig(port, { count: 1 });
    const files = (message: string) => ({ 'hotcycle.yaml': stringify(config), 'message.txt': message });
    const configMap = (message: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hotcycle', namespace: release.namespace }, data: files(message) });
    await cluster.must(['replace', '-f', '-'], configMap('edit 0')); // exactly these files: no chart nginx.conf
    const env = await sidecarEnv(cluster, release, release.pods[0]!, kubeRoot, { withUid: true });
    pod = await BenchPod.start({ 'message.txt': 'edit 0' }, config, { sidecarArgs: ['--watch-configmap', 'hotcycle'], sidecarEnv: env });
    const times: number[] = [];
    const applyMs: number[] = [];
    for (let i = 1; i <= options.edits; i++) {
      const text = `edit ${i}`;
      const started = performance.now();
      await cluster.must(['apply', '-f', '-'], configMap(text));
      applyMs.push(performance.now() - started);
      while ((await fetchText(port)).body.trim() !== text) await delay(POLL_MS);
      times.push(performance.now() - started);
    }
    const p50 = percentile(times, 50);
    const rss = await idleRss(pod.sidecar!.pid, options.settleMs);
    const ratio = round(rss.sidecarKiB / rss.bareKiB);
    return {
      suite: 'fast path (real kube-apiserver 1.35, chart with fastPath.enabled, demo app, 1 worker)',
      data: { applyToServedMs: times, kubectlApplyMs: applyMs, p50BoundMs: P50_BOUND_MS, idleRss: rss, settleMs: options.settleMs },
      rows: [{
        measure: `kubectl apply → new generation serving, p50 / p99 (${options.edits} edits)`, value: `${p50} / ${percentile(times, 99)} ms`,
        note: `--watch-configmap, the volume never updated; includes \`kubectl apply\` itself (p50 ${percentile(applyMs, 50)} ms); GET / polled every ${POLL_MS} ms; bound p50 ≤ ${P50_BOUND_MS} ms: ${p50 <= P50_BOUND_MS ? 'met' : 'NOT met'}`,
      }, {
        measure: 'sidecar idle RSS in a cluster (client loaded, fast path on)', value: `${mib(rss.sidecarKiB)} = ${ratio}× bare node`,
        note: `goal ≤ ${IN_CLUSTER_RSS_GOAL}×: ${ratio <= IN_CLUSTER_RSS_GOAL ? 'met' : `MISSED by ${round(ratio - IN_CLUSTER_RSS_GOAL)}×`}; after the edits and ${options.settleMs / 1000} s idle; bare node ${mib(rss.bareKiB)}, started beside it. What it adds over the sidecar outside a cluster (footprint suite) is @kubernetes/client-node, loaded only in a cluster, with its open watch; not reduced yet: a small client for the four calls the sidecar makes is the lever`,
      }],
    };
  } finally {
    await pod?.cleanup();
    await cluster.stop();
    await rm(kubeRoot, { recursive: true, force: true });
  }
}
