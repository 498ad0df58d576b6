// Acceptance 2: every object the chart renders, for the defaults and every combination, is
// valid against the Kubernetes 1.30 API (see openapi.ts for how, offline).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { combinations, renderChart, ROOT, type K8sObject } from './k8s-tools.ts';
import { KUBERNETES_TYPES_VERSION, validateObjects } from './openapi.ts';

describe('rendered objects against the Kubernetes 1.30 API', () => {
  test('the validator is the 1.30 API: kubernetes-types is pinned to 1.30.0', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'kubernetes-types', 'package.json'), 'utf8')) as { version: string };
    assert.equal(pkg.version, KUBERNETES_TYPES_VERSION);
  });

  test('the validator rejects what the API server would: unknown field, wrong type, missing field, bad CRD value', async () => {
    const [deployment] = (await renderChart(['--show-only', 'templates/deployment.yaml'])) as [K8sObject];
    const broken = structuredClone(deployment) as K8sObject & { spec: { replicas: unknown; template: { spec: Record<string, unknown> } } };
    broken.spec.replicas = 'two';
    broken.spec.template.spec.restartPolicyy = 'Always';
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'http' }] } };
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { selector: {}, endpoints: [{ interval: 'often' }] } };
    const podMonitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'p' }, spec: { selector: {}, podMetricsEndpoints: [{ interval: 'often' }] } };
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { groups: [{ rules: [{ alert: 'A', expr: 'up' }] }] } };
    const findings = validateObjects([broken, service as K8sObject, monitor as K8sObject, podMonitor as K8sObject, rule as K8sObject]).map((f) => `${f.object}: ${f.message}`).join('\n');
    assert.match(findings, /Deployment\/hotcycle: .*'string' is not assignable to type 'number'/);
    assert.match(findings, /Deployment\/hotcycle: .*'"?restartPolicyy"?' does not exist in type 'PodSpec'/);
    assert.match(findings, /Service\/s: .*'port' is missing/);
    assert.match(findings, /ServiceMonitor\/m: .*interval must match pattern/);
    assert.match(findings, /PodMonitor\/p: .*interval must match pattern/);
    assert.match(findings, /PrometheusRule\/r: .*groups\/0 must have required property '?name'?/);
  });

  for (const { name, args } of combinations()) {
    test(`${name}: every object is valid`, async () => {
      const objects = await renderChart(args);
      const findings = validateObjects(objects);
      assert.deepEqual(findings, [], findings.map((f) => `${f.object}: ${f.message}`).join('\n'));
      assert.ok(objects.length >= 6, `only ${objects.length} objects rendered`);
    });
  }
});
