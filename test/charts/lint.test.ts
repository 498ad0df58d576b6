// Acceptance 1: helm lint --strict and helm template pass for the defaults and every values
// combination in charts/hotcycle/ci/; values.schema.json and the templates reject bad values
// with a message that names the value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { CHART, combinations, findObject, helmPath, parseObjects, renderChart, runTool } from './k8s-tools.ts';

describe('helm lint --strict and helm template', () => {
  const all = combinations();

  test('at least the five required combinations exist besides the defaults', () => {
    const names = all.map((c) => c.name);
    for (const required of ['native-custom-image', 'existing-configmap', 'volume-only', 'metrics', 'pdb']) {
      assert.ok(names.includes(required), `charts/hotcycle/ci/${required}-values.yaml is missing`);
    }
  });

  for (const { name, args } of all) {
    test(`${name}: lint --strict passes`, async () => {
      const result = await runTool(helmPath(), ['lint', '--strict', CHART, ...args]);
      assert.ok(result.ok, `helm lint failed:\n${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    test(`${name}: template renders a Deployment`, async () => {
      const objects = await renderChart(args);
      findObject(objects, 'Deployment');
    });
  }
});

describe('bad values fail with a clear message', () => {
  const cases: Array<{ what: string; args: string[]; message: RegExp }> = [
    { what: 'an unknown driver', args: ['--set', 'driver=apache'], message: /at '\/driver': value must be one of 'nginx', 'native'/ },
    { what: 'a misspelt key', args: ['--set', 'fastpath.enabled=true'], message: /additional properties 'fastpath' not allowed/ },
    { what: 'a zero drain timeout', args: ['--set', 'app.drainTimeoutSeconds=0'], message: /at '\/app\/drainTimeoutSeconds': minimum: got 0, want 1/ },
    { what: 'a port out of range', args: ['--set', 'sidecar.port=70000'], message: /at '\/sidecar\/port': maximum: got 70,?000, want 65,?535/ },
    { what: 'a bad ServiceMonitor interval', args: ['--set', 'metrics.serviceMonitor.interval=often'], message: /at '\/metrics\/serviceMonitor\/interval'/ },
    { what: 'native without hotcycle.yaml', args: ['--set', 'driver=native'], message: /driver=native needs hotcycle.yaml in config.files/ },
    { what: 'a ServiceMonitor without metrics', args: ['--set', 'metrics.serviceMonitor.enabled=true'], message: /metrics.serviceMonitor.enabled needs metrics.enabled/ },
    {
      what: 'a worker shutdown longer than the drain timeout',
      args: ['-f', `${CHART}/ci/native-custom-image-values.yaml`, '--set', 'app.drainTimeoutSeconds=30'],
      message: /workers.shutdown.timeoutMs \(40000\) exceeds app.drainTimeoutSeconds \(30 s\)/,
    },
  ];
  for (const { what, args, message } of cases) {
    test(what, async () => {
      const result = await runTool(helmPath(), ['template', 'x', CHART, ...args]);
      assert.equal(result.ok, false, 'helm template accepted it');
      assert.match(result.stderr, message);
    });
  }

  test('a cluster older than 1.30 (no ValidatingAdmissionPolicy v1) is refused by kubeVersion', async () => {
    const result = await runTool(helmPath(), ['template', 'x', CHART, '--kube-version', '1.29.9']);
    assert.equal(result.ok, false);
    assert.match(result.stderr, /chart requires kubeVersion: >=1\.30\.0-0 which is incompatible with Kubernetes v1\.29\.9/);
    const ok = await runTool(helmPath(), ['template', 'x', CHART, '--kube-version', '1.30.0']);
    assert.ok(ok.ok, ok.stderr);
  });

  test('a readinessProbe from the values replaces the default one, never merges into it', async () => {
    const probe = (d: Deployment) => d.spec!.template.spec!.containers.find((c) => c.name === 'app')!.readinessProbe;
    assert.deepEqual(probe(findObject(await renderChart(), 'Deployment') as Deployment), { tcpSocket: { port: 'http' }, periodSeconds: 5 });
    const given = findObject(await renderChart(['--set', 'app.readinessProbe.httpGet.path=/healthz', '--set', 'app.readinessProbe.httpGet.port=http']), 'Deployment') as Deployment;
    assert.deepEqual(probe(given), { httpGet: { path: '/healthz', port: 'http' } });
  });

  test('serviceAccount.create=false without a name is refused: the Role is never bound to the default ServiceAccount', async () => {
    const result = await runTool(helmPath(), ['template', 'x', CHART, '--set', 'serviceAccount.create=false']);
    assert.equal(result.ok, false, 'helm template accepted it');
    assert.match(result.stderr, /serviceAccount\.name is required when serviceAccount\.create=false/);
    const named = await runTool(helmPath(), ['template', 'x', CHART, '--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=edge']);
    assert.ok(named.ok, named.stderr);
    const binding = findObject(parseObjects(named.stdout), 'RoleBinding') as unknown as RoleBinding;
    assert.deepEqual(binding.subjects?.map((s) => s.name), ['edge']);
  });
});

describe('graceful termination', () => {
  // Shutdown delay (serving on while the endpoint removal propagates) + drain + margin.
  for (const [delay, drain] of [[5, 30], [0, 45], [20, 300]] as const) {
    test(`terminationGracePeriodSeconds covers a ${delay} s shutdown delay and a ${drain} s drain, which the master is told`, async () => {
      const deployment = findObject(await renderChart(['--set', `app.drainTimeoutSeconds=${drain}`, '--set', `master.shutdownDelaySeconds=${delay}`]), 'Deployment') as Deployment;
      const pod = deployment.spec!.template.spec!;
      assert.equal(pod.terminationGracePeriodSeconds, delay + drain + 10);
      const app = pod.containers[0]!;
      const command = app.command!;
      assert.equal(command[command.indexOf('--shutdown-timeout') + 1], String(drain * 1000));
      assert.equal(app.env?.find((e) => e.name === 'HOTCYCLE_SHUTDOWN_DELAY_MS')?.value, String(delay * 1000));
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        assert.equal(container.lifecycle?.preStop, undefined, `${container.name} has a preStop hook`);
      }
    });
  }

  test('the default shutdown delay is 5 s', async () => {
    const pod = (findObject(await renderChart(), 'Deployment') as Deployment).spec!.template.spec!;
    assert.equal(pod.containers[0]!.env?.find((e) => e.name === 'HOTCYCLE_SHUTDOWN_DELAY_MS')?.value, '5000');
    assert.equal(pod.terminationGracePeriodSeconds, 5 + 30 + 10);
  });
});
