// The kubectl plugin (src/kubectl, issue 18 item 5) against the real kube-apiserver, run the
// way a user runs it: the real `kubectl hotcycle …`, kubectl's own plugin discovery finding the
// built dist/kubectl-hotcycle.mjs on PATH as `kubectl-hotcycle` (a shim that runs it with this
// Node). The chart is installed for real (rollout.enabled, 3 replicas: its Deployment, Pods and
// empty Lease). No pod runs: the plugin is under test, not the sidecars, so the test writes
// what the sidecars would — the Pods' hotcycle.dev/* annotations and the rollout state in the
// Lease (encoded by the sidecar's own lease.ts) — and asserts what the plugin prints and writes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeRollout, encodeRollout, NO_ROLLOUT, ROLLOUT_ANNOTATION, type RolloutState } from '../../src/sidecar/rollout/lease.ts';
import { kubectlPath } from '../charts/k8s-tools.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { installRelease, type Release } from '../helpers/cluster/release.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PLUGIN = join(ROOT, 'dist', 'kubectl-hotcycle.mjs');
const LEASE = 'hotcycle-rollout';
const V = 'c0ffee'.padEnd(64, '1');
const BAD = 'bad000'.padEnd(64, '2');
const cluster = useCluster();
let release: Release;
let shimDir: string;
let names: string[];
after(() => (shimDir ? rm(shimDir, { recursive: true, force: true }) : undefined));

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

async function leaseState(): Promise<RolloutState> {
  const lease = await (await cluster()).json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'lease', LEASE, '-n', release.namespace]);
  return decodeRollout(lease.metadata.annotations);
}

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
    assert.deepEqual(columns(header!), ['POD', 'VERSION', 'GEN', 'LAST RESULT', 'ROLE', 'READY', 'AGE']);
    const [a, b, c] = names as [string, string, string];
    const rows = rest.slice(0, 3).map(columns);
    assert.deepEqual(rows.map((r) => [r[0], r[1], r[2], r[4], r[5]]), [
      [a, V.slice(0, 12), '2', 'applied', 'no'],
      [b, BAD.slice(0, 12), '1', 'in slot', 'no'],
      [c, '-', '-', 'waiting', 'no'],
    ]);
    assert.match(rows[0]![3]!, /^reloaded \d+s ago$/);
    assert.equal(rows[1]![3], 'failed: config c0ffee111111 rejected: hotcycle.yaml:3:7 workers.cou…', 'the failure line cut to 60 characters');
    assert.equal(rows[2]![3], '-');
    for (const r of rows) assert.match(r[6]!, /^\d+[smhd]$/);
    assert.equal(rest[3], '');
    assert.equal(rest.slice(4).join('\n'), `rollout: waves config ${V.slice(0, 12)} (Lease ${release.namespace}/${LEASE})\n  bad ${BAD.slice(0, 12)}: probe: 5xx ratio 1.00 > 0.05 (12/12)`);
  });

  test('status --json: the same as one object', async () => {
    const { code, stdout, stderr } = await kubectlHotcycle(['status', 'deploy/hotcycle', '-n', release.namespace, '--json']);
    assert.equal(code, 0, stderr);
    const view = JSON.parse(stdout) as { namespace: string; deployment: string; pods: Array<Record<string, unknown>>; rollout: unknown };
    assert.equal(view.deployment, 'hotcycle');
    assert.equal(view.namespace, release.namespace);
    assert.deepEqual(view.pods.map((p) => [p.pod, p.version, p.generation, p.role, p.ready]), [
      [names[0], V, 2, 'applied', false], [names[1], BAD, 1, 'in slot', false], [names[2], '', null, 'waiting', false],
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
