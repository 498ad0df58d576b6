// Footprint (issue 13): what hotcycle costs in every pod, as ratios to a bare `node` of the same
// binary measured side by side in the same run (absolute figures drift with the machine):
//   - idle RSS (VmRSS) after `settleMs`: the master with the native driver (demo app, 1 worker) and
//     the sidecar outside a cluster (one pod of bundle processes, pod.ts), the master with the nginx
//     driver (nginx, 1 worker); alongside, a bare `node -e` and a "floor": plain Node doing what any
//     master must (an HTTP server on a Unix socket, a child process, a sha256), no hotcycle code
//   - idle wakeups over `windowMs`: context switches of each main thread (the event loop), and, in a
//     second set of the same processes run with fixtures/count-timers.ts, the JavaScript timers that
//     called back in the window (the sidecar's resync set to RESYNC_MS there, so its one timer shows)
//   - CLI wall time: `hotcycle --help` and `hotcycle status` (the pod's sidecar, which asks its master)
//     against `node -e 0`, alternated run by run, medians; alongside, the floor of any Node client of
//     that status: `node -e` that GETs /v1/status from the sidecar with node:http
//   - RSS after N reloads against after the first: a master whose worker is `sleep` (settle
//     readiness), so that N cycles take seconds, each RSS taken after the same settle; and after N/2,
//     to tell a leak (growing all along) from warm-up (growing at first, then flat)
// The sidecar in a cluster (client loaded, fast path on) is measured in the fast path suite
// (fastpath.ts), which has the real control plane.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { demoConfig, MasterProcess, ROOT } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { mib, percentile, round, type Row, type SuiteResult } from './lib.ts';
import { HotcycleNginx } from './nginx.ts';
import { BenchPod, BUNDLE } from './pod.ts';
import { mainThreadSwitches, rssKiB } from './procfs.ts';

export interface FootprintOptions {
  settleMs: number;
  windowMs: number;
  cliRuns: number;
  reloads: number;
}

const COUNT_TIMERS = join(ROOT, 'test/bench/fixtures/count-timers.ts');
const RESYNC_MS = 2_000;
const GOALS = { masterRss: 1.35, sidecarRss: 1.5, cliWall: 1.5, reloadGrowth: 0.05 };
const IDLE_NODE = 'setInterval(() => {}, 1 << 30)';
// What any Node master does, without hotcycle: HTTP on a Unix socket, a child, a hash; then idles.
const FLOOR = `const r = process.getBuiltinModule('node:module').createRequire(process.cwd() + '/');
const s = r('node:http').createServer((q, a) => a.end()); s.listen(process.argv[1]);
const c = r('node:child_process').spawn('sleep', ['3600'], { stdio: ['ignore', 'pipe', 'pipe'] });
r('node:crypto').createHash('sha256').update('x').digest('hex');
process.on('SIGTERM', () => { c.kill(); process.exit(0); });`;

/** The processes measured while idle: a pod (sidecar + native master), an nginx-driver master, and, when clean, the baselines. */
interface IdleSet {
  pids: Record<string, number>;
  sidecarSocket: string;
  close(): Promise<void>;
}

async function startIdleSet(env: NodeJS.ProcessEnv, baselines: boolean, dir: string): Promise<IdleSet> {
  const pod = await BenchPod.start({ 'message.txt': 'idle' }, demoConfig(await freePort(), { count: 1 }), { env });
  const nginx = await HotcycleNginx.start(await freePort(), env).catch(async (error: unknown) => {
    await pod.cleanup();
    throw error;
  });
  const children = baselines
    ? [spawn(process.execPath, ['-e', IDLE_NODE], { stdio: 'ignore' }), spawn(process.execPath, ['-e', FLOOR, join(dir, 'floor.sock')], { stdio: 'ignore' })]
    : [];
  await Promise.all(children.map((child) => once(child, 'spawn')));
  const pids: Record<string, number> = { master: pod.master!.pid, nginxMaster: nginx.pid, sidecar: pod.sidecar!.pid };
  if (baselines) Object.assign(pids, { bare: children[0]!.pid!, floor: children[1]!.pid! });
  return {
    pids,
    sidecarSocket: pod.sidecarSocket,
    async close() {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all([pod.cleanup(), nginx.close()]);
    },
  };
}

/** RSS of each after `settleMs`, then main-thread wakeups per second over `windowMs`. */
async function idleFigures(pids: Record<string, number>, options: FootprintOptions) {
  await delay(options.settleMs); // idle is what is measured: there is no event to wait for
  const names = Object.keys(pids);
  const rss = await Promise.all(names.map((name) => rssKiB(pids[name]!)));
  const before = await Promise.all(names.map((name) => mainThreadSwitches(pids[name]!)));
  const started = performance.now();
  await delay(options.windowMs);
  const after = await Promise.all(names.map((name) => mainThreadSwitches(pids[name]!)));
  const seconds = (performance.now() - started) / 1000;
  return Object.fromEntries(names.map((name, i) => [name, { rssKiB: rss[i]!, wakeupsPerSec: round((after[i]! - before[i]!) / seconds) }]));
}

/** Timer callbacks of each process inside one idle window, as fixtures/count-timers.ts recorded them: period → count. */
async function timerCallbacks(options: FootprintOptions, dir: string): Promise<Record<string, Record<string, number>>> {
  const prefix = join(dir, 'timers');
  const set = await startIdleSet({ NODE_OPTIONS: `--import ${COUNT_TIMERS}`, HOTCYCLE_COUNT_TIMERS: prefix, HOTCYCLE_RESYNC_MS: String(RESYNC_MS) }, false, dir);
  try {
    await delay(options.settleMs);
    const from = Date.now();
    await delay(options.windowMs);
    const to = Date.now();
    const counts: Record<string, Record<string, number>> = {};
    for (const [name, pid] of Object.entries(set.pids)) {
      const lines = (await readFile(`${prefix}.${pid}`, 'utf8').catch(() => '')).split('\n').filter(Boolean);
      counts[name] = {};
      for (const [at, period] of lines.map((line) => line.split(' ').map(Number))) {
        if (at! >= from && at! <= to) counts[name][String(period)] = (counts[name][String(period)] ?? 0) + 1;
      }
    }
    return counts;
  } finally {
    await set.close();
  }
}

async function wallMs(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, argv, { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`node ${argv.join(' ')} exited with ${code}`);
  return performance.now() - started;
}

/** `node -e 0`, `hotcycle --help` and `hotcycle status` alternated `runs` times: each one's times. */
async function cliTimes(sidecarSocket: string, runs: number): Promise<Record<string, number[]>> {
  const commands: Record<string, string[]> = {
    bare: ['-e', '0'], help: [BUNDLE, '--help'], status: [BUNDLE, 'status', '--sidecar-socket', sidecarSocket],
    statusFloor: ['-e', "require('node:http').get({ socketPath: process.argv[1], path: '/v1/status' }, (r) => r.resume())", sidecarSocket],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) for (const [name, argv] of Object.entries(commands)) times[name]!.push(await wallMs(argv));
  return times;
}

/** RSS of a master after its first reload, after half of `reloads` and after all, each after the same settle. */
async function reloadGrowth(options: FootprintOptions): Promise<{ afterFirstKiB: number; afterHalfKiB: number; afterLastKiB: number; reloads: number; ms: number }> {
  const config = {
    listeners: [{ name: 'http', address: `127.0.0.1:${await freePort()}` }],
    workers: { count: 1, command: ['sleep', '3600'], readiness: { mode: 'settle', delayMs: 1 }, shutdown: { signal: 'SIGTERM', timeoutMs: 5_000 } },
  };
  const master = await MasterProcess.start(config, {}, { cli: BUNDLE });
  const reload = async (i: number) => {
    const result = await master.reload({ reason: `footprint ${i}` });
    if (!result.ok) throw new Error(`reload ${i} failed: ${JSON.stringify(result.error)}`);
  };
  try {
    await reload(1);
    await delay(options.settleMs);
    const afterFirstKiB = await rssKiB(master.child.pid!);
    const half = Math.floor(options.reloads / 2);
    const started = performance.now();
    for (let i = 2; i <= half; i++) await reload(i);
    let ms = performance.now() - started;
    await delay(options.settleMs);
    const afterHalfKiB = await rssKiB(master.child.pid!);
    const resumed = performance.now();
    for (let i = half + 1; i <= options.reloads; i++) await reload(i);
    ms += performance.now() - resumed;
    await delay(options.settleMs);
    return { afterFirstKiB, afterHalfKiB, afterLastKiB: await rssKiB(master.child.pid!), reloads: options.reloads, ms };
  } finally {
    await master.cleanup();
  }
}

/** What the figures rest on (issue 13), printed under the table. */
const NOTES = [
  'What moved the figures, each measured on its own: the bundle split per command (esbuild chunks: `--help` loads no library, '
  + 'the master and the CLI never load client-node, chokidar or prom-client: test/deploy/bundle.test.ts); builtins imported '
  + 'through require() (an ESM import of node:http evaluates its lazy WebSocket export, which loads undici, TLS and HTTP/2: '
  + '14 MiB in a process of its own; the master 81 → 75 MiB); hotcycle\'s own schemas compiled at build time (ajv standalone: '
  + 'no compiler loaded, nothing compiled at start; the master 75 → 61 MiB); prom-client\'s four classes from their own '
  + 'modules (its entry also loads its Pushgateway with TLS and zlib, cluster aggregation and default metrics: the sidecar '
  + '67 → 64 MiB); request deadlines on each connection\'s own timers instead of Node\'s connections-checking '
  + 'interval (it woke an idle master every second); V8 without its optimising compilers and with 1 MiB semi-spaces in the '
  + 'master and the sidecar (src/v8-tuning.ts: 1000 reloads grew a master from 64 to 114 MiB with the defaults).',
  'Where the RSS misses come from: the floor (in the notes) is plain Node doing what every master does (an HTTP server on a Unix '
  + 'socket, a child process, a sha256), no hotcycle code; the rest is the code a master must run. Each chunk imported alone into '
  + 'a bare node (issue 19): the YAML parser with the config schema 4.8 MiB, the precompiled validators 1.4 MiB, node:v8 (for '
  + 'src/v8-tuning.ts) 0.8 MiB; in the sidecar also chokidar and prom-client. Tried (issue 19): V8\'s flags on node\'s command '
  + 'line rather than at run time — with --no-maglev from the start V8 never touches Maglev\'s code, 2.3 MiB of resident binary '
  + 'less (the master about 1.36×), but `hotcycle` runs through its shebang or as `node hotcycle.mjs`, which pass no flag, and '
  + 'NODE_OPTIONS would reach the app\'s own Node workers: not shipped; a logger of its own writing winston\'s very lines: '
  + '3.5 MiB less in the master and the sidecar, not shipped (winston is one of the project\'s required packages); '
  + 'winston\'s readable-stream swapped for node:stream: 0.2 MiB; --max-semi-space-size=1: nothing.',
  'Where the CLI misses come from: `node -e 0` runs no module loader; any ESM entry that writes to stdout loads Node\'s '
  + 'streams, and `status` also loads node:http and makes two requests (CLI → sidecar → master). The floor in its note is that '
  + 'request alone, from a plain node: the ratio of `hotcycle status` to it is what hotcycle adds.',
  'RSS after reloads: after a full GC the master\'s live heap is flat from a few hundred reloads on (no leak); the growth '
  + 'before that is warm-up (baseline code and type feedback for the reload path, V8 keeping the pages it grew into), '
  + 'which the row shows by the second half\'s figure.',
];


/** "goal ≤ G×: met" or how far off it is. */
function verdict(ratio: number, goal: number, over: string): string {
  return ratio <= goal ? `goal ≤ ${goal}×: met` : `goal ≤ ${goal}×: MISSED by ${round(ratio - goal)}× (${over})`;
}

function timersText(counts: Record<string, number> | undefined): string {
  const entries = Object.entries(counts ?? {});
  return entries.length ? entries.map(([period, n]) => `${n} of a ${period} ms timer`).join(', ') : 'none';
}

export async function footprintSuite(options: FootprintOptions): Promise<SuiteResult> {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-bench-footprint-'));
  try {
    const set = await startIdleSet({}, true, dir);
    let idle: Awaited<ReturnType<typeof idleFigures>>;
    let cli: Record<string, number[]>;
    try {
      idle = await idleFigures(set.pids, options);
      cli = await cliTimes(set.sidecarSocket, options.cliRuns);
    } finally {
      await set.close();
    }
    const timers = await timerCallbacks(options, dir);
    const growth = await reloadGrowth(options);
    return footprintResult(options, idle, cli, timers, growth);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function footprintResult(
  options: FootprintOptions, idle: Record<string, { rssKiB: number; wakeupsPerSec: number }>, cli: Record<string, number[]>,
  timers: Record<string, Record<string, number>>, growth: Awaited<ReturnType<typeof reloadGrowth>>,
): SuiteResult {
  const bare = idle.bare!.rssKiB;
  const ratio = (kib: number) => round(kib / bare);
  const floor = `floor (plain Node: HTTP server, a child, sha256) ${mib(idle.floor!.rssKiB)} = ${ratio(idle.floor!.rssKiB)}×`;
  const rssRow = (measure: string, name: string, goal: number): Row => {
    const r = ratio(idle[name]!.rssKiB);
    return { measure, value: `${mib(idle[name]!.rssKiB)} = ${r}× bare node`, note: `${verdict(r, goal, `${mib(idle[name]!.rssKiB - goal * bare)} over`)}; bare node ${mib(bare)}; ${floor}` };
  };
  const p50 = (name: string) => percentile(cli[name]!, 50);
  const cliRow = (name: string, what: string): Row => {
    const r = round(p50(name) / p50('bare'));
    const floor = name === 'status' ? `; floor (plain node: GET /v1/status from the sidecar with node:http) ${p50('statusFloor')} ms = ${round(p50('statusFloor') / p50('bare'))}×` : '';
    return { measure: `\`${what}\` wall time p50 (${cli[name]!.length} runs)`, value: `${p50(name)} ms = ${r}× \`node -e 0\``, note: `${verdict(r, GOALS.cliWall, `${round(p50(name) - GOALS.cliWall * p50('bare'))} ms over`)}; \`node -e 0\` p50 ${p50('bare')} ms, alternated run by run${floor}` };
  };
  const grown = round(growth.afterLastKiB / growth.afterFirstKiB - 1, 4);
  const percent = (from: number, to: number) => `${to >= from ? '+' : ''}${round((to / from - 1) * 100, 1)} %`;
  const window = `${options.windowMs / 1000} s idle after ${options.settleMs / 1000} s settle`;
  return {
    suite: 'footprint (bundle; ratios to a bare node of the same binary, measured alongside)',
    notes: NOTES,
    data: { options, idle, cliMs: cli, timers, resyncMs: RESYNC_MS, reloadGrowth: growth, goals: GOALS },
    rows: [
      rssRow('master idle RSS, native driver (demo app, 1 worker)', 'master', GOALS.masterRss),
      rssRow('master idle RSS, nginx driver (nginx, 1 worker)', 'nginxMaster', GOALS.masterRss),
      rssRow('sidecar idle RSS outside a cluster', 'sidecar', GOALS.sidecarRss),
      cliRow('help', 'hotcycle --help'),
      cliRow('status', 'hotcycle status'),
      { measure: 'idle wakeups (main thread): master native / nginx / sidecar', value: `${idle.master!.wakeupsPerSec} / ${idle.nginxMaster!.wakeupsPerSec} / ${idle.sidecar!.wakeupsPerSec} per s`,
        note: `context switches of the event loop's thread over ${window}; bare node ${idle.bare!.wakeupsPerSec} per s` },
      { measure: 'timer callbacks while idle: master native / nginx / sidecar', value: `${timersText(timers.master)} / ${timersText(timers.nginxMaster)} / ${timersText(timers.sidecar)}`,
        note: `goal: none in the master, only the resync timer in the sidecar (--resync-ms ${RESYNC_MS} in this set); JavaScript timers that called back over ${window} (fixtures/count-timers.ts). `
          + 'Each resync asks the native master for its status: what its column lists follows those answers (Node\'s Date-header cache, '
          + 'a one-shot timer to the next second after an answer); '
          + 'the nginx-driver master, asked by no one, is the idle master. The other wakeups are V8\'s (memory reducer GCs after start)' },
      { measure: `master RSS after ${growth.reloads} reloads vs after the first`, value: `${mib(growth.afterLastKiB)} vs ${mib(growth.afterFirstKiB)}: ${percent(growth.afterFirstKiB, growth.afterLastKiB)}`,
        note: `${grown <= GOALS.reloadGrowth ? 'goal ≤ +5 %: met' : `goal ≤ +5 %: MISSED by ${round((grown - GOALS.reloadGrowth) * 100, 1)} points`}; `
          + `after ${Math.floor(growth.reloads / 2)} reloads ${mib(growth.afterHalfKiB)}, so the second half added ${percent(growth.afterHalfKiB, growth.afterLastKiB)}; `
          + `worker \`sleep\` (settle readiness), ${growth.reloads} reloads in ${round(growth.ms / 1000, 1)} s; each RSS after ${options.settleMs / 1000} s settle` },
    ],
  };
}
