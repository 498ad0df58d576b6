// Issue 12, acceptance 2: a mismatched certificate/key pair, an expired certificate and a
// truncated PEM, each swapped into the Secret source by the kubelet stand-in, are rejected by
// the sidecar with the file and the reason; nginx never sees them (same generation, the old
// certificate still served) and the live directory is untouched (same ..data, same hash).
import assert from 'node:assert/strict';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fingerprint, peerFingerprint } from '../helpers/tls-client.ts';
import { TlsPod } from '../fixtures/tls/nginx-pod.ts';
import { truncated, type Issued } from '../fixtures/tls/pki.ts';

let tls: TlsPod;
let good: Issued;
let other: Issued;
let expired: Issued;

before(async () => {
  tls = await TlsPod.start({ version: '1' });
  good = tls.first;
  other = await tls.ca.issue('localhost');
  expired = await tls.ca.issue('localhost', { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });
});
after(() => tls?.close());

const cases: [string, () => Record<string, string>, string][] = [
  ['mismatched pair', () => ({ 'tls.crt': good.chain, 'tls.key': other.key }), 'tls/tls.key: private key does not match tls/tls.crt'],
  ['expired certificate', () => TlsPod.secret(expired), 'tls/tls.crt: certificate expired on 2020-01-02T00:00:00.000Z'],
  ['truncated PEM', () => ({ 'tls.crt': truncated(good.cert), 'tls.key': good.key }), 'tls/tls.crt: truncated PEM: 1 BEGIN line(s) without their END'],
];

for (const [name, secret, finding] of cases) {
  test(`${name}: rejected with "${finding}"; the old certificate is still served, the live directory untouched`, async () => {
    const before = { data: await readlink(join(tls.live, '..data')), hash: await tls.pod.liveHash(), status: await tls.pod.masterStatus() };
    const bad = { ...TlsPod.secret(good), ...secret() };
    const rejected = tls.pod.sidecar.nextLog((l) => l.event === 'config.rejected' && Array.isArray(l.diagnostics) && l.diagnostics.includes(finding));
    await tls.pod.volumes.tls?.update(bad);
    const line = await rejected;
    assert.match(line.message, new RegExp(`rejected: ${finding.replace(/[.()*+?[\]]/g, '\\$&')}`));
    assert.equal(await readlink(join(tls.live, '..data')), before.data, 'the live directory got no new version');
    assert.equal(await tls.pod.liveHash(), before.hash);
    assert.equal(await peerFingerprint(tls.port), fingerprint(good.cert), 'the old certificate is still served');
    assert.equal((await tls.pod.masterStatus()).generation, before.status.generation, 'nginx never saw it');
    // Back to the good pair for the next case (the same version as before: nothing to publish).
    await tls.pod.volumes.tls?.update(TlsPod.secret(good));
    await tls.pod.sync();
  });
}
