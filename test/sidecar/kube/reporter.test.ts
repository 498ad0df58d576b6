// Limit: no real Kubernetes API server can run on this machine. These tests drive the real
// @kubernetes/client-node 2.x over real HTTPS against test/helpers/apiserver.ts, a stand-in that
// checks what the real API server checks for the calls hotcycle makes (method, path, bearer
// token, patch content type, required Event fields, microsecond eventTime, note ≤ 1024 bytes,
// 404/409/429/500) — not RBAC, admission or anything beyond those calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ApiServerStandIn, type RecordedRequest } from '../../helpers/apiserver.ts';
import { createKubeReporter, type KubeReporterOptions } from '../../../src/sidecar/kube/reporter.ts';
import { eventName, NOTE_LIMIT_BYTES } from '../../../src/sidecar/kube/events.ts';
import type { ReportOutcome } from '../../../src/sidecar/kube/types.ts';
import type { Diagnostic } from '../../../src/checks/diagnostic.ts';

const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

let api: ApiServerStandIn;
before(async () => { api = await ApiServerStandIn.start(); });
after(async () => { await api.close(); });

/** A winston logger whose JSON lines the test can read. */
function captureLogger(): { logger: winston.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines };
}

/** A reporter for pod `name` in its own namespace, so tests do not see each other's requests. */
async function setup(namespace: string, extra: Partial<KubeReporterOptions> = {}, addPod = true) {
  if (addPod) api.addPod(namespace, 'web-0', 'uid-web-0');
  const { logger, lines } = captureLogger();
  const outcomes: ReportOutcome[] = [];
  const reporter = await createKubeReporter({
    logger, identity: { podName: 'web-0', namespace, podUid: 'uid-web-0' }, kubeConfig: api.kubeConfig(),
    onOutcome: (o) => outcomes.push(o), retry: { baseDelayMs: 10, maxDelayMs: 50 }, ...extra,
  });
  const requests = (method: string): RecordedRequest[] => api.requests.filter((r) => r.method === method && r.path.includes(`/namespaces/${namespace}/`));
  return { reporter, lines, outcomes, requests };
}

describe('kube reporter against the API-server stand-in', () => {
  test('a reload makes exactly one Reloaded Event and one merge patch with the three annotations', async () => {
    const { reporter, requests, outcomes } = await setup('ns-reload');
    reporter.reloaded({ generation: 7, configHash: HASH, durationMs: 412.4 });
    await reporter.flush();

    const posts = requests('POST');
    assert.equal(posts.length, 1);
    assert.equal(posts[0]!.path, '/apis/events.k8s.io/v1/namespaces/ns-reload/events');
    assert.equal(posts[0]!.status, 201);
    const event = posts[0]!.body as Record<string, unknown>;
    assert.match(String(event.eventTime), MICRO);
    assert.equal(event.reportingController, 'hotcycle.dev/sidecar');
    assert.equal(event.reportingInstance, 'web-0');
    assert.equal(event.reason, 'Reloaded');
    assert.equal(event.action, 'Reload');
    assert.equal(event.type, 'Normal');
    assert.deepEqual(event.regarding, { apiVersion: 'v1', kind: 'Pod', name: 'web-0', namespace: 'ns-reload', uid: 'uid-web-0' });
    assert.equal(event.note, 'Reloaded to generation 7, config a3f1c2d4e5b6, in 412 ms');

    const patches = requests('PATCH');
    assert.equal(patches.length, 1);
    assert.equal(patches[0]!.path, '/api/v1/namespaces/ns-reload/pods/web-0');
    assert.equal(patches[0]!.headers['content-type'], 'application/merge-patch+json');
    assert.equal(patches[0]!.status, 200);
    const annotations = (api.pods.get('ns-reload/web-0')!.metadata as { annotations: Record<string, string> }).annotations;
    assert.equal(annotations['hotcycle.dev/generation'], '7');
    assert.equal(annotations['hotcycle.dev/config-hash'], HASH);
    assert.ok(!Number.isNaN(Date.parse(annotations['hotcycle.dev/reloaded-at']!)));
    assert.deepEqual(outcomes, [{ call: 'event', result: 'ok' }, { call: 'annotations', result: 'ok' }]);
    await reporter.close();
  });

  test('a failed reload and a rejected config become Warning Events naming the phase and file:line:col', async () => {
    const { reporter, requests } = await setup('ns-warn');
    reporter.reloadFailed({ phase: 'ready', message: 'worker 1234 exited with code 1', configHash: HASH });
    reporter.configRejected({ configHash: HASH, diagnostics: [{ file: 'nginx.conf', line: 12, column: 5, message: 'unexpected "}"', source: 'nginx' }] });
    await reporter.flush();
    const [failed, rejected] = requests('POST').map((r) => r.body as Record<string, string>);
    assert.equal(failed!.type, 'Warning');
    assert.equal(failed!.reason, 'ReloadFailed');
    assert.equal(failed!.note, 'Reload to config a3f1c2d4e5b6 failed in phase ready: worker 1234 exited with code 1');
    assert.equal(rejected!.type, 'Warning');
    assert.equal(rejected!.reason, 'ConfigRejected');
    assert.equal(rejected!.action, 'Check');
    assert.equal(rejected!.note, 'Config a3f1c2d4e5b6 rejected: nginx.conf:12:5: unexpected "}"');
    assert.equal(requests('PATCH').length, 0, 'only a successful reload touches the annotations');
    assert.equal(api.events.size >= 2, true);
    await reporter.close();
  });

  test('long notes are cut under the 1 KiB limit and the API server accepts them', async () => {
    const { reporter, requests } = await setup('ns-long');
    const diagnostics: Diagnostic[] = Array.from({ length: 80 }, (_, i) => ({ file: 'conf.d/app.conf', line: i + 1, column: 3, message: `unknown directive "x${i}" ${'é'.repeat(20)}`, source: 'nginx' }));
    reporter.configRejected({ configHash: HASH, diagnostics });
    reporter.reloadFailed({ phase: 'check', message: 'nginx: [emerg] ' + 'ü'.repeat(3000), configHash: HASH });
    await reporter.flush();
    const [rejected, failed] = requests('POST');
    for (const r of [rejected!, failed!]) {
      assert.equal(r.status, 201);
      assert.ok(Buffer.byteLength((r.body as { note: string }).note) <= NOTE_LIMIT_BYTES);
    }
    assert.match((rejected!.body as { note: string }).note, /conf\.d\/app\.conf:1:3: .*\(\+\d+ more\)$/);
    assert.match((failed!.body as { note: string }).note, /ü…$/);
    await reporter.close();
  });

  test('a 500 is retried and the Event is created once', async () => {
    const { reporter, requests, outcomes } = await setup('ns-500');
    api.script((r) => r.method === 'POST' && r.path.includes('/ns-500/'), { status: 500 });
    reporter.reloadFailed({ phase: 'start', message: 'spawn ENOENT', configHash: HASH });
    await reporter.flush();
    assert.deepEqual(requests('POST').map((r) => r.status), [500, 201]);
    assert.equal((requests('POST')[0]!.body as { metadata: { name: string } }).metadata.name,
      (requests('POST')[1]!.body as { metadata: { name: string } }).metadata.name, 'a retry reuses the Event name');
    assert.deepEqual(outcomes, [{ call: 'event', result: 'retry', status: 500 }, { call: 'event', result: 'ok' }]);
    await reporter.close();
  });

  test('a 429 is retried after the Retry-After the server asked for', async () => {
    const { reporter, requests } = await setup('ns-429');
    api.script((r) => r.method === 'PATCH' && r.path.includes('/ns-429/'), { status: 429, retryAfter: 1 });
    reporter.reloaded({ generation: 2, configHash: HASH, durationMs: 10 });
    await reporter.flush();
    const patches = requests('PATCH');
    assert.deepEqual(patches.map((r) => r.status), [429, 200]);
    assert.ok(patches[1]!.at - patches[0]!.at >= 950, `waited ${patches[1]!.at - patches[0]!.at} ms`);
    await reporter.close();
  });

  test('a patch of a pod that does not exist is logged and not retried', async () => {
    const { reporter, requests, lines, outcomes } = await setup('ns-404', {}, false);
    reporter.reloaded({ generation: 3, configHash: HASH, durationMs: 10 });
    await reporter.flush();
    assert.deepEqual(requests('PATCH').map((r) => r.status), [404]);
    assert.deepEqual(outcomes.filter((o) => o.call === 'annotations'), [{ call: 'annotations', result: 'failed', status: 404 }]);
    const line = lines.find((l) => l.call === 'annotations');
    assert.equal(line?.level, 'warn');
    assert.equal(line?.status, 404);
    assert.match(String(line?.error), /pods "web-0" not found/);
    await reporter.close();
  });

  test('409 AlreadyExists and 401 Unauthorized are not retried', async () => {
    const now = new Date('2026-01-02T03:04:05.678Z');
    const { reporter, requests, outcomes } = await setup('ns-409', { now: () => now });
    api.events.set(`ns-409/${eventName('web-0', now.getTime(), 0)}`, {});
    reporter.configRejected({ configHash: HASH, diagnostics: [] });
    await reporter.flush();
    assert.deepEqual(requests('POST').map((r) => r.status), [409]);
    assert.deepEqual(outcomes, [{ call: 'event', result: 'failed', status: 409 }]);
    await reporter.close();

    const denied = await setup('ns-401', { kubeConfig: api.kubeConfig('wrong-token') });
    denied.reporter.configRejected({ configHash: HASH, diagnostics: [] });
    await denied.reporter.flush();
    assert.deepEqual(denied.requests('POST').map((r) => r.status), [401]);
    await denied.reporter.close();
  });

  test('a dead API server cannot grow the queue: the oldest waiting reports are dropped', async () => {
    const { reporter, requests, outcomes } = await setup('ns-dead', { queueCapacity: 2, retry: { attempts: 2, baseDelayMs: 10 } });
    api.script((r) => r.path.includes('/ns-dead/'), ...Array.from({ length: 20 }, () => ({ status: 503 })));
    for (let i = 0; i < 6; i++) reporter.reloadFailed({ phase: 'ready', message: `failure ${i}`, configHash: HASH });
    await reporter.flush();
    const notes = requests('POST').map((r) => (r.body as { note: string }).note.replace(/.*: /, ''));
    assert.deepEqual(notes, ['failure 0', 'failure 0', 'failure 4', 'failure 4', 'failure 5', 'failure 5']);
    assert.equal(outcomes.filter((o) => o.result === 'dropped').length, 3);
    assert.equal(outcomes.filter((o) => o.result === 'failed').length, 3);
    await reporter.close();
    await reporter.close();
    reporter.reloadFailed({ phase: 'ready', message: 'after close', configHash: HASH });
    assert.equal(outcomes.at(-1)?.result, 'dropped');
  });
});
