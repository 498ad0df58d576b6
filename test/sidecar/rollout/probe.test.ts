// The bake's probes (src/sidecar/rollout/probe.ts) against real local servers: one check at once
// and one per interval, 2xx/3xx counted ok, 5xx counted, no answer within the interval counted as
// neither; the streak of failures; a TCP check that connects or is refused; nothing counted
// after stop().
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { LoopbackProbe } from '../../../src/sidecar/rollout/probe.ts';
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
function probeUntil(port: number, n: number): Promise<LoopbackProbe> {
  return new Promise((resolve) => {
    const probe: LoopbackProbe = new LoopbackProbe(spec(port), () => {
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

test('the streak counts failures in a row and an ok answer resets it', async () => {
  const { port } = await serve([500, 500, 200, 503]);
  const streaks: number[] = [];
  await new Promise<void>((resolve) => {
    const probe: LoopbackProbe = new LoopbackProbe(spec(port), () => {
      streaks.push(probe.failingStreak());
      if (streaks.length === 4) {
        probe.stop();
        resolve();
      }
    });
  });
  assert.deepEqual(streaks, [1, 2, 0, 1]);
});

test('a tcp check: a connection is ok; a port nobody listens on fails, and the streak grows', async () => {
  const server = createTcpServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const target = { scheme: 'tcp' as const, port, path: '/', intervalMs: 100 };
  const sampled = (n: number) => new Promise<LoopbackProbe>((resolve) => {
    const probe: LoopbackProbe = new LoopbackProbe(target, () => {
      if (probe.counts().total === n) {
        probe.stop();
        resolve(probe);
      }
    });
  });
  const up = await sampled(2);
  assert.deepEqual([up.counts(), up.failingStreak(), up.describe()], [{ total: 2, ok: 2, status5xx: 0 }, 0, `tcp 127.0.0.1:${port}`]);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const down = await sampled(3);
  assert.deepEqual([down.counts(), down.failingStreak()], [{ total: 3, ok: 0, status5xx: 0 }, 3]);
});
