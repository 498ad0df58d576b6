// Issue 11, acceptance 4: deleting the default chart's pod under load. kubelet (here its podman
// stand-in) sends SIGTERM to the app container; during the shutdown delay
// (master.shutdownDelaySeconds, given to the master as HOTCYCLE_SHUTDOWN_DELAY_MS) new
// connections are still served; then nginx drains (SIGQUIT) and the requests in flight finish;
// the app and then the sidecar exit 0 within terminationGracePeriodSeconds.
//
// The shutdown delay is hotcycle master's (--shutdown-delay-ms, HOTCYCLE_SHUTDOWN_DELAY_MS).
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { fetchText, Load } from '../helpers/load.ts';
import { findObject, renderChart } from '../charts/k8s-tools.ts';
import { IMAGES, LOCAL_IMAGE_VALUES, requireImages } from './podman.ts';
import { PodmanPod } from './podman-pod.ts';

const objects = await renderChart(LOCAL_IMAGE_VALUES);
const spec = (findObject(objects, 'Deployment') as Deployment).spec!.template.spec!;
const delayMs = Number(spec.containers[0]!.env!.find((e) => e.name === 'HOTCYCLE_SHUTDOWN_DELAY_MS')!.value);
const graceMs = spec.terminationGracePeriodSeconds! * 1000;

await requireImages(IMAGES.hotcycle, IMAGES.nginx);

describe('deleting the default chart pod under load, under podman (stand-in for kubelet)', () => {
  let pod: PodmanPod;
  let port = 0;

  before(async () => {
    pod = await PodmanPod.start(objects, 'deletion');
    await pod.waitReady('app');
    port = await pod.forward(8080);
  });
  after(() => pod?.close());

  test(`new connections are served for the ${delayMs} ms shutdown delay, in-flight requests finish, both containers exit 0 within ${graceMs} ms`, async (t) => {
    assert.ok(delayMs >= 2000, `the chart's default delay (${delayMs} ms) leaves room to observe`);
    const load = new Load({ port, connections: 4, keepAlive: false, maxRequests: 50_000 }).start();
    await load.flowing();
    const sigterm = pod.container('app').logs.nextLog((l) => l.event === 'master.shutdown-delay');
    const deleting = pod.delete();
    await sigterm;
    const before = load.completed;
    // The window is the delay itself (less a second for SIGTERM's delivery and this test's own
    // lag): a duration is what is under test, so a timer measures it.
    await delay(delayMs - 1000);
    const fresh = await fetchText(port, '/').catch((error: unknown) => ({ status: 0, body: String(error) }));
    const summary = await load.stop(); // waits for the requests in flight
    t.diagnostic(`during the delay: ${load.completed - before} requests; ${JSON.stringify(summary)}`);
    assert.equal(fresh.status, 200, `a new connection ${delayMs - 1000} ms into the delay: ${fresh.body}`);
    assert.ok(load.completed - before > 0, 'requests were served during the delay');
    assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
    const exits = await deleting;
    t.diagnostic(JSON.stringify(Object.fromEntries(exits)));
    for (const name of ['app', 'hotcycle']) {
      const exit = exits.get(name);
      assert.equal(exit?.exitCode, 0, `${name} exit code`);
      assert.ok(exit.ms < graceMs, `${name} exited after ${exit.ms} ms, within the grace period`);
    }
    assert.ok(exits.get('app')!.ms >= delayMs - 1000, 'the app served on for the delay');
  });
});
