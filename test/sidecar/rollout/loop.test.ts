// The rollout's loop (src/sidecar/rollout/loop.ts) against an in-memory Lease with a
// resourceVersion (a write carrying an old one is a conflict, as the API server's 409), a fake
// syncer and master: the whole protocol of one pod, deterministic and fast. The real store and
// several real pods: test/cluster/rollout.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../../src/log.ts';
import type { MasterStatus } from '../../../src/protocol/types.ts';
import type { HarmSignal } from '../../../src/sidecar/rollout/judge.ts';
import { NO_ROLLOUT, type RolloutPhase, type RolloutState } from '../../../src/sidecar/rollout/lease.ts';
import { RolloutLoop, type RolloutSyncer } from '../../../src/sidecar/rollout/loop.ts';
import type { RolloutEvents } from '../../../src/sidecar/rollout/report.ts';
import type { LeaseSnapshot } from '../../../src/sidecar/rollout/store.ts';

class MemoryLease {
  readonly name = 'test/web-rollout';
  state: RolloutState = NO_ROLLOUT;
  rv = 1;
  writes = 0;
  conflicts = 0;
  /** Runs before the next write lands: another pod's write in between. */
  beforeWrite: (() => void) | null = null;
  #changed: Array<() => void> = [];

  /** While set, a read waits for it: the store retrying through an API server outage. */
  outage: Promise<void> | null = null;

  async read(): Promise<LeaseSnapshot> {
    await this.outage;
    return { state: this.state, lease: { metadata: { resourceVersion: String(this.rv) } } };
  }

  async write(read: LeaseSnapshot, next: RolloutState): Promise<LeaseSnapshot | 'conflict'> {
    const other = this.beforeWrite;
    this.beforeWrite = null;
    other?.();
    if (read.lease.metadata?.resourceVersion !== String(this.rv)) {
      this.conflicts++;
      return 'conflict';
    }
    this.put(next);
    this.writes++;
    return { state: next, lease: { metadata: { resourceVersion: String(this.rv) } } };
  }

  /** Another writer (or this one): a new state, a new resourceVersion. */
  put(next: RolloutState): void {
    this.state = next;
    this.rv++;
    for (const resolve of this.#changed.splice(0)) resolve();
  }

  /** Resolves once the state satisfies `match` (checked on every write). */
  async until(match: (s: RolloutState) => boolean): Promise<RolloutState> {
    while (!match(this.state)) await new Promise<void>((resolve) => this.#changed.push(resolve));
    return this.state;
  }
}

class FakeSyncer implements RolloutSyncer {
  running = 'v1';
  previous = 'v0';
  readonly calls: string[] = [];
  loop: RolloutLoop | null = null;
  failReload = false;

  async applyHeld(hash: string): Promise<{ configHash: string }> {
    this.calls.push(`apply ${hash}`);
    queueMicrotask(() => {
      if (this.failReload) return this.loop?.reloaded(hash, 'reload failed in ready: a worker exited');
      [this.previous, this.running] = [this.running, hash];
      this.loop?.reloaded(hash, null);
    });
    return { configHash: hash };
  }

  async rollBack(hash: string): Promise<{ configHash: string }> {
    this.calls.push(`roll-back ${hash}`);
    [this.previous, this.running] = [this.running, hash];
    return { configHash: hash };
  }

  previousHash = (): string => this.previous;
  state = (): { appliedHash: string } => ({ appliedHash: this.running });
}

class Events implements RolloutEvents {
  readonly log: string[] = [];
  phase(_phase: RolloutPhase): void {}
  started(hash: string): void {
    this.log.push(`started ${hash}`);
  }
  completed(hash: string): void {
    this.log.push(`completed ${hash}`);
  }
  aborted(hash: string, signal: HarmSignal, figures: string, serving: string): void {
    this.log.push(`aborted ${hash} ${signal}: ${figures}; back to ${serving}`);
  }
  held(): void {}
  role(change: string, hash: string): void {
    this.log.push(`${change} ${hash}`);
  }
  failed(message: string): void {
    this.log.push(`failed ${message}`);
  }
}

function start(lease: MemoryLease, master: Partial<MasterStatus> = { generations: [] }, bakeMs = 100) {
  const syncer = new FakeSyncer();
  const events = new Events();
  const loop = new RolloutLoop({
    store: lease, pod: 'pod-a', bakeMs, waveBakeMs: 50, probe: null, readiness: null, syncer, events, logger: silentLogger(),
    limits: { maxInFlight: 1, slotTimeoutMs: 3000, renewEveryMs: 1000 },
    master: { status: async () => master as MasterStatus },
  });
  syncer.loop = loop;
  return { loop, syncer, events };
}

test('alone: a held version is started (this pod its canary), applied, baked, released, done', async () => {
  const lease = new MemoryLease();
  const { loop, syncer, events } = start(lease);
  assert.deepEqual(await loop.admit('v2', 'v1'), { kind: 'hold' }, 'held until its turn');
  const done = await lease.until((s) => s.phase === 'done' && s.version === 'v2');
  assert.deepEqual(done.applied, ['pod-a']);
  assert.equal(done.canary, null);
  assert.deepEqual(syncer.calls, ['apply v2']);
  assert.deepEqual(events.log, ['started v2', 'released its role, healthy v2', 'completed v2']);
  assert.deepEqual(await loop.admit('v2', 'v1'), { kind: 'admit' }, 'the version it was told to apply passes the gate');
  assert.equal(loop.proven('v2'), true, 'judged healthy: may be kept as the last good config');
  await loop.close();
  await loop.close();
});

test('the canary role taken over a version the pod already runs (it started on it: a replacement pod mid-rollout) is baked in place and released', { timeout: 10_000 }, async () => {
  const lease = new MemoryLease();
  // The canary of v2 is gone (its role freed); this pod started on v2, its source's version.
  lease.put({ ...NO_ROLLOUT, version: 'v2', phase: 'canary', startedAt: new Date().toISOString() });
  const { loop, syncer, events } = start(lease);
  [syncer.previous, syncer.running] = ['', 'v2'];
  assert.deepEqual(await loop.admit('v2', 'v2'), { kind: 'admit' });
  const done = await lease.until((s) => s.phase === 'done');
  assert.deepEqual(done.applied, ['pod-a']);
  assert.deepEqual(syncer.calls, [], 'nothing to apply: it runs v2 already');
  assert.deepEqual(events.log, ['took the canary role v2', 'released its role, healthy v2', 'completed v2']);
  await loop.close();
});

test('back from an API server outage longer than slotTimeout, the other members are not taken for dead: no done without them', { timeout: 15_000 }, async () => {
  const lease = new MemoryLease();
  const now = new Date().toISOString();
  const member = (pod: string) => ({ pod, since: now, renewedAt: now });
  lease.put({ ...NO_ROLLOUT, version: 'v2', phase: 'waves', startedAt: now, applied: ['pod-a'], members: [member('pod-a'), member('pod-b')] });
  const { loop, syncer, events } = start(lease);
  [syncer.previous, syncer.running] = ['v1', 'v2'];
  await loop.admit('v2', 'v2');
  let end!: () => void;
  lease.outage = new Promise((resolve) => { end = resolve; });
  await sleep(3500); // the outage: longer than slotTimeout (3 s); no pod renews meanwhile
  const back = new Date().toISOString();
  lease.outage = null;
  end();
  await lease.until((s) => (s.members.find((m) => m.pod === 'pod-a')?.renewedAt ?? '') >= back);
  assert.equal(lease.state.phase, 'waves', 'pod-b, silent only while nobody could write, is still a member');
  lease.put({ ...lease.state, applied: ['pod-a', 'pod-b'], members: lease.state.members.map((m) => (m.pod === 'pod-b' ? member('pod-b') : m)) });
  await lease.until((s) => s.phase === 'done');
  assert.deepEqual(events.log, ['completed v2']);
  await loop.close();
});

test('a write that lost the race (409) is decided again on what the other pod wrote', async () => {
  const lease = new MemoryLease();
  const { loop, syncer, events } = start(lease);
  const now = new Date().toISOString();
  // pod-b starts the same rollout between this pod's read and its write.
  lease.beforeWrite = () => lease.put({
    ...NO_ROLLOUT, version: 'v2', phase: 'canary', startedAt: now, canary: { pod: 'pod-b', since: now, renewedAt: now },
    members: [{ pod: 'pod-b', since: now, renewedAt: now }],
  });
  void loop.admit('v2', 'v1');
  await lease.until((s) => s.members.some((m) => m.pod === 'pod-a'));
  assert.equal(lease.conflicts, 1);
  assert.equal(lease.state.canary?.pod, 'pod-b', 'the canary role stays with the pod that won');
  assert.deepEqual(syncer.calls, [], 'nothing applied while pod-b bakes');
  assert.equal(loop.status().role, 'held');
  // pod-b releases it healthy: this pod takes the slot, applies, bakes, releases; the rollout is done.
  lease.put({ ...lease.state, phase: 'waves', canary: null, applied: ['pod-b'], members: lease.state.members.filter((m) => m.pod !== 'pod-b') });
  loop.kick();
  const done = await lease.until((s) => s.phase === 'done');
  assert.deepEqual(done.applied, ['pod-b', 'pod-a']);
  assert.deepEqual(syncer.calls, ['apply v2']);
  assert.deepEqual(events.log, ['took a wave slot v2', 'released its role, healthy v2', 'completed v2']);
  await loop.close();
});

test('harmed (a worker of the new generation exited): marked bad, rolled back, never admitted again', async () => {
  const lease = new MemoryLease();
  const generation = { generation: 2, configHash: 'v2', state: 'current', since: '', restarts: 0, crashLoop: false, workers: [{ pid: 1, generation: 2, slot: 0, state: 'failed', since: '' }] };
  const { loop, syncer, events } = start(lease, { generations: [generation] });
  void loop.admit('v2', 'v1');
  const aborted = await lease.until((s) => s.phase === 'aborted');
  assert.deepEqual(aborted.bad.map((b) => [b.hash, b.reason]), [['v2', 'workers: 1 worker exit in the new generation']]);
  await new Promise<void>((resolve) => { const check = () => (syncer.calls.length === 2 ? resolve() : setImmediate(check)); check(); });
  assert.deepEqual(syncer.calls, ['apply v2', 'roll-back v1']);
  assert.equal(syncer.running, 'v1');
  assert.deepEqual(events.log, ['started v2', 'aborted v2 workers: 1 worker exit in the new generation; back to v1']);
  assert.deepEqual(await loop.admit('v2', 'v1'), { kind: 'bad', reason: 'workers: 1 worker exit in the new generation' }, 'a bad version never passes the gate');
  assert.equal(loop.proven('v2'), false, 'nor is it kept as the last good config');
  await loop.close();
});

test('a reload the master rejected is a harm: marked bad; nothing to roll back (the master still runs v1, and says so)', async () => {
  const lease = new MemoryLease();
  const { loop, syncer, events } = start(lease);
  syncer.failReload = true;
  void loop.admit('v2', 'v1');
  const aborted = await lease.until((s) => s.phase === 'aborted');
  assert.equal(aborted.bad[0]?.reason, 'reload: reload failed in ready: a worker exited');
  assert.deepEqual(syncer.calls, ['apply v2']);
  assert.equal(events.log[1], 'aborted v2 reload: reload failed in ready: a worker exited; back to v1');
  await loop.close();
});

test('a version still baking here is not kept as the last good config', async () => {
  const lease = new MemoryLease();
  const { loop } = start(lease, { generations: [] }, 60_000);
  void loop.admit('v2', 'v1');
  await lease.until((s) => s.phase === 'baking');
  assert.equal(loop.proven('v2'), false);
  assert.equal(loop.proven('v1'), true, 'what it ran before is not in question');
  await loop.close();
});
