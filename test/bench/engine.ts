// The engine's figures (issue: engine, item 10), side by side in one run:
//   - the demo app's own start-to-ready time (spawned directly with a socket and a notify pipe)
//   - hotcycle's reload latency for the same app (the bundle, as images run it)
//   - failed requests during N reloads under a wrk load, keep-alive and new connections
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { closeFd, listenTcp } from '../../src/native.ts';
import { demoConfig, DEMO_APP, MasterProcess, ROOT } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { percentile, round, startWrk, type SuiteResult, type WrkSummary } from './lib.ts';

const BUNDLE = join(ROOT, 'dist/hotcycle.mjs');

/** Spawn → READY=1 of the demo app with no hotcycle in between. */
async function appStartToReady(runs: number): Promise<number[]> {
  const fd = listenTcp('127.0.0.1', await freePort(), 64);
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      // sh's exec keeps the pid, so LISTEN_PID names the app (the systemd convention it checks).
      const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"', process.execPath, DEMO_APP], {
        stdio: ['ignore', 'ignore', 'inherit', fd, 'pipe'],
        env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'http', HOTCYCLE_NOTIFY_FD: '4', HOTCYCLE_CONFIG_DIR: join(ROOT, 'examples/demo/config') },
      });
      await new Promise<void>((resolve, reject) => {
        child.stdio[4]!.on('data', (c: Buffer) => String(c).includes('READY=1') && resolve());
        child.once('exit', (code) => reject(new Error(`demo app exited with ${code}`)));
      });
      times.push(performance.now() - started);
      child.kill('SIGKILL');
    }
  } finally {
    closeFd(fd);
  }
  return times;
}

async function reloadLatency(master: MasterProcess, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = await master.reload({ reason: `bench ${i}` });
    if (!result.ok) throw new Error(`reload failed: ${JSON.stringify(result.error)}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function underLoad(master: MasterProcess, port: number, reloads: number, close: boolean): Promise<WrkSummary & { reloads: number }> {
  const wrk = startWrk(`http://127.0.0.1:${port}/`, { connections: 16, close });
  await reloadLatency(master, reloads);
  return { ...(await wrk.stop()), reloads };
}

export async function engineSuite(options: { runs: number; reloads: number }): Promise<SuiteResult> {
  const port = await freePort();
  const start = await appStartToReady(options.runs);
  const master = await MasterProcess.start(demoConfig(port, { count: 1 }), { 'message.txt': 'bench' }, { cli: BUNDLE });
  try {
    const reload = await reloadLatency(master, options.runs);
    const keepAlive = await underLoad(master, port, options.reloads, false);
    const fresh = await underLoad(master, port, options.reloads, true);
    const ratio = round(percentile(reload, 50) / percentile(start, 50));
    return {
      suite: 'engine (native driver, demo app, 1 worker)',
      data: { appStartToReadyMs: start, reloadMs: reload, keepAlive, newConnections: fresh },
      rows: [
        { measure: `demo app start→ready p50 / p99 (${options.runs} runs)`, value: `${percentile(start, 50)} / ${percentile(start, 99)} ms`, note: 'spawned directly, no hotcycle' },
        { measure: `hotcycle reload p50 / p99 (${options.runs} reloads)`, value: `${percentile(reload, 50)} / ${percentile(reload, 99)} ms`, note: 'client-side, all six phases' },
        { measure: 'reload p50 ÷ app start p50', value: `${ratio}×`, note: 'what the cycle adds to starting the app' },
        { measure: `failed requests, keep-alive, ${keepAlive.reloads} reloads`, value: `${keepAlive.failed} of ${keepAlive.requests}`, note: 'wrk -c16' },
        { measure: `failed requests, new connection each, ${fresh.reloads} reloads`, value: `${fresh.failed} of ${fresh.requests}`, note: "wrk -c16 -H 'Connection: close'" },
      ],
    };
  } finally {
    await master.cleanup();
  }
}
