// Issue 4: a SIGHUP nginx does not answer in time leaves the config it runs unknown — it may
// still reload later. Made deterministic with SIGSTOP: a stopped nginx master cannot act on the
// signal until SIGCONT. While unknown, status says so (configHash ''); the old workers keep
// serving; the next reload proves which config runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { fetchText } from '../helpers/load.ts';
import { CLI } from '../helpers/master.ts';
import { Harness } from '../fixtures/nginx-driver/harness.ts';

const server = (port: number, body: string) => `server { listen 127.0.0.1:${port} reuseport; location / { return 200 "${body}\\n"; } }`;

let h: Harness;
let port: number;

// A reload timeout long enough for nginx -t on a loaded machine, short enough to time a stopped nginx out.
before(async () => ({ h, port } = await Harness.serving((p) => server(p, 'one'), { args: ['--reload-timeout', '3000'] })));
after(() => h.close());

test('a SIGHUP nginx does not act on in time: unknown config, old workers serve, the next reload proves one', async () => {
  const before = await h.status();
  const nginxPid = (before.detail as { nginxPid: number }).nginxPid;
  const oldPids = await h.pids();
  process.kill(nginxPid, 'SIGSTOP');
  let stopped = true;
  try {
    await h.writeConf(server(port, 'two'));
    const unknown = h.waitForLog((e) => e.event === 'nginx.reload.unknown');
    const result = await h.reload('stopped nginx');
    assert.equal(result.ok, false);
    assert.equal(result.error?.phase, 'ready');
    assert.equal(result.error?.code, 'ENGINXRELOADTIMEOUT');
    assert.match(result.error?.message ?? '', /neither new workers nor an error within 3000 ms of SIGHUP/);
    assert.equal(result.generation, before.generation, 'no generation was committed');
    assert.notEqual((await unknown).configHash, before.configHash, 'the log names the version that may or may not run');
    const status = await h.status();
    assert.equal(status.configHash, '', 'status does not claim a config it cannot prove');
    const shown = await promisify(execFile)(process.execPath, [CLI, 'status', '--socket', h.socket]);
    assert.match(shown.stdout, /config unknown until the next reload succeeds/);
    assert.deepEqual(await h.pids(), oldPids, 'the old workers are still the current generation');
    // The workers are separate processes: a stopped master does not stop them serving.
    assert.equal((await fetchText(port)).body, 'one\n');

    // nginx wakes up and acts on the SIGHUP it got: the reload happens after all, and is
    // finished once the old workers have exited.
    process.kill(nginxPid, 'SIGCONT');
    stopped = false;
    await h.waitForErrorLog(/signal 1 \(SIGHUP\) received.*reconfiguring/);
    for (const pid of oldPids) await h.waitForErrorLog(new RegExp(`worker process ${pid} exited`));
    assert.equal((await fetchText(port)).body, 'two\n', 'nginx runs the new config, though hotcycle could not say so');
    assert.equal((await h.status()).configHash, '', 'still unknown to hotcycle until a reload proves it');
  } finally {
    if (stopped) process.kill(nginxPid, 'SIGCONT');
  }

  // The next reload proves which config runs (here: the same edit, so nginx -t and a new set of workers).
  const proof = await h.reload('prove');
  assert.equal(proof.ok, true, JSON.stringify(proof.error));
  assert.equal(proof.generation, before.generation + 1);
  const after = await h.status();
  assert.equal(after.configHash, proof.configHash);
  assert.notEqual(after.configHash, before.configHash);
  assert.equal((await fetchText(port)).body, 'two\n');
});
