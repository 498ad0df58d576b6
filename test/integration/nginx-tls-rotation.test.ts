// Issue 12, acceptance 1: nginx serves HTTPS from a Secret source; cert-manager's rotation is a
// kubelet-style swap of that source. New handshakes get the new certificate (by fingerprint),
// a download in flight on an old worker finishes in full, and a bounded loopback load of new
// HTTPS connections sees no failed request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { download, Load } from '../helpers/load.ts';
import { fingerprint, peerFingerprint } from '../helpers/tls-client.ts';
import { BIG, TlsPod } from '../fixtures/tls/nginx-pod.ts';
import type { Issued } from '../fixtures/tls/pki.ts';

let tls: TlsPod;
let second: Issued;

before(async () => {
  tls = await TlsPod.start({ version: '1' });
  second = await tls.ca.issue('localhost');
});
after(() => tls?.close());

test('a rotated certificate is served to new handshakes; connections in flight finish; 0 failed requests', async () => {
  assert.equal(await peerFingerprint(tls.port), fingerprint(tls.first.cert));
  const before = await tls.pod.masterStatus();
  const long = download(tls.port, '/big', { tls: true });
  await long.responding;
  const load = new Load({ port: tls.port, connections: 4, keepAlive: false, maxRequests: 5_000, tls: true }).start();
  try {
    await load.flowing();
    const rotated = tls.hashOf('1', second);
    const reloaded = tls.pod.sidecar.nextLog((l) => l.event === 'reload.ok' && l.configHash === rotated);
    await tls.pod.volumes.tls?.update(TlsPod.secret(second));
    await reloaded;
    assert.equal(await peerFingerprint(tls.port), fingerprint(second.cert), 'a new handshake gets the new certificate');
    // The load goes on across the reload and past it.
    await load.until(load.completed + 200);
  } finally {
    long.resume();
  }
  const summary = await load.stop();
  assert.equal(summary.failed, 0, JSON.stringify(summary.errors));
  assert.ok(summary.ok >= 200, `only ${summary.ok} requests completed`);
  assert.equal(await long.done, BIG, 'the download on the old worker finished in full');
  const after = await tls.pod.masterStatus();
  assert.equal(after.generation, before.generation + 1, 'one reload');
  process.stdout.write(`# tls rotation: ${summary.ok} HTTPS requests, ${summary.failed} failed; long download ${BIG} bytes\n`);
});
