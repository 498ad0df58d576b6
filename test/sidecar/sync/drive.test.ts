// MasterLink against a tiny real control server (the master's own route-table server on a real
// Unix socket) whose answers the test scripts: waiting for a master that is not up, reconcile,
// reload with expectHash, a failed cycle and the hash the master still runs.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { silentLogger } from '../../../src/log.ts';
import { startControlServer, type ControlServer } from '../../../src/protocol/server.ts';
import type { MasterStatus, ReloadRequest, ReloadResult } from '../../../src/protocol/types.ts';
import { MasterLink } from '../../../src/sidecar/sync/drive.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

class FakeMaster {
  status: Pick<MasterStatus, 'state' | 'generation' | 'configHash'> = { state: 'running', generation: 1, configHash: A };
  readonly reloads: ReloadRequest[] = [];
  outcome: 'ok' | 'fail' = 'ok';
  server!: ControlServer;

  fullStatus(): MasterStatus {
    return { driver: 'native', pid: 1, startedAt: '', configDir: '/x', listeners: [], generations: [], pendingReload: false, lastResults: [], ...this.status };
  }

  async start(socketPath: string): Promise<this> {
    this.server = await startControlServer({
      socketPath, logger: silentLogger(), routes: [
        { method: 'GET', path: '/v1/status', handle: async () => this.fullStatus() },
        { method: 'POST', path: '/v1/reload', handle: async ({ body }) => this.reload(body as ReloadRequest) },
      ],
    });
    return this;
  }

  reload(request: ReloadRequest): ReloadResult {
    this.reloads.push(request);
    const ok = this.outcome === 'ok';
    if (ok) this.status = { state: 'running', generation: this.status.generation + 1, configHash: request.expectHash ?? '' };
    return {
      ok, generation: this.status.generation, configHash: request.expectHash ?? '', durationMs: 1, phases: [], reason: request.reason ?? '',
      startedAt: '', requests: 1, ...(ok ? {} : { error: { phase: 'ready', code: 'EWORKEREXIT', message: 'worker exited' } }),
    };
  }
}

async function socketIn(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-drive-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'master.sock');
}

const link = (socketPath: string) => new MasterLink({ socketPath, logger: silentLogger(), backoff: { backoffMs: 5, maxBackoffMs: 20 } });
const never = new AbortController().signal;

describe('MasterLink.apply', () => {
  test('the master already runs the hash: nothing to do; force reloads anyway', async (t) => {
    const socket = await socketIn(t);
    const master = await new FakeMaster().start(socket);
    t.after(() => master.server.close());
    assert.equal((await link(socket).apply({ hash: A, reason: 'r', force: false, signal: never })).kind, 'current');
    assert.equal(master.reloads.length, 0);
    const forced = await link(socket).apply({ hash: A, reason: 'r', force: true, signal: never });
    assert.equal(forced.kind, 'reloaded');
    assert.deepEqual(master.reloads, [{ reason: 'r', expectHash: A }]);
  });

  test('waits for a master that is not up (no socket, then starting), then reloads with expectHash', async (t) => {
    const socket = await socketIn(t);
    const master = new FakeMaster();
    master.status = { state: 'starting', generation: 0, configHash: '' };
    const applied = link(socket).apply({ hash: B, reason: 'new', force: false, signal: never });
    await master.start(socket);
    t.after(() => master.server.close());
    master.status = { state: 'running', generation: 1, configHash: A };
    const outcome = await applied;
    assert.equal(outcome.kind, 'reloaded');
    assert.deepEqual(master.reloads, [{ reason: 'new', expectHash: B }]);
  });

  test('a failed cycle is not retried, and says which hash the master still runs', async (t) => {
    const socket = await socketIn(t);
    const master = await new FakeMaster().start(socket);
    t.after(() => master.server.close());
    master.outcome = 'fail';
    const outcome = await link(socket).apply({ hash: B, reason: 'r', force: false, signal: never });
    assert.ok(outcome.kind === 'reloaded' && !outcome.result.ok);
    assert.equal(outcome.running, A);
    assert.equal(master.reloads.length, 1);
  });

  test('the wait for a master that never comes ends when the signal aborts', async (t) => {
    const socket = await socketIn(t);
    const abort = new AbortController();
    const applied = link(socket).apply({ hash: A, reason: 'r', force: false, signal: abort.signal });
    abort.abort('newer request');
    const outcome = await applied;
    assert.equal(outcome.kind, 'unreachable');
    assert.ok(outcome.kind === 'unreachable' && /newer request/.test(outcome.error.message));
  });
});
