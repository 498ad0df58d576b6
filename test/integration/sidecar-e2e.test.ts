// Acceptance (sidecar) 4: master (native driver, demo app) + sidecar + a kubelet-style source:
// a ConfigMap edit becomes the new response, with 0 failed requests under a bounded loopback load.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fetchText, Load } from '../helpers/load.ts';
import { demoConfig } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe } from '../helpers/sidecar.ts';

let pod: Pod;
let port: number;

before(async () => {
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'first edition' }, demoConfig(port));
});
after(() => pod.cleanup());

test('an edit of the ConfigMap volume is served by a new generation, with no failed request', async () => {
  const sidecar = await pod.startSidecar();
  await sidecar.waitForLog((l) => l.event === 'config.published');
  assert.equal((await probe(pod.metricsPort, '/startupz')).status, 200, 'published: the app container may start');
  assert.equal((await probe(pod.metricsPort, '/readyz')).status, 503, 'not applied before the master runs it');
  await pod.startMaster();
  await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
  assert.equal((await probe(pod.metricsPort, '/readyz')).status, 200);
  assert.equal((await probe(pod.metricsPort, '/healthz')).status, 200);
  assert.match((await fetchText(port)).body, /first edition/);

  const load = new Load({ port, connections: 4, keepAlive: false, maxRequests: 20_000 }).start();
  await load.flowing();
  const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
  await pod.update({ 'message.txt': 'second edition' }, demoConfig(port));
  const line = await reloaded;
  const answer = await fetchText(port);
  const summary = await load.stop();

  assert.match(answer.body, /second edition/);
  assert.equal(answer.headers['x-generation'], String(line.generation));
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.ok(summary.ok > 0);
  const live = await readFile(join(pod.liveDir, 'message.txt'), 'utf8');
  assert.equal(live, 'second edition');
  const metrics = (await probe(pod.metricsPort, '/metrics')).body;
  assert.match(metrics, /^hotcycle_reloads_total\{result="ok"\} 1$/m);
  assert.match(metrics, new RegExp(`^hotcycle_config_generation ${String(line.generation)}$`, 'm'));
  assert.match(metrics, /^hotcycle_last_reload_success_timestamp_seconds \d/m);
});
