// The kubectl plugin (src/kubectl, issue 18 item 5) against the real kube-apiserver, run the
// way a user runs it: the real `kubectl hotcycle …`, kubectl's own plugin discovery finding the
// built dist/kubectl-hotcycle.mjs on PATH as `kubectl-hotcycle` (a shim that runs it with this
// Node). The chart is installed for real (rollout.enabled, 3 replicas: its Deployment, Pods and
// empty Lease). For status, pause/resume and abort no pod runs: the plugin is under test, not the
// sidecars, so the test writes what the sidecars would — the Pods' hotcycle.dev/* annotations and
// the rollout state in the Lease (encoded by the sidecar's own lease.ts) — and asserts what the
// plugin prints and writes. For `reload pod/NAME`, a real sidecar and master run as one of the
// Pods, with --pod-annotations on a file a kubelet stand-in keeps (test/helpers/cluster/
// downward-api.ts: the Pod watched, the file rewritten with kubelet's ..data swap and format).
// The second suite runs two of another release's Pods as real sidecars with a fleet rollout and
// aborts its version mid-bake: the canary rolls back, the other pod never applies it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { decodeRollout, encodeRollout, NO_ROLLOUT, ROLLOUT_ANNOTATION, type RolloutState } from '../../src/sidecar/rollout/lease.ts';
import { kubectlPath } from '../charts/k8s-tools.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { followPodAnnotations } from '../helpers/cluster/downward-api.ts';
import { installRelease, podEvents, startReleasePod, type PodRef, type Release } from '../helpers/cluster/release.ts';
import { demoConfig, fixture, type LogLine } from '../helpers/master.ts';
import { freePorts } from '../helpers/ports.ts';
import { Pod, type HotcycleProcess } from '../helpers/sidecar.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PLUGIN = join(ROOT, 'dist', 'kubectl-hotcycle.mjs');
const LEASE = 'hotcycle-rollout';
const V = 'c0ffee'.padEnd(64, '1');
const BAD = 'bad000'.padEnd(64, '2');
const cluster = useCluster();
let release: Release;
let shimDir: string;
let names: string[];
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const clean of cleanups.reverse()) await clean();
  if (shimDir) await rm(shimDir, { recursive: true, force: true });
});

interface Ran { code: number; stdout: string; stderr: string }

/** `kubectl hotcycle ARGS --kubeconfig …`, through kubectl's plugin discovery. */
function kubectlHotcycle(args: string[]): Promise<Ran> {
  const env = { PATH: `${shimDir}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: shimDir };
  const argv = ['hotcycle', ...args, '--kubeconfig', kubeconfig];
  return new Promise((resolve) => {
    execFile(kubectlPath(), argv, { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? -1) : 0, stdout, stderr });
    });
  });
}
let kubeconfig = '';

async function leaseState(namespace = release.namespace): Promise<RolloutState> {
  const lease = await (await cluster()).json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'lease', LEASE, '-n', namespace]);
  return decodeRollout(lease.metadata.annotations);
}

async function podAnnotations(namespace: string, name: string): Promise<Record<string, string>> {
  return (await (await cluster()).json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'pod', name, '-n', namespace])).metadata.annotations ?? {};
}

/** The kubeconfig's current user, as the plugin names it in an abort's reason. */
async function kubeconfigUser(): Promise<string> {
  return (await (await cluster()).must(['config', 'view', '--minify', '-o', 'jsonpath={.contexts[0].context.user}'])).trim();
}

const delivered = (what: string) => (l: LogLine) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).includes(what);

const STATE: RolloutState = {
  ...NO_ROLLOUT, version: V, phase: 'waves', startedAt: '2026-01-01T00:00:00Z', canary: null,
  slots: [], applied: [], members: [], paused: false,
  bad: [{ hash: BAD, reason: 'probe: 5xx ratio 1.00 > 0.05 (12/12)', at: '2026-01-01T00:00:00Z' }],
};

before(async () => {
  const c = await cluster();
  kubeconfig = c.info.kubeconfig;
  shimDir = await mkdtemp(join(tmpdir(), 'kubectl-plugin-'));
  const shim = join(shimDir, 'kubectl-hotcycle');
  await writeFile(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(PLUGIN)} "$@"\n`);
  await chmod(shim, 0o755);
  release = await installRelease(c, 'plugin', ['--set', 'replicaCount=3', '--set', 'rollout.enabled=true']);
  names = release.pods.map((p) => p.name).sort();
  const [a, b] = names as [string, string, string];
  const now = new Date().toISOString();
  // What each pod's sidecar would have written (src/sidecar/kube/events.ts).
  await c.must(['annotate', 'pod', a, '-n', release.namespace, '--overwrite', 'hotcycle.dev/generation=2', `hotcycle.dev/config-hash=${V}`, `hotcycle.dev/reloaded-at=${now}`]);
  await c.must(['annotate', 'pod', b, '-n', release.namespace, '--overwrite', 'hotcycle.dev/generation=1', `hotcycle.dev/config-hash=${BAD}`,
    'hotcycle.dev/reloaded-at=2026-01-01T00:00:00Z', 'hotcycle.dev/last-failure=config c0ffee111111 rejected: hotcycle.yaml:3:7 workers.count must be >= 1',
    `hotcycle.dev/last-failure-at=${now}`]);
  // And the condition each sets on its Pod's status (src/sidecar/kube/pod-condition.ts): a applied, b refused here.
  const condition = (status: string, reason: string) => JSON.stringify({ status: { conditions: [{ type: 'hotcycle.dev/config-applied', status, reason, message: 'set by the test' }] } });
  await c.must(['patch', 'pod', a, '-n', release.namespace, '--subresource=status', '--type=strategic', '-p', condition('True', 'Applied')]);
  await c.must(['patch', 'pod', b, '-n', release.namespace, '--subresource=status', '--type=strategic', '-p', condition('False', 'ReloadFailed')]);
  // What the sidecars would have written to the Lease: b holds a wave slot, a applied.
  const state = { ...STATE, slots: [{ pod: b, since: now, renewedAt: now }], applied: [a] };
  await c.must(['annotate', 'lease', LEASE, '-n', release.namespace, '--overwrite', `${ROLLOUT_ANNOTATION}=${encodeRollout(state)}`]);
}, { timeout: 180_000 });

const columns = (line: string): string[] => line.trim().split(/ {3,}/);

describe('kubectl hotcycle on the real API server', { timeout: 60_000 }, () => {
  test('status: one row per pod, the rollout line', async () => {
    const { code, stdout, stderr } = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', release.namespace]);
    assert.equal(code, 0, stderr);
    const [header, ...rest] = stdout.trimEnd().split('\n');
    assert.deepEqual(columns(header!), ['POD', 'VERSION', 'GEN', 'LAST RESULT', 'ROLE', 'APPLIED', 'READY', 'AGE']);
    const [a, b, c] = names as [string, string, string];
    const rows = rest.slice(0, 3).map(columns);
    assert.deepEqual(rows.map((r) => [r[0], r[1], r[2], r[4], r[5], r[6]]), [
      [a, V.slice(0, 12), '2', 'applied', 'True Applied', 'no'],
      [b, BAD.slice(0, 12), '1', 'in slot', 'False ReloadFailed', 'no'],
      [c, '-', '-', 'waiting', '-', 'no'],
    ]);
    assert.match(rows[0]![3]!, /^reloaded \d+s ago$/);
    assert.equal(rows[1]![3], 'failed: config c0ffee111111 rejected: hotcycle.yaml:3:7 workers.cou…', 'the failure line cut to 60 characters');
    assert.equal(rows[2]![3], '-');
    for (const r of rows) assert.match(r[7]!, /^\d+[smhd]$/);
    assert.equal(rest[3], '');
    assert.equal(rest.slice(4).join('\n'), `rollout: waves config ${V.slice(0, 12)} (Lease ${release.namespace}/${LEASE})\n  bad ${BAD.slice(0, 12)}: probe: 5xx ratio 1.00 > 0.05 (12/12)`);
  });

  test('status --json: the same as one object', async () => {
    const { code, stdout, stderr } = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', release.namespace, '--json']);
    assert.equal(code, 0, stderr);
    const view = JSON.parse(stdout) as { namespace: string; deployment: string; pods: Array<Record<string, unknown>>; rollout: unknown };
    assert.equal(view.deployment, 'hotcycle');
    assert.equal(view.namespace, release.namespace);
    assert.deepEqual(view.pods.map((p) => [p.pod, p.version, p.generation, p.role, p.applied, p.ready]), [
      [names[0], V, 2, 'applied', { status: 'True', reason: 'Applied' }, false], [names[1], BAD, 1, 'in slot', { status: 'False', reason: 'ReloadFailed' }, false],
      [names[2], '', null, 'waiting', null, false],
    ]);
    assert.deepEqual(view.rollout, { lease: `${release.namespace}/${LEASE}`, phase: 'waves', version: V, paused: false, bad: STATE.bad });
  });

  test('rollout pause, then resume: the Lease changes, nothing else in it', async () => {
    const before = await leaseState();
    assert.equal(before.paused, false);
    const paused = await kubectlHotcycle(['rollout', 'pause', 'deploy/hotcycle', '-n', release.namespace]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /rollout of deployment .* paused/);
    assert.deepEqual(await leaseState(), { ...before, paused: true });
    const status = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', release.namespace]);
    assert.match(status.stdout, new RegExp(`^rollout: waves config ${V.slice(0, 12)} · paused \\(Lease`, 'm'));
    const resumed = await kubectlHotcycle(['rollout', 'resume', 'deploy/hotcycle', '-n', release.namespace]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(await leaseState(), before);
  });

  test('rollout abort: the version in flight marked bad, with the user and the reason; nothing in flight: exit 1, nothing written', async () => {
    const before = await leaseState();
    assert.equal(before.phase, 'waves');
    const user = await kubeconfigUser();
    assert.notEqual(user, '');
    const aborted = await kubectlHotcycle(['rollout', 'abort', 'deploy/hotcycle', '-n', release.namespace, '--reason', '500s on /api']);
    assert.equal(aborted.code, 0, aborted.stderr);
    const reason = `aborted by ${user} via kubectl: 500s on /api`;
    assert.equal(aborted.stdout, `rollout of deployment ${release.namespace}/hotcycle aborted: config ${V.slice(0, 12)} marked bad (${reason}) in Lease ${release.namespace}/${LEASE}; `
      + 'the pods that applied it roll back, the others never apply it\n');
    const after = await leaseState();
    const mark = after.bad.at(-1)!;
    assert.deepEqual(after, { ...before, phase: 'aborted', canary: null, slots: [], bad: [...before.bad, { hash: V, reason, at: mark.at }] });
    assert.ok(Math.abs(Date.parse(mark.at) - Date.now()) < 60_000, mark.at);
    const status = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', release.namespace]);
    assert.match(status.stdout, new RegExp(`^rollout: aborted config ${V.slice(0, 12)} \\(Lease .*\\n  bad ${BAD.slice(0, 12)}: .*\\n  bad ${V.slice(0, 12)}: ${reason}$`, 'm'));

    const again = await kubectlHotcycle(['rollout', 'abort', 'deploy/hotcycle', '-n', release.namespace]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, new RegExp(`^kubectl-hotcycle: error: nothing to abort: no version is in flight in Lease ${release.namespace}/${LEASE} \\(config ${V.slice(0, 12)} is aborted\\)\\n$`));
    assert.deepEqual(await leaseState(), after, 'nothing written');
  });

  test('reload deploy/NAME --no-wait: the request on every pod of the Deployment, one line each', async () => {
    const ran = await kubectlHotcycle(['reload', 'deploy/hotcycle', '-n', release.namespace, '--no-wait']);
    assert.equal(ran.code, 0, ran.stderr);
    const values = await Promise.all(names.map(async (n) => (await podAnnotations(release.namespace, n))['hotcycle.dev/reload-requested']));
    const value = values[0]!;
    assert.ok(Math.abs(Date.parse(value) - Date.now()) < 60_000, `an RFC 3339 time of now: ${value}`);
    assert.deepEqual(values, names.map(() => value), 'one request, set on each pod');
    assert.equal(ran.stdout, names.map((n) => `pod/${n}: reload requested (hotcycle.dev/reload-requested=${value})\n`).join(''));
  });

  test('reload pod/NAME of a pod whose sidecar does not answer: exit 1 after --timeout, saying so', async () => {
    const startedAt = Date.now();
    const ran = await kubectlHotcycle(['reload', `pod/${names[0]}`, '-n', release.namespace, '--timeout', '2s']);
    assert.equal(ran.code, 1, ran.stderr);
    assert.ok(Date.now() - startedAt >= 2000, 'it waited the timeout');
    const value = (await podAnnotations(release.namespace, names[0]!))['hotcycle.dev/reload-requested'];
    assert.equal(ran.stdout.split('\n')[0], `pod/${names[0]}: no answer within 2s (hotcycle.dev/reload-requested=${value} is set; the sidecar sees it once kubelet `
      + 'refreshes the Pod\'s annotations file, on its next sync of the Pod: try a longer --timeout, or check the sidecar is running)');
    const missing = await kubectlHotcycle(['reload', 'pod/nope', '-n', release.namespace]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, `pod/nope: FAILED: pod ${release.namespace}/nope not found\n`);
  });

  describe('reload pod/NAME with the pod\'s sidecar running on the annotations file kubelet keeps', () => {
    let self: PodRef;
    let pod: Pod;
    let sidecar: HotcycleProcess;
    let port: number;
    before(async () => {
      const c = await cluster();
      self = release.pods.find((p) => p.name === names[2])!;
      [port] = await freePorts(1);
      pod = await Pod.create({ 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
      cleanups.push(() => pod.cleanup());
      const volume = await followPodAnnotations(c, release.namespace, self.name, join(pod.dir, 'pod-info'));
      cleanups.push(() => volume.close());
      sidecar = await startReleasePod(c, release, pod, { self, args: ['--pod-annotations', volume.file, '--log-level', 'debug'] });
    }, { timeout: 60_000 });

    test('the sidecar reloads, acknowledges on the Pod and in an Event; the plugin prints the outcome', async () => {
      const generation = (await pod.masterStatus()).generation;
      const done = sidecar.nextLog((l) => l.event === 'reload-request.done');
      const ran = await kubectlHotcycle(['reload', `pod/${self.name}`, '-n', release.namespace, '--timeout', '30s']);
      assert.equal(ran.code, 0, ran.stderr + ran.stdout);
      const line = await done;
      const status = await pod.masterStatus();
      assert.equal(status.generation, generation + 1, 'a forced reload: a new generation of the same config');
      assert.equal(ran.stdout, `pod/${self.name}: reloaded config ${status.configHash.slice(0, 12)}, generation ${status.generation}\n`);
      const annotations = await podAnnotations(release.namespace, self.name);
      const request = annotations['hotcycle.dev/reload-requested']!;
      assert.equal(line.request, request);
      assert.equal(line.ok, true);
      assert.equal(annotations['hotcycle.dev/last-reload-request'], request);
      assert.equal(annotations['hotcycle.dev/last-reload-outcome'], `ok: reloaded config ${status.configHash.slice(0, 12)}, generation ${status.generation}`);
      // The request of the --no-wait case above, older than this sidecar, was in the file at its start: not acted on.
      assert.deepEqual(sidecar.logs.filter((l) => l.event === 'reload-request.received').map((l) => l.request), [request]);
      await sidecar.waitForLog(delivered('ReloadRequested'));
      const event = (await podEvents(await cluster(), release.namespace, self.uid)).find((e) => e.reason === 'ReloadRequested');
      assert.equal(event?.type, 'Normal');
      assert.equal(event?.message, `Reload requested (hotcycle.dev/reload-requested ${request}): ok: reloaded config ${status.configHash.slice(0, 12)}, generation ${status.generation}`);
    });

    test('a version the checks reject: the sidecar answers failed (a Warning Event), the plugin prints why and exits 1', async () => {
      const rejected = sidecar.nextLog((l) => l.event === 'config.rejected');
      await pod.update({ 'message.txt': 'two' }, 'workers:\n  count: two\n  command: [node]\n');
      await rejected;
      const generation = (await pod.masterStatus()).generation;
      const done = sidecar.nextLog((l) => l.event === 'reload-request.done');
      const ran = await kubectlHotcycle(['reload', `pod/${self.name}`, '-n', release.namespace, '--timeout', '30s']);
      assert.equal(ran.code, 1, ran.stderr);
      assert.equal((await done).ok, false);
      assert.match(ran.stdout, new RegExp(`^pod/${self.name}: FAILED: rejected [0-9a-f]{12}: hotcycle\\.yaml:2:10: workers\\.count.*\\n$`));
      assert.equal((await pod.masterStatus()).generation, generation, 'the old generation serves on');
      await sidecar.waitForLog((l) => delivered('ReloadRequested')(l) && sidecar.logs.filter(delivered('ReloadRequested')).length >= 2);
      const events = (await podEvents(await cluster(), release.namespace, self.uid)).filter((e) => e.reason === 'ReloadRequested');
      assert.deepEqual(events.map((e) => e.type).sort(), ['Normal', 'Warning']);
    });
  });

  test('a missing deployment exits 1; a usage error 2', async () => {
    const missing = await kubectlHotcycle(['status', 'deploy/nope', '-n', release.namespace]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, new RegExp(`deployment ${release.namespace}/nope not found`));
    const pause = await kubectlHotcycle(['rollout', 'pause', 'deploy/nope', '-n', release.namespace]);
    assert.equal(pause.code, 1);
    const usage = await kubectlHotcycle(['status', 'pod/x']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected deploy\/NAME/);
  });

  test('no Lease: "rollout: off", the pods still listed', async () => {
    await (await cluster()).must(['delete', 'lease', LEASE, '-n', release.namespace]);
    const { code, stdout, stderr } = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', release.namespace]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trimEnd().split('\n').filter((l) => names.some((n) => l.startsWith(`${n} `))).length, 3);
    assert.match(stdout, /\n\nrollout: off\n$/);
  });
});

describe('rollout abort with the sidecars running: the canary rolls back, the other pod never applies it', { timeout: 120_000 }, () => {
  interface Member { ref: PodRef; pod: Pod; sidecar: HotcycleProcess }
  let fleet: Release;
  const members: Member[] = [];
  // One config set for every pod (a listener in hotcycle.yaml would make each pod's version
  // differ): the status app listens itself, on STATUS_APP_PORT.
  const files = (message: string) => ({
    'message.txt': message,
    'hotcycle.yaml': stringify({ workers: { count: 1, command: ['node', fixture('status-app.ts')], readiness: { mode: 'notify', timeoutMs: 10_000 } } }),
  });
  const reloadOk = (hash: string) => (l: LogLine) => l.event === 'reload.ok' && l.configHash === hash;

  before(async () => {
    const c = await cluster();
    fleet = await installRelease(c, 'plugin-abort', ['--set', 'replicaCount=2', '--set', 'rollout.enabled=true']);
    assert.equal(fleet.pods.length, 2);
    const ports = await freePorts(2);
    for (const [i, ref] of fleet.pods.entries()) {
      const pod = await Pod.create(files('one'));
      cleanups.push(() => pod.cleanup());
      // A bake far longer than the test: the canary is still baking when the abort comes.
      const args = ['--rollout-lease', LEASE, '--rollout-bake-seconds', '600', '--rollout-slot-timeout-seconds', '6', '--log-level', 'debug'];
      const sidecar = await startReleasePod(c, fleet, pod, { self: ref, args, startMaster: false });
      await pod.startMaster([], (l) => l.event === 'master.ready', { STATUS_APP_PORT: String(ports[i]) });
      await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
      members.push({ ref, pod, sidecar });
    }
  }, { timeout: 180_000 });

  test('abort mid-bake: the Lease says aborted with the reason; the canary goes back to the version it ran before', async () => {
    const v1 = (await members[0]!.pod.masterStatus()).configHash;
    const started = Promise.race(members.map((m) => m.sidecar.nextLog((l) => l.event === 'rollout.started').then((line) => ({ m, line }))));
    await Promise.all(members.map((m) => m.pod.update(files('two'))));
    const { m: canary, line } = await started;
    const v2 = String(line.configHash);
    assert.notEqual(v2, v1);
    await canary.sidecar.waitForLog(reloadOk(v2));
    const other = members.find((m) => m !== canary)!;
    assert.ok(['canary', 'baking'].includes((await leaseState(fleet.namespace)).phase), 'in flight: the canary applied it and bakes');
    const back = canary.sidecar.nextLog(reloadOk(v1));
    const seen = other.sidecar.nextLog((l) => l.event === 'rollout.phase' && l.phase === 'aborted');

    const ran = await kubectlHotcycle(['rollout', 'abort', 'deploy/hotcycle', '-n', fleet.namespace, '--reason', 'test: mid-bake']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, new RegExp(`aborted: config ${v2.slice(0, 12)} marked bad \\(aborted by .+ via kubectl: test: mid-bake\\)`));
    await back;
    assert.equal((await canary.pod.masterStatus()).configHash, v1, 'the canary is back on the version it ran before');
    await seen;
    const sync = await other.pod.sync({ reason: 'test: after the abort' });
    assert.ok(['held', 'unchanged'].includes(sync.outcome), sync.outcome);
    assert.equal((await other.pod.masterStatus()).configHash, v1);
    assert.equal(other.sidecar.logs.some(reloadOk(v2)), false, 'the other pod never reloaded the aborted version');
    assert.equal(other.sidecar.logs.some((l) => l.event === 'config.published' && l.configHash === v2), false, 'nor published it');
    const state = await leaseState(fleet.namespace);
    assert.equal(state.phase, 'aborted');
    assert.equal(state.version, v2);
    assert.equal(state.canary, null);
    assert.match(state.bad.find((b) => b.hash === v2)?.reason ?? '', /^aborted by .+ via kubectl: test: mid-bake$/);
    const status = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', fleet.namespace]);
    assert.match(status.stdout, new RegExp(`^rollout: aborted config ${v2.slice(0, 12)} .*\\n  bad ${v2.slice(0, 12)}: aborted by .+ via kubectl: test: mid-bake$`, 'm'));
  });
});
