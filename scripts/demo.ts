// The demo "pod" on this machine: a sidecar watching a config directory you edit, and a
// master running the demo app from what the sidecar publishes — the two containers of a
// pod, sharing a run directory (control sockets) and a live directory (published config).
// The master starts once the sidecar's /startupz passes, as the chart's startup probe makes
// kubelet do. Ctrl-C stops both the way a pod deletion does (SIGTERM: drain, then exit).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { forEachLine } from '../src/process/lines.ts';

const root = resolve(import.meta.dirname, '..');
const demo = process.env.HOTCYCLE_DEMO_DIR ?? join(root, '.demo');
const port = Number(process.env.HOTCYCLE_DEMO_PORT ?? 8080);
const metricsPort = Number(process.env.HOTCYCLE_DEMO_METRICS_PORT ?? 9090);
const [source, live, run] = ['source', 'live', 'run'].map((d) => join(demo, d)) as [string, string, string];
const hotcycle = [join(root, 'dist/hotcycle.mjs')];

const hotcycleYaml = `# The demo's hotcycle.yaml. Edit it (worker count, a second listener, env…) or message.txt:
# the sidecar checks each saved version and has the master reload it.
listeners:
  - name: http
    address: "127.0.0.1:${port}"
workers:
  count: 2
  command: ["node", "${join(root, 'examples/demo/app.ts')}"]
  readiness: { mode: notify, timeoutMs: 10000 }
  shutdown: { signal: SIGTERM, timeoutMs: 10000 }
`;

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [...hotcycle, ...args, '--log-format', 'text'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  forEachLine(child.stdout!, prefix);
  forEachLine(child.stderr!, prefix);
  return child;
}

function startupz(): Promise<boolean> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port: metricsPort, path: '/startupz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

await mkdir(source, { recursive: true });
await mkdir(run, { recursive: true });
if (!existsSync(join(source, 'message.txt'))) await copyFile(join(root, 'examples/demo/config/message.txt'), join(source, 'message.txt'));
await writeFile(join(source, 'hotcycle.yaml'), hotcycleYaml);

const sockets = { master: join(run, 'master.sock'), sidecar: join(run, 'sidecar.sock') };
const sidecar = start('sidecar', ['sidecar', '--source', source, '--live', live, '--master-socket', sockets.master,
  '--socket', sockets.sidecar, '--listen', `127.0.0.1:${metricsPort}`]);
// kubelet's startup probe, every 100 ms: the app container starts once the first version is live.
while (!(await startupz())) {
  if (sidecar.exitCode !== null) process.exit(1);
  await delay(100);
}
const master = start('master', ['master', '--config-dir', live, '--socket', sockets.master]);

const hc = `node ${hotcycle[0]}`;
process.stderr.write(`
  hotcycle demo pod: http://127.0.0.1:${port}/   metrics: http://127.0.0.1:${metricsPort}/metrics

  Try, in another terminal:
    curl -s http://127.0.0.1:${port}/                       # the message, from generation 1
    echo "Hello again" > ${join(source, 'message.txt')}     # edit: the sidecar checks it, the master reloads
    ${hc} status --sidecar-socket ${sockets.sidecar}       # the sidecar and the master together
    ${hc} reload --sidecar-socket ${sockets.sidecar}       # force a sync + reload now
    echo "workers: { count: two }" >> ${join(source, 'hotcycle.yaml')}   # a bad edit: rejected, with file:line:col
  Watch this terminal: [sidecar] and [master] log lines. Ctrl-C drains and exits.

`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const child of [master, sidecar]) child.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const codes = await Promise.all([master, sidecar].map((child) => new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)))));
if (!stopping) stop();
process.exit(Math.max(...codes));
