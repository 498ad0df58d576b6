// Issue 10, acceptance 1, against the real kube-apiserver: real `helm install` of the chart with
// the default values and each charts/hotcycle/ci/*-values.yaml into a namespace enforcing the
// restricted Pod Security Standard; kube-controller-manager's ReplicaSet controller then creates
// the Pods, which must pass admission (PodSecurity, ServiceAccount, ...). No kubelet binds them
// here: what is proven is that every object the chart makes is accepted. `kubectl apply -k
// deploy/kustomize` is applied to a fresh cluster the same way.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { combinations, ROOT } from '../charts/k8s-tools.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { installMonitoringCrds } from '../helpers/cluster/monitoring-crds.ts';
import { installRelease, podsCreated } from '../helpers/cluster/release.ts';

const cluster = useCluster();

// The prometheus-operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule: not Kubernetes types)
// are the operator's own (test/fixtures/crds/), so the chart's monitoring objects meet their schemas.

test('the chart installs with every values set into a restricted namespace, and its pods pass admission', async (t) => {
  const c = await cluster();
  await installMonitoringCrds(c);
  for (const combination of combinations()) {
    await t.test(combination.name, async () => {
      // helm install, then every Pod created: installRelease fails with helm's or admission's words.
      await installRelease(c, `chart-${combination.name}`.slice(0, 40), combination.args);
    });
  }
});

test('kubectl apply -k deploy/kustomize works on a fresh cluster, into a restricted namespace of its own', async () => {
  const c = await cluster();
  const applied = await c.kubectl(['apply', '-k', join(ROOT, 'deploy', 'kustomize')]);
  assert.ok(applied.ok, applied.stderr);
  const namespace = await c.json<{ metadata: { labels: Record<string, string> } }>(['get', 'namespace', 'hotcycle']);
  assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
  await podsCreated(c, 'hotcycle');
});
