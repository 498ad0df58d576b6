// The sidecar's metrics that the chart's alerts and dashboard read (charts/hotcycle/dashboards,
// templates/prometheusrule.yaml): the series exported from the start, the rejections by check,
// and the two gauges read from the sync loop at each scrape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log.ts';
import { SidecarMetrics, type SyncLag } from '../../../src/sidecar/report/metrics.ts';
import { OutcomeRecorder } from '../../../src/sidecar/report/outcomes.ts';

/** The exposition's sample lines, `name{labels} value`. */
async function samples(metrics: SidecarMetrics): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

test('reload results and dropped reports are exported at 0 before the first one: increase() sees the first', async () => {
  const lines = await samples(new SidecarMetrics());
  for (const line of [
    'hotcycle_reloads_total{result="ok"} 0', 'hotcycle_reloads_total{result="failed"} 0',
    'hotcycle_kube_reports_total{call="event",result="dropped"} 0',
    'hotcycle_kube_reports_total{call="annotations",result="dropped"} 0',
    'hotcycle_kube_reports_total{call="condition",result="dropped"} 0',
    'hotcycle_kube_reports_total{call="last-good",result="dropped"} 0',
  ]) assert.ok(lines.includes(line), `${line} in\n${lines.join('\n')}`);
});

test('a rejected version counts once in total and once under each check that found errors in it', async () => {
  const metrics = new SidecarMetrics();
  const recorder = new OutcomeRecorder(silentLogger(), metrics);
  const at = { line: 1, column: 1, message: 'bad' };
  recorder.rejected('a'.repeat(64), [{ file: 'nginx.conf', ...at, source: 'nginx' }, { file: 'nginx.conf', ...at, source: 'nginx' }, { file: 'tls/tls.crt', ...at, source: 'tls' }]);
  recorder.rejected('b'.repeat(64), [{ file: 'routes.json', ...at, source: 'schema' }]);
  const lines = await samples(metrics);
  assert.ok(lines.includes('hotcycle_config_rejected_total 2'), lines.join('\n'));
  assert.deepEqual(lines.filter((l) => l.startsWith('hotcycle_config_rejected_by_check_total')).sort(), [
    'hotcycle_config_rejected_by_check_total{check="nginx"} 1',
    'hotcycle_config_rejected_by_check_total{check="schema"} 1',
    'hotcycle_config_rejected_by_check_total{check="tls"} 1',
  ]);
});

test('the source-rejected, behind-source and applied-info gauges follow the sync loop at each scrape', async () => {
  const metrics = new SidecarMetrics();
  const gauges = async () => (await samples(metrics)).filter((l) => /^hotcycle_config_(source_rejected|behind_source|applied_info)[ {]/.test(l)).sort();
  assert.deepEqual(await gauges(), ['hotcycle_config_behind_source 0', 'hotcycle_config_source_rejected 0'], 'before the loop is attached: no version, no info series');
  const v1 = 'a'.repeat(64);
  const v2 = 'b'.repeat(64);
  let lag: SyncLag = { sourceRejected: true, behindSource: true, appliedHash: '' };
  metrics.watchLag(() => lag);
  assert.deepEqual(await gauges(), ['hotcycle_config_behind_source 1', 'hotcycle_config_source_rejected 1']);
  lag = { sourceRejected: false, behindSource: true, appliedHash: v1 };
  assert.deepEqual(await gauges(), ['hotcycle_config_applied_info{config_hash="aaaaaaaaaaaa"} 1', 'hotcycle_config_behind_source 1', 'hotcycle_config_source_rejected 0']);
  lag = { sourceRejected: false, behindSource: false, appliedHash: v2 };
  assert.deepEqual(await gauges(), ['hotcycle_config_applied_info{config_hash="bbbbbbbbbbbb"} 1', 'hotcycle_config_behind_source 0', 'hotcycle_config_source_rejected 0'],
    'one series: the version run before is gone');
});
