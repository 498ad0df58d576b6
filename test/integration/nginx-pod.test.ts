// Issue 4, acceptance 2 end to end: a pod whose app container runs a real nginx under
// `hotcycle master --driver nginx` and whose sidecar watches the ConfigMap. A syntax error is
// rejected by the sidecar with file:line:col and never reaches nginx (same workers, same
// answer); the next valid edit is served by new workers.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertNginxInstalled, NGINX, nginxConf } from '../fixtures/nginx-driver/harness.ts';
import { fetchText } from '../helpers/load.ts';
import { generationPids } from '../helpers/master.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';

let prefix: string;
let live: string;
let pod: Pod;
let port: number;

const conf = (body: string, listen = `listen 127.0.0.1:${port};`) =>
  nginxConf(prefix, `server { ${listen} location / { return 200 "${body}\\n"; } }`);

before(async () => {
  assertNginxInstalled();
  prefix = await mkdtemp(join(tmpdir(), 'hotcycle-nginx-pod-'));
  await chmod(prefix, 0o755); // nginx's workers run as nobody
  await mkdir(join(prefix, 'tmp'));
  live = join(prefix, 'live');
  await mkdir(live);
  port = await freePort();
  pod = await Pod.start({
    files: { 'nginx.conf': conf('one') }, driver: 'nginx', liveDir: live,
    masterArgs: ['--', NGINX, '-p', `${prefix}/`, '-e', join(prefix, 'error.log'), '-g', 'daemon off;', '-c', join(live, 'nginx.conf')],
  });
});
after(async () => {
  await pod?.cleanup();
  await rm(prefix, { recursive: true, force: true });
});

test('a syntax error never reaches nginx; the next valid edit is served by new workers', async () => {
  assert.equal((await fetchText(port)).body, 'one\n');
  const before = await pod.masterStatus();
  const workers = generationPids(before);
  assert.ok(workers.length > 0);

  const broken = conf('two', `listen 127.0.0.1:${port}`); // the `;` is missing
  const rejected = pod.sidecar.nextLog((l) => l.event === 'config.rejected');
  await pod.kubelet.update({ 'nginx.conf': broken });
  const line = broken.split('\n').findIndex((l) => l.includes('location')) + 1;
  assert.match((await rejected).message, new RegExp(`nginx\\.conf:${line}:\\d+: `));
  const unchanged = await pod.masterStatus();
  assert.equal(unchanged.generation, before.generation);
  assert.deepEqual(generationPids(unchanged), workers, 'nginx never saw it: same workers');
  assert.equal((await fetchText(port)).body, 'one\n');

  const reloaded = pod.sidecar.nextLog((l) => l.event === 'reload.ok');
  await pod.kubelet.update({ 'nginx.conf': conf('two') });
  await reloaded;
  assert.equal((await fetchText(port)).body, 'two\n');
  const after = await pod.masterStatus();
  assert.equal(after.generation, before.generation + 1);
  assert.ok(generationPids(after).every((pid) => !workers.includes(pid)), 'served by new workers');
});
