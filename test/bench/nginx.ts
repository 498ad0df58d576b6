// The nginx driver's figures (issue 4, acceptance 6), side by side in one run, on two nginx
// masters with the same config (1 worker, loopback, each in its own temporary prefix):
//   - hotcycle: `hotcycle master --driver nginx` from the bundle; a reload is POST /v1/reload
//   - bare: nginx alone; a reload is `sh -c 'nginx -t -q <same argv> && kill -HUP <master>'`
// Reload latency, defined the same way for both: from the moment the reload is asked for (the
// POST is sent; sh is spawned) until it is known that nginx runs the new cycle — new worker
// processes exist and no old worker is an active "nginx: worker process" any more (each one
// exited or retitled "is shutting down": told to quit). hotcycle learns it from /proc (polled
// every 10 ms) and answers; for bare nginx the bench reads /proc the same way (procs.ts) every
// 1 ms. Both include nginx's own fixed 100 ms between starting new workers and SIGQUIT to the old.
// Then failed requests under wrk (keep-alive, and Connection: close) during N reloads of each.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { listChildren, type NginxChild } from '../../src/master/drivers/nginx/procs.ts';
import { forEachLine } from '../../src/process/lines.ts';
import { stopProcess } from '../../src/process/stop.ts';
import { masterReload } from '../../src/protocol/master-client.ts';
import { assertNginxInstalled, NGINX, nginxConf } from '../fixtures/nginx-driver/harness.ts';
import { ROOT } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { percentile, round, startWrk, type SuiteResult, type WrkSummary } from './lib.ts';

const BUNDLE = join(ROOT, 'dist/hotcycle.mjs');
const WORKERS = 1;
const TIMEOUT_MS = 10_000;

/** One nginx master under test: its port, its pid, and a reload that resolves with its latency. */
interface Target {
  readonly port: number;
  reload(reason: string): Promise<number>;
  close(): Promise<void>;
}

/** A temporary prefix with nginx.conf, and nginx's own argv for it (as the harness runs it). */
async function prefix(name: string, port: number): Promise<{ dir: string; argv: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), `hotcycle-bench-${name}-`));
  await chmod(dir, 0o755); // nginx's workers run as nobody under a root master
  await mkdir(join(dir, 'live'));
  await mkdir(join(dir, 'tmp'));
  const server = `server { listen 127.0.0.1:${port}; location / { return 200 "bench\\n"; } }`;
  await writeFile(join(dir, 'live', 'nginx.conf'), nginxConf(dir, server, WORKERS));
  return { dir, argv: ['-p', `${dir}/`, '-e', join(dir, 'error.log'), '-g', 'daemon off;', '-c', join(dir, 'live', 'nginx.conf')] };
}

const activeWorkers = (masterPid: number) => listChildren(masterPid).filter((c) => c.role === 'worker');
const same = (a: NginxChild, b: NginxChild) => a.pid === b.pid && a.startTicks === b.startTicks;

/** The endpoint of a reload: new workers exist and none of `old` is still an active worker. */
function newCycleRunning(masterPid: number, old: readonly NginxChild[]): boolean {
  const workers = activeWorkers(masterPid);
  return workers.length > 0 && !workers.some((w) => old.some((o) => same(o, w)));
}

async function pollEveryMs(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(1);
  }
}

/** nginx alone, reloaded the way a script would do it without hotcycle. */
class BareNginx implements Target {
  readonly port: number;
  readonly #dir: string;
  readonly #argv: string[];
  readonly #child: ChildProcess;

  private constructor(port: number, dir: string, argv: string[], child: ChildProcess) {
    this.port = port;
    this.#dir = dir;
    this.#argv = argv;
    this.#child = child;
  }

  static async start(port: number): Promise<BareNginx> {
    const { dir, argv } = await prefix('bare', port);
    const child = spawn(NGINX, argv, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
    const nginx = new BareNginx(port, dir, argv, child);
    try {
      await once(child, 'spawn');
      await pollEveryMs(() => activeWorkers(child.pid!).length === WORKERS, 'the bare nginx\'s first workers');
    } catch (error) {
      await nginx.close();
      throw error;
    }
    return nginx;
  }

  async reload(): Promise<number> {
    const pid = this.#child.pid!;
    const old = activeWorkers(pid);
    const started = performance.now();
    const test = [NGINX, '-t', '-q', ...this.#argv].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const sh = spawn('/bin/sh', ['-c', `${test} && kill -HUP ${pid}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const [code] = await once(sh, 'exit') as [number | null];
    if (code !== 0) throw new Error(`nginx -t && kill -HUP exited with ${code}`);
    await pollEveryMs(() => newCycleRunning(pid, old), 'the bare nginx\'s new cycle');
    return performance.now() - started;
  }

  async close(): Promise<void> {
    if (this.#child.pid !== undefined) await stopProcess(this.#child, { signal: 'SIGQUIT', timeoutMs: TIMEOUT_MS });
    try {
      process.kill(-(this.#child.pid ?? 0), 'SIGKILL'); // any worker a dead master left behind
    } catch {
      // ESRCH: the group is gone
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** `hotcycle master --driver nginx` from the bundle, as images run it. */
export class HotcycleNginx implements Target {
  readonly port: number;
  readonly phases: Record<string, number>[] = [];
  readonly #dir: string;
  readonly #child: ChildProcess;

  private constructor(port: number, dir: string, child: ChildProcess) {
    this.port = port;
    this.#dir = dir;
    this.#child = child;
  }

  /** `env` is added to hotcycle's (and so nginx's) environment. */
  static async start(port: number, env: NodeJS.ProcessEnv = {}): Promise<HotcycleNginx> {
    const { dir, argv } = await prefix('hotcycle', port);
    const args = [BUNDLE, 'master', '--driver', 'nginx', '--config-dir', join(dir, 'live'), '--socket', join(dir, 'master.sock'), '--', NGINX, ...argv];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOTCYCLE_LOG_FORMAT: 'json', ...env } });
    const nginx = new HotcycleNginx(port, dir, child);
    const lines: string[] = [];
    let started = false;
    const ready = new Promise<void>((resolve, reject) => {
      forEachLine(child.stderr!, (line) => { // read to the end: a full pipe would stall hotcycle
        if (started) return;
        lines.push(line);
        started = line.includes('"event":"master.ready"');
        if (started) resolve();
      });
      child.once('exit', (code) => reject(new Error(`hotcycle exited with ${code} before ready:\n${lines.join('\n')}`)));
    });
    try {
      await ready;
    } catch (error) {
      await nginx.close();
      throw error;
    }
    return nginx;
  }

  /** hotcycle's pid (nginx's master is its child). */
  get pid(): number {
    return this.#child.pid!;
  }

  async reload(reason: string): Promise<number> {
    const started = performance.now();
    const result = await masterReload(join(this.#dir, 'master.sock'), { reason });
    const ms = performance.now() - started;
    if (!result.ok) throw new Error(`hotcycle reload failed: ${JSON.stringify(result.error)}`);
    this.phases.push(Object.fromEntries(result.phases.map((p) => [p.name, p.ms])));
    return ms;
  }

  async close(): Promise<void> {
    await stopProcess(this.#child, { signal: 'SIGTERM', timeoutMs: TIMEOUT_MS });
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** Alternates the two, one reload each per round, so drift on the machine hits both alike. */
async function latencies(hotcycle: Target, bare: Target, runs: number): Promise<{ hotcycle: number[]; bare: number[] }> {
  const times = { hotcycle: [] as number[], bare: [] as number[] };
  for (let i = 0; i < runs; i++) {
    times.hotcycle.push(await hotcycle.reload(`bench latency ${i}`));
    times.bare.push(await bare.reload(`bench latency ${i}`));
  }
  return times;
}

type LoadResult = WrkSummary & { reloads: number; reloadMs: number[] };

async function underLoad(target: Target, reloads: number, close: boolean): Promise<LoadResult> {
  const wrk = startWrk(`http://127.0.0.1:${target.port}/`, { connections: 16, close });
  const reloadMs: number[] = [];
  for (let i = 0; i < reloads; i++) reloadMs.push(await target.reload(`bench load ${i}`));
  return { ...(await wrk.stop()), reloads, reloadMs };
}

const ms = (times: readonly number[]) => `${percentile(times, 50)} / ${percentile(times, 99)} ms`;
const failed = (r: LoadResult) => `${r.failed} of ${r.requests}`;
const errors = (r: LoadResult) => `connect ${r.connectErrors}, read ${r.readErrors}, write ${r.writeErrors}, timeout ${r.timeouts}, non-2xx ${r.non2xx}`;

export async function nginxSuite(options: { runs: number; reloads: number }): Promise<SuiteResult> {
  assertNginxInstalled();
  const hotcycle = await HotcycleNginx.start(await freePort());
  let bare: BareNginx | undefined;
  try {
    bare = await BareNginx.start(await freePort());
    const latency = await latencies(hotcycle, bare, options.runs);
    const load = {
      hotcycleKeepAlive: await underLoad(hotcycle, options.reloads, false),
      bareKeepAlive: await underLoad(bare, options.reloads, false),
      hotcycleClose: await underLoad(hotcycle, options.reloads, true),
      bareClose: await underLoad(bare, options.reloads, true),
    };
    const check = hotcycle.phases.slice(0, options.runs).map((p) => p.check ?? NaN);
    const ratio = round(percentile(latency.hotcycle, 50) / percentile(latency.bare, 50));
    const n = options.reloads;
    return {
      suite: `nginx driver (nginx ${WORKERS} worker, hotcycle bundle vs bare nginx)`,
      data: { latencyMs: latency, hotcyclePhasesMs: hotcycle.phases, load },
      rows: [
        { measure: `hotcycle reload p50 / p99 (${options.runs} reloads)`, value: ms(latency.hotcycle), note: `POST /v1/reload → result; its check phase (hash, nginx -t) p50 ${percentile(check, 50)} ms` },
        { measure: `bare nginx -t && kill -HUP p50 / p99 (${options.runs} reloads)`, value: ms(latency.bare), note: 'sh spawned → /proc shows new workers, old ones told to quit (1 ms polls)' },
        { measure: 'hotcycle p50 ÷ bare p50', value: `${ratio}×`, note: 'both include nginx\'s fixed 100 ms before SIGQUIT to old workers' },
        { measure: `failed requests, keep-alive, ${n} reloads: hotcycle`, value: failed(load.hotcycleKeepAlive), note: `wrk -c16; ${errors(load.hotcycleKeepAlive)}` },
        { measure: `failed requests, keep-alive, ${n} reloads: bare nginx`, value: failed(load.bareKeepAlive), note: `wrk -c16; ${errors(load.bareKeepAlive)}` },
        { measure: `failed requests, new connection each, ${n} reloads: hotcycle`, value: failed(load.hotcycleClose), note: `wrk -c16 -H 'Connection: close'; ${errors(load.hotcycleClose)}` },
        { measure: `failed requests, new connection each, ${n} reloads: bare nginx`, value: failed(load.bareClose), note: `wrk -c16 -H 'Connection: close'; ${errors(load.bareClose)}` },
      ],
    };
  } finally {
    await Promise.all([hotcycle.close(), bare?.close()]);
  }
}
