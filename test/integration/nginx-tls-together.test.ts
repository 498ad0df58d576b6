// Issue 12, acceptance 3: the ConfigMap (nginx.conf) and the Secret (the certificate) change
// together, within the debounce: exactly one new generation, and at no moment is the new
// nginx.conf live with the old certificate or the reverse — checked in the live directory by a
// second process reading through `..data` in a loop (test/fixtures/live-reader.ts), and at the
// client by pairing each response's X-Generation with the certificate of its own handshake.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { get } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { fixture } from '../helpers/master.ts';
import { fingerprint, peerFingerprint } from '../helpers/tls-client.ts';
import { TlsPod } from '../fixtures/tls/nginx-pod.ts';
import type { Issued } from '../fixtures/tls/pki.ts';

// Long enough that the two updates below always fall within it, even on a loaded machine
// (the test checks that they did).
const DEBOUNCE_MS = 1500;
let tls: TlsPod;
let second: Issued;

before(async () => {
  tls = await TlsPod.start({ version: 'A', sidecarArgs: ['--debounce-ms', String(DEBOUNCE_MS)] });
  second = await tls.ca.issue('localhost');
});
after(() => tls?.close());

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Each response's X-Generation with the fingerprint of the handshake that carried it (or the error), until stopped. */
function servedPairs(port: number, stop: () => boolean): Promise<Set<string>> {
  const seen = new Set<string>();
  const one = () => new Promise<void>((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false, rejectUnauthorized: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      seen.add(`${String(res.headers['x-generation'])}|${cert}`);
      res.resume();
      res.on('end', resolve);
    }).on('error', (error: NodeJS.ErrnoException) => {
      seen.add(`error ${error.code ?? error.message}`);
      resolve();
    });
  });
  return (async () => {
    for (let i = 0; i < 20_000 && !stop(); i++) await one();
    return seen;
  })();
}

test('a ConfigMap and a Secret changed together: one generation, never one new with the other old', async () => {
  const before = await tls.pod.masterStatus();
  const reader = spawn(process.execPath, [fixture('live-reader.ts'), tls.live, '60000', 'nginx.conf', 'tls/tls.crt'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  reader.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) => reader.stdout.on('data', (chunk: string) => {
    output += chunk;
    if (output.includes('"ready"')) resolve();
  }));
  await ready;
  let stopped = false;
  const served = servedPairs(tls.port, () => stopped);

  const from = tls.pod.sidecar.logs.length;
  const target = tls.hashOf('B', second);
  const reloaded = tls.pod.sidecar.nextLog((l) => l.event === 'reload.ok' && l.configHash === target);
  const start = performance.now();
  await tls.pod.kubelet.update({ 'nginx.conf': tls.conf('B') });
  await tls.pod.volumes.tls?.update(TlsPod.secret(second));
  const gap = performance.now() - start;
  assert.ok(gap < DEBOUNCE_MS / 2, `the two updates took ${gap} ms: not "together" for a ${DEBOUNCE_MS} ms debounce`);
  await reloaded;
  assert.equal(await peerFingerprint(tls.port), fingerprint(second.cert));
  stopped = true;
  const pairs = await served;
  const exited = once(reader, 'exit');
  reader.kill('SIGTERM');
  await exited;

  const since = tls.pod.sidecar.logs.slice(from);
  const published = since.filter((l) => l.event === 'config.published' && l.changed === true).map((l) => l.configHash);
  assert.deepEqual(published, [target], 'one publish: the whole set in one ..data swap');
  assert.deepEqual(since.filter((l) => l.event === 'reload.ok').map((l) => l.configHash), [target], 'one reload');
  assert.equal((await tls.pod.masterStatus()).generation, before.generation + 1, 'exactly one new generation');

  const summary = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { reads: number; combinations: Record<string, number> };
  const old = `${short(tls.conf('A'))}|${short(tls.first.chain)}`;
  const next = `${short(tls.conf('B'))}|${short(second.chain)}`;
  assert.deepEqual(Object.keys(summary.combinations).sort(), [next, old].sort(), `live directory as read: ${JSON.stringify(summary)}`);
  assert.ok(summary.reads > 10, `the reader read ${summary.reads} times`);
  const allowed = new Set([`A|${fingerprint(tls.first.cert)}`, `B|${fingerprint(second.cert)}`]);
  assert.ok([...pairs].every((p) => allowed.has(p)), `responses: ${[...pairs].join(', ')}`);
  process.stdout.write(`# together: ${summary.reads} reads of the live directory, ${pairs.size} (version, certificate) pairs served\n`);
});
