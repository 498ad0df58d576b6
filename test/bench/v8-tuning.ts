// The trade-off of src/v8-tuning.ts (issue 19), both settings side by side in one run, from the
// bundle: "tuned" as shipped (no Maglev, no TurboFan, semi-spaces that do not grow) against V8's
// defaults (fixtures/v8-defaults.mjs drops those flags; both settings load that fixture):
//   - a pod (sidecar + master, worker `sleep` with settle readiness): idle RSS of each, then
//     `reloads` forced syncs through the sidecar's socket (the sidecar reads, hashes and checks the
//     source, the master runs a full cycle): their wall time, each process's CPU time, and the RSS
//     of each after the same settle
//   - the 64-worker handover of the scale suite (demo app): reload p50 and the master's CPU time
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sidecarSync } from '../../src/protocol/sidecar-client.ts';
import { demoConfig, MasterProcess, ROOT } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { mib, percentile, round, type Row, type SuiteResult } from './lib.ts';
import { BenchPod, BUNDLE } from './pod.ts';
import { activity, rssKiB } from './procfs.ts';
import { reloadPatiently } from './scale.ts';

export interface V8TuningOptions {
  settleMs: number;
  reloads: number;
  workers: number;
  workerRuns: number;
}

const SETTINGS = ['tuned', 'defaults'] as const;
type Setting = (typeof SETTINGS)[number];
const FIXTURE = join(ROOT, 'test/bench/fixtures/v8-defaults.mjs');

function envFor(setting: Setting): NodeJS.ProcessEnv {
  return { NODE_OPTIONS: `--import ${FIXTURE}`, ...(setting === 'defaults' ? { HOTCYCLE_V8_DEFAULTS: '1' } : {}) };
}

interface PodFigures {
  idleKiB: { sidecar: number; master: number };
  afterKiB: { sidecar: number; master: number };
  cpuMs: { sidecar: number; master: number };
  ms: number;
}

const ticksToMs = (ticks: number) => ticks * 10; // USER_HZ 100

async function podRun(setting: Setting, options: V8TuningOptions): Promise<PodFigures> {
  const config = {
    listeners: [{ name: 'http', address: `127.0.0.1:${await freePort()}` }],
    workers: { count: 1, command: ['sleep', '3600'], readiness: { mode: 'settle', delayMs: 1 }, shutdown: { signal: 'SIGTERM', timeoutMs: 5_000 } },
  };
  const pod = await BenchPod.start({ 'message.txt': 'v8' }, config, { env: envFor(setting) });
  try {
    const pids = { sidecar: pod.sidecar!.pid, master: pod.master!.pid };
    await delay(options.settleMs); // idle is what is measured: there is no event to wait for
    const idleKiB = { sidecar: await rssKiB(pids.sidecar), master: await rssKiB(pids.master) };
    const before = { sidecar: await activity(pids.sidecar), master: await activity(pids.master) };
    const started = performance.now();
    for (let i = 1; i <= options.reloads; i++) {
      const result = await sidecarSync(pod.sidecarSocket, { force: true, reason: `v8 ${i}` });
      if (result.reload?.ok !== true) throw new Error(`sync ${i} did not reload: ${JSON.stringify(result)}`);
    }
    const ms = performance.now() - started;
    const after = { sidecar: await activity(pids.sidecar), master: await activity(pids.master) };
    await delay(options.settleMs);
    return {
      idleKiB, ms,
      afterKiB: { sidecar: await rssKiB(pids.sidecar), master: await rssKiB(pids.master) },
      cpuMs: { sidecar: ticksToMs(after.sidecar.cpuTicks - before.sidecar.cpuTicks), master: ticksToMs(after.master.cpuTicks - before.master.cpuTicks) },
    };
  } finally {
    await pod.cleanup();
  }
}

interface HandoverFigures { ms: number[]; masterCpuMs: number; masterKiB: number }

async function handover(setting: Setting, options: V8TuningOptions): Promise<HandoverFigures> {
  const config = demoConfig(await freePort(), { count: options.workers, readiness: { mode: 'notify', timeoutMs: 120_000 } });
  const master = await MasterProcess.start(config, { 'message.txt': 'v8' }, { cli: BUNDLE, env: envFor(setting) });
  try {
    const pid = master.child.pid!;
    const before = await activity(pid);
    const ms: number[] = [];
    for (let i = 0; i < options.workerRuns; i++) {
      const started = performance.now();
      const result = await reloadPatiently(master.socket, `v8 handover ${i}`);
      if (!result.ok) throw new Error(`reload failed: ${JSON.stringify(result.error)}`);
      ms.push(round(performance.now() - started));
    }
    return { ms, masterCpuMs: ticksToMs((await activity(pid)).cpuTicks - before.cpuTicks), masterKiB: await rssKiB(pid) };
  } finally {
    await master.cleanup();
  }
}

export async function v8TuningSuite(options: V8TuningOptions): Promise<SuiteResult> {
  const pods = {} as Record<Setting, PodFigures>;
  const handovers = {} as Record<Setting, HandoverFigures>;
  for (const setting of SETTINGS) pods[setting] = await podRun(setting, options);
  for (const setting of [...SETTINGS].reverse()) handovers[setting] = await handover(setting, options);
  return v8TuningResult(options, pods, handovers);
}

function v8TuningResult(options: V8TuningOptions, pods: Record<Setting, PodFigures>, handovers: Record<Setting, HandoverFigures>): SuiteResult {
  const { tuned, defaults } = pods;
  const both = (f: (p: PodFigures) => string) => `${f(tuned)} tuned vs ${f(defaults)} defaults`;
  const n = options.reloads;
  const p50 = (s: Setting) => percentile(handovers[s].ms, 50);
  return {
    suite: 'V8 tuning (src/v8-tuning.ts: no Maglev/TurboFan, 1 MiB semi-spaces) against V8\'s defaults, same bundle, side by side',
    notes: [
      'Both settings run the same bundle in this one invocation, pods one after the other (tuned first), then the handovers (defaults first); '
      + 'the defaults drop exactly the flags src/v8-tuning.ts sets (test/bench/fixtures/v8-defaults.mjs).',
    ],
    data: { options, pods, handovers },
    rows: [
      { measure: 'master RSS: idle / after reloads', value: both((p) => `${mib(p.idleKiB.master)} / ${mib(p.afterKiB.master)}`),
        note: `after ${n} forced syncs through the sidecar (each a full master cycle, worker \`sleep\`), each RSS after ${options.settleMs / 1000} s settle` },
      { measure: 'sidecar RSS: idle / after reloads', value: both((p) => `${mib(p.idleKiB.sidecar)} / ${mib(p.afterKiB.sidecar)}`),
        note: `the same ${n} syncs: the sidecar read, hashed and checked the source for each` },
      { measure: `${n} reloads: wall time; CPU time master / sidecar`, value: both((p) => `${round(p.ms / 1000, 1)} s; ${round(p.cpuMs.master / 1000, 2)} / ${round(p.cpuMs.sidecar / 1000, 2)} s`),
        note: 'CPU time from /proc (utime + stime) over the syncs alone' },
      { measure: `${options.workers}-worker handover: reload p50 (${options.workerRuns}); master CPU time`, value: `${p50('tuned')} ms; ${round(handovers.tuned.masterCpuMs / 1000, 2)} s tuned vs ${p50('defaults')} ms; ${round(handovers.defaults.masterCpuMs / 1000, 2)} s defaults`,
        note: `demo app workers (notify readiness); master RSS at the end ${mib(handovers.tuned.masterKiB)} tuned vs ${mib(handovers.defaults.masterKiB)} defaults` },
    ] satisfies Row[],
  };
}
