// Issue 4 with the sidecar: nginx got SIGHUP and did not confirm in time (made deterministic by
// SIGSTOP of the nginx master), so the master cannot say which config nginx runs. The sidecar
// must not mark that version failed — nothing proved it bad — and its slow re-hash reloads it
// again once nginx answers, which proves it.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashFileSet, readFileSet } from '../../src/configset/fileset.ts';
import { assertNginxInstalled, NGINX, nginxConf } from '../fixtures/nginx-driver/harness.ts';
import { fetchText } from '../helpers/load.ts';
import { Pod } from '../helpers/pod.ts';
import { freePort } from '../helpers/ports.ts';

let prefix: string;
let pod: Pod;
let port: number;

const conf = (body: string) => nginxConf(prefix, `server { listen 127.0.0.1:${port}; location / { return 200 "${body}\\n"; } }`);

before(async () => {
  assertNginxInstalled();
  prefix = await mkdtemp(join(tmpdir(), 'hotcycle-nginx-unknown-'));
  await chmod(prefix, 0o755); // nginx's workers run as nobody
  await mkdir(join(prefix, 'tmp'));
  const live = join(prefix, 'live');
  await mkdir(live);
  port = await freePort();
  pod = await Pod.start({
    files: { 'nginx.conf': conf('one') }, driver: 'nginx', liveDir: live, sidecarArgs: ['--resync-ms', '500'],
    masterArgs: ['--reload-timeout', '3000', '--', NGINX, '-p', `${prefix}/`, '-e', join(prefix, 'error.log'), '-g', 'daemon off;', '-c', join(live, 'nginx.conf')],
  });
});
after(async () => {
  await pod?.cleanup();
  await rm(prefix, { recursive: true, force: true });
});

test('an unconfirmed SIGHUP is not a rejected config: the re-hash reloads it once nginx answers', async () => {
  const before = await pod.masterStatus();
  const nginxPid = (before.detail as { nginxPid: number }).nginxPid;
  await pod.master.signalPid(nginxPid, 'SIGSTOP');
  let stopped = true;
  try {
    const failed = pod.sidecar.nextLog((l) => l.event === 'reload.failed');
    await pod.kubelet.update({ 'nginx.conf': conf('two') });
    const line = await failed;
    assert.equal(line.code, 'ENGINXRELOADTIMEOUT', JSON.stringify(line));
    assert.equal(line.retry, true, 'logged as to be tried again, not as rejected');
    assert.match(line.message, /not confirmed in ready: .*the next sync tries it again$/);
    assert.equal((await pod.masterStatus()).configHash, '', 'the master does not know which config nginx runs');
    assert.equal(await pod.liveHash(), hashFileSet(await readFileSet(pod.kubelet.dir)), 'the live directory keeps the new version: it was not proved bad');
  } finally {
    if (stopped) await pod.master.signalPid(nginxPid, 'SIGCONT');
    stopped = false;
  }
  const want = hashFileSet(await readFileSet(pod.kubelet.dir));
  await pod.sidecar.waitForLog((l) => l.event === 'reload.ok' && l.configHash === want);
  const after = await pod.masterStatus();
  assert.equal(after.configHash, want);
  assert.equal(after.generation, before.generation + 1);
  assert.equal((await fetchText(port)).body, 'two\n');
  const sidecar = await pod.sidecarStatus();
  assert.equal(sidecar.appliedHash, want);
});
