// Issue 18, item 4, the chart's half: the condition hotcycle.dev/config-applied as a readiness gate
// (rollout.readinessGate, off by default), and the policy that narrows the Role's `patch
// pods/status` (templates/pod-status-policy.yaml). The Role's grant: rbac.test.ts; the policy on
// the real API server: test/cluster/config-applied.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { CONFIG_APPLIED } from '../../src/sidecar/report/condition.ts';
import { findObject, renderChart, type K8sObject } from './k8s-tools.ts';

const podSpec = (objects: K8sObject[]): PodSpec => (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!;

interface Policy extends K8sObject {
  spec: {
    matchConstraints: { resourceRules: Array<{ operations: string[]; resources: string[] }> };
    matchConditions: Array<{ expression: string }>;
    variables: Array<{ name: string; expression: string }>;
  };
}

test('by default: no readiness gate (the condition only reports)', async () => {
  assert.equal(podSpec(await renderChart()).readinessGates, undefined);
});

test('rollout.readinessGate: the pod is ready only while the condition the sidecar sets is True', async () => {
  const spec = podSpec(await renderChart(['--set', 'rollout.readinessGate=true']));
  assert.deepEqual(spec.readinessGates, [{ conditionType: CONFIG_APPLIED }], 'the type the sidecar writes (report/condition.ts)');
});

test('values.schema.json refuses a readinessGate that is not a boolean', async () => {
  await assert.rejects(renderChart(['--set-string', 'rollout.readinessGate=yes']), /readinessGate/);
});

test('the pod-status policy: UPDATE of pods/status by the release\'s ServiceAccount, exempting only the sidecar\'s condition', async () => {
  const objects = await renderChart(['--namespace', 'edge', '--set', 'serviceAccount.name=edge-sa']);
  const policy = findObject(objects, 'ValidatingAdmissionPolicy', 'hotcycle-pod-status.edge.hotcycle') as Policy;
  assert.deepEqual(policy.spec.matchConstraints.resourceRules.map((r) => [r.operations, r.resources]), [[['UPDATE'], ['pods/status']]]);
  assert.match(policy.spec.matchConditions[0]!.expression, /== 'system:serviceaccount:edge:edge-sa'$/);
  for (const name of ['othersBefore', 'othersAfter']) {
    assert.ok(policy.spec.variables.find((v) => v.name === name)?.expression.includes(`c.type != '${CONFIG_APPLIED}'`), name);
  }
  const binding = findObject(objects, 'ValidatingAdmissionPolicyBinding', 'hotcycle-pod-status.edge.hotcycle') as K8sObject & { spec: { policyName: string } };
  assert.equal(binding.spec.policyName, policy.metadata.name);
});

test('rbac.restrictPodPatch=false: neither policy', async () => {
  const objects = await renderChart(['--set', 'rbac.restrictPodPatch=false']);
  assert.deepEqual(objects.filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')), []);
});
