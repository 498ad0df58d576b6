// The comparison and the idle figures of the benchmark report (issue 6), side by side in one run:
//   - failed requests during N reloads under a wrk load (keep-alive, and a new connection per
//     request), native (hotcycle master from the bundle + the demo app, 2 workers) vs PM2's
//     `reload` of the same app in cluster mode (2 instances, fixtures/pm2-demo-app.ts: same
//     body, same drain); the reload latencies alongside, each measured as its user waits for it
//   - detection latency: a kubelet-style edit of the source → the new text served, end to end
//     through the sidecar (GET / polled every 5 ms)
//   - idle RSS (VmRSS) of the master and the sidecar, both the bundle, the sidecar outside a
//     cluster (the Kubernetes client is initialised only in one), after they settle; a bare
//     `node` alongside for scale
//   - idle CPU wakeups: context switches of all threads of each over a quiet window
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { stringify } from 'yaml';
import { fetchText } from '../helpers/load.ts';
import { demoConfig, MasterProcess } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { percentile, round, startWrk, type Row, type SuiteResult, type WrkSummary } from './lib.ts';
import { Pm2Cluster } from './pm2.ts';
import { BenchPod, BUNDLE } from './pod.ts';
import { activity, rssKiB } from './procfs.ts';

const WORKERS = 2;
const MESSAGE = 'bench';
const POLL_MS = 5;

export interface ReportOptions {
  reloads: number;
  edits: number;
  settleMs: number;
  idleWindowMs: number;
}

type LoadResult = WrkSummary & { reloads: number; reloadMs: number[] };

/** wrk -c16 on `port` while `reload` runs `reloads` times one after another. */
async function underLoad(port: number, reloads: number, close: boolean, reload: (i: number) => Promise<number>): Promise<LoadResult> {
  const wrk = startWrk(`http://127.0.0.1:${port}/`, { connections: 16, close });
  const reloadMs: number[] = [];
  try {
    for (let i = 0; i < reloads; i++) reloadMs.push(await reload(i));
  } catch (error) {
    await wrk.stop();
    throw error;
  }
  return { ...(await wrk.stop()), reloads, reloadMs };
}

async function nativeReloads(reloads: number): Promise<{ keepAlive: LoadResult; close: LoadResult }> {
  const port = await freePort();
  const master = await MasterProcess.start(demoConfig(port, { count: WORKERS }), { 'message.txt': MESSAGE }, { cli: BUNDLE });
  const reload = async (i: number) => {
    const started = performance.now();
    const result = await master.reload({ reason: `bench ${i}` });
    if (!result.ok) throw new Error(`reload failed: ${JSON.stringify(result.error)}`);
    return performance.now() - started;
  };
  try {
    return { keepAlive: await underLoad(port, reloads, false, reload), close: await underLoad(port, reloads, true, reload) };
  } finally {
    await master.cleanup();
  }
}

async function pm2Reloads(reloads: number): Promise<{ keepAlive: LoadResult; close: LoadResult; pingMs: number[] }> {
  const pm2 = await Pm2Cluster.start(await freePort(), WORKERS, MESSAGE);
  try {
    const pingMs = [await pm2.ping(), await pm2.ping(), await pm2.ping()];
    return { keepAlive: await underLoad(pm2.port, reloads, false, () => pm2.reload()), close: await underLoad(pm2.port, reloads, true, () => pm2.reload()), pingMs };
  } finally {
    await pm2.close();
  }
}

interface Idle { rssKiB: number; wakeupsPerSec: number; cpuMsPerSec: number }

/** RSS after `settleMs`, then context switches and CPU time over `windowMs` of quiet. */
async function idle(pids: readonly number[], settleMs: number, windowMs: number): Promise<Idle[]> {
  await delay(settleMs); // idle is what is measured: there is no event to wait for
  const rss = await Promise.all(pids.map(rssKiB));
  const before = await Promise.all(pids.map(activity));
  const started = performance.now();
  await delay(windowMs);
  const after = await Promise.all(pids.map(activity));
  const seconds = (performance.now() - started) / 1000;
  return pids.map((_, i) => ({
    rssKiB: rss[i]!,
    wakeupsPerSec: round((after[i]!.voluntary + after[i]!.nonvoluntary - before[i]!.voluntary - before[i]!.nonvoluntary) / seconds),
    cpuMsPerSec: round(((after[i]!.cpuTicks - before[i]!.cpuTicks) * 10) / seconds),
  }));
}

/** Edit → new text served, through the sidecar: the source updated as kubelet does, GET / polled. */
async function detection(pod: BenchPod, port: number, edits: number): Promise<number[]> {
  const config = demoConfig(port, { count: WORKERS });
  const times: number[] = [];
  for (let i = 1; i <= edits; i++) {
    const text = `edit ${i}`;
    const started = performance.now();
    await pod.source.update({ 'message.txt': text, 'hotcycle.yaml': stringify(config) });
    while ((await fetchText(port)).body.trim() !== text) await delay(POLL_MS);
    times.push(performance.now() - started);
  }
  return times;
}

interface PodFigures { master: Idle; sidecar: Idle; worker: Idle; bareNode: Idle; detectionMs: number[] }

async function podFigures(options: ReportOptions): Promise<PodFigures> {
  const port = await freePort();
  const pod = await BenchPod.start({ 'message.txt': 'edit 0' }, demoConfig(port, { count: WORKERS }));
  // For scale: a Node process that does nothing, measured alongside.
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  try {
    const status = await pod.masterStatus();
    const worker = status.generations.find((g) => g.generation === status.generation)!.workers[0]!.pid;
    const pids = [pod.master!.pid, pod.sidecar!.pid, worker, bare.pid!];
    const [master, sidecar, app, bareNode] = await idle(pids, options.settleMs, options.idleWindowMs);
    return { master: master!, sidecar: sidecar!, worker: app!, bareNode: bareNode!, detectionMs: await detection(pod, port, options.edits) };
  } finally {
    bare.kill('SIGKILL');
    await pod.cleanup();
  }
}

const ms = (times: readonly number[]) => `${percentile(times, 50)} / ${percentile(times, 99)} ms`;
const failed = (r: LoadResult) => `${r.failed} of ${r.requests}`;
const errors = (r: LoadResult) => `connect ${r.connectErrors}, read ${r.readErrors}, write ${r.writeErrors}, timeout ${r.timeouts}, non-2xx ${r.non2xx}`;
const mib = (kib: number) => `${round(kib / 1024, 1)} MiB`;

function comparisonRows(n: number, native: Awaited<ReturnType<typeof nativeReloads>>, pm2: Awaited<ReturnType<typeof pm2Reloads>>): Row[] {
  const nativeMs = [...native.keepAlive.reloadMs, ...native.close.reloadMs];
  const pm2Ms = [...pm2.keepAlive.reloadMs, ...pm2.close.reloadMs];
  return [
    { measure: `failed requests, keep-alive, ${n} reloads: hotcycle`, value: failed(native.keepAlive), note: `wrk -c16; ${errors(native.keepAlive)}` },
    { measure: `failed requests, keep-alive, ${n} reloads: PM2 reload`, value: failed(pm2.keepAlive), note: `wrk -c16; ${errors(pm2.keepAlive)}` },
    { measure: `failed requests, new connection each, ${n} reloads: hotcycle`, value: failed(native.close), note: `wrk -c16 -H 'Connection: close'; ${errors(native.close)}` },
    { measure: `failed requests, new connection each, ${n} reloads: PM2 reload`, value: failed(pm2.close), note: `wrk -c16 -H 'Connection: close'; ${errors(pm2.close)}` },
    { measure: `reload under load p50 / p99 (${nativeMs.length}): hotcycle`, value: ms(nativeMs), note: 'POST /v1/reload → result; the new generation starts in parallel' },
    { measure: `reload under load p50 / p99 (${pm2Ms.length}): PM2 reload`, value: ms(pm2Ms), note: `\`pm2 reload\` wall time, one instance after the other; includes the CLI's own cost (\`pm2 ping\` p50 ${percentile(pm2.pingMs, 50)} ms)` },
  ];
}

export async function reportSuite(options: ReportOptions): Promise<SuiteResult> {
  const native = await nativeReloads(options.reloads);
  const pm2 = await pm2Reloads(options.reloads);
  const pod = await podFigures(options);
  const window = `${options.idleWindowMs / 1000} s idle after ${options.settleMs / 1000} s settle`;
  return {
    suite: `report (demo app, ${WORKERS} workers; hotcycle bundle vs PM2 cluster mode; idle pod)`,
    data: { native, pm2, idle: { master: pod.master, sidecar: pod.sidecar, worker: pod.worker, bareNode: pod.bareNode }, detectionMs: pod.detectionMs },
    rows: [
      ...comparisonRows(options.reloads, native, pm2),
      { measure: `detection: source edit → new text served, p50 / p99 (${options.edits} edits)`, value: ms(pod.detectionMs),
        note: `kubelet-style ..data swap → GET / answers the new text (polled every ${POLL_MS} ms); sidecar debounce 100 ms included` },
      { measure: 'idle RSS: master / sidecar', value: `${mib(pod.master.rssKiB)} / ${mib(pod.sidecar.rssKiB)}`,
        note: `VmRSS, bundle; sidecar outside a cluster (Kubernetes reporting off); for scale: bare node ${mib(pod.bareNode.rssKiB)}, one demo worker ${mib(pod.worker.rssKiB)}` },
      { measure: 'idle wakeups: master / sidecar', value: `${pod.master.wakeupsPerSec} / ${pod.sidecar.wakeupsPerSec} per s`,
        note: `context switches of all threads over ${window}; CPU ${pod.master.cpuMsPerSec} / ${pod.sidecar.cpuMsPerSec} ms/s; bare node ${pod.bareNode.wakeupsPerSec} per s` },
    ],
  };
}
