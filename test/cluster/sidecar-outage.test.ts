// Issue 10, acceptance 5, against the real kube-apiserver: an API outage loses nothing. The
// sidecar (the chart's Pod, its bound token) reports to a private kube-apiserver on the run's etcd
// (Cluster.extraApiServer), which is stopped for 60 s — a real outage: connections refused —
// while config edits keep arriving through the volume, then started again on the same port.
//   - every reload during the outage completes as quickly as one with the API up;
//   - afterwards the Pod's hotcycle.dev/* annotations converge to the generation that serves
//     (they are desired state, reconciled with capped backoff, not given up after a few tries);
//   - every Event made during the outage is, per Event, logged as delivered late or as dropped,
//     and the metrics count the same; the delivered ones show in `kubectl get events`.
// The outage length is the scenario itself, so it is waited for; everything else waits on the
// sidecar's JSON log lines.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { useCluster } from '../helpers/cluster/cluster.ts';
import type { ApiServer } from '../helpers/cluster/components.ts';
import { installRelease, podEvents, startReleasePod, type Release } from '../helpers/cluster/release.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig, type LogLine } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe, type HotcycleProcess } from '../helpers/sidecar.ts';

const OUTAGE_MS = 60_000;
const EDITS = 5;
/** A reload that waits for nothing from the API takes well under this on this machine. */
const RELOAD_BOUND_MS = 5000;

const cluster = useCluster();
let release: Release;
let apiServer: ApiServer;
let pod: Pod;
let sidecar: HotcycleProcess;
let port: number;

before(async () => {
  const c = await cluster();
  release = await installRelease(c, 'outage');
  apiServer = await c.extraApiServer();
  port = await freePort();
  pod = await Pod.create({ 'message.txt': 'before' }, demoConfig(port, { count: 1 }));
  sidecar = await startReleasePod(c, release, pod, { args: ['--log-level', 'debug'], apiServerPort: apiServer.port });
}, { timeout: 180_000 });
after(async () => {
  await pod?.cleanup();
  await apiServer?.process.stop();
});

const isEnd = (l: LogLine) => l.event === 'kube-report' && l.call === 'event' && (l.result === 'ok' || l.result === 'dropped' || l.result === 'failed');
const eventEnds = () => sidecar.logs.filter(isEnd);

/** A volume edit and the time until the sidecar's `reload.ok` for it. */
async function edit(message: string): Promise<number> {
  const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
  const started = performance.now();
  await pod.update({ 'message.txt': message }, demoConfig(port, { count: 1 }));
  await reloaded;
  const ms = performance.now() - started;
  assert.match((await fetchText(port)).body, new RegExp(message));
  return ms;
}

test('kube-apiserver down for 60 s: reloads go on, annotations converge, every Event is delivered late or dropped, and said so', { timeout: 240_000 }, async (t) => {
  const c = await cluster();
  const self = release.pods[0]!;
  const baseline = await edit('up');
  await sidecar.waitForLog((l) => l.event === 'kube-report' && l.call === 'annotations' && l.result === 'ok');
  // One Reloaded Event per reload: wait until each made so far has its end line.
  const reloads = () => sidecar.logs.filter((l) => l.event === 'reload.ok').length;
  await sidecar.waitForLog((l) => isEnd(l) && eventEnds().length === reloads());
  assert.ok(eventEnds().every((l) => l.result === 'ok' && l.late === false), 'with the API up, every Event is delivered at once');
  const endsBefore = eventEnds().length;

  await apiServer.process.stop();
  const down = performance.now();
  const during: number[] = [];
  for (let i = 1; i <= EDITS; i++) {
    during.push(await edit(`outage ${i}`));
    await sleep(down + (i * OUTAGE_MS) / EDITS - performance.now()); // spread over the outage: the scenario's clock
  }
  assert.ok(during.every((ms) => ms < RELOAD_BOUND_MS), `reloads during the outage: ${during.map(Math.round).join(', ')} ms (with the API up: ${Math.round(baseline)} ms)`);
  assert.equal(eventEnds().length, endsBefore, 'no Event was given up during a 60 s outage');
  assert.ok(sidecar.logs.some((l) => l.event === 'kube-report' && l.result === 'retry' && l.status === undefined), 'the failures were seen as no answer (connection refused)');

  apiServer = await c.extraApiServer(apiServer.port);
  const back = performance.now();
  const generation = (await pod.masterStatus()).generation;
  await sidecar.waitForLog((l) => l.event === 'kube-report' && l.call === 'annotations' && l.result === 'ok' && l.what === `annotations generation ${generation}`);
  const convergedMs = performance.now() - back;
  const pod0 = await c.json<{ metadata: { annotations: Record<string, string> } }>(['get', 'pod', self.name, '-n', release.namespace]);
  assert.equal(pod0.metadata.annotations['hotcycle.dev/generation'], String(generation), 'the annotations converged to the generation that serves');
  assert.equal(pod0.metadata.annotations['hotcycle.dev/config-hash'], (await pod.masterStatus()).configHash);

  await sidecar.waitForLog((l) => isEnd(l) && eventEnds().length === endsBefore + EDITS);
  const ends = eventEnds().slice(endsBefore);
  for (const end of ends) {
    assert.match(String(end.what), /^Event Reloaded \S+$/, 'each line names its Event');
    assert.ok(end.result === 'dropped' || (end.result === 'ok' && end.late === true), `${String(end.what)}: ${String(end.result)}`);
  }
  const delivered = ends.filter((l) => l.result === 'ok').length;
  const dropped = ends.filter((l) => l.result === 'dropped').length;
  assert.equal(delivered + dropped, EDITS);
  t.diagnostic(`outage ${Math.round((back - down) / 1000)} s: reloads ${during.map(Math.round).join(', ')} ms (API up: ${Math.round(baseline)} ms); `
    + `annotations converged ${Math.round(convergedMs)} ms after the API server was ready; Events delivered late ${delivered}, dropped ${dropped}; `
    + `ages at delivery ${ends.map((l) => Math.round(Number(l.ageMs) / 1000)).join(', ')} s`);

  const metrics = (await probe(pod.metricsPort, '/metrics')).body;
  const count = (result: string) => Number(new RegExp(`^hotcycle_kube_reports_total\\{call="event",result="${result}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
  assert.equal(count('ok'), endsBefore + delivered);
  assert.equal(count('dropped'), dropped);
  const names = new Set((await podEvents(c, release.namespace, self.uid)).map((e) => e.metadata.name));
  for (const end of ends.filter((l) => l.result === 'ok')) assert.ok(names.has(String(end.what).split(' ')[2] ?? ''), `${String(end.what)} is in kubectl get events`);
});
