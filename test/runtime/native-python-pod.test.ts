// Issue 11, acceptances 5 and 3: the chart's native-driver values (bring your own image,
// hotcycle injected from the sidecar image) run a non-Node server — examples/python/server.py,
// serving on the socket it inherits through LISTEN_FDS — from an image, under the podman
// stand-in for kubelet; the config set's check command (`checks.commands`, run by node inside
// the sidecar container, in its TMPDIR on a read-only root) rejects a bad version with its output.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { fetchText, Load } from '../helpers/load.ts';
import { CHART, renderChart } from '../charts/k8s-tools.ts';
import { IMAGES, requireImages } from './podman.ts';
import { PodmanPod } from './podman-pod.ts';

// The check command: settings.json must hold a string "greeting"; findings as file:line:col.
const CHECK_SETTINGS = [
  'const s = JSON.parse(require("fs").readFileSync("settings.json", "utf8"));',
  'if (typeof s.greeting !== "string") { console.error("settings.json:1:1: greeting must be a string"); process.exit(1); }',
].join(' ');

const HOTCYCLE_YAML = stringify({
  listeners: [{ name: 'http', address: '0.0.0.0:8080' }],
  workers: {
    count: 2,
    command: ['python3', '/app/server.py'],
    readiness: { mode: 'notify', timeoutMs: 10_000 },
    shutdown: { signal: 'SIGTERM', timeoutMs: 40_000 },
  },
  checks: { commands: [{ command: ['node', '-e', CHECK_SETTINGS], timeoutMs: 10_000 }] },
});

describe('the native-driver pod with a Python server image, under podman (stand-in for kubelet)', () => {
  let pod: PodmanPod;
  let port = 0;
  let dir = '';

  before(async () => {
    await requireImages(IMAGES.hotcycle, IMAGES.python);
    dir = await mkdtemp(join(tmpdir(), 'hotcycle-python-pod-'));
    const values = join(dir, 'python-values.yaml');
    await writeFile(values, stringify({
      image: { repository: 'localhost/hotcycle-example-python', tag: 'dev' },
      sidecar: { image: { repository: 'localhost/hotcycle', tag: 'dev' } },
      config: { files: { 'hotcycle.yaml': HOTCYCLE_YAML } },
    }));
    const objects = await renderChart(['-f', join(CHART, 'ci', 'native-custom-image-values.yaml'), '-f', values]);
    pod = await PodmanPod.start(objects, 'python');
    await pod.waitReady('app');
    port = await pod.forward(8080);
  });
  after(async () => {
    await pod?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the Python server serves on the socket hotcycle passed it', async () => {
    const response = await fetchText(port, '/');
    assert.equal(response.status, 200);
    assert.equal(response.body, 'hello from python\n');
    assert.equal(response.headers['x-generation'], '1');
    // The app container's processes: hotcycle master (Node) and its two Python workers.
    const processes = await pod.exec('app', ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done']);
    assert.equal(processes.code, 0, processes.stderr);
    assert.equal(processes.stdout.split('\n').filter((l) => l.startsWith('python3 /app/server.py')).length, 2, processes.stdout);
    assert.match(processes.stdout, /^node \/opt\/hotcycle\/hotcycle\.mjs master --driver native/m);
  });

  test('a settings edit reloads the Python workers with 0 failed requests under load', async () => {
    const load = new Load({ port, connections: 4, keepAlive: false, maxRequests: 20_000 }).start();
    await load.flowing();
    const reloaded = pod.container('hotcycle').logs.nextLog((l) => l.event === 'reload.ok');
    await pod.source.update({ 'hotcycle.yaml': HOTCYCLE_YAML, 'settings.json': '{"greeting": "bonjour"}\n' });
    await reloaded;
    await load.until(load.completed + 200);
    const summary = await load.stop();
    assert.equal(summary.failed, 0, `${JSON.stringify(summary.errors)}; the port forward said: ${pod.forwardErrors().join('\n') || 'nothing'}`);
    const response = await fetchText(port, '/');
    assert.equal(response.body, 'bonjour from python\n');
    assert.equal(response.headers['x-generation'], '2');
  });

  test('the check command runs in the sidecar and rejects a bad version with its output', async () => {
    const rejected = pod.container('hotcycle').logs.nextLog((l) => l.event === 'config.rejected');
    await pod.source.update({ 'hotcycle.yaml': HOTCYCLE_YAML, 'settings.json': '{"greeting": 42}\n' });
    const line = await rejected;
    assert.match(JSON.stringify(line.diagnostics), /settings\.json:1:1: greeting must be a string/);
    assert.equal((await fetchText(port, '/')).body, 'bonjour from python\n');
  });
});
