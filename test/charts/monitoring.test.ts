// Issue 19, item 1: the chart's dashboard, alerts and PodMonitor, checked for real.
//   - helm template with monitoring on renders the three objects (and with it off, none).
//   - The PrometheusRule's spec, as a rules file: `promtool check rules`, then `promtool test rules`
//     with test/fixtures/monitoring/hotcycle-rules.test.yaml (each alert fires on synthetic series
//     when it should, and not when it should not).
//   - Every metric that a dashboard panel, a dashboard variable or an alert names is one the
//     sidecar really exports: the names come from a real SidecarMetrics registry, so renaming or
//     removing a metric in src/sidecar/report/metrics.ts fails this test.
//   - Every alert's runbook_url points to a section of the README's "Alerts (runbook)".
// promtool is Debian's `prometheus` package (scripts/test.sh installs it); missing, the test fails
// with the command that installs it — never a skip.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { SidecarMetrics } from '../../src/sidecar/report/metrics.ts';
import { CHART, findObject, renderChart, ROOT, type K8sObject } from './k8s-tools.ts';

const run = promisify(execFile);
const MONITORING = ['-f', join(CHART, 'ci', 'monitoring-values.yaml')];
const RULE_TESTS = join(ROOT, 'test', 'fixtures', 'monitoring', 'hotcycle-rules.test.yaml');
const DASHBOARD_FILE = join(CHART, 'dashboards', 'hotcycle.json');

function promtoolPath(): string {
  const candidates = process.env.HOTCYCLE_PROMTOOL ? [process.env.HOTCYCLE_PROMTOOL] : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'promtool'));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch { /* the next one */ }
  }
  throw new Error('promtool not found: `apt-get install prometheus` (npm test does, scripts/test.sh) or set HOTCYCLE_PROMTOOL');
}

async function promtool(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(promtoolPath(), args, { cwd: ROOT });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

interface Rule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
interface RuleSpec { groups: { name: string; rules: Rule[] }[] }
interface Panel { title: string; type: string; targets?: { expr: string }[]; panels?: Panel[] }
interface Dashboard { uid: string; panels: Panel[]; templating: { list: { name: string; type: string; query?: string | { query: string } }[] } }

const temp: string[] = [];
after(() => Promise.all(temp.map((d) => rm(d, { recursive: true, force: true }))));

/** Every name the sidecar's registry exports, a histogram's series included. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = await new SidecarMetrics().registry.getMetricsAsJSON();
  const names = new Set<string>();
  for (const m of metrics) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
  }
  return names;
}

// PromQL words that are not metric names: aggregation modifiers, set and vector-matching keywords.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects. Strings, label matchers `{…}`, ranges `[…]`,
 * Grafana variables, grouping label lists, durations and numbers are removed; of the identifiers left, those
 * followed by `(` are functions and the rest, keywords aside, are metric names.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*\b/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/([A-Za-z_:][\w:]*)\s*(\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1]!.toLowerCase())) continue;
    names.push(m[1]!);
  }
  return names;
}

function panelsOf(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

/** Every expression of the dashboard: panel targets and query variables (label_values(metric, label)). */
function dashboardExpressions(dashboard: Dashboard): { where: string; expr: string }[] {
  const targets = panelsOf(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  const variables = dashboard.templating.list.filter((v) => v.type === 'query').map((v) => {
    const query = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    return { where: `variable $${v.name}`, expr: query.replace(/^label_values\((.*),\s*\w+\)$/, '$1') };
  });
  return [...targets, ...variables];
}

describe('monitoring: helm template renders the three objects', () => {
  test('with monitoring on: the dashboard ConfigMap, the PrometheusRule and the PodMonitor', async () => {
    const objects = await renderChart(MONITORING);
    const dashboard = findObject(objects, 'ConfigMap', 'hotcycle-dashboard') as K8sObject & { data: Record<string, string> };
    assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1');
    assert.equal(dashboard.data['hotcycle.json'], readFileSync(DASHBOARD_FILE, 'utf8').trimEnd(), 'the dashboard file, whole');
    assert.equal((JSON.parse(dashboard.data['hotcycle.json']!) as Dashboard).uid, 'hotcycle');
    const rule = findObject(objects, 'PrometheusRule', 'hotcycle') as K8sObject & { spec: RuleSpec };
    assert.deepEqual(rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert)),
      ['HotcycleReloadFailing', 'HotcycleConfigRejected', 'HotcycleConfigBehindSource', 'HotcycleCertificateExpiring', 'HotcycleEventsDropped', 'HotcycleRolloutAborted']);
    assert.equal(rule.metadata.labels?.release, 'kube-prometheus-stack');
    const monitor = findObject(objects, 'PodMonitor', 'hotcycle') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] } };
    assert.deepEqual(monitor.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'hotcycle', 'app.kubernetes.io/instance': 'hotcycle' });
    assert.deepEqual(monitor.spec.podMetricsEndpoints.map((e) => e.port), ['metrics']);
    // The port is the sidecar's, by that name.
    const deployment = findObject(objects, 'Deployment') as K8sObject & { spec: { template: { metadata: { labels: Record<string, string> }; spec: { initContainers: { ports?: { name: string }[] }[] } } } };
    assert.ok(deployment.spec.template.spec.initContainers.some((c) => c.ports?.some((p) => p.name === 'metrics')), 'a container port named metrics');
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(deployment.spec.template.metadata.labels[k], v, `the pods carry ${k}`);
  });

  test('each switch alone renders its object only; all off (the default) renders none', async () => {
    const kinds = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'PrometheusRule' || o.kind === 'PodMonitor' || o.metadata.labels?.grafana_dashboard).map((o) => o.kind);
    assert.deepEqual(kinds(await renderChart()), []);
    assert.deepEqual(kinds(await renderChart(['--set', 'monitoring.dashboard.enabled=true'])), ['ConfigMap']);
    assert.deepEqual(kinds(await renderChart(['--set', 'monitoring.rules.enabled=true'])), ['PrometheusRule']);
    assert.deepEqual(kinds(await renderChart(['--set', 'monitoring.podMonitor.enabled=true'])), ['PodMonitor']);
  });
});

describe('monitoring: the alerts, with promtool', () => {
  test('promtool check rules and promtool test rules pass on the rendered PrometheusRule', async () => {
    const rule = findObject(await renderChart(['--set', 'monitoring.rules.enabled=true']), 'PrometheusRule') as K8sObject & { spec: RuleSpec };
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-rules-'));
    temp.push(dir);
    await writeFile(join(dir, 'hotcycle-rules.yaml'), stringify(rule.spec));
    await copyFile(RULE_TESTS, join(dir, 'hotcycle-rules.test.yaml'));
    assert.match(await promtool(['check', 'rules', join(dir, 'hotcycle-rules.yaml')]), /SUCCESS: 6 rules found/);
    assert.match(await promtool(['test', 'rules', join(dir, 'hotcycle-rules.test.yaml')]), /SUCCESS/);
  });

  test('every alert has unit tests that expect it firing and expect it quiet', async () => {
    const rule = findObject(await renderChart(['--set', 'monitoring.rules.enabled=true']), 'PrometheusRule') as K8sObject & { spec: RuleSpec };
    const { parse } = await import('yaml');
    const tests = (parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const alert of rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert))) {
      const cases = tests.filter((t) => t.alertname === alert);
      assert.ok(cases.some((c) => c.exp_alerts.length > 0), `${alert}: no case where it fires`);
      assert.ok(cases.some((c) => c.exp_alerts.length === 0), `${alert}: no case where it stays quiet`);
    }
  });

  test("a threshold the unit tests pin: promtool test rules fails when the chart's value moves it", async () => {
    const rule = findObject(await renderChart(['--set', 'monitoring.rules.enabled=true', '--set', 'monitoring.rules.rejectedForMinutes=20']), 'PrometheusRule') as K8sObject & { spec: RuleSpec };
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-rules-'));
    temp.push(dir);
    await writeFile(join(dir, 'hotcycle-rules.yaml'), stringify(rule.spec));
    await copyFile(RULE_TESTS, join(dir, 'hotcycle-rules.test.yaml'));
    await assert.rejects(promtool(['test', 'rules', join(dir, 'hotcycle-rules.test.yaml')]), /alertname: HotcycleConfigRejected, time: 15m/);
  });

  test("each alert's runbook_url is a section of the README's Alerts (runbook)", async () => {
    const rule = findObject(await renderChart(['--set', 'monitoring.rules.enabled=true']), 'PrometheusRule') as K8sObject & { spec: RuleSpec };
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const runbook = readme.slice(readme.indexOf('### Alerts (runbook)'));
    assert.ok(readme.includes('### Alerts (runbook)'), 'the README has an "Alerts (runbook)" section');
    // GitHub's anchors: the heading in lower case.
    const anchors = new Set([...runbook.matchAll(/^#### (\S+)$/gm)].map((m) => m[1]!.toLowerCase()));
    for (const r of rule.spec.groups.flatMap((g) => g.rules)) {
      assert.equal(r.annotations.runbook_url, `https://github.com/hotcycle/hotcycle/blob/main/README.md#${r.alert.toLowerCase()}`);
      assert.ok(anchors.has(r.alert.toLowerCase()), `README: no "#### ${r.alert}" under Alerts (runbook)`);
    }
  });
});

describe('monitoring: every metric the dashboard and the alerts name is exported', () => {
  test('the extractor finds the metric names, and only them', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(hotcycle_reload_duration_seconds_bucket{namespace="$namespace", pod=~"$pod"}[$__rate_interval])))'),
      ['hotcycle_reload_duration_seconds_bucket']);
    assert.deepEqual(metricNames('max by (namespace, pod) (a_total{x="by (y)"}) == 1 unless on (namespace, pod) b offset 5m > 2 * 86400'), ['a_total', 'b']);
    assert.deepEqual(metricNames('min by (file) (c{file="x"}) - time()'), ['c']);
  });

  test('every dashboard expression and alert expression names only metrics a real SidecarMetrics registry exports', async () => {
    const exported = await exportedNames();
    assert.ok(exported.has('hotcycle_reloads_total') && exported.has('hotcycle_reload_duration_seconds_bucket'), [...exported].join(', '));
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
    const rule = findObject(await renderChart(['--set', 'monitoring.rules.enabled=true']), 'PrometheusRule') as K8sObject & { spec: RuleSpec };
    const expressions = [
      ...dashboardExpressions(dashboard),
      ...rule.spec.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ];
    assert.ok(expressions.length >= 20, `only ${expressions.length} expressions`);
    const unknown: string[] = [];
    for (const { where, expr } of expressions) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
      for (const name of names) if (!exported.has(name)) unknown.push(`${where}: ${name} is not exported`);
    }
    assert.deepEqual(unknown, [], `not exported by src/sidecar/report/metrics.ts:\n${unknown.join('\n')}`);
  });

  test('the dashboard shows what the issue asks for', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
    const all = dashboardExpressions(dashboard).map((e) => e.expr).join('\n');
    for (const needed of [
      /hotcycle_reloads_total/, /histogram_quantile\(0\.5, .*hotcycle_reload_duration_seconds_bucket/, /histogram_quantile\(0\.99, .*hotcycle_reload_duration_seconds_bucket/,
      /hotcycle_config_generation/, /sum by \(check\) \(increase\(hotcycle_config_rejected_by_check_total/, /hotcycle_kube_reports_total\{result="dropped"/,
      /hotcycle_tls_certificate_expiry_timestamp_seconds.*- time\(\)/, /hotcycle_last_good_running/,
    ]) assert.match(all, needed);
  });
});
