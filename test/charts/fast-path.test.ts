// Issue 21, acceptance: the fast path is on by default. `helm template` with the default values
// gives the sidecar `--watch-configmap` naming exactly the ConfigMap its source volume mounts, and
// a Role rule that lets it list and watch that one ConfigMap (resourceNames; the sidecar's
// fieldSelector, which RBAC matches against them, is checked in rbac.test.ts) and no other. With
// config.existingConfigMap both follow the mounted one; fastPath.enabled=false removes both;
// rbac.create=false keeps the flag (the installer's own Role must grant the watch; the sidecar's
// answer to a Role that does not: test/cluster/sidecar-fastpath.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import type { PolicyRule, Role } from 'kubernetes-types/rbac/v1.js';
import { findObject, renderChart, type K8sObject } from './k8s-tools.ts';

function pod(objects: K8sObject[]): { spec: PodSpec; sidecar: Container } {
  const spec = (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!;
  return { spec, sidecar: spec.initContainers!.find((c) => c.name === 'hotcycle')! };
}

function watchFlag(sidecar: Container): string | undefined {
  const command = sidecar.command ?? [];
  const at = command.indexOf('--watch-configmap');
  return at < 0 ? undefined : command[at + 1];
}

/** The ConfigMap the sidecar's source volume (`config`) mounts. */
function mountedConfigMap(spec: PodSpec): string | undefined {
  return spec.volumes?.find((v) => v.name === 'config')?.configMap?.name;
}

const configMapRules = (role: Role): PolicyRule[] => (role.rules ?? []).filter((r) => r.resources?.includes('configmaps'));

test('default values: --watch-configmap names the mounted ConfigMap, and the Role lets the sidecar list and watch exactly that one', async () => {
  const objects = await renderChart();
  const { spec, sidecar } = pod(objects);
  const configMap = findObject(objects, 'ConfigMap').metadata.name;
  assert.equal(mountedConfigMap(spec), configMap, 'the chart\'s ConfigMap is the source volume');
  assert.equal(watchFlag(sidecar), configMap);
  assert.deepEqual(configMapRules(findObject(objects, 'Role') as Role), [
    { apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap], verbs: ['list', 'watch'] },
  ]);
});

test('the name follows the release (fullnameOverride web): web\'s ConfigMap, nothing else', async () => {
  const objects = await renderChart(['--set', 'fullnameOverride=web']);
  const { spec, sidecar } = pod(objects);
  assert.equal(mountedConfigMap(spec), 'web');
  assert.equal(watchFlag(sidecar), 'web');
  assert.deepEqual(configMapRules(findObject(objects, 'Role') as Role).map((r) => r.resourceNames), [['web']]);
});

test('config.existingConfigMap: the watch, the volume and the Role all name that ConfigMap; the chart renders none', async () => {
  const objects = await renderChart(['--set', 'config.existingConfigMap=edge-nginx-config']);
  const { spec, sidecar } = pod(objects);
  assert.deepEqual(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name), []);
  assert.equal(mountedConfigMap(spec), 'edge-nginx-config');
  assert.equal(watchFlag(sidecar), 'edge-nginx-config');
  assert.deepEqual(configMapRules(findObject(objects, 'Role') as Role).map((r) => r.resourceNames), [['edge-nginx-config']]);
});

test('fastPath.enabled=false: no watch, and no ConfigMap access in the Role', async () => {
  const objects = await renderChart(['--set', 'fastPath.enabled=false']);
  assert.equal(watchFlag(pod(objects).sidecar), undefined);
  assert.deepEqual(configMapRules(findObject(objects, 'Role') as Role), []);
});

test('rbac.create=false with the installer\'s own ServiceAccount: no Role, the watch still asked for (their Role must grant it)', async () => {
  const objects = await renderChart(['--set', 'rbac.create=false', '--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=edge']);
  assert.deepEqual(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map((o) => o.kind), []);
  const { spec, sidecar } = pod(objects);
  assert.equal(spec.serviceAccountName, 'edge');
  assert.equal(watchFlag(sidecar), 'hotcycle');
});
