// The reporter's retries, driven through the real @kubernetes/client-node 2.x over real HTTPS.
// Everything a real server can be made to do is tested against the real kube-apiserver in
// test/cluster/kube-reporter.test.ts. Here, test/helpers/apiserver.ts (a stand-in) is used only
// for what a real server cannot be made to do on demand: a scripted sequence of 429/500/503
// answers, and a response that never ends (a create that lands but whose answer is lost). The
// bounded queue needs no server at all: a port nobody listens on is an API server that is down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiServerStandIn, type RecordedRequest } from '../../helpers/apiserver.ts';
import { createKubeReporter, type KubeReporterOptions } from '../../../src/sidecar/kube/reporter.ts';
import type { ReportOutcome } from '../../../src/sidecar/kube/types.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { captureLogger } from '../../helpers/log-capture.ts';
import { freePort } from '../../helpers/ports.ts';

const HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const FAST = { baseDelayMs: 10, maxDelayMs: 50 };

let api: ApiServerStandIn;
before(async () => { api = await ApiServerStandIn.start(); });
after(async () => { await api.close(); });

/** A reporter for pod `name` in its own namespace, so tests do not see each other's requests. */
async function setup(namespace: string, extra: Partial<KubeReporterOptions> = {}, addPod = true) {
  if (addPod) api.addPod(namespace, 'web-0', 'uid-web-0');
  const { logger, lines, waitLine } = captureLogger();
  const outcomes: ReportOutcome[] = [];
  const reporter = await createKubeReporter({
    logger, identity: { podName: 'web-0', namespace, podUid: 'uid-web-0' }, kubeConfig: api.kubeConfig(),
    onOutcome: (o) => outcomes.push(o), retry: { events: FAST, annotations: FAST }, ...extra,
  });
  const requests = (method: string): RecordedRequest[] => api.requests.filter((r) => r.method === method && r.path.includes(`/namespaces/${namespace}/`));
  return { reporter, lines, waitLine, outcomes, requests };
}

describe('kube reporter: scripted failures (the API-server stand-in)', () => {
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

  test('an Event that waited behind a retried one is logged late, though its own first try succeeded', async () => {
    const { reporter, waitLine } = await setup('ns-behind');
    const delivered = (l: Record<string, unknown>) => l.call === 'event' && l.result === 'ok';
    api.script((r) => r.method === 'POST' && r.path.includes('/ns-behind/'), { status: 503 });
    reporter.reloadFailed({ phase: 'start', message: 'first', configHash: HASH });
    reporter.reloadFailed({ phase: 'start', message: 'second', configHash: HASH });
    const ends = await Promise.all([waitLine(delivered, 1), waitLine(delivered, 2)]);
    assert.deepEqual(ends.map((l) => [l.attempt, l.late]), [[2, true], [1, true]]);
    await reporter.flush();
    reporter.reloadFailed({ phase: 'start', message: 'third', configHash: HASH });
    assert.equal((await waitLine(delivered, 3)).late, false, 'the queue drained: on time again');
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

  test('annotations are reconciled through any number of 503s, and only the newest state is sent', async () => {
    const { reporter, requests, outcomes, waitLine } = await setup('ns-503');
    // More failures than the four tries the reporter used to give up after.
    api.script((r) => r.method === 'PATCH' && r.path.includes('/ns-503/'), ...Array.from({ length: 8 }, () => ({ status: 503 })));
    reporter.reloaded({ generation: 2, configHash: HASH, durationMs: 10 });
    await api.waitForRequest((r) => requests('PATCH').includes(r), 2);
    reporter.reloaded({ generation: 3, configHash: HASH, durationMs: 10 });
    await reporter.flush();
    const patches = requests('PATCH');
    assert.deepEqual(patches.map((r) => r.status), [...Array.from({ length: 8 }, () => 503), 200]);
    const generations = patches.map((r) => (r.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations['hotcycle.dev/generation']);
    assert.deepEqual(generations.slice(2), Array.from({ length: 7 }, () => '3'), 'every try after the newer reload sends the newer state');
    const pod = api.pods.get('ns-503/web-0')!.metadata as { annotations: Record<string, string> };
    assert.equal(pod.annotations['hotcycle.dev/generation'], '3');
    assert.deepEqual(outcomes.filter((o) => o.call === 'annotations' && o.result !== 'retry'), [{ call: 'annotations', result: 'ok' }]);
    const done = await waitLine((l) => l.call === 'annotations' && l.result === 'ok');
    assert.equal(done.late, true);
    assert.equal(done.what, 'annotations generation 3');
    await reporter.close();
  });

  test('an Event create whose answer never came but that landed (409 AlreadyExists on the retry) is delivered', async () => {
    const { reporter, requests, outcomes, waitLine } = await setup('ns-lost', { requestTimeoutMs: 300 });
    api.script((r) => r.method === 'POST' && r.path.includes('/ns-lost/'), { hang: true });
    reporter.configRejected({ configHash: HASH, diagnostics: [] });
    await reporter.flush();
    const posts = requests('POST');
    assert.deepEqual(posts.map((r) => r.status), [0, 409], 'the first try was never answered; the retry found it');
    assert.equal(api.events.size >= 1, true);
    assert.deepEqual(outcomes, [{ call: 'event', result: 'retry' }, { call: 'event', result: 'ok' }]);
    const line = await waitLine((l) => l.call === 'event' && l.result === 'ok');
    assert.equal(line.alreadyExisted, true);
    assert.equal(line.late, true);
    await reporter.close();
  });
});

describe('kube reporter: the API server down (a port nobody listens on)', () => {
  test('the queue stays bounded: the oldest waiting Events are dropped, each logged; a too-old one is dropped too', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'down', server: `https://127.0.0.1:${await freePort()}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }], contexts: [{ name: 'down', cluster: 'down', user: 'u' }], currentContext: 'down',
    });
    const { reporter, outcomes, lines, waitLine } = await setup('ns-dead', {
      kubeConfig, queueCapacity: 2, retry: { events: { ...FAST, giveUpAfterMs: 200 }, annotations: FAST },
    }, false);
    for (let i = 0; i < 6; i++) reporter.reloadFailed({ phase: 'ready', message: `failure ${i}`, configHash: HASH });
    await reporter.flush();
    const isEnd = (l: Record<string, unknown>) => l.call === 'event' && (l.result === 'dropped' || l.result === 'ok');
    await waitLine(isEnd, 6);
    const ends = lines.filter(isEnd);
    assert.equal(ends.length, 6, 'one line per Event says what became of it');
    assert.ok(ends.every((l) => l.result === 'dropped'));
    assert.equal(ends.filter((l) => /queue full/.test(l.message as string)).length, 3, 'three pushed out of a queue of two behind the one in flight');
    assert.equal(ends.filter((l) => /still failing after/.test(l.message as string)).length, 3, 'the rest given up when too old');
    assert.equal(outcomes.filter((o) => o.result === 'dropped').length, 6);
    await reporter.close();
    await reporter.close();
    reporter.reloadFailed({ phase: 'ready', message: 'after close', configHash: HASH });
    assert.equal(outcomes.at(-1)?.result, 'dropped');
  });

});
