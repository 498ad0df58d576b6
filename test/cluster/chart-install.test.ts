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
import { installRelease, podsCreated } from '../helpers/cluster/release.ts';

const cluster = useCluster();

// The prometheus-operator's CRD is not a Kubernetes type: a minimal CRD that accepts any spec
// stands in for it, so the chart's ServiceMonitor can be created. Its fields are checked against
// the operator's own schema in test/charts/openapi.test.ts.
const SERVICE_MONITOR_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: servicemonitors.monitoring.coreos.com }
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { kind: ServiceMonitor, plural: servicemonitors, singular: servicemonitor, listKind: ServiceMonitorList }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;

test('the chart installs with every values set into a restricted namespace, and its pods pass admission', async (t) => {
  const c = await cluster();
  await c.must(['apply', '-f', '-'], SERVICE_MONITOR_CRD);
  await c.must(['wait', '--for=condition=Established', 'crd/servicemonitors.monitoring.coreos.com', '--timeout=60s']);
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
