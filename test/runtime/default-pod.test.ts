// Issue 11, acceptance 2: the default chart's pod (nginx driver), rendered by real helm from the
// local images, run by the podman stand-in for kubelet: it serves; a ConfigMap edit is published
// and reloaded with no failed request under a bounded loopback load; a syntax error is rejected
// with file:line:col while the old config serves on; the operator commands work through
// `podman exec` in the sidecar container as its non-root user.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchText, Load } from '../helpers/load.ts';
import { findObject, renderChart } from '../charts/k8s-tools.ts';
import { IMAGES, LOCAL_IMAGE_VALUES, requireImages } from './podman.ts';
import { PodmanPod } from './podman-pod.ts';

const objects = await renderChart(LOCAL_IMAGE_VALUES);
const conf = (findObject(objects, 'ConfigMap').data as Record<string, string>)['nginx.conf']!;

describe('the default chart pod under podman (stand-in for kubelet)', () => {
  let pod: PodmanPod;
  let port = 0;

  before(async () => {
    await requireImages(IMAGES.hotcycle, IMAGES.nginx);
    pod = await PodmanPod.start(objects, 'default');
    await pod.waitReady('app');
    port = await pod.forward(8080);
  });
  after(() => pod?.close());

  test('serves the chart\'s nginx.conf', async () => {
    const response = await fetchText(port, '/');
    assert.equal(response.status, 200);
    assert.equal(response.body, 'hello from hotcycle\n');
    assert.ok(await pod.ready('hotcycle'), 'the sidecar is ready (first version applied)');
  });

  test('a ConfigMap edit is published and reloaded with 0 failed requests under load', async () => {
    const load = new Load({ port, connections: 4, keepAlive: false, maxRequests: 20_000 }).start();
    await load.flowing();
    const sidecar = pod.container('hotcycle').logs;
    const published = sidecar.nextLog((l) => l.event === 'config.published');
    const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
    await pod.source.update({ 'nginx.conf': conf.replace('hello from hotcycle', 'hello again') });
    await published;
    const ok = await reloaded;
    await load.until(load.completed + 200);
    const summary = await load.stop();
    assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
    assert.ok(summary.ok >= 200, `${summary.ok} requests succeeded`);
    assert.equal((await fetchText(port, '/')).body, 'hello again\n');
    assert.ok(Number(ok.generation) >= 2, JSON.stringify(ok));
  });

  test('hotcycle status, reload and check work through podman exec in the sidecar, as uid 1000', async () => {
    const id = await pod.exec('hotcycle', ['id', '-u']);
    assert.equal(id.stdout.trim(), '1000');
    const status = await pod.exec('hotcycle', ['hotcycle', 'status']);
    assert.equal(status.code, 0, status.stderr + status.stdout);
    assert.match(status.stdout, /generation/);
    const reload = await pod.exec('hotcycle', ['hotcycle', 'reload']);
    assert.equal(reload.code, 0, reload.stderr + reload.stdout);
    const check = await pod.exec('hotcycle', ['hotcycle', 'check', '--driver', 'nginx', '/etc/hotcycle/source']);
    assert.equal(check.code, 0, check.stderr + check.stdout);
    assert.equal((await fetchText(port, '/')).body, 'hello again\n');
  });

  test('a syntax error is rejected with file:line:col and the old config keeps serving', async () => {
    const rejected = pod.container('hotcycle').logs.nextLog((l) => l.event === 'config.rejected');
    const broken = conf.replace('hello from hotcycle', 'hello again').replace('return 200 "ok\\n";', 'return 200 "ok\\n"');
    assert.notEqual(broken, conf);
    await pod.source.update({ 'nginx.conf': broken });
    const line = await rejected;
    assert.match(JSON.stringify(line.diagnostics), /nginx\.conf:\d+:\d+: /);
    assert.equal((await fetchText(port, '/')).body, 'hello again\n');
    const check = await pod.exec('hotcycle', ['hotcycle', 'check', '--driver', 'nginx', '/etc/hotcycle/source']);
    assert.equal(check.code, 1, check.stdout);
    assert.deepEqual(pod.liveness.get('hotcycle')?.failures, [], 'the sidecar\'s liveness probe never failed');
    assert.match(check.stdout + check.stderr, /nginx\.conf:\d+:\d+: /);
  });
});
