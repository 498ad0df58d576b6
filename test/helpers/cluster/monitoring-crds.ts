// The prometheus-operator's CRDs for ServiceMonitor, PodMonitor and PrometheusRule, copied from the
// operator (test/fixtures/crds/README.md), installed into the test cluster: the chart's monitoring
// objects are then validated by the operator's own schemas in the real kube-apiserver.
// Server-side apply (as the operator's docs install them): idempotent, so every test file that
// needs them may apply them, concurrently too.
import { join } from 'node:path';
import { ROOT } from '../../charts/k8s-tools.ts';
import type { Cluster } from './cluster.ts';

export const MONITORING_CRDS_DIR = join(ROOT, 'test', 'fixtures', 'crds');
export const MONITORING_CRDS = ['servicemonitors', 'podmonitors', 'prometheusrules'].map((plural) => `${plural}.monitoring.coreos.com`);

export async function installMonitoringCrds(cluster: Cluster): Promise<void> {
  await cluster.must(['apply', '--server-side', '--force-conflicts', '-f', MONITORING_CRDS_DIR]);
  await cluster.must(['wait', '--for=condition=Established', ...MONITORING_CRDS.map((name) => `crd/${name}`), '--timeout=60s']);
}
