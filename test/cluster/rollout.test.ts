// Issue 18, the fleet rollout's foundation, against the real kube-apiserver: the chart installed
// for real with rollout.enabled (its empty Lease `hotcycle-rollout`, its Role), three of its Pods
// run as real sidecar and master processes on this machine (tokens bound to the chart's Pods,
// test/helpers/cluster/release.ts). No kubelet runs them: a ConfigMap edit is each pod's source
// directory swapped kubelet-style, all three at once. The app (test/fixtures/status-app.ts)
// answers with the status in status.txt, so a version can pass every check and still answer 500.
//   (a) a good version: one pod applies it first (the canary), bakes, then the others one at a
//       time (maxInFlight 1), each after its own wave bake; the Lease ends `done`;
//   (b) a version answering 500: applied by the canary alone, judged harmed within bake + 2 s,
//       rolled back there, marked bad in the Lease, never applied by the others; RolloutAborted;
//   (b2) a version whose workers crash 1 s after start: judged harmed by the signal `workers`;
//   (b3) a version whose readiness check fails (GET /ready 503, every other path 200): harmed
//       by the signal readiness, rolled back, marked bad;
//   (f) a pod started (scale 3 → 4) while the source holds a version marked bad serves the
//       release's last good config (the last-good Secret), and says so; it then takes part;
//   (e) a second edit while the first is in flight supersedes it: every pod ends on the second;
//   (c) the canary's sidecar killed mid-bake: another pod takes the role once it is not renewed
//       within slotTimeout, and the rollout completes;
//   (d) RBAC: the sidecar's token may get/update its Lease and nothing else; the sidecar's own
//       Lease store with that token: a compare-and-swap that lost is a conflict, another Lease a
//       final 403.
// Waits are on log lines (events) with the test's deadline, never sleeps.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { fileSetFrom, hashFileSet } from '../../src/configset/fileset.ts';
import { HotcycleError } from '../../src/errors.ts';
import { loadKubeClient } from '../../src/sidecar/kube/client.ts';
import { LeaseStore } from '../../src/sidecar/rollout/store.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { apiAs, boundToken, installRelease, podEvents, podsCreated, startReleasePod, type PodRef, type Release } from '../helpers/cluster/release.ts';
import { CLI, fixture, type LogLine } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe, type HotcycleProcess } from '../helpers/sidecar.ts';

const run = promisify(execFile);
const cluster = useCluster();
const LEASE = 'hotcycle-rollout';
const BAKE_MS = 3000;
const WAVE_BAKE_MS = 1000;
const SLOT_TIMEOUT_MS = 4000;
const RENEW_EVERY_MS = Math.floor(SLOT_TIMEOUT_MS / 3);

interface Member { ref: PodRef; pod: Pod; sidecar: HotcycleProcess; port: number }
let release: Release;
const members: Member[] = [];
after(() => Promise.all(members.map((m) => m.pod.cleanup())));

const YAML = stringify({
  workers: {
    count: 1, command: ['node', fixture('status-app.ts')],
    readiness: { mode: 'notify', timeoutMs: 10_000 }, shutdown: { signal: 'SIGTERM', timeoutMs: 5000 },
  },
});
const files = (message: string, status: number, crashAfterMs = 0, readyStatus = 0) => ({
  'hotcycle.yaml': YAML, 'message.txt': message, 'status.txt': String(status), ...(crashAfterMs ? { 'crash-after-ms.txt': String(crashAfterMs) } : {}),
  ...(readyStatus ? { 'ready-status.txt': String(readyStatus) } : {}),
});
const hashOf = (message: string, status: number, crashAfterMs = 0, readyStatus = 0) => hashFileSet(fileSetFrom(files(message, status, crashAfterMs, readyStatus)));
const at = (line: LogLine): number => Date.parse(String(line.timestamp));
const reloadOk = (hash: string) => (l: LogLine) => l.event === 'reload.ok' && l.configHash === hash;

interface LeaseState {
  version: string; phase: string; canary: { pod: string } | null; slots: Array<{ pod: string }>; applied: string[];
  bad: Array<{ hash: string; reason: string }>; superseded: string[]; paused: boolean;
}

/** The rollout state as the Lease holds it, parsed here without the sidecar's decoder. */
async function leaseState(): Promise<LeaseState> {
  const lease = await (await cluster()).json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'lease', LEASE, '-n', release.namespace]);
  return JSON.parse(lease.metadata.annotations?.['hotcycle.dev/rollout'] ?? 'null') as LeaseState;
}

/** Every live member's source swapped to `version` at once, as kubelet does on a ConfigMap edit. */
async function edit(set: Record<string, string>): Promise<number> {
  const editedAt = Date.now();
  await Promise.all(members.map((m) => m.pod.update(set)));
  return editedAt;
}

/** The first of `of` whose sidecar logs a matching line from now on, and the line. */
function firstOf(of: Member[], match: (l: LogLine) => boolean): Promise<{ member: Member; line: LogLine }> {
  return Promise.race(of.map((member) => member.sidecar.nextLog(match).then((line) => ({ member, line }))));
}

async function startMember(ref: PodRef, initial = files('one', 200)): Promise<Member> {
  const port = await freePort();
  const pod = await Pod.create(initial);
  const args = [
    '--rollout-lease', LEASE, '--rollout-bake-seconds', String(BAKE_MS / 1000), '--rollout-wave-bake-seconds', String(WAVE_BAKE_MS / 1000),
    '--rollout-max-in-flight', '1', '--rollout-slot-timeout-seconds', String(SLOT_TIMEOUT_MS / 1000),
    // 12 probes per bake; 0.8 allows 2 failures (a connection caught in a generation's handoff), 0.05 no 5xx.
    '--rollout-probe', `http://:${port}/?minSuccess=0.8&max5xx=0.05&intervalMs=250`,
    // The main container's readiness, as the chart derives it from an httpGet readinessProbe:
    // three failures 500 ms apart, slower than the probe's, so (b) and (b2) are the probe's and the workers'.
    '--rollout-readiness', `http://:${port}/ready?failureThreshold=3&intervalMs=500`,
    // As the chart runs it: a version is kept for the release once judged healthy, (f) starts on it.
    '--last-good-secret', 'hotcycle-last-good',
    // Delivered Events are logged at debug level.
    '--log-level', 'debug',
  ];
  const sidecar = await startReleasePod(await cluster(), release, pod, { self: ref, startMaster: false, args });
  await pod.startMaster([], (l) => l.event === 'master.ready', { STATUS_APP_PORT: String(port) });
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  const member = { ref, pod, sidecar, port };
  members.push(member);
  return member;
}

before(async () => {
  release = await installRelease(await cluster(), 'rollout', ['--set', 'replicaCount=3', '--set', 'rollout.enabled=true']);
  for (const ref of release.pods) await startMember(ref);
}, { timeout: 240_000 });

describe('the fleet rollout through the release Lease', { timeout: 120_000 }, () => {
  const v2 = hashOf('two', 200);

  test('(a) a good version: one canary, its bake, then one pod at a time; the Lease ends done', async () => {
    assert.equal((await leaseState())?.version ?? '', '', 'the chart creates the Lease empty');
    const reloads = members.map((m) => m.sidecar.nextLog(reloadOk(v2)).then((line) => ({ m, line })));
    const completed = firstOf(members, (l) => l.event === 'rollout.completed' && l.configHash === v2);
    const editedAt = await edit(files('two', 200));
    const applied = (await Promise.all(reloads)).sort((a, b) => at(a.line) - at(b.line));
    await completed;
    const [first, second, third] = applied.map((a) => at(a.line)) as [number, number, number];
    const canary = applied[0]!.m;
    const starts = members.flatMap((m) => m.sidecar.logs.filter((l) => l.event === 'rollout.started' && l.configHash === v2).map(() => m.ref.name));
    assert.deepEqual(starts, [canary.ref.name], 'exactly one pod started the rollout, the one that applied it first');
    assert.ok(second - first >= BAKE_MS, `the second pod applied it ${second - first} ms after the canary: not before the bake (${BAKE_MS} ms) was over`);
    assert.ok(third - second >= WAVE_BAKE_MS, `the third pod applied it ${third - second} ms after the second: maxInFlight 1 waits for a wave bake`);
    const state = await leaseState();
    assert.equal(state.version, v2);
    assert.equal(state.phase, 'done');
    assert.deepEqual([...state.applied].sort(), members.map((m) => m.ref.name).sort());
    assert.equal(state.canary, null);
    for (const m of members) {
      await m.sidecar.waitForLog((l) => l.event === 'rollout.phase' && l.phase === 'done');
      assert.equal((await m.pod.masterStatus()).configHash, v2);
      const status = await m.pod.sidecarStatus();
      assert.equal(status.rollout?.phase, 'done');
      assert.equal(status.rollout?.role, 'applied');
      const info = (await probe(m.pod.metricsPort, '/metrics')).body.split('\n').filter((l) => l.startsWith('hotcycle_config_applied_info'));
      assert.deepEqual(info, [`hotcycle_config_applied_info{config_hash="${v2.slice(0, 12)}"} 1`], 'which version each pod runs, one series');
    }
    const text = (await run(process.execPath, [CLI, 'status', '--sidecar-socket', canary.pod.sidecarSocket])).stdout;
    assert.match(text, new RegExp(`^rollout: applied · done config ${v2.slice(0, 12)} \\(Lease ${release.namespace}/${LEASE}\\)$`, 'm'));
    const json = JSON.parse((await run(process.execPath, [CLI, 'status', '--json', '--sidecar-socket', canary.pod.sidecarSocket])).stdout) as { sidecar: { rollout?: object } };
    assert.deepEqual(json.sidecar.rollout, { lease: `${release.namespace}/${LEASE}`, role: 'applied', phase: 'done', version: v2, paused: false, bad: [] });
    assert.match((await probe(canary.pod.metricsPort, '/metrics')).body, /^hotcycle_rollout_phase\{phase="done"\} 1$/m);
    await canary.sidecar.waitForLog((l) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).includes('RolloutStarted'));
    const events = await podEvents(await cluster(), release.namespace, canary.ref.uid);
    assert.match(events.find((e) => e.reason === 'RolloutStarted')?.message ?? '', new RegExp(`config ${v2.slice(0, 12)} started; this pod is its canary`));
    console.log(`measured (a): edit → all 3 pods on the good version in ${third - editedAt} ms (canary reload at ${first - editedAt} ms, bake ${BAKE_MS} ms, wave bake ${WAVE_BAKE_MS} ms)`);
  });

  test('(b) a version answering 500: the canary alone applies it, judges it harmed, rolls back; marked bad, never applied elsewhere', async () => {
    const v3 = hashOf('three', 500);
    const started = firstOf(members, (l) => l.event === 'rollout.started' && l.configHash === v3);
    const aborted = firstOf(members, (l) => l.event === 'rollout.aborted' && l.configHash === v3);
    const rolledBack = new Map(members.map((m) => [m, m.sidecar.nextLog(reloadOk(v2))]));
    const sawAborted = new Map(members.map((m) => [m, m.sidecar.nextLog((l) => l.event === 'rollout.phase' && l.phase === 'aborted')]));
    await edit(files('three', 500));
    const { member: canary } = await started;
    const harmedAt = at((await aborted).line);
    const appliedAt = at(await canary.sidecar.waitForLog(reloadOk(v3)));
    assert.equal((await aborted).member, canary, 'the pod that applied it judged it');
    assert.ok(harmedAt - appliedAt <= BAKE_MS + 2000, `judged harmed ${harmedAt - appliedAt} ms after its reload (bake ${BAKE_MS} ms + 2 s)`);
    assert.match(String((await aborted).line.figures), /^(5xx ratio 1\.00 > 0\.05|success ratio 0\.\d\d < 0\.8)/);
    // Rolled back there: an ordinary reload to the version it ran before.
    const back = await rolledBack.get(canary)!;
    assert.ok(at(back) >= harmedAt, 'the reload back to v2 follows the verdict');
    assert.equal((await canary.pod.masterStatus()).configHash, v2);
    const state = await leaseState();
    assert.equal(state.phase, 'aborted');
    assert.equal(state.bad.find((b) => b.hash === v3)?.reason.startsWith('probe: '), true, JSON.stringify(state.bad));
    // The others, once they read the abort, hold it: a sync now changes nothing; their masters run v2.
    for (const m of members.filter((x) => x !== canary)) {
      await sawAborted.get(m);
      const sync = await m.pod.sync({ reason: 'test: after the abort' });
      assert.ok(['held', 'unchanged'].includes(sync.outcome), sync.outcome);
      assert.equal((await m.pod.masterStatus()).configHash, v2);
      assert.equal(m.sidecar.logs.some(reloadOk(v3)), false, `${m.ref.name} never reloaded the bad version`);
      assert.equal(m.sidecar.logs.some((l) => l.event === 'config.published' && l.configHash === v3), false, `${m.ref.name} never published it`);
      assert.deepEqual((await m.pod.sidecarStatus()).rollout?.bad.map((b) => b.hash), [v3]);
    }
    assert.match((await probe(canary.pod.metricsPort, '/metrics')).body, /^hotcycle_rollout_aborts_total\{signal="probe"\} 1$/m);
    await canary.sidecar.waitForLog((l) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).includes('RolloutAborted'));
    const event = (await podEvents(await cluster(), release.namespace, canary.ref.uid)).find((e) => e.reason === 'RolloutAborted');
    assert.equal(event?.type, 'Warning');
    assert.match(event?.message ?? '', new RegExp(`config ${v3.slice(0, 12)} aborted: harmed this pod \\(probe: (5xx|success) ratio \\d\\.\\d\\d`));
    console.log(`measured (b): harmed ${harmedAt - appliedAt} ms after the canary's reload (bake ${BAKE_MS} ms); ${event?.message}`);
  });

  test('(b2) a version whose workers crash after start: harmed by the signal workers, rolled back, marked bad', async () => {
    const v5 = hashOf('five', 200, 1000);
    const started = firstOf(members, (l) => l.event === 'rollout.started' && l.configHash === v5);
    const aborted = firstOf(members, (l) => l.event === 'rollout.aborted' && l.configHash === v5);
    const rolledBack = new Map(members.map((m) => [m, m.sidecar.nextLog(reloadOk(v2))]));
    await edit(files('five', 200, 1000));
    const { member: canary } = await started;
    const { member: judge, line } = await aborted;
    assert.equal(judge, canary);
    assert.equal(line.signal, 'workers');
    assert.match(String(line.figures), /^\d+ worker exits?(, crash loop)? in the new generation$/);
    const appliedAt = at(await canary.sidecar.waitForLog(reloadOk(v5)));
    assert.ok(at(line) - appliedAt <= BAKE_MS + 2000, `judged harmed ${at(line) - appliedAt} ms after its reload (bake ${BAKE_MS} ms + 2 s)`);
    await rolledBack.get(canary)!;
    assert.equal((await canary.pod.masterStatus()).configHash, v2);
    assert.equal((await leaseState()).bad.find((b) => b.hash === v5)?.reason.startsWith('workers: '), true);
    for (const m of members.filter((x) => x !== canary)) assert.equal(m.sidecar.logs.some(reloadOk(v5)), false, `${m.ref.name} never reloaded it`);
    assert.match((await probe(canary.pod.metricsPort, '/metrics')).body, /^hotcycle_rollout_aborts_total\{signal="workers"\} 1$/m);
    console.log(`measured (b2): harmed (workers) ${at(line) - appliedAt} ms after the canary's reload; ${String(line.figures)}`);
  });

  test('(b3) a version whose readiness check fails while it serves: harmed by the signal readiness, rolled back, marked bad', async () => {
    const v8 = hashOf('eight', 200, 0, 503);
    const started = firstOf(members, (l) => l.event === 'rollout.started' && l.configHash === v8);
    const aborted = firstOf(members, (l) => l.event === 'rollout.aborted' && l.configHash === v8);
    const rolledBack = new Map(members.map((m) => [m, m.sidecar.nextLog(reloadOk(v2))]));
    await edit(files('eight', 200, 0, 503));
    const { member: canary } = await started;
    const { member: judge, line } = await aborted;
    assert.equal(judge, canary);
    assert.equal(line.signal, 'readiness', String(line.figures));
    assert.match(String(line.figures), new RegExp(`^not ready: 3 failed checks in a row \\(GET http://127\\.0\\.0\\.1:${canary.port}/ready; failureThreshold 3\\)$`));
    const appliedAt = at(await canary.sidecar.waitForLog(reloadOk(v8)));
    assert.ok(at(line) - appliedAt <= BAKE_MS + 2000, `judged harmed ${at(line) - appliedAt} ms after its reload (bake ${BAKE_MS} ms + 2 s)`);
    await rolledBack.get(canary)!;
    assert.equal((await canary.pod.masterStatus()).configHash, v2);
    for (const m of members.filter((x) => x !== canary)) assert.equal(m.sidecar.logs.some(reloadOk(v8)), false, `${m.ref.name} never reloaded it`);
    assert.match((await probe(canary.pod.metricsPort, '/metrics')).body, /^hotcycle_rollout_aborts_total\{signal="readiness"\} 1$/m);
    console.log(`measured (b3): harmed (readiness) ${at(line) - appliedAt} ms after the canary's reload; ${String(line.figures)}`);
  });

  test('(f) a pod started while the source holds a version marked bad serves the last good one, and says so', async () => {
    const v8 = hashOf('eight', 200, 0, 503);
    const c = await cluster();
    await c.must(['scale', 'deployment/hotcycle', '-n', release.namespace, '--replicas=4']);
    const ref = (await podsCreated(c, release.namespace)).find((p) => !release.pods.some((q) => q.name === p.name));
    assert.ok(ref, 'the ReplicaSet created a fourth Pod');
    const late = await startMember(ref, files('eight', 200, 0, 503));
    const line = await late.sidecar.waitForLog((l) => l.event === 'last-good.running');
    assert.equal(line.configHash, v2);
    assert.equal(line.instead, v8);
    assert.match(String(line.why), /^is marked bad in the fleet rollout \(readiness: not ready: /);
    assert.equal((await late.pod.masterStatus()).configHash, v2, 'the master started on the last good version');
    assert.equal(late.sidecar.logs.some((l) => l.event === 'config.published' && l.configHash === v8), false, 'the bad version was never published');
    assert.equal((await late.pod.sidecarStatus()).lastGood.running?.instead, v8);
    const text = (await run(process.execPath, [CLI, 'status', '--sidecar-socket', late.pod.sidecarSocket])).stdout;
    assert.match(text, new RegExp(`RUNNING LAST GOOD config ${v2.slice(0, 12)} \\(generation \\d+\\) since \\S+: config ${v8.slice(0, 12)} is marked bad in the fleet rollout`));
    assert.match((await probe(late.pod.metricsPort, '/metrics')).body, /^hotcycle_last_good_running 1$/m);
    await late.sidecar.waitForLog((l) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).includes('RunningLastGood'));
    const event = (await podEvents(c, release.namespace, ref.uid)).find((e) => e.reason === 'RunningLastGood');
    assert.match(event?.message ?? '', new RegExp(`^Config ${v8.slice(0, 12)} is marked bad in the fleet rollout \\(readiness: not ready: `));
  });

  test('(e) a second edit while the first is in flight supersedes it: every pod ends on the second', async () => {
    const v6 = hashOf('six', 200);
    const v7 = hashOf('seven', 200);
    const firstStarted = firstOf(members, (l) => l.event === 'rollout.started' && l.configHash === v6);
    const secondStarted = firstOf(members, (l) => l.event === 'rollout.started' && l.configHash === v7);
    const completed = firstOf(members, (l) => l.event === 'rollout.completed' && (l.configHash === v6 || l.configHash === v7));
    const onV7 = members.map((m) => m.sidecar.nextLog(reloadOk(v7)));
    await edit(files('six', 200));
    await firstStarted;
    await edit(files('seven', 200));
    await secondStarted;
    const done = await completed;
    assert.equal(done.line.configHash, v7, 'the first rollout never completes');
    await Promise.all(onV7);
    for (const m of members) assert.equal((await m.pod.masterStatus()).configHash, v7);
    const state = await leaseState();
    assert.equal(state.version, v7);
    assert.equal(state.phase, 'done');
  });

  test('(c) the canary\'s sidecar killed mid-bake: another pod takes the role after slotTimeout; the rollout completes', async () => {
    const v4 = hashOf('four', 200);
    const started = firstOf(members, (l) => l.event === 'rollout.started' && l.configHash === v4);
    await edit(files('four', 200));
    const { member: canary } = await started;
    await canary.sidecar.waitForLog(reloadOk(v4));
    const survivors = members.filter((m) => m !== canary);
    const taken = firstOf(survivors, (l) => l.event === 'rollout.role' && l.change === 'took the canary role' && l.configHash === v4);
    const completed = firstOf(survivors, (l) => l.event === 'rollout.completed' && l.configHash === v4);
    const killedAt = Date.now();
    await canary.sidecar.stop('SIGKILL');
    const takenAt = at((await taken).line);
    // Its last renewal came at most a renewal period and a loop tick (half of one) before the kill.
    const earliest = SLOT_TIMEOUT_MS - RENEW_EVERY_MS - RENEW_EVERY_MS / 2;
    assert.ok(takenAt - killedAt >= earliest, `taken ${takenAt - killedAt} ms after the kill: not before the role could have expired (${earliest} ms)`);
    assert.ok(takenAt - killedAt <= SLOT_TIMEOUT_MS + 5000, `taken ${takenAt - killedAt} ms after the kill (slotTimeout ${SLOT_TIMEOUT_MS} ms + 5 s)`);
    await completed;
    for (const m of survivors) assert.equal((await m.pod.masterStatus()).configHash, v4);
    const state = await leaseState();
    assert.equal(state.phase, 'done');
    assert.deepEqual(survivors.map((m) => m.ref.name).filter((name) => !state.applied.includes(name)), []);
    console.log(`measured (c): a new canary ${takenAt - killedAt} ms after the kill (slotTimeout ${SLOT_TIMEOUT_MS} ms)`);
  });

  test('(d) RBAC: the sidecar\'s token gets and updates its release\'s Lease, and nothing else', async () => {
    // The sidecars of the cases above renew the Lease about every second: one of them writing
    // between this test's GET and PUT made the PUT a 409 on a loaded machine. They stop first, so
    // the token's own compare-and-swap is the only writer (the token, not a process, is tested).
    await Promise.all(members.map((m) => m.sidecar.stop()));
    const c = await cluster();
    const token = await boundToken(c, release, release.pods[0]!);
    await c.must(['create', '-f', '-'], JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'other', namespace: release.namespace }, spec: {} }));
    const leases = `/apis/coordination.k8s.io/v1/namespaces/${release.namespace}/leases`;
    const got = await apiAs(c, token, 'GET', `${leases}/${LEASE}`);
    assert.equal(got.status, 200);
    // A PUT that changes the Lease (an annotation the rollout does not read) moves its resourceVersion on.
    const changed = (value: string) => {
      const body = structuredClone(got.body) as { metadata: { annotations?: Record<string, string> } };
      body.metadata.annotations = { ...body.metadata.annotations, 'hotcycle.dev/rbac-test': value };
      return body;
    };
    const put = await apiAs(c, token, 'PUT', `${leases}/${LEASE}`, changed('one'), 'application/json');
    assert.equal(put.status, 200, String(put.body.message));
    const stale = await apiAs(c, token, 'PUT', `${leases}/${LEASE}`, changed('two'), 'application/json');
    assert.equal(stale.status, 409, 'a write carrying an old resourceVersion is refused: the compare-and-swap the loop relies on');
    const other = await c.json<Record<string, unknown>>(['get', 'lease', 'other', '-n', release.namespace]);
    const denied: Array<[string, string, object?]> = [
      ['GET', `${leases}/other`], ['PUT', `${leases}/other`, other], ['PATCH', `${leases}/${LEASE}`, { metadata: { annotations: { x: 'y' } } }],
      ['GET', leases], ['DELETE', `${leases}/${LEASE}`], ['POST', leases, { metadata: { name: 'new' } }],
    ];
    for (const [method, path, body] of denied) {
      const answer = await apiAs(c, token, method, path, body, method === 'PATCH' ? undefined : 'application/json');
      assert.equal(answer.status, 403, `${method} ${path}: ${answer.status} ${answer.body.message}`);
    }

    // The sidecar's store, as the sidecar holds it: that token, the API server's CA.
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: c.info.server, caFile: c.info.pki.caCert }], users: [{ name: 'sidecar', token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'sidecar' }], currentContext: 'x',
    });
    const client = await loadKubeClient(kubeConfig);
    const signal = new AbortController().signal;
    const store = new LeaseStore({ client, namespace: release.namespace, name: LEASE });
    const [mine, theirs] = [await store.read(signal), await store.read(signal)];
    const written = await store.write(mine, { ...mine.state, superseded: [...mine.state.superseded, 'rbac-test'] }, signal);
    assert.notEqual(written, 'conflict');
    assert.deepEqual((await leaseState()).superseded, [...mine.state.superseded, 'rbac-test']);
    assert.equal(await store.write(theirs, { ...theirs.state, paused: true }, signal), 'conflict', 'the write read before the other one lost');
    assert.equal((await leaseState()).paused, false);
    const otherStore = new LeaseStore({ client, namespace: release.namespace, name: 'other' });
    await assert.rejects(otherStore.read(signal), (e: unknown) => e instanceof HotcycleError && e.code === 'EROLLOUT' && / 403 /.test(e.message));
  });
});
