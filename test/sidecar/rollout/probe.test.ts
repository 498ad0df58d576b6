// The bake's HTTP probe (src/sidecar/rollout/probe.ts) against a real local server: one request
// at once and one per interval, 2xx/3xx counted ok, 5xx counted, no answer within the interval
// counted as neither; nothing counted after stop().
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { HttpProbe } from '../../../src/sidecar/rollout/probe.ts';
import type { ProbeSpec } from '../../../src/sidecar/rollout/probe-spec.ts';

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** A server answering the statuses in turn (then the last one); `hang` never answers. */
async function serve(statuses: Array<number | 'hang'>): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
    if (status === 'hang') return;
    res.statusCode = status;
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, paths };
}

const spec = (port: number): ProbeSpec => ({ scheme: 'http', port, path: '/healthz', minSuccessRatio: 0.9, max5xxRatio: 0.1, intervalMs: 100 });

/** Waits (on the probe's own sample callback) until `n` probes were counted. */
function probeUntil(port: number, n: number): Promise<HttpProbe> {
  return new Promise((resolve) => {
    const probe: HttpProbe = new HttpProbe(spec(port), () => {
      if (probe.counts().total === n) resolve(probe);
    });
  });
}

test('counts 2xx/3xx as ok and 5xx apart, on the configured path', async () => {
  const { port, paths } = await serve([200, 302, 500, 404, 503]);
  const probe = await probeUntil(port, 5);
  probe.stop();
  assert.deepEqual(probe.counts(), { total: 5, ok: 2, status5xx: 2 });
  assert.ok(paths.every((p) => p === '/healthz'), paths.join(' '));
});

test('no answer within the interval is a probe that failed', async () => {
  const { port } = await serve(['hang']);
  const probe = await probeUntil(port, 1);
  probe.stop();
  assert.deepEqual(probe.counts(), { total: 1, ok: 0, status5xx: 0 });
});

test('after stop(), nothing more is counted', async () => {
  const { port } = await serve([200]);
  const probe = await probeUntil(port, 1);
  probe.stop();
  const counted = probe.counts().total;
  // The next two intervals pass on the server's side: it would have been asked again by now.
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.equal(probe.counts().total, counted);
});
