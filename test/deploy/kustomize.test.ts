// Acceptance 4: `kubectl kustomize deploy/kustomize` renders the same objects as the chart's
// defaults, compared structurally (parsed YAML, not text), minus what only Helm adds
// (helm.sh/chart and managed-by labels, the `helm test` hook Pod) and what only kustomize adds
// (the Namespace, which Helm's user creates with `--create-namespace` or beforehand).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { findObject, kubectlPath, NAMESPACE, parseObjects, renderChart, ROOT, runTool, type K8sObject } from '../charts/k8s-tools.ts';
import { validateObjects } from '../charts/openapi.ts';

const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

function withoutHelm(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  for (const label of HELM_ONLY_LABELS) delete copy.metadata.labels?.[label];
  copy.metadata.namespace ??= NAMESPACE;
  return copy;
}

const key = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

describe('deploy/kustomize equals the chart\'s defaults', async () => {
  const result = await runTool(kubectlPath(), ['kustomize', join(ROOT, 'deploy', 'kustomize')]);
  const all = parseObjects(result.stdout);
  const kustomized = all.filter((o) => o.kind !== 'Namespace');
  const chart = (await renderChart()).filter((o) => !o.metadata.annotations?.['helm.sh/hook']).map(withoutHelm);

  test('kubectl kustomize succeeds', () => {
    assert.ok(result.ok, result.stderr);
  });

  test('a restricted Namespace of its own, the one every object is in', () => {
    const namespace = findObject(all, 'Namespace');
    assert.equal(namespace.metadata.name, NAMESPACE);
    assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.ok(kustomized.every((o) => o.metadata.namespace === NAMESPACE));
  });

  test('the same objects', () => {
    assert.deepEqual(kustomized.map(key).sort(), chart.map(key).sort());
  });

  test('the same pod spec and pod labels', () => {
    const a = (findObject(kustomized, 'Deployment') as Deployment).spec!.template;
    const b = (findObject(chart, 'Deployment') as Deployment).spec!.template;
    assert.deepEqual(a.spec, b.spec);
    assert.deepEqual(a.metadata, b.metadata);
  });

  test('every object is identical', () => {
    for (const o of chart) assert.deepEqual(kustomized.find((k) => key(k) === key(o)), o, key(o));
  });

  test('valid against the Kubernetes 1.30 API', () => {
    assert.deepEqual(validateObjects(kustomized), []);
  });
});
