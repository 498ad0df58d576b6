// Acceptance 5: what the images copy (dist/, whole: hotcycle.mjs and its chunks, hotcycle.node,
// worker.mjs) runs from an empty directory with Node 24 alone — no node_modules anywhere above it:
// `hotcycle --help`, then the native demo (a master, a worker on a loopback port, a reload, a drain).
// Issue 13: the master and the operator commands never load @kubernetes/client-node, chokidar or
// prom-client — proven on the chunk graph (everything each command could ever import, dynamic
// imports included) and on real runs (every file the process loaded, recorded by a load hook).
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
// Only what a container would have: no NODE_PATH, NODE_OPTIONS or HOTCYCLE_NATIVE from here.
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };
const RECORD_LOADS = join(ROOT, 'test', 'fixtures', 'record-loads.ts');
/** What neither the master nor an operator command may load: the sidecar's libraries. */
const SIDECAR_ONLY = ['@kubernetes/client-node', 'chokidar', 'prom-client'];

/** scripts/build.ts's build/bundle-inputs.json: the sources each bundle file holds, the files it imports. */
type BundleInputs = Record<string, { inputs: string[]; imports: { file: string; dynamic: boolean }[] }>;

/** The bundle files loading `files` loads: their static imports, transitively; with `dynamic`, every one it could ever load. */
function reachable(bundle: BundleInputs, files: readonly string[], dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of bundle[file]!.imports) if (dynamic || !next.dynamic) visit(next.file);
  };
  files.forEach(visit);
  return seen;
}

/** The packages (under node_modules) whose code the bundle files hold. */
function packagesIn(bundle: BundleInputs, files: Iterable<string>): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    for (const input of bundle[file]!.inputs) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (name) packages.add(name);
    }
  }
  return packages;
}

/** The bundle file holding `source` (a path relative to the repository). */
function fileHolding(bundle: BundleInputs, source: string): string {
  const file = Object.keys(bundle).find((f) => bundle[f]!.inputs.includes(source));
  assert.ok(file, `no bundle file holds ${source}`);
  return file;
}

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
  let bundle: BundleInputs = {};
  let records = 0;
  before(async () => {
    await run(process.execPath, [join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT });
    bundle = JSON.parse(readFileSync(join(ROOT, 'build', 'bundle-inputs.json'), 'utf8')) as BundleInputs;
    dir = await mkdtemp(join(tmpdir(), 'hotcycle-bundle-'));
    mkdirSync(join(dir, 'bin'));
    // = deploy/Dockerfile's COPY: dist/, whole.
    for (const file of readdirSync(join(ROOT, 'dist'))) copyFileSync(join(ROOT, 'dist', file), join(dir, 'bin', file));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** node's arguments and environment to run bin/hotcycle.mjs recording every module it loads; `loaded()` lists the bundle files among them. */
  function recorded(): { node: string[]; env: NodeJS.ProcessEnv; loaded(): string[] } {
    const record = join(dir, `loads-${++records}.txt`);
    return {
      node: ['--import', RECORD_LOADS, join(dir, 'bin', 'hotcycle.mjs')],
      env: { ...ENV, HOTCYCLE_RECORD_LOADS: record },
      loaded() {
        const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean).filter((url) => !url.startsWith('node:'));
        const files = urls.map((url) => fileURLToPath(url));
        // Everything but Node's builtins came from the copied dist/: nothing from node_modules or src/.
        for (const file of files) assert.equal(dirname(file), join(dir, 'bin'), `loaded ${file}`);
        return files.map((file) => basename(file));
      },
    };
  }

  function assertNoSidecarLibraries(loaded: readonly string[], what: string): void {
    const packages = packagesIn(bundle, loaded);
    for (const name of SIDECAR_ONLY) assert.equal(packages.has(name), false, `${what} loaded ${name}`);
  }

  test('no node_modules in the directory or above it', () => {
    for (let d = dir; ; d = dirname(d)) {
      assert.equal(existsSync(join(d, 'node_modules')), false, `${d}/node_modules exists`);
      if (dirname(d) === d) break;
    }
  });

  test('hotcycle --help, which loads no library at all', async () => {
    const help = recorded();
    const { stdout } = await run(process.execPath, [...help.node, '--help'], { cwd: dir, env: help.env });
    assert.match(stdout, /^hotcycle \d+\.\d+\.\d+: /);
    assert.match(stdout, /\n {2}master {2}/);
    assert.deepEqual([...packagesIn(bundle, help.loaded())], []);
  });

  test('no command but the sidecar can reach chokidar or prom-client, and only its dynamic import the Kubernetes client', () => {
    const entry = 'hotcycle.mjs';
    assert.deepEqual([...packagesIn(bundle, reachable(bundle, [entry], false))], []);
    for (const command of ['master', 'reload', 'status', 'check']) {
      // Everything the command could ever import: for the master, both drivers' chunks too.
      const files = reachable(bundle, [fileHolding(bundle, `src/cli/commands/${command}.ts`)], true);
      const packages = packagesIn(bundle, files);
      for (const name of SIDECAR_ONLY) assert.equal(packages.has(name), false, `hotcycle ${command} can reach ${name}`);
    }
    assert.ok(reachable(bundle, [fileHolding(bundle, 'src/cli/commands/master.ts')], true).has(fileHolding(bundle, 'src/master/drivers/nginx/driver.ts')));
    // The same analysis sees the libraries where they are: the sidecar loads chokidar and
    // prom-client when it runs, and the Kubernetes client only through kube/client.ts's import().
    const sidecar = fileHolding(bundle, 'src/cli/commands/sidecar.ts');
    const running = packagesIn(bundle, reachable(bundle, [fileHolding(bundle, 'src/sidecar/main.ts')], false));
    assert.ok(running.has('chokidar') && running.has('prom-client'), [...running].join(', '));
    assert.equal(running.has('@kubernetes/client-node'), false);
    assert.ok(packagesIn(bundle, reachable(bundle, [sidecar], true)).has('@kubernetes/client-node'));
  });

  test('the sidecar outside a cluster: the record sees it load chokidar and prom-client, and not the Kubernetes client', async () => {
    const source = join(dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'hotcycle.yaml'), hotcycleYaml(await freePort()).replace('APP', join(dir, 'app.mjs')));
    const runSidecar = recorded();
    const sidecar = spawn(process.execPath, [...runSidecar.node, 'sidecar', '--source', source, '--live', join(dir, 'live'),
      '--master-socket', join(dir, 'run', 'none.sock'), '--socket', join(dir, 'run', 'sidecar.sock'), '--listen', '127.0.0.1:0'],
    { cwd: dir, env: runSidecar.env, stdio: ['ignore', 'inherit', 'pipe'] });
    try {
      await waitForEvent(sidecar, 'sidecar.started');
      const exited = once(sidecar, 'exit');
      sidecar.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null]);
      const packages = packagesIn(bundle, runSidecar.loaded());
      assert.deepEqual(SIDECAR_ONLY.map((name) => packages.has(name)), [false, true, true]);
    } finally {
      if (sidecar.exitCode === null && sidecar.signalCode === null) sidecar.kill('SIGKILL');
    }
  });

  test('the native demo: serve, reload a new config, drain on SIGTERM; none of it loads a sidecar library', async () => {
    const port = await freePort();
    const config = join(dir, 'config');
    mkdirSync(config);
    writeFileSync(join(dir, 'app.mjs'), APP);
    writeFileSync(join(config, 'hotcycle.yaml'), hotcycleYaml(port).replace('APP', join(dir, 'app.mjs')));
    writeFileSync(join(config, 'message.txt'), 'first\n');
    const socket = join(dir, 'run', 'master.sock');
    const runMaster = recorded();
    const master = spawn(process.execPath, [...runMaster.node, 'master', '--config-dir', config, '--socket', socket], { cwd: dir, env: runMaster.env, stdio: ['ignore', 'inherit', 'pipe'] });
    try {
      const ready = await waitForEvent(master, 'master.ready');
      assert.equal(ready.generation, 1);
      assert.equal(await fetchText(port), 'first (generation 1)\n');

      writeFileSync(join(config, 'message.txt'), 'second\n');
      const runReload = recorded();
      const reload = await run(process.execPath, [...runReload.node, 'reload', '--direct', '--socket', socket, '--json'], { cwd: dir, env: runReload.env });
      assert.equal((JSON.parse(reload.stdout) as { ok: boolean }).ok, true, reload.stdout);
      assert.equal(await fetchText(port), 'second (generation 2)\n');
      assertNoSidecarLibraries(runReload.loaded(), 'hotcycle reload');

      const runStatus = recorded();
      const status = await run(process.execPath, [...runStatus.node, 'status', '--socket', socket, '--json'], { cwd: dir, env: runStatus.env });
      assert.equal((JSON.parse(status.stdout) as { master: { generation: number } }).master.generation, 2, status.stdout);
      assertNoSidecarLibraries(runStatus.loaded(), 'hotcycle status');

      const runCheck = recorded();
      const check = await run(process.execPath, [...runCheck.node, 'check', config, '--json'], { cwd: dir, env: runCheck.env });
      assert.equal((JSON.parse(check.stdout) as { ok: boolean }).ok, true, check.stdout);
      assertNoSidecarLibraries(runCheck.loaded(), 'hotcycle check');

      const exited = once(master, 'exit');
      master.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null]);
      assertNoSidecarLibraries(runMaster.loaded(), 'hotcycle master');
    } finally {
      if (master.exitCode === null && master.signalCode === null) master.kill('SIGKILL');
    }
  });
});
