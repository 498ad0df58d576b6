// Issue 19, item 1, against the real kube-apiserver: with the prometheus-operator's own CRDs
// installed (test/fixtures/crds/), `helm install` with monitoring on (ci/monitoring-values.yaml)
// creates the dashboard ConfigMap, the PrometheusRule and the PodMonitor, each accepted by the
// server and validated by the operator's schemas there — which do refuse a bad one.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHART } from '../charts/k8s-tools.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { installMonitoringCrds } from '../helpers/cluster/monitoring-crds.ts';
import { installRelease } from '../helpers/cluster/release.ts';

const cluster = useCluster();

interface Obj<S = unknown> { metadata: { name: string; labels?: Record<string, string>; uid: string }; spec: S; data?: Record<string, string> }

test('helm install with monitoring on: the dashboard, the PrometheusRule and the PodMonitor exist in the API server', async () => {
  const c = await cluster();
  await installMonitoringCrds(c);
  const release = await installRelease(c, 'monitoring', ['-f', join(CHART, 'ci', 'monitoring-values.yaml')]);
  const ns = ['-n', release.namespace];

  const dashboard = await c.json<Obj>(['get', 'configmap', 'hotcycle-dashboard', ...ns]);
  assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1');
  assert.equal((JSON.parse(dashboard.data?.['hotcycle.json'] ?? '{}') as { uid?: string }).uid, 'hotcycle');

  const rule = await c.json<Obj<{ groups: { rules: { alert: string; for?: string }[] }[] }>>(['get', 'prometheusrules.monitoring.coreos.com', 'hotcycle', ...ns]);
  assert.ok(rule.metadata.uid, 'stored by the server');
  assert.deepEqual(rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert)),
    ['HotcycleReloadFailing', 'HotcycleConfigRejected', 'HotcycleConfigBehindSource', 'HotcycleCertificateExpiring', 'HotcycleEventsDropped', 'HotcycleRolloutAborted']);

  const monitor = await c.json<Obj<{ podMetricsEndpoints: { port: string; path: string }[] }>>(['get', 'podmonitors.monitoring.coreos.com', 'hotcycle', ...ns]);
  assert.deepEqual(monitor.spec.podMetricsEndpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
  // The PodMonitor selects the release's pods: the ones the ReplicaSet created.
  const selected = await c.json<{ items: unknown[] }>(['get', 'pods', ...ns, '-l', 'app.kubernetes.io/name=hotcycle,app.kubernetes.io/instance=hotcycle']);
  assert.equal(selected.items.length, release.pods.length);

  // The server validates with the operator's schemas (not a CRD that takes anything): a bad
  // interval and a rule group without a name are refused.
  const bad = await c.kubectl(['apply', ...ns, '-f', '-'], JSON.stringify({
    apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'bad' },
    spec: { selector: {}, podMetricsEndpoints: [{ port: 'metrics', interval: 'often' }] },
  }));
  assert.equal(bad.ok, false, 'a PodMonitor with interval "often" was accepted');
  assert.match(bad.stderr, /interval/);
  const badRule = await c.kubectl(['apply', ...ns, '-f', '-'], JSON.stringify({
    apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'bad' }, spec: { groups: [{ rules: [{ alert: 'A', expr: 'up' }] }] },
  }));
  assert.equal(badRule.ok, false, 'a rule group without a name was accepted');
  assert.match(badRule.stderr, /name/);
});
