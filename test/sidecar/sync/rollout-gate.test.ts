// The syncer's step (4) with a fleet rollout (src/sidecar/sync/syncer.ts): a checked version the
// gate does not admit is held — not published, not reloaded — until applyHeld(); rollBack()
// puts the version run before back through an ordinary publish and reload. Fake publisher and
// master link, injected checks: no processes. The gate's own life before the loop exists:
// DeferredGate (src/sidecar/rollout/gate.ts).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileSetFrom, hashFileSet, type FileSet } from '../../../src/configset/fileset.ts';
import type { ReloadResult } from '../../../src/protocol/types.ts';
import type { Version } from '../../../src/sidecar/publish/publisher.ts';
import { ADMIT_ALL, DeferredGate } from '../../../src/sidecar/rollout/gate.ts';
import type { ApplyRequest, DriveOutcome } from '../../../src/sidecar/sync/drive.ts';
import type { LivePublisher } from '../../../src/sidecar/sync/reconcile.ts';
import { LastGood, type StoredRecord } from '../../../src/sidecar/sync/last-good.ts';
import { packSet } from '../../../src/configset/archive.ts';
import { Syncer, type Admission, type RolloutGate, type SyncEvents } from '../../../src/sidecar/sync/syncer.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const set = (label: string): FileSet => fileSetFrom({ 'app.conf': label });
const hash = (label: string): string => hashFileSet(set(label));

class Publisher implements LivePublisher {
  #current: Version | null = null;
  #previous: Version | null = null;
  readonly published: string[] = [];
  current = (): Version | null => this.#current;
  previous = (): Version | null => this.#previous;
  async publish(files: FileSet, h: string): Promise<{ changed: boolean }> {
    this.published.push(h);
    const changed = this.#current?.hash !== h;
    if (changed) [this.#previous, this.#current] = [this.#current, { hash: h, set: files }];
    return { changed };
  }
  async restorePrevious(): Promise<string | null> {
    return null;
  }
}

/** A master that reloads whatever it is asked to. */
class Link {
  readonly reloaded: string[] = [];
  async apply(request: ApplyRequest): Promise<DriveOutcome> {
    this.reloaded.push(request.hash);
    return { kind: 'reloaded', result: { ok: true, configHash: request.hash, generation: this.reloaded.length } as ReloadResult, running: request.hash };
  }
}

const ADMIT: Admission = { kind: 'admit' };
const HOLD: Admission = { kind: 'hold' };
const quiet = new Proxy({}, { get: () => () => undefined }) as SyncEvents;

async function setUp(gate: RolloutGate, lastGood?: LastGood) {
  const dir = await mkdtemp(join(tmpdir(), 'hotcycle-gate-'));
  dirs.push(dir);
  const publisher = new Publisher();
  const link = new Link();
  const syncer = new Syncer({
    sources: [{ name: '', dir, secret: false }], publisher, link, check: { driver: 'nginx' }, events: quiet, runChecks: async () => [], rollout: gate,
    ...(lastGood ? { lastGood } : {}),
  });
  const offer = (label: string) => syncer.request({ origin: 'api', files: set(label), reason: 'test' });
  return { syncer, publisher, link, offer };
}

test('a version the gate holds is neither published nor reloaded, until applyHeld()', async () => {
  const asked: Array<[string, string]> = [];
  let admit = true;
  const { syncer, publisher, link, offer } = await setUp({ admit: async (h, running) => (asked.push([h, running]), admit ? ADMIT : HOLD) });
  assert.equal((await offer('v1')).outcome, 'reloaded');
  admit = false;
  assert.equal((await offer('v2')).outcome, 'held');
  assert.deepEqual(asked, [[hash('v1'), ''], [hash('v2'), hash('v1')]], 'asked with what the master runs');
  assert.deepEqual(publisher.published, [hash('v1')]);
  assert.deepEqual(link.reloaded, [hash('v1')]);
  assert.equal((await syncer.applyHeld(hash('v9'))).outcome, 'unchanged', 'another hash: nothing held under it');
  const applied = await syncer.applyHeld(hash('v2'));
  assert.equal(applied.outcome, 'reloaded');
  assert.equal(applied.configHash, hash('v2'));
  assert.deepEqual(link.reloaded, [hash('v1'), hash('v2')]);
  assert.equal(syncer.state().appliedHash, hash('v2'));
  assert.equal((await syncer.applyHeld(hash('v2'))).outcome, 'unchanged', 'applied once: no longer held');
  await syncer.close();
});

test('a held version replaced by a newer one is not applied by a late applyHeld()', async () => {
  let admit = true;
  const { syncer, link, offer } = await setUp({ admit: async () => (admit ? ADMIT : HOLD) });
  await offer('v1');
  admit = false;
  await offer('v2');
  await offer('v3');
  assert.equal((await syncer.applyHeld(hash('v2'))).outcome, 'unchanged');
  assert.deepEqual(link.reloaded, [hash('v1')]);
  await syncer.close();
});

test('rollBack() publishes and reloads the version the live directory held before; any other hash does nothing', async () => {
  const { syncer, link, offer } = await setUp(ADMIT_ALL);
  await offer('v1');
  await offer('v2');
  assert.equal(syncer.previousHash(), hash('v1'));
  assert.equal((await syncer.rollBack(hash('v0'))).outcome, 'unchanged');
  const back = await syncer.rollBack(hash('v1'));
  assert.equal(back.outcome, 'reloaded');
  assert.deepEqual(link.reloaded, [hash('v1'), hash('v2'), hash('v1')]);
  assert.equal(syncer.state().appliedHash, hash('v1'));
  // The source still holds v2: the next sync of it changes nothing (it was judged already).
  assert.equal((await offer('v2')).outcome, 'unchanged');
  assert.deepEqual(link.reloaded, [hash('v1'), hash('v2'), hash('v1')]);
  await syncer.close();
});

test('(8) with a rollout, a version is kept as the last good config only once the rollout says it is proven', async () => {
  const stored: string[] = [];
  const lastGood = new LastGood({ events: { notStored: () => undefined, unavailable: () => undefined } });
  lastGood.attach({ name: 'test/last-good', read: async () => null, write: (record: StoredRecord) => void stored.push(record.configHash) });
  const proven = new Set([hash('v1')]);
  const { syncer, offer } = await setUp({ ...ADMIT_ALL, proven: (h) => proven.has(h) }, lastGood);
  await offer('v1');
  await offer('v2');
  assert.deepEqual(stored, [hash('v1')], 'v2 runs, but the rollout still judges it');
  proven.add(hash('v2'));
  assert.equal((await offer('v2')).outcome, 'unchanged', 'the same version again: any sync settles (8)');
  assert.deepEqual(stored, [hash('v1'), hash('v2')], 'kept by the next sync once judged healthy');
  await syncer.close();
});

test('(8) a pod that starts while its source holds a version the rollout marked bad serves the last good config, and says why', async () => {
  const lastGood = new LastGood({ events: { notStored: () => undefined, unavailable: () => undefined } });
  lastGood.attach({
    name: 'test/last-good', write: () => undefined,
    read: async () => ({ archive: await packSet(set('good')), configHash: hash('good'), generation: 3, storedAt: '2026-12-07T00:00:00.000Z' }),
  });
  let verdict: Admission = { kind: 'bad', reason: 'probe: success ratio 0.00 < 0.95 (0/4 probes ok, 4 5xx)' };
  const { syncer, publisher, link, offer } = await setUp({ admit: async () => verdict }, lastGood);
  const first = await offer('harmful');
  assert.equal(first.outcome, 'held');
  assert.equal(first.lastGood?.configHash, hash('good'));
  assert.deepEqual(publisher.published, [hash('good')], 'never the bad version');
  assert.deepEqual(link.reloaded, [hash('good')]);
  assert.deepEqual(lastGood.state().running && { instead: lastGood.state().running?.instead, why: lastGood.state().running?.why }, {
    instead: hash('harmful'), why: 'is marked bad in the fleet rollout (probe: success ratio 0.00 < 0.95 (0/4 probes ok, 4 5xx))',
  });
  // The next version admitted moves the pod on, as after any fallback.
  verdict = { kind: 'admit' };
  assert.equal((await offer('fixed')).outcome, 'reloaded');
  assert.equal(syncer.state().appliedHash, hash('fixed'));
  assert.equal(lastGood.state().running, undefined);
  await syncer.close();
});

test('(8) a version held for its turn is not a reason to fall back: the pod keeps what it runs', async () => {
  const lastGood = new LastGood({ events: { notStored: () => undefined, unavailable: () => undefined } });
  let reads = 0;
  lastGood.attach({ name: 'test/last-good', write: () => undefined, read: async () => (reads++, null) });
  let admission: Admission = { kind: 'admit' };
  const { link, offer } = await setUp({ admit: async () => admission }, lastGood);
  await offer('v1');
  admission = { kind: 'hold' };
  assert.equal((await offer('v2')).outcome, 'held');
  assert.deepEqual(link.reloaded, [hash('v1')]);
  assert.equal(reads, 0, 'the Secret is not even read');
});

test('DeferredGate: every question waits for the loop, which answers it', async () => {
  const gate = new DeferredGate();
  assert.equal(gate.proven('v1'), true, 'no loop yet: nothing ran, nothing in question');
  const asked: Array<[string, string]> = [];
  const early = gate.admit('v1', '');
  let answered = false;
  void early.then(() => { answered = true; });
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(answered, false, 'a pod starting before the loop exists does not start on its source unasked');
  gate.attach({ admit: async (h, r) => (asked.push([h, r]), { kind: 'bad', reason: 'probe: 5xx' }), proven: (h) => h === 'v1' });
  assert.deepEqual(await early, { kind: 'bad', reason: 'probe: 5xx' });
  assert.deepEqual([gate.proven('v1'), gate.proven('v2')], [true, false], 'then the loop answers');
  assert.deepEqual(await gate.admit('v2', 'v1'), { kind: 'bad', reason: 'probe: 5xx' });
  assert.deepEqual(asked, [['v1', ''], ['v2', 'v1']]);
});
