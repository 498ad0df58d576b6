// Issue 18's acceptance on the real control plane and the real kubelet: the chart installed with
// `helm install` (rollout.enabled, 4 replicas, the nginx image, a probe on /healthz) onto a
// kubelet node of this file's own control plane (test/helpers/cluster/fleet.ts), under a load on
// all 4 pods' addresses for the whole of every case, every failed request counted per pod.
//   (1) a good version reaches all 4 pods within bake + 3 × (reload + waveBake) + 5 s of the
//       edit, one pod (the canary) applying it first; 0 failed requests;
//   (2) a version answering 500 on the probe path: applied by the canary alone, judged harmed
//       within bake + 2 s, rolled back there, marked bad, never applied elsewhere, 0 failed
//       requests on the other 3; RolloutAborted in `kubectl describe pod` and the bad version in
//       `kubectl hotcycle status`;
//   (6) scaled 4 → 5 while the ConfigMap holds that bad version: the new pod serves the last
//       good one and says so (Event RunningLastGood, annotation hotcycle.dev/running-last-good);
//   (7) two edits 1 s apart: the second supersedes the first; every pod ends on the second;
//   (4) the canary pod deleted mid-bake: another pod takes the canary role within slotTimeout
//       + 5 s, and the rollout completes on every live pod, the ReplicaSet's replacement too;
//   (5) the API server stopped for 30 s mid-wave: the rollout resumes and completes; each pod
//       reloaded the version exactly once (its reload.ok lines, from kubelet's log files);
//   (3) workers of the new generation exiting 2 s after start (a release of its own, the native
//       driver: nginx has no configuration that passes `nginx -t` and makes its workers exit
//       later — see the case): harmed by the signal `workers`, rolled back, marked bad.
// Settings (short, for CI; the chart's defaults are 10/5/15 s): bakeSeconds 4 — 16 probes at
// 250 ms, so one 5xx decides at once (max5xx 0.05 allows none) and minSuccess 0.8 forgives the 3
// misses a loaded 2-core machine may cause; waveBakeSeconds 2 — 8 probes; slotTimeoutSeconds 12 —
// above the API client's longest retry delay (10 s): back from (5)'s outage one pod's first
// write may come that long after another's, and it must not be taken for dead (holders renew
// every 4 s); maxInFlight 1 — one pod per wave, which the bound of (1) assumes. master.shutdownDelaySeconds 0: the load goes to the pods'
// own addresses, no Service whose endpoints lag, and a deleted canary's sidecar then ends within
// about a second, mid-bake (with 5 s it would finish its 4 s bake while the pod terminates).
// Waits are on events (log lines in kubelet's log files, the load's first answer of a version,
// Events through `kubectl get events -w`) or the Lease polled with a deadline; the one fixed
// duration is (5)'s outage. Timings go to stderr as `[fleet] (n) …` lines.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { Cluster } from '../helpers/cluster/cluster.ts';
import { configHash, Fleet, FleetLoad, fleetNginxConf, FLEET_IMAGES, splitImage, VERSION_HEADER, type FleetPod } from '../helpers/cluster/fleet.ts';
import { KubeletNode } from '../helpers/cluster/node.ts';
import { watchPodEvents } from '../helpers/cluster/release.ts';
import type { LoadSummary } from '../helpers/load.ts';
import type { LogLine } from '../helpers/logged-process.ts';
import { within } from '../helpers/within.ts';

const run = promisify(execFile);
const PLUGIN = join(import.meta.dirname, '..', '..', 'dist', 'kubectl-hotcycle.mjs');
const BAKE_MS = 4000;
const WAVE_BAKE_MS = 2000;
const SLOT_TIMEOUT_MS = 12_000;
const REPLICAS = 4;
const ROLLOUT = {
  enabled: true, bakeSeconds: BAKE_MS / 1000, waveBakeSeconds: WAVE_BAKE_MS / 1000, maxInFlight: 1, slotTimeoutSeconds: SLOT_TIMEOUT_MS / 1000,
  probe: { path: '/healthz', port: 8080, scheme: 'http', minSuccessRatio: 0.8, max5xxRatio: 0.05, intervalMs: 250 },
};

let cluster: Cluster | undefined;
let node: KubeletNode | undefined;
let fleet: Fleet | undefined;
/** (3)'s release, the native driver. */
let workers: Fleet | undefined;
const fleets: Fleet[] = [];
const loads: FleetLoad[] = [];

/** A load on `pods` for one case, stopped by after() too when the case failed before it stopped it. */
function loadOn(pods: FleetPod[]): FleetLoad {
  const load = new FleetLoad(pods);
  loads.push(load);
  return load;
}

before(async () => {
  const started = Date.now();
  cluster = await Cluster.start({ scheduler: true });
  node = await KubeletNode.start(cluster, { images: [FLEET_IMAGES.app, FLEET_IMAGES.sidecar], kubernetesService: true });
  // Both releases at once ((3)'s own, see below): their pods start side by side, not one after the other.
  [fleet, workers] = await Promise.all([
    Fleet.install(cluster, node, 'fleet', { replicaCount: REPLICAS, master: { shutdownDelaySeconds: 0 }, config: { nginxConf: fleetNginxConf('v1') }, rollout: ROLLOUT }),
    Fleet.install(cluster, node, 'fleet-workers', {
      driver: 'native', image: splitImage(FLEET_IMAGES.sidecar), replicaCount: REPLICAS, master: { shutdownDelaySeconds: 0 }, rollout: ROLLOUT,
      config: { files: { 'hotcycle.yaml': WORKERS_YAML, 'server.mjs': WORKER_SERVER, 'version.txt': 'w1' } },
    }),
  ]);
  fleets.push(fleet, workers);
  await Promise.all([membersReady(fleet, REPLICAS), membersReady(workers, REPLICAS)]);
  process.stderr.write(`[fleet] control plane, node and 2 releases of ${REPLICAS} pods Ready, every sidecar a rollout member: ${Date.now() - started} ms\n`);
}, { timeout: 300_000 });

after(async () => {
  for (const load of loads) await load.stop();
  for (const f of fleets) await f.close();
  // Pods end through kubelet while it runs, then the node goes.
  if (fleets.length > 0) await cluster?.kubectl(['delete', 'namespace', ...fleets.map((f) => f.namespace), '--wait=true', '--timeout=90s']);
  await node?.stop();
  await cluster?.stop();
}, { timeout: 240_000 });

function ready(): Fleet {
  if (!fleet) throw new Error('the release is not installed (before() failed)');
  return fleet;
}

const at = (line: LogLine): number => Date.parse(String(line.timestamp));
const reloadOk = (hash: string) => (l: LogLine) => l.event === 'reload.ok' && l.configHash === hash;
const started = (hash: string) => (l: LogLine) => l.event === 'rollout.started' && l.configHash === hash;

/** Every pod's sidecar lists its ConfigMap (the fast path) and renews its membership in the Lease. */
async function membersReady(f: Fleet, count: number): Promise<FleetPod[]> {
  const pods = await f.pods();
  assert.equal(pods.length, count);
  await Promise.all(pods.map((p) => f.log(p).waitForLog((l) => l.event === 'configmap-watch' && /^configmap watch: listed/.test(l.message))));
  await f.waitLease(`${count} members`, (s) => pods.every((p) => s.members.some((m) => m.pod === p.name)), 30_000);
  return pods;
}

/** The one of `pods` whose sidecar logs a matching line (past or future), and the line. */
function firstOf(f: Fleet, pods: FleetPod[], match: (l: LogLine) => boolean): Promise<{ pod: FleetPod; line: LogLine }> {
  return Promise.race(pods.map((pod) => f.log(pod).waitForLog(match).then((line) => ({ pod, line }))));
}

/** The ConfigMap's data with nginx.conf answering as `version`. */
async function versionData(f: Fleet, version: string, options: { healthz?: number } = {}): Promise<Record<string, string>> {
  return { ...await f.configMap(), 'nginx.conf': fleetNginxConf(version, options) };
}

function failures(summaries: Map<string, LoadSummary>, of?: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries([...summaries].filter(([name]) => !of || of(name)).map(([name, s]) => [name, `${s.failed} failed of ${s.ok + s.failed} ${JSON.stringify(s.errors)}`]));
}

function assertNoFailures(summaries: Map<string, LoadSummary>, of?: (name: string) => boolean): number {
  let total = 0;
  for (const [name, s] of summaries) {
    if (of && !of(name)) continue;
    assert.ok(s.ok > 0, `${name} answered during the case`);
    total += s.ok + s.failed;
  }
  assert.deepEqual(Object.values(failures(summaries, of)).filter((text) => !text.startsWith('0 failed')), [], JSON.stringify(failures(summaries, of)));
  return total;
}

let good = { hash: '', version: 'v1' };

describe('the fleet rollout, 4 replicas on a real kubelet under load', { timeout: 180_000 }, () => {
  test('(1) a good version: one canary first, then the others; all 4 serve it within bake + 3 × (reload + waveBake) + 5 s; 0 failed requests', async () => {
    const f = ready();
    const pods = await f.pods();
    const load = loadOn(pods);
    await load.flowing();
    const { hash, at: editedAt } = await f.apply(await versionData(f, 'v2'));
    const servedAt = await within('all 4 pods serving v2', load.seenEverywhere('v2'), 60_000);
    await f.waitLease('v2 done', (s) => s.version === hash && s.phase === 'done', 30_000);
    const summaries = await load.stop();
    const requests = assertNoFailures(summaries);
    const reloads = (await Promise.all(pods.map((pod) => f.log(pod).waitForLog(reloadOk(hash)).then((line) => ({ pod, line })))))
      .sort((a, b) => at(a.line) - at(b.line));
    const canary = reloads[0]!;
    assert.deepEqual(pods.filter((p) => f.lines(p, started(hash)).length > 0).map((p) => p.name), [canary.pod.name],
      'exactly one pod started the rollout: the one that applied it first');
    for (const other of reloads.slice(1)) {
      assert.ok(at(other.line) - at(canary.line) >= BAKE_MS, `${other.pod.name} applied it ${at(other.line) - at(canary.line)} ms after the canary: not before its bake (${BAKE_MS} ms) ended`);
    }
    const reloadMs = Math.max(...reloads.map((r) => Number(r.line.durationMs)));
    const bound = BAKE_MS + 3 * (reloadMs + WAVE_BAKE_MS) + 5000;
    const ms = servedAt - editedAt;
    process.stderr.write(`[fleet] (1) edit → all ${REPLICAS} pods serving: ${ms} ms (bound ${bound} ms = bake ${BAKE_MS} + 3 × (reload ${reloadMs} + waveBake ${WAVE_BAKE_MS}) + 5000; `
      + `canary ${canary.pod.name} reloaded at ${at(canary.line) - editedAt} ms; ${requests} requests, 0 failed)\n`);
    assert.ok(ms <= bound, `all ${REPLICAS} pods served v2 ${ms} ms after the edit, over ${bound} ms`);
    good = { hash, version: 'v2' };
  });

  let bad = { hash: '', canary: '' };

  test('(2) a version answering 500 on the probe path: the canary alone applies it, judges it harmed, rolls back; marked bad; RolloutAborted; kubectl hotcycle status shows it', async () => {
    const f = ready();
    const c = cluster!;
    const pods = await f.pods();
    const load = loadOn(pods);
    await load.flowing();
    const { hash } = await f.apply(await versionData(f, 'v3', { healthz: 500 }));
    const { pod: canary } = await within('a canary for v3', firstOf(f, pods, started(hash)), 30_000);
    const events = watchPodEvents(c, f.namespace, canary.uid, 'RolloutAborted');
    try {
      const aborted = await within('the abort of v3', firstOf(f, pods, (l) => l.event === 'rollout.aborted' && l.configHash === hash), 30_000);
      assert.equal(aborted.pod.name, canary.name, 'the pod that applied it judged it');
      const appliedAt = at(await f.log(canary).waitForLog(reloadOk(hash)));
      const harmedAt = at(aborted.line);
      assert.ok(harmedAt - appliedAt <= BAKE_MS + 2000, `judged harmed ${harmedAt - appliedAt} ms after its reload (bake ${BAKE_MS} ms + 2 s)`);
      assert.equal(aborted.line.signal, 'probe');
      assert.match(String(aborted.line.figures), /^5xx ratio \d\.\d\d > 0\.05 /);
      // Rolled back there: an ordinary reload to v2, after the verdict.
      const back = await within('the roll-back to v2', f.log(canary).waitForLog((l) => reloadOk(good.hash)(l) && at(l) >= harmedAt), 30_000);
      const state = await f.waitLease('v3 marked bad', (s) => s.phase === 'aborted' && s.bad.some((b) => b.hash === hash), 10_000);
      assert.match(state.bad.find((b) => b.hash === hash)!.reason, /^probe: 5xx ratio/);
      // The others read the abort, and never published or reloaded v3.
      const others = pods.filter((p) => p.name !== canary.name);
      await Promise.all(others.map((p) => within(`${p.name} reading the abort`, f.log(p).waitForLog((l) => l.event === 'rollout.phase' && l.phase === 'aborted'), 15_000)));
      const event = await within('the RolloutAborted Event', events.waitForLog((l) => l.message.includes(hash.slice(0, 12))), 30_000);
      const summaries = await load.stop();
      assertNoFailures(summaries, (name) => name !== canary.name);
      for (const p of others) {
        assert.equal(f.lines(p, reloadOk(hash)).length, 0, `${p.name} never reloaded v3`);
        assert.equal(f.lines(p, (l) => l.event === 'config.published' && l.configHash === hash).length, 0, `${p.name} never published v3`);
        assert.equal(summaries.get(p.name)?.generations.v3, undefined, `${p.name} never answered as v3`);
      }
      assert.match(event.message, /aborted: harmed this pod \(probe: 5xx ratio \d\.\d\d/);
      const described = await c.must(['describe', 'pod', canary.name, '-n', f.namespace]);
      assert.match(described, /Warning\s+RolloutAborted\s+.*5xx ratio \d\.\d\d > 0\.05/);
      const status = await run(process.execPath, [PLUGIN, 'status', `deploy/${f.name}`, '--kubeconfig', c.info.kubeconfig, '-n', f.namespace]);
      assert.match(status.stdout, new RegExp(`bad ${hash.slice(0, 12)}: probe: 5xx ratio \\d\\.\\d\\d > 0\\.05`));
      const canaryLoad = summaries.get(canary.name)!;
      process.stderr.write(`[fleet] (2) harmed ${harmedAt - appliedAt} ms after the canary's reload (bake ${BAKE_MS} ms); rolled back ${at(back) - harmedAt} ms after the verdict; `
        + `canary ${canary.name}: ${canaryLoad.failed} failed of ${canaryLoad.ok + canaryLoad.failed}; ${event.message}\n`);
      bad = { hash, canary: canary.name };
    } finally {
      await events.stop();
    }
  });

  test('(6) scaled 4 → 5 while the ConfigMap holds the bad version: the new pod serves the last good one and says so', async () => {
    const f = ready();
    const c = cluster!;
    assert.ok(bad.hash, '(2) left a bad version in the ConfigMap');
    const before = await f.pods();
    const load = loadOn(before);
    try {
      await load.flowing();
      await c.must(['scale', `deployment/${f.name}`, '-n', f.namespace, `--replicas=${REPLICAS + 1}`]);
      await f.rolledOut();
      const fresh = (await f.pods()).find((p) => !before.some((b) => b.name === p.name));
      assert.ok(fresh, 'the ReplicaSet made a fifth pod');
      load.add(fresh);
      const running = await within(`${fresh.name} on the last good config`, f.log(fresh).waitForLog((l) => l.event === 'last-good.running'), 30_000);
      assert.equal(running.configHash, good.hash, `${fresh.name} serves the last good version ${good.hash.slice(0, 12)}, not the bad ${bad.hash.slice(0, 12)}: ${JSON.stringify(running)}`);
      assert.match(String(running.why), /marked bad in the fleet rollout \(probe: 5xx ratio/);
      await within(`${fresh.name} answering`, load.flowing(), 15_000);
      await c.must(['wait', `pod/${fresh.name}`, '-n', f.namespace, '--for=jsonpath={.metadata.annotations.hotcycle\\.dev/running-last-good}=true', '--timeout=30s']);
      const events = watchPodEvents(c, f.namespace, fresh.uid, 'RunningLastGood');
      try {
        await within('the RunningLastGood Event', events.waitForLog((l) => l.message.length > 0), 30_000);
      } finally {
        await events.stop();
      }
      const summaries = await load.stop();
      assertNoFailures(summaries);
      assert.deepEqual(Object.keys(summaries.get(fresh.name)?.generations ?? {}), [good.version], `${fresh.name} answered as the last good version only`);
      assert.equal(f.lines(fresh, reloadOk(bad.hash)).length, 0);
      process.stderr.write(`[fleet] (6) ${fresh.name} started on the last good ${good.hash.slice(0, 12)} while the ConfigMap held the bad ${bad.hash.slice(0, 12)}\n`);
    } finally {
      // Back to 4, the load stopped first: a pod the ReplicaSet removes stops serving.
      await load.stop();
      await c.must(['scale', `deployment/${f.name}`, '-n', f.namespace, `--replicas=${REPLICAS}`]);
      await c.must(['wait', `deployment/${f.name}`, '-n', f.namespace, `--for=jsonpath={.status.replicas}=${REPLICAS}`, '--timeout=60s']);
      const gone = (await c.json<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>(['get', 'pods', '-n', f.namespace]))
        .items.filter((p) => p.metadata.deletionTimestamp).map((p) => `pod/${p.metadata.name}`);
      if (gone.length > 0) await c.must(['wait', '--for=delete', ...gone, '-n', f.namespace, '--timeout=60s']);
    }
  });

  test('(7) two edits 1 s apart: the second supersedes the first; every pod ends on the second', async () => {
    const f = ready();
    const pods = await f.pods();
    assert.equal(pods.length, REPLICAS);
    const load = loadOn(pods);
    await load.flowing();
    const first = await f.apply(await versionData(f, 'v4'));
    await within('the rollout of v4', firstOf(f, pods, started(first.hash)), 30_000);
    await sleep(Math.max(0, first.at + 1000 - Date.now())); // the scenario: the second edit 1 s after the first
    const second = await f.apply(await versionData(f, 'v5'));
    // The Lease says so while v5 is in flight (done clears the list).
    await f.waitLease('v5 in flight, v4 superseded', (s) => s.version === second.hash && s.superseded.includes(first.hash), 15_000);
    const servedAt = await within(`all ${REPLICAS} pods serving v5`, load.seenEverywhere('v5'), 60_000);
    await f.waitLease('v5 done', (s) => s.version === second.hash && s.phase === 'done', 30_000);
    const summaries = await load.stop();
    const requests = assertNoFailures(summaries);
    for (const p of pods) {
      const reloads = f.lines(p, (l) => l.event === 'reload.ok');
      assert.equal(reloads.at(-1)?.configHash, second.hash, `${p.name} ends on v5`);
    }
    assert.deepEqual(pods.filter((p) => f.lines(p, (l) => l.event === 'rollout.completed' && l.configHash === first.hash).length > 0), [], 'v4 never completed');
    const onFirst = pods.filter((p) => f.lines(p, reloadOk(first.hash)).length > 0).map((p) => p.name);
    assert.ok(onFirst.length <= 1, `only v4's canary may have applied it: ${onFirst.join(', ')}`);
    good = { hash: second.hash, version: 'v5' };
    process.stderr.write(`[fleet] (7) second edit → all ${REPLICAS} pods serving v5: ${servedAt - second.at} ms; v4 applied by ${onFirst.join(', ') || 'no pod'} before it was superseded; ${requests} requests, 0 failed\n`);
  });

  test('(4) the canary pod deleted mid-bake: another pod takes the role within slotTimeout + 5 s; the rollout completes on every live pod, the replacement too', async () => {
    const f = ready();
    const c = cluster!;
    const pods = await f.pods();
    const load = loadOn(pods);
    await load.flowing();
    const { hash } = await f.apply(await versionData(f, 'v6'));
    const { pod: canary } = await within('a canary for v6', firstOf(f, pods, started(hash)), 30_000);
    const reloaded = at(await within(`${canary.name} reloading v6`, f.log(canary).waitForLog(reloadOk(hash)), 30_000));
    const survivors = pods.filter((p) => p.name !== canary.name);
    const taken = firstOf(f, survivors, (l) => l.event === 'rollout.role' && l.change === 'took the canary role' && l.configHash === hash);
    const canaryLoad = await load.remove(canary);
    const deletedAt = Date.now();
    await c.must(['delete', 'pod', canary.name, '-n', f.namespace, '--wait=false']);
    const takeover = await within('a new canary', taken, SLOT_TIMEOUT_MS + 15_000);
    const takenMs = at(takeover.line) - deletedAt;
    assert.ok(deletedAt - reloaded < BAKE_MS, `deleted ${deletedAt - reloaded} ms into its ${BAKE_MS} ms bake`);
    assert.ok(takenMs <= SLOT_TIMEOUT_MS + 5000, `${takeover.pod.name} took the canary role ${takenMs} ms after the deletion (slotTimeout ${SLOT_TIMEOUT_MS} ms + 5 s)`);
    await f.rolledOut();
    const replacement = (await f.pods()).find((p) => !pods.some((b) => b.name === p.name));
    assert.ok(replacement, 'the ReplicaSet replaced the deleted pod');
    load.add(replacement);
    const servedAt = await within('every live pod serving v6', load.seenEverywhere('v6'), 60_000);
    const live = [...survivors, replacement];
    await f.waitLease('v6 done on every live pod', (s) => s.version === hash && s.phase === 'done' && live.every((p) => s.applied.includes(p.name)), 30_000);
    const summaries = await load.stop();
    const requests = assertNoFailures(summaries);
    good = { hash, version: 'v6' };
    process.stderr.write(`[fleet] (4) canary ${canary.name} deleted ${deletedAt - reloaded} ms into its bake; ${takeover.pod.name} took the role ${takenMs} ms later; `
      + `all live pods (replacement ${replacement.name}) serving v6 ${servedAt - deletedAt} ms after the deletion; ${requests} requests, 0 failed `
      + `(the deleted pod: ${canaryLoad.failed} failed of ${canaryLoad.ok + canaryLoad.failed} before its load stopped)\n`);
  });

  test('(5) the API server stopped for 30 s mid-wave: the rollout resumes and completes; every pod reloads the version exactly once', { timeout: 240_000 }, async () => {
    const f = ready();
    const c = cluster!;
    const pods = await f.pods();
    assert.equal(pods.length, REPLICAS);
    const load = loadOn(pods);
    await load.flowing();
    const { hash, at: editedAt } = await f.apply(await versionData(f, 'v7'));
    const midWave = await f.waitLease('a wave slot held for v7', (s) => s.version === hash && s.phase === 'waves' && s.slots.length > 0, 30_000);
    const outage = await c.stopApiServer();
    const stoppedAt = Date.now();
    await sleep(30_000); // the outage itself: a deliberate duration
    await outage.restart();
    const restartedAt = Date.now();
    const servedAt = await within(`all ${REPLICAS} pods serving v7 after the outage`, load.seenEverywhere('v7'), 90_000);
    const summaries = await load.stop();
    const requests = assertNoFailures(summaries);
    const done = await f.waitLease('v7 done', (s) => s.version === hash && s.phase === 'done', 60_000);
    assert.deepEqual(pods.map((p) => p.name).filter((name) => !done.applied.includes(name)), [], 'every pod applied v7 in the rollout, none after it was declared done');
    await Promise.all(pods.map((p) => f.log(p).waitForLog(reloadOk(hash))));
    const counts = Object.fromEntries(pods.map((p) => [p.name, f.lines(p, reloadOk(hash)).length]));
    const restarts = await f.sidecarRestarts();
    assert.deepEqual(Object.values(restarts).filter((n) => n > 0), [], `no sidecar restarted: ${JSON.stringify(restarts)}`);
    assert.deepEqual(Object.values(counts), pods.map(() => 1), `each pod reloaded v7 exactly once: ${JSON.stringify(counts)}`);
    process.stderr.write(`[fleet] (5) API server down ${restartedAt - stoppedAt} ms mid-wave (slot of ${midWave.slots.map((s) => s.pod).join(', ')}, applied ${midWave.applied.join(', ')}); `
      + `all ${REPLICAS} pods serving v7 ${servedAt - restartedAt} ms after the restart, ${servedAt - editedAt} ms after the edit; reload.ok per pod ${JSON.stringify(counts)}; ${requests} requests, 0 failed\n`);
  });
});

// (3) "Workers of the new generation exit", with nginx as the server, has no honest form: stock
// nginx (Debian's package, no Lua or njs module in the image) has no directive that makes a
// worker exit some time after it started. Its workers exit only at their own start (a failed
// chdir(), setrlimit or epoll, with nginx's fatal code 2, which its master never respawns: the
// reload itself fails, judged by the signal `reload`, not `workers`) or by a crash nginx does not
// have. So this case is a release of its own, as rollout.test.ts (b2) does it, on the chart's
// native driver: the hotcycle image as the main container, a Node server from the config set
// (server.mjs, through hotcycle's worker library) that exits 2 s after it reported ready when
// the version says so (crash-after-ms.txt); the master restarts it, the new generation's exits
// are the signal.
const WORKER_SERVER = `import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { configDir, serve } from '/opt/hotcycle/worker.mjs';
const read = (name) => { try { return readFileSync(configDir + '/' + name, 'utf8').trim(); } catch { return ''; } };
const version = read('version.txt');
const server = createServer((req, res) => {
  res.setHeader('${VERSION_HEADER}', version);
  res.end(req.url === '/healthz' ? 'ok\\n' : 'hello from ' + version + '\\n');
});
await serve(server, { listener: 'http' });
const crashAfterMs = Number(read('crash-after-ms.txt') || 0);
if (crashAfterMs > 0) setTimeout(() => process.exit(3), crashAfterMs);
`;
const WORKERS_YAML = stringify({
  listeners: [{ name: 'http', address: '0.0.0.0:8080' }],
  workers: {
    count: 1, command: ['node', '-e', 'import(process.env.HOTCYCLE_CONFIG_DIR + "/server.mjs")'],
    readiness: { mode: 'notify', timeoutMs: 10_000 }, shutdown: { signal: 'SIGTERM', timeoutMs: 10_000 },
  },
});

describe('the fleet rollout of a native-driver release, 4 replicas on a real kubelet under load', { timeout: 240_000 }, () => {
  test('(3) a version whose new workers exit 2 s after start: the canary alone applies it, judges it harmed by the signal workers, rolls back; marked bad', async () => {
    const f = workers;
    assert.ok(f, 'the native release is installed (before())');
    const pods = await f.pods();
    const load = loadOn(pods);
    await load.flowing();
    const previous = configHash(await f.configMap());
    const { hash } = await f.apply({ ...await f.configMap(), 'version.txt': 'w2', 'crash-after-ms.txt': '2000' });
    const { pod: canary } = await within('a canary for w2', firstOf(f, pods, started(hash)), 30_000);
    const aborted = await within('the abort of w2', firstOf(f, pods, (l) => l.event === 'rollout.aborted' && l.configHash === hash), 30_000);
    assert.equal(aborted.pod.name, canary.name, 'the pod that applied it judged it');
    assert.equal(aborted.line.signal, 'workers');
    assert.match(String(aborted.line.figures), /^\d+ worker exits?(, crash loop)? in the new generation$/);
    const appliedAt = at(await f.log(canary).waitForLog(reloadOk(hash)));
    const harmedAt = at(aborted.line);
    assert.ok(harmedAt - appliedAt <= BAKE_MS + 2000, `judged harmed ${harmedAt - appliedAt} ms after its reload (bake ${BAKE_MS} ms + 2 s)`);
    await within('the roll-back to w1', f.log(canary).waitForLog((l) => reloadOk(previous)(l) && at(l) >= harmedAt), 30_000);
    const state = await f.waitLease('w2 marked bad', (s) => s.phase === 'aborted' && s.bad.some((b) => b.hash === hash), 10_000);
    assert.match(state.bad.find((b) => b.hash === hash)!.reason, /^workers: /);
    const others = pods.filter((p) => p.name !== canary.name);
    await Promise.all(others.map((p) => within(`${p.name} reading the abort`, f.log(p).waitForLog((l) => l.event === 'rollout.phase' && l.phase === 'aborted'), 15_000)));
    const summaries = await load.stop();
    assertNoFailures(summaries, (name) => name !== canary.name);
    for (const p of others) {
      assert.equal(f.lines(p, reloadOk(hash)).length, 0, `${p.name} never reloaded w2`);
      assert.equal(summaries.get(p.name)?.generations.w2, undefined, `${p.name} never answered as w2`);
    }
    const canaryLoad = summaries.get(canary.name)!;
    process.stderr.write(`[fleet] (3) harmed (workers: ${String(aborted.line.figures)}) ${harmedAt - appliedAt} ms after the canary's reload (bake ${BAKE_MS} ms); `
      + `canary ${canary.name}: ${canaryLoad.failed} failed of ${canaryLoad.ok + canaryLoad.failed} ${JSON.stringify(canaryLoad.errors)}\n`);
  });
});
