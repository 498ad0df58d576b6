// The sidecar's figures (issue 3, item 7), on a pod of bundle processes (pod.ts), demo app, 1 worker:
//   - `..data` swap → reload request latency: from the kubelet stand-in's rename of `..data` to
//     the master starting the cycle (its status `lastResults[0].startedAt`); both clocks are
//     Date.now() on this machine, so 1 ms resolution. Includes the sidecar's debounce (default
//     100 ms), reading and hashing the set, the checks, and publishing into the live directory.
//   - the same to the sidecar's `reload.ok` line (the whole cycle done).
//   For a 1 KiB set and a set just under 1 MiB: the ConfigMap limit, which readFileSet's default
//   maxBytes also is, counted over every file of the set including hotcycle.yaml.
//   - a storm: N kubelet updates back to back; the cycles it took, and whether the last
//     version is the one live and served.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { fetchText } from '../helpers/load.ts';
import { demoConfig, type HotcycleYaml } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { percentile, type Row, type SuiteResult } from './lib.ts';
import { BenchPod, versionHash } from './pod.ts';

const MiB = 1024 * 1024;
/** Room for the message's own growth (`swap 0` … `swap 1000`), so every version stays under the limit. */
const SLACK = 16;

/** A payload that brings the whole set (hotcycle.yaml, message.txt, payload.txt) to `total` bytes. */
function sizedFiles(total: number, config: HotcycleYaml, message: string): Record<string, string> {
  const fixed = Buffer.byteLength(stringify(config)) + Buffer.byteLength(message);
  return { 'message.txt': message, 'payload.txt': 'x'.repeat(Math.max(0, total - fixed)) };
}

const setBytes = (files: Record<string, string>, config: HotcycleYaml) =>
  Object.values(files).reduce((n, text) => n + Buffer.byteLength(text), Buffer.byteLength(stringify(config)));

interface SwapTimes { toRequestMs: number[]; toReloadedMs: number[]; bytes: number }

/** `runs` swaps of a set of `total` bytes, one at a time, each waited for to the end of its cycle. */
async function swapLatency(total: number, runs: number): Promise<SwapTimes> {
  const config = demoConfig(await freePort(), { count: 1 });
  const payload = sizedFiles(total - SLACK, config, 'swap 0')['payload.txt']!;
  const pod = await BenchPod.start({ 'message.txt': 'swap 0', 'payload.txt': payload }, config);
  const times: SwapTimes = { toRequestMs: [], toReloadedMs: [], bytes: 0 };
  try {
    for (let i = 1; i <= runs; i++) {
      const files = { 'message.txt': `swap ${i}`, 'payload.txt': payload };
      times.bytes = Math.max(times.bytes, setBytes(files, config));
      const hash = versionHash(files, config);
      const reloaded = pod.sidecar!.nextLog((l) => l.event === 'reload.ok' && l.configHash === hash);
      const at = await pod.swap(files, config);
      await reloaded;
      times.toReloadedMs.push(Date.now() - at);
      const last = (await pod.masterStatus()).lastResults[0];
      if (last?.configHash !== hash) throw new Error(`the master's last result is not swap ${i}: ${JSON.stringify(last)}`);
      times.toRequestMs.push(Date.parse(last.startedAt) - at);
    }
  } finally {
    await pod.cleanup();
  }
  return times;
}

interface Storm {
  updates: number;
  cycles: number;
  publishes: number;
  finalHashCorrect: boolean;
  updatesMs: number;
  lastSwapToReloadedMs: number;
}

/** `updates` kubelet updates back to back (each a full AtomicWriter sync), then the outcome. */
async function storm(updates: number): Promise<Storm> {
  const port = await freePort();
  const config = demoConfig(port, { count: 1 });
  const pod = await BenchPod.start({ 'message.txt': 'update 0' }, config);
  try {
    const before = await pod.masterStatus();
    const started = Date.now();
    for (let i = 1; i <= updates; i++) await pod.source.update({ 'message.txt': `update ${i}`, 'hotcycle.yaml': stringify(config) });
    const lastSwap = Date.now();
    const finalHash = hashFileSet(await readFileSet(pod.source.dir));
    await pod.sidecar!.waitForLog((l) => l.event === 'reload.ok' && l.configHash === finalHash);
    const reloadedAt = Date.now();
    const after = await pod.masterStatus();
    const live = hashFileSet(await readFileSet(pod.liveDir));
    const served = (await fetchText(port)).body.trim();
    const liveMessage = await readFile(join(pod.liveDir, 'message.txt'), 'utf8');
    return {
      updates,
      cycles: after.generation - before.generation,
      publishes: pod.sidecar!.logs.filter((l) => l.event === 'config.published' && l.changed === true).length - 1,
      finalHashCorrect: after.configHash === finalHash && live === finalHash && served === `update ${updates}` && liveMessage === `update ${updates}`,
      updatesMs: lastSwap - started,
      lastSwapToReloadedMs: reloadedAt - lastSwap,
    };
  } finally {
    await pod.cleanup();
  }
}

const ms = (times: readonly number[]) => `${percentile(times, 50)} / ${percentile(times, 99)} ms`;

function latencyRows(label: string, times: SwapTimes, runs: number): Row[] {
  return [
    { measure: `..data swap → master starts the reload, ${label} set, p50 / p99 (${runs} swaps)`, value: ms(times.toRequestMs),
      note: `set of ${times.bytes} bytes; includes the sidecar's 100 ms debounce (default); rename → master's lastResults[0].startedAt` },
    { measure: `..data swap → reload done, ${label} set, p50 / p99`, value: ms(times.toReloadedMs), note: 'rename → the sidecar logs reload.ok (demo app start included)' },
  ];
}

export async function sidecarSuite(options: { runs: number; updates: number }): Promise<SuiteResult> {
  const small = await swapLatency(1024, options.runs);
  const large = await swapLatency(MiB, options.runs);
  const result = await storm(options.updates);
  return {
    suite: 'sidecar (bundle; kubelet-style ..data swaps; native driver, demo app, 1 worker)',
    data: { smallSet: small, largeSet: large, storm: result },
    rows: [
      ...latencyRows('1 KiB', small, options.runs),
      ...latencyRows('1 MiB', large, options.runs),
      { measure: `storm: ${result.updates} kubelet updates back to back`, value: `${result.cycles} cycles, final version live and served: ${result.finalHashCorrect ? 'yes' : 'NO'}`,
        note: `${result.publishes} publishes; updates took ${result.updatesMs} ms; last swap → final reload.ok ${result.lastSwapToReloadedMs} ms` },
    ],
  };
}
