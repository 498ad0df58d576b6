// Issue 12, acceptance 4: content from Secret sources never leaves them. A pod in "a cluster"
// (the in-cluster environment pointing at the API-server stand-in, test/helpers/apiserver.ts:
// no real API server runs here) serves HTTPS with nginx from a Secret source `tls`, and includes
// a file from a second Secret source `auth` (defaultMode 0440). Then the included Secret file
// gets a syntax error and the key file a damaged PEM with a marker in it: each is rejected with
// its file (and line:column for the syntax error), and neither the marker nor any line of the
// key appears in the sidecar's or the master's output, nginx's error log, either status, the
// metrics, or any Event or patch sent to the API. In the live directory Secret files keep
// their mode without bits for others (0644 → 0640, 0440 stays).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiServerStandIn } from '../helpers/apiserver.ts';
import { inClusterEnv, probe } from '../helpers/sidecar.ts';
import { TlsPod } from '../fixtures/tls/nginx-pod.ts';
import { truncated, type Issued } from '../fixtures/tls/pki.ts';

const NS = 'shop';
const MARKER = `s3cr3t-${randomBytes(8).toString('hex')}`;
let api: ApiServerStandIn;
let kubeDir: string;
let good: Issued;
let tls: TlsPod;

before(async () => {
  api = await ApiServerStandIn.start();
  api.addPod(NS, 'web-0', 'uid-web-0');
  kubeDir = await mkdtemp(join(tmpdir(), 'hotcycle-hygiene-'));
  tls = await TlsPod.start({
    version: '1', server: 'include auth/auth.conf;',
    sources: { auth: { secret: true, defaultMode: 0o440, files: { 'auth.conf': `add_header X-Marker "${MARKER}";\n` } } },
    sidecarArgs: ['--tls-expiry-warning-days', '2'],
    sidecarEnv: await inClusterEnv(kubeDir, api, { name: 'web-0', namespace: NS, uid: 'uid-web-0' }),
  });
  good = tls.first; // valid for a day: under the 2-day warning
});
after(async () => {
  await tls?.close();
  await api?.close();
  await rm(kubeDir, { recursive: true, force: true });
});

const events = () => api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/events'));
const mode = async (name: string) => (await stat(join(tls.live, name))).mode & 0o777;

test('Secret files in the live directory: their mode without bits for others', async () => {
  assert.equal(await mode('nginx.conf'), 0o644);
  assert.equal(await mode('tls/tls.crt'), 0o640);
  assert.equal(await mode('tls/tls.key'), 0o640);
  assert.equal(await mode('auth/auth.conf'), 0o440, "kubelet's defaultMode is kept");
});

test('the expiry is a metric, and a Warning log line when under --tls-expiry-warning-days', async () => {
  const warning = await tls.pod.sidecar.waitForLog((l) => l.event === 'tls.expiring' && l.file === 'tls/tls.crt');
  assert.match(warning.message, /^certificate tls\/tls\.crt expires on .* \(in 0 days\)$/);
  const metrics = (await probe(tls.pod.metricsPort, '/metrics')).body;
  const expiry = new Date(new (await import('node:crypto')).X509Certificate(good.cert).validTo).getTime() / 1000;
  assert.match(metrics, new RegExp(`^hotcycle_tls_certificate_expiry_timestamp_seconds\\{file="tls/tls.crt"\\} ${expiry}$`, 'm'));
});

test('a syntax error in a Secret file and a damaged key: rejected by file (and line:column), never shown', async () => {
  const syntax = tls.pod.sidecar.nextLog((l) => l.event === 'config.rejected' && String(l.diagnostics).startsWith('auth/auth.conf:'));
  await tls.pod.volumes.auth?.update({ 'auth.conf': `add_header X-Marker "${MARKER};\n` }); // the quote never closes
  const found = await syntax;
  assert.deepEqual(found.diagnostics, ['auth/auth.conf:2:1: nginx check failed here (message withheld: the file is from a Secret source)']);
  await api.waitForRequest((r) => events().includes(r) && JSON.stringify(r.body).includes('auth/auth.conf:2:1'));

  const damagedKey = `${truncated(good.key)}\n${MARKER}\n`;
  const keyRejected = tls.pod.sidecar.nextLog((l) => l.event === 'config.rejected' && String(l.diagnostics).includes('tls/tls.key'));
  await tls.pod.volumes.auth?.update({ 'auth.conf': `add_header X-Marker "${MARKER}";\n` });
  await tls.pod.volumes.tls?.update({ 'tls.crt': good.chain, 'tls.key': damagedKey });
  assert.deepEqual((await keyRejected).diagnostics, ['tls/tls.key: truncated PEM: 1 BEGIN line(s) without their END']);
  await api.waitForRequest((r) => events().includes(r) && JSON.stringify(r.body).includes('tls/tls.key: truncated PEM'));

  const secrets = [MARKER, ...good.key.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'))];
  const places: Record<string, string> = {
    'sidecar output': tls.pod.sidecar.output.join('\n'),
    'master output': tls.pod.master.output.join('\n'),
    "nginx's error log": await readFile(join(tls.prefix, 'error.log'), 'utf8').catch(() => ''),
    'sidecar status': JSON.stringify(await tls.pod.sidecarStatus()),
    'master status': JSON.stringify(await tls.pod.masterStatus()),
    metrics: (await probe(tls.pod.metricsPort, '/metrics')).body,
    'API requests (Events, patches)': JSON.stringify(api.requests.map((r) => r.body)),
  };
  assert.ok(places['sidecar output']?.includes('auth/auth.conf:2:1'), 'the finding itself is in the output');
  assert.ok(events().length >= 2, 'Events were sent');
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${place} shows Secret content: ${secret}`);
  }
});
