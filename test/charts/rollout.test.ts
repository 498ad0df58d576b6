// Issue 18, the chart's half of the fleet rollout: on by default with more than one replica; on, an empty
// Lease `<fullname>-rollout` and its name and settings given to the sidecar (the Role's half:
// rbac.test.ts; the behaviour: test/cluster/rollout*.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import { parseProbeSpec, parseReadinessSpec } from '../../src/sidecar/rollout/probe-spec.ts';
import { findObject, renderChart, type K8sObject } from './k8s-tools.ts';

function sidecar(objects: K8sObject[]): Container {
  return (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!.initContainers!.find((c) => c.name === 'hotcycle')!;
}

const flag = (container: Container, name: string): string | undefined => {
  const command = container.command ?? [];
  const at = command.indexOf(name);
  return at < 0 ? undefined : command[at + 1];
};

test('rollout.enabled auto (the default): on with more than one replica, off with one; true and false choose', async () => {
  const on = async (args: string[]) => {
    const objects = await renderChart(args);
    const lease = objects.some((o) => o.kind === 'Lease');
    const flagged = (sidecar(objects).command ?? []).some((a) => a.startsWith('--rollout'));
    assert.equal(lease, flagged, `the Lease and the sidecar's flags go together (${args.join(' ')})`);
    return lease;
  };
  assert.equal(await on([]), true, 'the default: 2 replicas, a fleet to stage');
  assert.equal(await on(['--set', 'replicaCount=1']), false, 'a single replica applies each version at once, as before');
  assert.equal(await on(['--set', 'replicaCount=5', '--set', 'rollout.enabled=false']), false);
  assert.equal(await on(['--set', 'replicaCount=1', '--set', 'rollout.enabled=true']), true);
  await assert.rejects(renderChart(['--set', 'rollout.enabled=sometimes']), /enabled/);
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

test('the app container\'s readinessProbe becomes the bake\'s readiness check, named ports resolved; an exec probe gives none', async () => {
  const on = ['--set', 'rollout.enabled=true'];
  const readiness = async (args: string[]) => flag(sidecar(await renderChart([...on, ...args])), '--rollout-readiness');
  assert.equal(await readiness([]), 'tcp://:8080?failureThreshold=3', 'the chart\'s default probe: tcpSocket on the first port');
  const http = await readiness(['--set-json', 'app.readinessProbe={"httpGet":{"path":"/ready","port":"http"},"failureThreshold":2}']);
  assert.equal(http, 'http://:8080/ready?failureThreshold=2');
  assert.deepEqual(parseReadinessSpec(http!), { scheme: 'http', port: 8080, path: '/ready', failureThreshold: 2, intervalMs: 1000 }, 'what the sidecar reads from it');
  assert.equal(await readiness(['--set-json', 'app.readinessProbe={"httpGet":{"port":9443,"scheme":"HTTPS"}}']), 'https://:9443/?failureThreshold=3');
  assert.equal(await readiness(['--set-json', 'app.readinessProbe={"exec":{"command":["true"]}}']), undefined);
  assert.equal(flag(sidecar(await renderChart(['--set', 'replicaCount=1'])), '--rollout-readiness'), undefined, 'no rollout: no readiness flag');
});

test('values.schema.json refuses a probe path that is not a path, and a maxInFlight of 0', async () => {
  await assert.rejects(renderChart(['--set', 'rollout.probe.path=healthz']), /path/);
  await assert.rejects(renderChart(['--set', 'rollout.maxInFlight=0']), /maxInFlight/);
});
