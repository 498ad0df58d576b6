// Scale points of the benchmark report (issue 6), hotcycle master from the bundle:
//   - 64 workers of the demo app: a reload's latency (client-side), with its start and ready phases
//   - 50 listeners kept across a reload (fixtures/multi-listener.ts serves all of them), next to
//     the same worker with 1 listener
//   - N idle keep-alive connections to the old generation (10 000 when the open-files limit
//     allows; otherwise the most it allows, and the row says why), then a reload under a wrk
//     load: the old generation's drain time and the failed requests
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { ReloadResult } from '../../src/protocol/types.ts';
import { alive, demoConfig, fixture, MasterProcess, type HotcycleYaml } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { IdleConnections, type IdleOutcome } from './connections.ts';
import { percentile, round, startWrk, type Row, type SuiteResult, type WrkSummary } from './lib.ts';
import { BUNDLE } from './pod.ts';
import { openFilesLimit } from './procfs.ts';

export interface ScaleOptions {
  /** Reloads with many listeners (and with one). */
  runs: number;
  /** Reloads with many workers (each takes seconds). */
  workerRuns: number;
  workers: number;
  listeners: number;
  connections: number;
}

const SLOW_READY = { mode: 'notify', timeoutMs: 120_000 };
/** File descriptors the bench process keeps for everything but the idle connections (wrk runs apart). */
const FD_HEADROOM = 1000;

const phase = (r: ReloadResult, name: string) => r.phases.find((p) => p.name === name)?.ms ?? NaN;

/**
 * POST /v1/reload without a client-side idle timeout. The project's client (src/protocol/client.ts)
 * sends through Node's global agent, whose sockets time out after 5 s without a byte: a cycle of
 * 64 workers takes longer here, and that client gives up on it. The answer is checked by shape.
 */
export function reloadPatiently(socketPath: string, reason: string): Promise<ReloadResult> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ reason });
    const req = request({ socketPath, method: 'POST', path: '/v1/reload', agent: false,
      headers: { host: 'hotcycle', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const result = JSON.parse(text) as ReloadResult;
        if (res.statusCode === 200 && typeof result.ok === 'boolean' && Array.isArray(result.phases)) resolve(result);
        else reject(new Error(`POST /v1/reload answered ${res.statusCode}: ${text}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function reloads(master: MasterProcess, runs: number): Promise<{ ms: number[]; results: ReloadResult[] }> {
  const out = { ms: [] as number[], results: [] as ReloadResult[] };
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = await reloadPatiently(master.socket, `bench scale ${i}`);
    if (!result.ok) throw new Error(`reload failed: ${JSON.stringify(result.error)}`);
    out.ms.push(performance.now() - started);
    out.results.push(result);
  }
  return out;
}

async function withMaster<T>(config: HotcycleYaml, use: (master: MasterProcess) => Promise<T>): Promise<T> {
  const master = await MasterProcess.start(config, { 'message.txt': 'bench' }, { cli: BUNDLE });
  try {
    return await use(master);
  } finally {
    await master.cleanup();
  }
}

async function manyWorkers(workers: number, runs: number) {
  const config = demoConfig(await freePort(), { count: workers, readiness: SLOW_READY });
  return withMaster(config, async (master) => {
    const { ms, results } = await reloads(master, runs);
    const pids = await master.pids();
    if (pids.length !== workers) throw new Error(`expected ${workers} workers, status lists ${pids.length}`);
    return { ms, startMs: results.map((r) => phase(r, 'start')), readyMs: results.map((r) => phase(r, 'ready')) };
  });
}

async function listenersConfig(count: number): Promise<HotcycleYaml> {
  const ports = new Set<number>(); // the kernel may hand out a just-closed port again
  while (ports.size < count) ports.add(await freePort());
  const listeners = [...ports].map((port, i) => ({ name: `l${i}`, address: `127.0.0.1:${port}` }));
  return { listeners, workers: { count: 1, command: ['node', fixture('multi-listener.ts')], readiness: SLOW_READY } };
}

async function manyListeners(count: number, runs: number) {
  return withMaster(await listenersConfig(count), async (master) => {
    const before = (await master.status()).listeners.map((l) => l.key).join();
    const { ms, results } = await reloads(master, runs);
    const after = await master.status();
    if (after.listeners.length !== count || after.listeners.map((l) => l.key).join() !== before) throw new Error('listeners changed across reloads');
    return { ms, openMs: results.map((r) => phase(r, 'open')) };
  });
}

interface Draining { connections: number; limitNote: string; reloadMs: number; drainMs: number; idle: IdleOutcome; load: WrkSummary }

/** How many idle connections this process can hold, and why not more when fewer than asked. */
async function connectionBudget(wanted: number): Promise<{ count: number; note: string }> {
  const limit = await openFilesLimit();
  if (limit - FD_HEADROOM >= wanted) return { count: wanted, note: `open-files limit ${limit}` };
  return { count: Math.max(0, limit - FD_HEADROOM), note: `capped by the open-files limit ${limit} (ulimit -n) minus ${FD_HEADROOM} kept for the rest` };
}

/** Old generation with `wanted` idle connections; reload under wrk; time until its last worker exited. */
async function draining(wanted: number): Promise<Draining> {
  const budget = await connectionBudget(wanted);
  const port = await freePort();
  return withMaster(demoConfig(port, { count: 2 }), async (master) => {
    const oldPids = await master.pids();
    const idle = await IdleConnections.open(port, budget.count);
    const wrk = startWrk(`http://127.0.0.1:${port}/`, { connections: 16 });
    try {
      const started = performance.now();
      const result = await master.reload({ reason: 'bench drain' });
      if (!result.ok) throw new Error(`reload failed: ${JSON.stringify(result.error)}`);
      const committed = performance.now();
      while (oldPids.some(alive)) await delay(10); // exits of another process tree: polled
      const drained = performance.now();
      await idle.allEnded();
      return {
        connections: budget.count, limitNote: budget.note, reloadMs: round(committed - started), drainMs: round(drained - committed),
        idle: idle.outcome, load: await wrk.stop(),
      };
    } catch (error) {
      await wrk.stop();
      throw error;
    } finally {
      idle.destroy();
    }
  });
}

const ms = (times: readonly number[]) => `${percentile(times, 50)} / ${percentile(times, 99)} ms`;

function drainRow(d: Draining): Row {
  const resets = Object.entries(d.idle.errors).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  return {
    measure: `${d.connections} idle keep-alive connections draining: reload / old generation drained`,
    value: `${d.reloadMs} / ${d.drainMs} ms; failed requests ${d.load.failed} of ${d.load.requests}`,
    note: `drained = reload answered → last old worker exited (idle keep-alive connections close once idle for the keepAliveTimeout); idle connections closed by the server ${d.idle.closedByServer}, errors: ${resets}; wrk -c16 keep-alive alongside; ${d.limitNote}`,
  };
}

export async function scaleSuite(options: ScaleOptions): Promise<SuiteResult> {
  const workers = await manyWorkers(options.workers, options.workerRuns);
  const listeners = await manyListeners(options.listeners, options.runs);
  const single = await manyListeners(1, options.runs);
  const drain = await draining(options.connections);
  return {
    suite: 'scale (hotcycle master bundle)',
    data: { workers, listeners, singleListener: single, drain },
    rows: [
      { measure: `${options.workers} demo workers: reload p50 / p99 (${options.workerRuns} reloads)`, value: ms(workers.ms),
        note: `start phase p50 ${percentile(workers.startMs, 50)} ms, ready phase p50 ${percentile(workers.readyMs, 50)} ms` },
      { measure: `${options.listeners} listeners kept: reload p50 / p99 (${options.runs} reloads)`, value: ms(listeners.ms),
        note: `1 worker serving all of them; open phase p50 ${percentile(listeners.openMs, 50)} ms; same worker with 1 listener: ${ms(single.ms)}` },
      drainRow(drain),
    ],
  };
}
