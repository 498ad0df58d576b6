// Issue 12, acceptance 4: content from Secret sources never leaves them. A pod in a cluster
// (the in-cluster environment of one of the chart's Pods, reporting to the real kube-apiserver
// with a token bound to that Pod) serves HTTPS with nginx from a Secret source `tls`, and includes
// a file from a second Secret source `auth` (defaultMode 0440). Then the included Secret file
// gets a syntax error and the key file a damaged PEM with a marker in it: each is rejected with
// its file (and line:column for the syntax error); then the Secret file names an upstream host
// made of the marker, which the checks accept and the master's `nginx -t` rejects, quoting the
// host — the master withholds it. Neither the marker nor any line of the key appears in the sidecar's or the master's output, nginx's error log, either status, the
// metrics, or any Event or patch sent to the API. The certificate, valid for a day, is reported
// as expiring (log line, metric, one Warning Event). In the live directory Secret files keep
// their mode without bits for others (0644 → 0640, 0440 stays).
// Issue 20, item 3: then the Secret file names a certificate path made of a second token, which
// only nginx -t resolves and reports without a line: the path becomes [secret] and the finding is
// placed at the Secret file's line:column — in the logs, the ReloadFailed Event, `hotcycle status`
// (text and JSON) and the hotcycle.dev/last-failure annotation — and the token is nowhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { SidecarStatus } from '../../src/protocol/sidecar.ts';
import { errorWhy, failureLine, WHY_LIMIT } from '../../src/sidecar/report/why.ts';
import { useCluster } from '../helpers/cluster/cluster.ts';
import { installRelease, podEvents, sidecarEnv, type Release } from '../helpers/cluster/release.ts';
import { CLI, type LogLine } from '../helpers/master.ts';
import { probe } from '../helpers/sidecar.ts';
import { TlsPod } from '../fixtures/tls/nginx-pod.ts';
import { truncated, type Issued } from '../fixtures/tls/pki.ts';

const MARKER = `s3cr3t-${randomBytes(8).toString('hex')}`;
const run = promisify(execFile);
const cluster = useCluster();
let release: Release;
let kubeDir: string;
let good: Issued;
let tls: TlsPod;

before(async () => {
  const c = await cluster();
  release = await installRelease(c, 'hygiene');
  kubeDir = await mkdtemp(join(tmpdir(), 'hotcycle-hygiene-'));
  tls = await TlsPod.start({
    version: '1', server: 'include auth/auth.conf;',
    sources: { auth: { secret: true, defaultMode: 0o440, files: { 'auth.conf': `add_header X-Marker "${MARKER}";\n` } } },
    sidecarArgs: ['--tls-expiry-warning-days', '2', '--log-level', 'debug'],
    sidecarEnv: await sidecarEnv(c, release, release.pods[0]!, kubeDir, { withUid: true }),
  });
  good = tls.first; // valid for a day: under the 2-day warning
});
after(async () => {
  await tls?.close();
  await rm(kubeDir, { recursive: true, force: true });
});

/** Resolves once the sidecar delivered its `count`th ConfigRejected Event (its per-delivery line). */
const rejectedDelivered = (count: number) => {
  const delivered = (l: LogLine) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).startsWith('Event ConfigRejected ');
  return tls.pod.sidecar.waitForLog((l) => delivered(l) && tls.pod.sidecar.logs.filter(delivered).length >= count);
};
/** What the API server holds from this Pod: its Events and its annotations. */
const fromApi = async () => {
  const c = await cluster();
  const pod = release.pods[0]!;
  const events = await podEvents(c, release.namespace, pod.uid);
  const annotations = (await c.json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'pod', pod.name, '-n', release.namespace])).metadata.annotations;
  return { events, annotations };
};
const mode = async (name: string) => (await stat(join(tls.live, name))).mode & 0o777;

test('Secret files in the live directory: their mode without bits for others', async () => {
  assert.equal(await mode('nginx.conf'), 0o644);
  assert.equal(await mode('tls/tls.crt'), 0o640);
  assert.equal(await mode('tls/tls.key'), 0o640);
  assert.equal(await mode('auth/auth.conf'), 0o440, "kubelet's defaultMode is kept");
});

test('the expiry is a metric, a Warning log line and a Warning Event when under --tls-expiry-warning-days', async () => {
  const warning = await tls.pod.sidecar.waitForLog((l) => l.event === 'tls.expiring' && l.file === 'tls/tls.crt');
  assert.match(warning.message, /^certificate tls\/tls\.crt expires on .* \(in 0 days\)$/);
  await tls.pod.sidecar.waitForLog((l) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).startsWith('Event CertificateExpiring '));
  const expiring = (await fromApi()).events.filter((e) => e.reason === 'CertificateExpiring');
  assert.equal(expiring.length, 1, 'one Event for the certificate');
  assert.match(expiring[0]?.message ?? '', new RegExp(`^Certificate tls/tls\\.crt expires on ${String(warning.notAfter).replace(/\./g, '\\.')} \\(in 0 days\\)`));
  const metrics = (await probe(tls.pod.metricsPort, '/metrics')).body;
  const expiry = new Date(new (await import('node:crypto')).X509Certificate(good.cert).validTo).getTime() / 1000;
  assert.match(metrics, new RegExp(`^hotcycle_tls_certificate_expiry_timestamp_seconds\\{file="tls/tls.crt"\\} ${expiry}$`, 'm'));
});

test('a syntax error in a Secret file and a damaged key: rejected by file (and line:column), never shown', async () => {
  const syntax = tls.pod.sidecar.nextLog((l) => l.event === 'config.rejected' && String(l.diagnostics).startsWith('auth/auth.conf:'));
  await tls.pod.volumes.auth?.update({ 'auth.conf': `add_header X-Marker "${MARKER};\n` }); // the quote never closes
  const found = await syntax;
  assert.deepEqual(found.diagnostics, ['auth/auth.conf:2:1: nginx check failed here (message withheld: the file is from a Secret source)']);
  await rejectedDelivered(1);
  assert.ok((await fromApi()).events.some((e) => e.reason === 'ConfigRejected' && (e.message ?? '').includes('auth/auth.conf:2:1')));

  const damagedKey = `${truncated(good.key)}\n${MARKER}\n`;
  const keyRejected = tls.pod.sidecar.nextLog((l) => l.event === 'config.rejected' && String(l.diagnostics).includes('tls/tls.key'));
  await tls.pod.volumes.auth?.update({ 'auth.conf': `add_header X-Marker "${MARKER}";\n` });
  await tls.pod.volumes.tls?.update({ 'tls.crt': good.chain, 'tls.key': damagedKey });
  assert.deepEqual((await keyRejected).diagnostics, ['tls/tls.key: truncated PEM: 1 BEGIN line(s) without their END']);
  await rejectedDelivered(2);
  const api = await fromApi();
  assert.ok(api.events.some((e) => e.reason === 'ConfigRejected' && (e.message ?? '').includes('tls/tls.key: truncated PEM')));

  // nginx -t quotes what it cannot resolve: a Secret snippet the checks accept, the master's nginx -t rejects.
  const masterRejected = tls.pod.sidecar.nextLog((l) => l.event === 'reload.failed');
  await tls.pod.volumes.auth?.update({ 'auth.conf': `location /leak { proxy_pass http://${MARKER}.invalid; }\n` });
  await tls.pod.volumes.tls?.update({ 'tls.crt': good.chain, 'tls.key': good.key });
  const failed = await masterRejected;
  assert.equal(failed.code, 'ENGINXCHECK');
  assert.match(String(failed.message), /auth\/auth\.conf:1:\d+: nginx check failed here \(message withheld/);
  await tls.pod.sidecar.waitForLog((l) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).startsWith('Event ReloadFailed '));
  const afterNginx = await fromApi();
  assert.ok(afterNginx.events.some((e) => e.reason === 'ReloadFailed' && (e.message ?? '').includes('auth/auth.conf:1')));

  const secrets = [MARKER, ...good.key.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'))];
  const places = await everyOutput();
  assert.ok(places['sidecar output']?.includes('auth/auth.conf:2:1'), 'the finding itself is in the output');
  assert.ok(afterNginx.events.length >= 3, 'Events were delivered');
  assertNowhere(places, secrets);
});

test('a certificate path that is the secret, which only nginx -t resolves: [secret] in its place everywhere, its file:line:col kept', async () => {
  // The tls check leaves absolute paths (and any not in the set) to nginx -t: the checks accept this.
  const token = `t0k3n-${randomBytes(8).toString('hex')}`;
  const path = (ext: string) => join(tls.live, 'tls', `${token}.${ext}`);
  const masterRejected = tls.pod.sidecar.nextLog((l) => l.event === 'reload.failed');
  await tls.pod.volumes.auth?.update({ 'auth.conf': `ssl_certificate ${path('crt')};\nssl_certificate_key ${path('key')};\n` });
  const failed = await masterRejected;
  assert.equal(failed.code, 'ENGINXCHECK');
  const where = 'auth/auth.conf:1:17: cannot load certificate "[secret]": BIO_new_file() failed';
  assert.ok(String(failed.message).includes(where), String(failed.message));

  const status = JSON.parse((await run(process.execPath, [CLI, 'status', '--sidecar-socket', tls.pod.sidecarSocket, '--json'])).stdout) as { sidecar: SidecarStatus };
  const result = status.sidecar.lastResults.find((r) => r.configHash === failed.configHash);
  const why = result?.why ?? '';
  assert.ok(why.startsWith(`failed in phase check: ${where}`) && why.endsWith(' [ENGINXCHECK]'), why);
  const text = (await run(process.execPath, [CLI, 'status', '--sidecar-socket', tls.pod.sidecarSocket])).stdout;
  assert.ok(text.includes(`\n      ${why}\n`), text);
  const c = await cluster();
  // The same line after `reload-failed <hash>: `, cut to WHY_LIMIT as a whole.
  const line = failureLine('reload-failed', String(failed.configHash), errorWhy(result!.reload!.error!));
  assert.ok(line.includes(where) && line.endsWith(' [ENGINXCHECK]') && [...line].length <= WHY_LIMIT, line);
  await c.must(['wait', `pod/${release.pods[0]!.name}`, '-n', release.namespace, '--timeout=30s', `--for=jsonpath={.metadata.annotations.hotcycle\\.dev/last-failure}=${line}`]);
  const delivered = (l: LogLine) => l.event === 'kube-report' && l.result === 'ok' && String(l.what).startsWith('Event ReloadFailed ');
  await tls.pod.sidecar.waitForLog((l) => delivered(l) && tls.pod.sidecar.logs.filter(delivered).length >= 2);
  const api = await fromApi();
  assert.ok(api.events.some((e) => e.reason === 'ReloadFailed' && (e.message ?? '').includes(where)), 'the Event has the place');
  assert.equal(api.annotations?.['hotcycle.dev/last-failure'], line, 'so has the annotation');

  const places = { ...(await everyOutput()), 'hotcycle status': text };
  assertNowhere(places, [token, MARKER]);
});

/** Everything the pod and the API server show: logs, nginx's error log, both statuses (as the CLI prints them too), metrics, Events and annotations. */
async function everyOutput(): Promise<Record<string, string>> {
  return {
    'sidecar output': tls.pod.sidecar.output.join('\n'),
    'master output': tls.pod.master.output.join('\n'),
    "nginx's error log": await readFile(join(tls.prefix, 'error.log'), 'utf8').catch(() => ''),
    'sidecar status': JSON.stringify(await tls.pod.sidecarStatus()),
    'master status': JSON.stringify(await tls.pod.masterStatus()),
    'hotcycle status --json': (await run(process.execPath, [CLI, 'status', '--sidecar-socket', tls.pod.sidecarSocket, '--json'])).stdout,
    metrics: (await probe(tls.pod.metricsPort, '/metrics')).body,
    'the API server (Events, annotations)': JSON.stringify(await fromApi()),
  };
}

function assertNowhere(places: Record<string, string>, secrets: readonly string[]): void {
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${place} shows Secret content: ${secret}`);
  }
}
