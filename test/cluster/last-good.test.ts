// Issue 12, acceptance 5, against the real kube-apiserver: the last good config survives pod
// restarts. The chart is installed for real (its empty `hotcycle-last-good` Secret, its Role);
// real sidecar and master processes run as the release's Pods would (a token bound to the Pod,
// test/helpers/cluster/release.ts). No kubelet runs the Pods here: a "pod restart" is a new
// pod directory (fresh live directory and sockets) whose ConfigMap volume holds the rejected
// version, the way kubelet would mount it into the new Pod.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { SECRET_LIMIT_BYTES } from '../../src/sidecar/sync/last-good.ts';
import { apiAs, boundToken, installRelease, podEvents, startReleasePod, type PodRef, type Release } from '../helpers/cluster/release.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { fetchText } from '../helpers/load.ts';
import { CLI, demoConfig, fixture, type LogLine } from '../helpers/master.ts';
import { freePort } from '../helpers/ports.ts';
import { Pod, probe, type HotcycleProcess } from '../helpers/sidecar.ts';

const run = promisify(execFile);
const cluster = useCluster();
const SECRET = 'hotcycle-last-good';
let release: Release;
let port: number;
const pods: Pod[] = [];
after(() => Promise.all(pods.map((p) => p.cleanup())));

before(async () => {
  release = await installRelease(await cluster(), 'last-good');
  port = await freePort();
}, { timeout: 180_000 });

interface Secret { metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }

const stored = (hash: string) => (l: LogLine) => l.event === 'kube-report' && l.call === 'last-good' && l.result === 'ok' && String(l.what).includes(hash.slice(0, 12));

/** A pod of the release on this machine (`self`): its ConfigMap volume holds `files` and `config`. */
async function startPod(self: PodRef, files: Record<string, string>, config: Parameters<typeof Pod.create>[1], startMaster = true): Promise<{ pod: Pod; sidecar: HotcycleProcess }> {
  const pod = await Pod.create(files, config);
  pods.push(pod);
  const sidecar = await startReleasePod(await cluster(), release, pod, { self, startMaster, args: ['--last-good-secret', SECRET, '--log-level', 'debug'] });
  return { pod, sidecar };
}

async function secretFiles(): Promise<{ hash: string; generation: string; by: string; files: Record<string, string> }> {
  const secret = await (await cluster()).json<Secret>(['get', 'secret', SECRET, '-n', release.namespace]);
  const notes = secret.metadata.annotations ?? {};
  // Decoded here with zlib and JSON, not with the sidecar's own unpacker.
  const packed = JSON.parse(gunzipSync(Buffer.from(secret.data?.['config-set.json.gz'] ?? '', 'base64')).toString('utf8')) as { format: number; files: Record<string, string> };
  assert.equal(packed.format, 1);
  const files = Object.fromEntries(Object.entries(packed.files).map(([name, b64]) => [name, Buffer.from(b64, 'base64').toString('utf8')]));
  return { hash: notes['hotcycle.dev/config-hash'] ?? '', generation: notes['hotcycle.dev/generation'] ?? '', by: notes['hotcycle.dev/stored-by'] ?? '', files };
}

/**
 * Resolves once the Pod's hotcycle.dev/running-last-good annotation is `value` (kubectl wait
 * watches the Pod): the reconciler may log a delivery of an older body under the newest name.
 */
async function annotated(self: PodRef, value: string): Promise<void> {
  await (await cluster()).must(['wait', `pod/${self.name}`, '-n', release.namespace, '--timeout=30s',
    `--for=jsonpath={.metadata.annotations.hotcycle\\.dev/running-last-good}=${value}`]);
}

describe('the last good config, kept in the release Secret', () => {
  let good = '';

  test('each version the master runs is stored: the one it started on, then each reload', async () => {
    const self = release.pods[0]!;
    const empty = await (await cluster()).json<Secret>(['get', 'secret', SECRET, '-n', release.namespace]);
    assert.equal(empty.data, undefined, 'the chart creates the Secret empty');
    const { pod, sidecar } = await startPod(self, { 'message.txt': 'one' }, demoConfig(port, { count: 1 }));
    const first = await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
    assert.equal(first.outcome, 'applied');
    await sidecar.waitForLog(stored(String(first.configHash)));
    let kept = await secretFiles();
    assert.equal(kept.hash, first.configHash);
    assert.equal(kept.by, self.name);
    assert.equal(kept.files['message.txt'], 'one');

    const reloaded = sidecar.nextLog((l) => l.event === 'reload.ok');
    await pod.update({ 'message.txt': 'two' }, demoConfig(port, { count: 1 }));
    const ok = await reloaded;
    await sidecar.waitForLog(stored(String(ok.configHash)));
    kept = await secretFiles();
    assert.equal(kept.hash, ok.configHash);
    assert.equal(kept.generation, String(ok.generation));
    assert.equal(kept.files['message.txt'], 'two');
    assert.match(kept.files['hotcycle.yaml'] ?? '', /workers:/);
    good = String(ok.configHash);
    const status = await pod.sidecarStatus();
    assert.equal(status.lastGood.enabled, true);
    assert.equal(status.lastGood.stored?.configHash, good);
    await pod.cleanup();
  });

  test('a pod restarted while its ConfigMap holds a rejected version comes up serving the stored one, and says so', async () => {
    const self = release.pods[1]!;
    const { pod, sidecar } = await startPod(self, { 'message.txt': 'three' }, 'workers:\n  count: two\n  command: [node]\n');
    const first = await sidecar.waitForLog((l) => l.event === 'sidecar.first-sync');
    assert.equal(first.outcome, 'rejected');
    assert.match((await fetchText(port)).body, /two/, 'the master started on the stored version');
    const sync = (await pod.sidecarStatus()).lastResults.find((r) => r.reason === 'start');
    assert.equal(sync?.lastGood?.configHash, good);

    const status = await pod.sidecarStatus();
    assert.equal(status.lastGood.running?.configHash, good);
    assert.equal(status.publishedHash, good);
    assert.match((await probe(pod.metricsPort, '/metrics')).body, /^hotcycle_last_good_running 1$/m);
    const cli = await run(process.execPath, [CLI, 'status', '--sidecar-socket', pod.sidecarSocket]);
    assert.match(cli.stdout, new RegExp(`RUNNING LAST GOOD config ${good.slice(0, 12)}`));

    await annotated(self, 'true');
    await sidecar.waitForLog((l) => l.event === 'kube-report' && l.call === 'event' && l.result === 'ok' && String(l.what).includes('RunningLastGood'));
    const event = (await podEvents(await cluster(), release.namespace, self.uid)).find((e) => e.reason === 'RunningLastGood');
    assert.equal(event?.type, 'Warning');
    assert.match(event?.message ?? '', new RegExp(`serving the last good config ${good.slice(0, 12)}`));

    // The ConfigMap fixed: the pod moves on like any version, and stores it.
    const left = sidecar.nextLog((l) => l.event === 'last-good.left');
    await pod.update({ 'message.txt': 'three' }, demoConfig(port, { count: 1 }));
    const moved = await left;
    assert.match((await fetchText(port)).body, /three/);
    await sidecar.waitForLog(stored(String(moved.configHash)));
    assert.equal((await secretFiles()).hash, moved.configHash);
    good = String(moved.configHash);
    assert.match((await probe(pod.metricsPort, '/metrics')).body, /^hotcycle_last_good_running 0$/m);
    await annotated(self, 'false');
    assert.equal((await pod.sidecarStatus()).lastGood.running, undefined);
    await pod.cleanup();
  });

  test('a pod whose version the master rejects while it serves nothing (--start-failure wait) falls back too', async () => {
    const self = release.pods[0]!;
    const { pod, sidecar } = await startPod(self, { 'message.txt': 'four' }, demoConfig(port, { count: 1, command: ['node', fixture('crash-on-start.ts')] }), false);
    const running = sidecar.nextLog((l) => l.event === 'last-good.running');
    await pod.startMaster(['--start-failure', 'wait'], (l) => l.event === 'master.start.failed');
    assert.equal((await running).configHash, good);
    await sidecar.waitForLog((l) => l.event === 'reload.ok' && l.configHash === good);
    assert.match((await fetchText(port)).body, /three/);
    assert.equal((await pod.masterStatus()).state, 'running');
    await pod.cleanup();
  });

  test('RBAC: the sidecar may get and patch that one Secret, and no other', async () => {
    const c = await cluster();
    const token = await boundToken(c, release, release.pods[0]!);
    await c.must(['create', 'secret', 'generic', 'other', '-n', release.namespace, '--from-literal=k=v']);
    const secrets = `/api/v1/namespaces/${release.namespace}/secrets`;
    assert.equal((await apiAs(c, token, 'GET', `${secrets}/${SECRET}`)).status, 200);
    assert.equal((await apiAs(c, token, 'PATCH', `${secrets}/${SECRET}`, { metadata: { annotations: { 'hotcycle.dev/probe': 'x' } } })).status, 200);
    const denied: Array<[string, string, object?]> = [
      ['GET', `${secrets}/other`], ['PATCH', `${secrets}/other`, { data: {} }], ['GET', secrets], ['DELETE', `${secrets}/${SECRET}`],
      ['POST', secrets, { metadata: { name: 'new' } }], ['PUT', `${secrets}/${SECRET}`, { metadata: { name: SECRET } }],
    ];
    for (const [method, path, body] of denied) {
      const answer = await apiAs(c, token, method, path, body, method === 'PATCH' ? undefined : 'application/json');
      assert.equal(answer.status, 403, `${method} ${path}: ${answer.status} ${answer.body.message}`);
    }
  });

  test('the size limit the sidecar applies is the API server\'s', async () => {
    const c = await cluster();
    const dir = await mkdtemp(join(tmpdir(), 'hotcycle-secret-size-'));
    try {
      for (const [name, bytes, ok] of [['at-limit', SECRET_LIMIT_BYTES, true], ['over-limit', SECRET_LIMIT_BYTES + 1, false]] as const) {
        await writeFile(join(dir, name), Buffer.alloc(bytes, 1));
        const created = await c.must(['create', 'secret', 'generic', name, '-n', release.namespace, `--from-file=k=${join(dir, name)}`]).then(() => '', (e: Error) => e.message);
        if (ok) assert.equal(created, '', `${bytes} bytes are accepted`);
        else assert.match(created, new RegExp(`data: Too long: may not be more than ${SECRET_LIMIT_BYTES} bytes`), `${bytes} bytes are refused`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
