// Issue 12, the chart's half of the last good config: by default an empty Secret
// `<fullname>-last-good` (helm upgrade never touches data it never set), the sidecar told its
// name, the master told to wait on a first version that cannot serve; lastGood.enabled=false
// removes all three (the Role's half: rbac.test.ts; the behaviour: test/cluster/last-good.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Container } from 'kubernetes-types/core/v1.js';
import { findObject, renderChart, type K8sObject } from './k8s-tools.ts';

function containers(objects: K8sObject[]): { app: Container; sidecar: Container } {
  const spec = (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!;
  return { app: spec.containers.find((c) => c.name === 'app')!, sidecar: spec.initContainers!.find((c) => c.name === 'hotcycle')! };
}

const flag = (container: Container, name: string): string | undefined => {
  const command = container.command ?? [];
  const at = command.indexOf(name);
  return at < 0 ? undefined : command[at + 1];
};

test('by default: an empty Secret, its name given to the sidecar, the master waiting on a first version that cannot serve', async () => {
  const objects = await renderChart();
  const secret = findObject(objects, 'Secret', 'hotcycle-last-good') as K8sObject & { type?: string; data?: unknown; stringData?: unknown };
  assert.equal(secret.type, 'Opaque');
  assert.equal(secret.data, undefined, 'no data in the manifest: helm upgrade leaves what the sidecars stored');
  assert.equal(secret.stringData, undefined);
  const { app, sidecar } = containers(objects);
  assert.equal(flag(sidecar, '--last-good-secret'), 'hotcycle-last-good');
  assert.equal(flag(app, '--start-failure'), 'wait');
  assert.ok((app.command ?? []).indexOf('--start-failure') < (app.command ?? []).lastIndexOf('--'), "a hotcycle flag, before the -- that starts nginx's command");
});

test('lastGood.enabled=false: no Secret, no flag, the master exits on a first version that cannot serve', async () => {
  const objects = await renderChart(['--set', 'lastGood.enabled=false']);
  assert.deepEqual(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name), []);
  const { app, sidecar } = containers(objects);
  assert.equal(flag(sidecar, '--last-good-secret'), undefined);
  assert.equal(flag(app, '--start-failure'), undefined);
});
