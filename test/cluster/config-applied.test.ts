// Issue 18, item 4 and the RBAC/VAP acceptance, against the real kube-apiserver: the chart
// installed for real (rollout.enabled), its Pods run as real sidecar and master processes on this
// machine with tokens bound to them (test/helpers/cluster/release.ts); the condition is read
// back from the Pod's status through the API (a watch, never a sleep).
//   (a) without a rollout: True (Applied) once the master runs the version; an ordinary reload
//       leaves lastTransitionTime alone; True Rejected (the first finding; the pod serves the
//       version before, as every pod does) after a rejected edit, False ReloadFailed after a
//       version the master refuses, True again after a good one; a condition of someone else's
//       on the same Pod is left as it was;
//   (b) with the rollout (2 pods): the pod waiting for its turn says True Held (it serves the
//       version before), then both Applied; a version answering 500, marked bad by the canary,
//       is True MarkedBad on both once they serve the version before, with the Lease's reason;
//   (c) the sidecar's bound token on pods/status: its own Pod's condition and nothing else (another
//       Pod, another condition type, any other status field, labels: 403 from the chart's policy);
//       another release's Lease in the same namespace: 403. The Lease of its own release and one
//       of another name are test/cluster/rollout.test.ts (d)'s; not repeated here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { fileSetFrom, hashFileSet, shortHash } from '../../src/configset/fileset.ts';
import { CONFIG_APPLIED } from '../../src/sidecar/report/condition.ts';
import { CHART, helmPath, runTool } from '../charts/k8s-tools.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { apiAs, boundToken, installRelease, startReleasePod, type PodRef, type Release } from '../helpers/cluster/release.ts';
import { fixture, type LogLine } from '../helpers/master.ts';
import { freePorts } from '../helpers/ports.ts';
import { Pod, type HotcycleProcess } from '../helpers/sidecar.ts';

const cluster = useCluster();
const OTHER = 'example.com/other';

interface Condition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }

let release: Release;
const pods: Pod[] = [];
after(() => Promise.all(pods.map((p) => p.cleanup())));

before(async () => {
  release = await installRelease(await cluster(), 'applied', ['--set', 'rollout.enabled=true']);
  assert.equal(release.pods.length, 2, 'the default values make two replicas');
}, { timeout: 180_000 });

const YAML = (crash = false) => stringify({
  workers: {
    count: 1, command: ['node', fixture(crash ? 'crash-on-start.ts' : 'status-app.ts')],
    readiness: { mode: 'notify', timeoutMs: 10_000 }, shutdown: { signal: 'SIGTERM', timeoutMs: 5000 },
  },
});
const files = (message: string, status = 200, yaml = YAML()) => ({ 'hotcycle.yaml': yaml, 'message.txt': message, 'status.txt': String(status) });
const short = (message: string, status = 200, yaml = YAML()) => shortHash(hashFileSet(fileSetFrom(files(message, status, yaml))));

/** The Pod's conditions as the API server holds them. */
async function conditionsOf(ref: PodRef): Promise<Condition[]> {
  return (await (await cluster()).json<{ status: { conditions?: Condition[] } }>(['get', 'pod', ref.name, '-n', release.namespace])).status.conditions ?? [];
}

/** Watches `ref` until its hotcycle.dev/config-applied condition matches (the watch's first event is the Pod as it is). */
async function waitForCondition(ref: PodRef, match: (c: Condition) => boolean, timeoutMs = 30_000): Promise<Condition> {
  const kc = new KubeConfig();
  kc.loadFromFile((await cluster()).info.kubeconfig);
  let last: Condition | undefined;
  let abort: AbortController | undefined;
  try {
    return await new Promise<Condition>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${ref.name}: no matching condition within ${timeoutMs} ms; last: ${JSON.stringify(last)}`)), timeoutMs);
      void new Watch(kc).watch(`/api/v1/namespaces/${release.namespace}/pods`, { fieldSelector: `metadata.name=${ref.name}` }, (_phase, pod: { status?: { conditions?: Condition[] } }) => {
        last = pod.status?.conditions?.find((c) => c.type === CONFIG_APPLIED);
        if (last && match(last)) {
          clearTimeout(timer);
          resolve(last);
        }
      }, (error) => error && reject(error as Error)).then((a) => { abort = a; }, reject);
    });
  } finally {
    abort?.abort();
  }
}

const reason = (r: string, more: (c: Condition) => boolean = () => true) => (c: Condition) => c.reason === r && more(c);
const conditionWrites = (sidecar: HotcycleProcess) => sidecar.logs.filter((l) => l.event === 'kube-report' && l.call === 'condition');

describe('the Pod condition hotcycle.dev/config-applied', { timeout: 240_000 }, () => {
  test('(a) without a rollout: Applied; a reload keeps lastTransitionTime; Rejected, ReloadFailed with why; Applied again; others\' conditions kept', async () => {
    const c = await cluster();
    const self = release.pods[0]!;
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString().replace('.000Z', 'Z');
    const other = { type: OTHER, status: 'True', reason: 'SetByTheTest', message: 'not the sidecar\'s', lastTransitionTime: since };
    await c.must(['patch', 'pod', self.name, '-n', release.namespace, '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [other] } })]);
    const [port] = await freePorts(1);
    const pod = await Pod.create(files('one'));
    pods.push(pod);
    const env = { STATUS_APP_PORT: String(port) };
    const sidecar = await startReleasePod(c, release, pod, { self, args: ['--log-level', 'debug'], startMaster: false });
    await pod.startMaster([], (l) => l.event === 'master.ready', env);
    await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');

    const applied = await waitForCondition(self, (x) => x.message === `config ${short('one')} applied`);
    assert.equal(applied.status, 'True');
    assert.equal(applied.reason, 'Applied');

    await pod.update(files('two'));
    const two = await waitForCondition(self, (x) => x.message === `config ${short('two')} applied`);
    assert.equal(two.lastTransitionTime, applied.lastTransitionTime, 'a reload changed the message, not the status: no transition');
    // Writes go one at a time, in order: any before this one has logged its end by now.
    assert.deepEqual(conditionWrites(sidecar).filter((l) => !String(l.what).startsWith('condition True')), [], 'no False in between: an ordinary reload never flips it');

    const badYaml = 'workers:\n  count: two\n  command: [node]\n';
    const rejectedLine = sidecar.nextLog((l) => l.event === 'config.rejected');
    await pod.update(files('three', 200, badYaml));
    const findings = (await rejectedLine).diagnostics as string[];
    const rejected = await waitForCondition(self, reason('Rejected'));
    assert.equal(rejected.status, 'True', 'every pod rejects it alike and serves the version before: none leaves the Service');
    assert.equal(rejected.message, `config ${short('three', 200, badYaml)} rejected: ${findings[0]}${findings.length > 1 ? ` (+${findings.length - 1} more)` : ''}; serving ${short('two')}`);
    assert.equal(rejected.lastTransitionTime, applied.lastTransitionTime, 'True to True: no transition');

    const refusedAt = Date.now();
    const refusedLine = sidecar.nextLog((l) => l.event === 'reload.failed');
    await pod.update(files('four', 200, YAML(true)));
    const refusal = await refusedLine;
    const refused = await waitForCondition(self, reason('ReloadFailed'));
    assert.equal(refused.status, 'False');
    assert.match(refused.message!, new RegExp(`^config ${short('four', 200, YAML(true))} refused by the master: failed in phase ${String(refusal.phase)}: .+ \\[${String(refusal.code)}\\]; serving ${short('two')}$`));
    assert.ok(Date.parse(refused.lastTransitionTime!) >= Math.floor(refusedAt / 1000) * 1000, `the status changed: a new lastTransitionTime (${refused.lastTransitionTime})`);

    const backAt = Date.now();
    await pod.update(files('five'));
    const back = await waitForCondition(self, (x) => x.message === `config ${short('five')} applied`);
    assert.equal(back.status, 'True');
    assert.ok(Date.parse(back.lastTransitionTime!) >= Math.floor(backAt / 1000) * 1000);

    const conditions = await conditionsOf(self);
    const kept = conditions.find((x) => x.type === OTHER);
    assert.deepEqual(kept && { type: kept.type, status: kept.status, reason: kept.reason, message: kept.message, lastTransitionTime: kept.lastTransitionTime }, other,
      'the other condition is as the test set it');
    assert.equal(conditions.filter((x) => x.type === CONFIG_APPLIED).length, 1);
    assert.deepEqual(conditionWrites(sidecar).filter((l) => l.result !== 'ok' && l.result !== 'retry'), [], 'no condition write failed');
    await pod.cleanup();
  });

  test('(b) with the rollout: the pod waiting for its turn says Held, then Applied; a version marked bad is MarkedBad on both pods', async () => {
    const c = await cluster();
    const ports = await freePorts(2);
    const members = await Promise.all(release.pods.map(async (ref, i) => {
      const pod = await Pod.create(files('one'));
      pods.push(pod);
      const args = [
        '--rollout-lease', 'hotcycle-rollout', '--rollout-bake-seconds', '3', '--rollout-wave-bake-seconds', '1', '--rollout-max-in-flight', '1',
        '--rollout-slot-timeout-seconds', '4', '--rollout-probe', `http://:${ports[i]}/?minSuccess=0.8&max5xx=0.05&intervalMs=250`,
      ];
      const sidecar = await startReleasePod(c, release, pod, { self: ref, args, startMaster: false });
      await pod.startMaster([], (l) => l.event === 'master.ready', { STATUS_APP_PORT: String(ports[i]) });
      await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
      return { ref, pod, sidecar };
    }));
    await Promise.all(members.map((m) => waitForCondition(m.ref, (x) => x.status === 'True' && x.message === `config ${short('one')} applied`)));

    const started = Promise.race(members.map((m) => m.sidecar.nextLog((l: LogLine) => l.event === 'rollout.started').then(() => m)));
    await Promise.all(members.map((m) => m.pod.update(files('two'))));
    const canary = await started;
    const waiting = members.find((m) => m !== canary)!;
    const held = await waitForCondition(waiting.ref, reason('Held'));
    assert.equal(held.status, 'True', 'waiting for its turn, it serves the version before: it stays in the Service');
    assert.equal(held.message, `config ${short('two')} held: waits for its turn in the rollout; serving ${short('one')}`);
    for (const m of members) await waitForCondition(m.ref, (x) => x.status === 'True' && x.message === `config ${short('two')} applied`);

    const aborted = Promise.race(members.map((m) => m.sidecar.nextLog((l: LogLine) => l.event === 'rollout.aborted')));
    await Promise.all(members.map((m) => m.pod.update(files('three', 500))));
    await aborted;
    const lease = await c.json<{ metadata: { annotations: Record<string, string> } }>(['get', 'lease', 'hotcycle-rollout', '-n', release.namespace]);
    const bad = (JSON.parse(lease.metadata.annotations['hotcycle.dev/rollout']!) as { bad: Array<{ hash: string; reason: string }> }).bad;
    const why = bad.find((b) => shortHash(b.hash) === short('three', 500))?.reason;
    assert.ok(why, JSON.stringify(bad));
    for (const m of members) {
      const marked = await waitForCondition(m.ref, reason('MarkedBad', (x) => x.message!.endsWith(`serving ${short('two')}`)));
      assert.equal(marked.status, 'True', 'back on (or still on) the version before: in service');
      assert.equal(marked.message, `config ${short('three', 500)} marked bad by the rollout: ${why}; serving ${short('two')}`);
    }
    await Promise.all(members.map((m) => m.pod.cleanup()));
  });

  test('(c) the sidecar\'s token: its own Pod\'s condition and nothing else of any Pod\'s status; not another release\'s Lease', async () => {
    const c = await cluster();
    const [self, other] = [release.pods[0]!, release.pods[1]!];
    const token = await boundToken(c, release, self);
    const status = (name: string) => `/api/v1/namespaces/${release.namespace}/pods/${name}/status`;
    const smp = (name: string, body: object) => apiAs(c, token, 'PATCH', status(name), body, 'application/strategic-merge-patch+json');
    const ours = (extra: object = {}) => ({ status: { conditions: [{ type: CONFIG_APPLIED, status: 'True', reason: 'Applied', message: 'by the test', ...extra }] } });

    const own = await smp(self.name, ours());
    assert.equal(own.status, 200, `its own Pod's condition: ${own.body.message}`);
    const denied: Array<[string, ReturnType<typeof smp>, RegExp]> = [
      ['another Pod', smp(other.name, ours()), new RegExp(`may set the condition only on its own Pod \\(${self.name}\\), not ${other.name}`)],
      ['another condition type (Ready)', smp(self.name, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }), /no other condition$/],
      ['another\'s condition changed', smp(self.name, { status: { conditions: [{ type: OTHER, status: 'False' }] } }), /no other condition$/],
      ['another\'s condition removed (a merge patch replaces the list)',
        apiAs(c, token, 'PATCH', status(self.name), ours(), 'application/merge-patch+json'), /no other condition$/],
      ['the phase', smp(self.name, { status: { phase: 'Running' } }), /no other status field$/],
      ['a status field the Pod did not have', smp(self.name, { status: { message: 'x', ...ours().status } }), /no other status field$/],
      ['a label, through the status', smp(self.name, { metadata: { labels: { tier: 'evil' } }, ...ours() }), /not labels, annotations or finalizers/],
    ];
    for (const [what, answer, message] of denied) {
      const { status: code, body } = await answer;
      assert.equal(code, 403, `${what}: ${code} ${body.message}`);
      assert.match(body.message ?? '', new RegExp(`ValidatingAdmissionPolicy 'hotcycle-pod-status\\.${release.namespace}\\.hotcycle'`), `${what}: denied by the chart's policy`);
      assert.match(body.message ?? '', message, what);
    }
    // The API server type-checks the policy against the Pod's schema: no warning on any expression.
    const policy = `validatingadmissionpolicy/hotcycle-pod-status.${release.namespace}.hotcycle`;
    await c.must(['wait', policy, '--timeout=30s', '--for=jsonpath={.status.observedGeneration}=1']);
    const checked = await c.json<{ status: { typeChecking?: { expressionWarnings?: unknown[] } } }>(['get', policy]);
    assert.deepEqual(checked.status.typeChecking?.expressionWarnings ?? [], []);
    const now = await conditionsOf(self);
    assert.equal(now.find((x) => x.type === OTHER)?.status, 'True', 'nothing of the denied writes landed');
    assert.equal(now.find((x) => x.type === 'Ready'), undefined);

    // A second release in the same namespace: its Role grants its Lease to its own ServiceAccount only.
    const install = await runTool(helmPath(), ['install', 'second', CHART, '--kubeconfig', c.info.kubeconfig, '-n', release.namespace, '--set', 'rollout.enabled=true', '--set', 'replicaCount=1']);
    assert.ok(install.ok, install.stderr);
    const lease = `/apis/coordination.k8s.io/v1/namespaces/${release.namespace}/leases/second-hotcycle-rollout`;
    const theirs = await c.json<Record<string, unknown>>(['get', 'lease', 'second-hotcycle-rollout', '-n', release.namespace]);
    for (const [method, body] of [['GET'], ['PUT', theirs], ['PATCH', { metadata: { annotations: { x: 'y' } } }]] as Array<[string, object?]>) {
      const answer = await apiAs(c, token, method, lease, body, method === 'PUT' ? 'application/json' : undefined);
      assert.equal(answer.status, 403, `${method} the other release's Lease: ${answer.status} ${answer.body.message}`);
    }
  });
});
