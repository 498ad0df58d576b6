// Issue 18: what one config change costs a fleet of 4 replicas on a real kubelet (a private
// control plane with kube-scheduler, test/helpers/cluster/fleet.ts), measured both ways in one
// run on the same node:
//   rollout — hotcycle's fleet rollout with the chart's rollout defaults (bakeSeconds 10,
//             waveBakeSeconds 5, maxInFlight 1, slotTimeoutSeconds 15) and a probe on /healthz:
//             `kubectl apply` of the ConfigMap → the last of the 4 pods answers with the new
//             version (a paced load on every pod's address notes each pod's first answer);
//   restart — what Reloader does: the same `kubectl apply` to a release without the rollout,
//             then `kubectl rollout restart` of its Deployment (the chart's RollingUpdate, 25 %
//             surge and unavailable) → `kubectl rollout status` done: every pod is a new one,
//             Ready, started on the new version (its sidecars, without the rollout, reload the
//             old pods in place meanwhile, as they would beside Reloader: the figure is the
//             restart's, not theirs).
// Each edit waits until the previous one is done everywhere (the Lease `done`; the rollout
// finished). Failed requests are counted for the rollout (pods in place); a restart replaces the
// pods the load aims at, so it has no such figure here.
import { Cluster } from '../helpers/cluster/cluster.ts';
import { Fleet, FleetLoad, fleetNginxConf, FLEET_IMAGES } from '../helpers/cluster/fleet.ts';
import { KubeletNode } from '../helpers/cluster/node.ts';
import { within } from '../helpers/within.ts';
import { percentile, type SuiteResult } from './lib.ts';

export interface FleetOptions { edits: number }

const REPLICAS = 4;
/** An edit's wait, at most: the rollout's defaults need about 10 + 3 × (5 + reload) s. */
const EDIT_TIMEOUT_MS = 120_000;

export async function fleetSuite(options: FleetOptions): Promise<SuiteResult> {
  const began = Date.now();
  const cluster = await Cluster.start({ scheduler: true });
  let node: KubeletNode | undefined;
  const fleets: Fleet[] = [];
  try {
    node = await KubeletNode.start(cluster, { images: [FLEET_IMAGES.app, FLEET_IMAGES.sidecar], kubernetesService: true });
    const base = { replicaCount: REPLICAS, config: { nginxConf: fleetNginxConf('e0') } };
    const rollout = await Fleet.install(cluster, node, 'bench-fleet', { ...base, rollout: { enabled: true, probe: { path: '/healthz' } } });
    fleets.push(rollout);
    const restart = await Fleet.install(cluster, node, 'bench-restart', { ...base, rollout: { enabled: false } });
    fleets.push(restart);
    const rolloutMs: number[] = [];
    const restartMs: number[] = [];
    const load = new FleetLoad(await rollout.pods());
    let failed = 0;
    let requests = 0;
    try {
      await load.flowing();
      for (let i = 1; i <= options.edits; i++) {
        rolloutMs.push(await editRollout(rollout, load, `e${i}`));
        restartMs.push(await editRestart(cluster, restart, `e${i}`));
      }
    } finally {
      for (const s of (await load.stop()).values()) {
        failed += s.failed;
        requests += s.ok + s.failed;
      }
    }
    const minutes = ((Date.now() - began) / 60_000).toFixed(1);
    const range = (ms: number[]) => `${(percentile(ms, 50) / 1000).toFixed(1)} / ${(percentile(ms, 99) / 1000).toFixed(1)} s`;
    return {
      suite: `fleet: one config change across ${REPLICAS} replicas on a real kubelet 1.35 (nginx driver; this suite ran ${minutes} min)`,
      data: { rolloutMs, restartMs, failed, requests, minutes: Number(minutes) },
      rows: [{
        measure: `hotcycle fleet rollout (chart defaults): kubectl apply → all ${REPLICAS} pods serving, p50 / p99 (${options.edits} edits)`, value: range(rolloutMs),
        note: `one canary baked 10 s, then one pod at a time, each judged 5 s (probe /healthz); pods reloaded in place: ${failed} failed of ${requests} requests on their addresses`,
      }, {
        measure: `Reloader's way: kubectl apply + kubectl rollout restart → rollout done, p50 / p99 (${options.edits} edits)`, value: range(restartMs),
        note: `new pods (RollingUpdate 25 % surge / 25 % unavailable), each Ready on the new version; no canary judgement; rollout p50 ÷ restart p50 ${(percentile(rolloutMs, 50) / percentile(restartMs, 50)).toFixed(2)}×`,
      }],
    };
  } finally {
    for (const f of fleets) await f.close();
    await node?.stop();
    await cluster.stop();
  }
}

/** One edit through the fleet rollout: apply → the last pod's first answer with `version`; then the Lease done. */
async function editRollout(fleet: Fleet, load: FleetLoad, version: string): Promise<number> {
  const { hash, at } = await fleet.apply({ ...await fleet.configMap(), 'nginx.conf': fleetNginxConf(version) });
  const served = await within(`${version} on every pod`, load.seenEverywhere(version), EDIT_TIMEOUT_MS);
  await fleet.waitLease(`${version} done`, (s) => s.version === hash && s.phase === 'done', EDIT_TIMEOUT_MS);
  return served - at;
}

/** One edit the Reloader way: apply, rollout restart → rollout status done. */
async function editRestart(cluster: Cluster, fleet: Fleet, version: string): Promise<number> {
  const { at } = await fleet.apply({ ...await fleet.configMap(), 'nginx.conf': fleetNginxConf(version) });
  await cluster.must(['rollout', 'restart', `deployment/${fleet.name}`, '-n', fleet.namespace]);
  await fleet.rolledOut();
  return Date.now() - at;
}
