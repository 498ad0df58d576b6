// Issue 18, the chart's half of the fleet rollout (in progress): off by default; on, an empty
// Lease `<fullname>-rollout` and its name and settings given to the sidecar (the Role's half:
// rbac.test.ts; the behaviour: test/cluster/rollout*.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import { parseProbeSpec } from '../../src/sidecar/rollout/probe-spec.ts';
import { findObject, renderChart, type K8sObject } from './k8s-tools.ts';

function sidecar(objects: K8sObject[]): Container {
  return (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!.initContainers!.find((c) => c.name === 'hotcycle')!;
}

const flag = (container: Container, name: string): string | undefined => {
  const command = container.command ?? [];
  const at = command.indexOf(name);
  return at < 0 ? undefined : command[at + 1];
};

test('by default: no Lease, no rollout flag (every pod applies a version at once, as before)', async () => {
  const objects = await renderChart();
  assert.deepEqual(objects.filter((o) => o.kind === 'Lease'), []);
  assert.ok(!(sidecar(objects).command ?? []).some((a) => a.startsWith('--rollout')));
});

test('rollout.enabled: an empty Lease, its name and the settings given to the sidecar', async () => {
  const objects = await renderChart(['--set', 'rollout.enabled=true', '--set', 'rollout.bakeSeconds=7', '--set', 'rollout.maxInFlight=2']);
  const lease = findObject(objects, 'Lease', 'hotcycle-rollout') as K8sObject & { apiVersion: string; spec?: Record<string, unknown> };
  assert.equal(lease.apiVersion, 'coordination.k8s.io/v1');
  assert.equal(lease.metadata.annotations, undefined, 'no state in the manifest: helm upgrade leaves the rollout alone');
  assert.deepEqual(lease.spec, {}, 'no holder: this Lease elects no leader');
  const c = sidecar(objects);
  assert.equal(flag(c, '--rollout-lease'), 'hotcycle-rollout');
  assert.equal(flag(c, '--rollout-bake-seconds'), '7');
  assert.equal(flag(c, '--rollout-wave-bake-seconds'), '5');
  assert.equal(flag(c, '--rollout-max-in-flight'), '2');
  assert.equal(flag(c, '--rollout-slot-timeout-seconds'), '15');
  assert.equal(flag(c, '--rollout-probe'), undefined, 'no probe path: no probe');
});

test('rollout.probe.path: the probe spec the sidecar parses', async () => {
  const objects = await renderChart(['--set', 'rollout.enabled=true', '--set', 'rollout.probe.path=/healthz', '--set', 'rollout.probe.port=9000']);
  const spec = flag(sidecar(objects), '--rollout-probe');
  assert.equal(spec, 'http://:9000/healthz?minSuccess=0.95&max5xx=0.05&intervalMs=500');
  assert.deepEqual(parseProbeSpec(spec!), { scheme: 'http', port: 9000, path: '/healthz', minSuccessRatio: 0.95, max5xxRatio: 0.05, intervalMs: 500 }, 'what the sidecar reads from it');
});

test('values.schema.json refuses a probe path that is not a path, and a maxInFlight of 0', async () => {
  await assert.rejects(renderChart(['--set', 'rollout.probe.path=healthz']), /path/);
  await assert.rejects(renderChart(['--set', 'rollout.maxInFlight=0']), /maxInFlight/);
});
