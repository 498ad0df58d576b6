// Acceptance 5: what the images copy (dist/hotcycle.mjs, hotcycle.node, worker.mjs) runs from
// an empty directory with Node 24 alone — no node_modules anywhere above it: `hotcycle --help`,
// then the native demo (a master, a worker on a loopback port, a reload, a drain).
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BUNDLE = ['hotcycle.mjs', 'hotcycle.node', 'worker.mjs']; // = deploy/Dockerfile's COPY
// Only what a container would have: no NODE_PATH, NODE_OPTIONS or HOTCYCLE_NATIVE from here.
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };

const APP = `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir, generation, serve } from './bin/worker.mjs';
const message = readFileSync(join(configDir, 'message.txt'), 'utf8').trim();
await serve(createServer((req, res) => res.end(message + ' (generation ' + generation + ')\\n')), { listener: 'http' });
`;

function hotcycleYaml(port: number): string {
  return `listeners:\n  - { name: http, address: "127.0.0.1:${port}" }\nworkers:\n  count: 1\n  command: ["${process.execPath}", "APP"]\n  readiness: { mode: notify, timeoutMs: 10000 }\n  shutdown: { signal: SIGTERM, timeoutMs: 5000 }\n`;
}

/** Resolves with the first JSON log line whose event is `event` (logs go to stderr). */
function waitForEvent(child: ChildProcess, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    const onExit = (code: number | null): void => reject(new Error(`master exited (${code}) before ${event}`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const record = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {};
      if (record.event !== event) return;
      child.off('exit', onExit);
      lines.close();
      resolve(record);
    });
  });
}

/** A GET on a fresh connection (a pooled one would still reach the old, draining worker). */
async function fetchText(port: number): Promise<string> {
  const request = get({ host: '127.0.0.1', port, path: '/', agent: false });
  const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of response) body += String(chunk);
  return body;
}

describe('the bundle from a clean directory', () => {
  let dir = '';
  before(async () => {
    await run(process.execPath, [join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT });
    dir = await mkdtemp(join(tmpdir(), 'hotcycle-bundle-'));
    mkdirSync(join(dir, 'bin'));
    for (const file of BUNDLE) copyFileSync(join(ROOT, 'dist', file), join(dir, 'bin', file));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('no node_modules in the directory or above it', () => {
    for (let d = dir; ; d = dirname(d)) {
      assert.equal(existsSync(join(d, 'node_modules')), false, `${d}/node_modules exists`);
      if (dirname(d) === d) break;
    }
  });

  test('hotcycle --help', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'bin', 'hotcycle.mjs'), '--help'], { cwd: dir, env: ENV });
    assert.match(stdout, /^hotcycle \d+\.\d+\.\d+: /);
    assert.match(stdout, /\n {2}master {2}/);
  });

  test('the native demo: serve, reload a new config, drain on SIGTERM', async () => {
    const port = await freePort();
    const config = join(dir, 'config');
    mkdirSync(config);
    writeFileSync(join(dir, 'app.mjs'), APP);
    writeFileSync(join(config, 'hotcycle.yaml'), hotcycleYaml(port).replace('APP', join(dir, 'app.mjs')));
    writeFileSync(join(config, 'message.txt'), 'first\n');
    const socket = join(dir, 'run', 'master.sock');
    const hotcycle = join(dir, 'bin', 'hotcycle.mjs');
    const master = spawn(process.execPath, [hotcycle, 'master', '--config-dir', config, '--socket', socket], { cwd: dir, env: ENV, stdio: ['ignore', 'inherit', 'pipe'] });
    try {
      const ready = await waitForEvent(master, 'master.ready');
      assert.equal(ready.generation, 1);
      assert.equal(await fetchText(port), 'first (generation 1)\n');

      writeFileSync(join(config, 'message.txt'), 'second\n');
      const reload = await run(process.execPath, [hotcycle, 'reload', '--direct', '--socket', socket, '--json'], { cwd: dir, env: ENV });
      assert.equal((JSON.parse(reload.stdout) as { ok: boolean }).ok, true, reload.stdout);
      assert.equal(await fetchText(port), 'second (generation 2)\n');

      const exited = once(master, 'exit');
      master.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null]);
    } finally {
      if (master.exitCode === null && master.signalCode === null) master.kill('SIGKILL');
    }
  });
});
