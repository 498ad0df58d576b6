// The Syncer with a fake publisher, a fake master link and injected checks: no processes, no
// sockets. Each row runs a few syncs and asserts every outcome and everything the loop told the
// outside world, so each SyncOutcome is produced (and its side effects pinned) by one row.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Diagnostic } from '../../../src/diagnostic.ts';
import { fileSetFrom, hashFileSet, type FileSet } from '../../../src/configset/fileset.ts';
import { HotcycleError } from '../../../src/errors.ts';
import type { SyncOutcome } from '../../../src/protocol/sidecar.ts';
import type { MasterStatus, ReloadResult } from '../../../src/protocol/types.ts';
import type { ApplyRequest, DriveOutcome } from '../../../src/sidecar/sync/drive.ts';
import type { Version } from '../../../src/sidecar/publish/publisher.ts';
import type { LivePublisher } from '../../../src/sidecar/sync/reconcile.ts';
import { decideVersion, NOTHING_SEEN, noteSeen, type VersionDecision, type VersionRead } from '../../../src/sidecar/sync/decision.ts';
import { Syncer, type SyncEvents } from '../../../src/sidecar/sync/syncer.ts';
import { LastGood, SECRET_LIMIT_BYTES, type LastGoodStore, type StoredRecord } from '../../../src/sidecar/sync/last-good.ts';
import { packSet } from '../../../src/configset/archive.ts';

/** How the fake master answers one apply: already running it, reloaded, rejected, died, away. */
type Answer = 'current' | 'ok' | 'fail' | 'interrupted' | 'unreachable';
/** `bad-only`: findings for the versions labelled bad…, the others pass. */
type Checks = 'ok' | 'findings' | 'throw' | 'bad-only';

interface Sync {
  /** The version's one file's content: its label in the log. */
  version: string;
  origin?: 'api' | 'volume';
  answers?: Answer[];
  checks?: Checks;
  publishFails?: boolean;
  force?: boolean;
}

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const set = (label: string): FileSet => fileSetFrom({ 'app.conf': label });
const labels = new Map<string, string>();
const label = (hash: string): string => labels.get(hash) ?? (hash ? 'unknown' : '');

class FakePublisher implements LivePublisher {
  #current: Version | null = null;
  #previous: Version | null = null;
  failNext = false;

  current = (): Version | null => this.#current;
  previous = (): Version | null => this.#previous;

  async publish(files: FileSet, hash: string): Promise<{ changed: boolean }> {
    if (this.failNext) throw new HotcycleError('publish', 'ENOSPC', 'no space left');
    const changed = this.#current?.hash !== hash;
    if (changed) [this.#previous, this.#current] = [this.#current, { hash, set: files }];
    return { changed };
  }

  async restorePrevious(): Promise<string | null> {
    const back = this.#previous;
    if (!back) return null;
    [this.#current, this.#previous] = [back, null];
    return back.hash;
  }
}

class FakeLink {
  running = '';
  answers: Answer[] = [];

  async apply(request: ApplyRequest): Promise<DriveOutcome> {
    const answer = this.answers.shift();
    assert.ok(answer, `unexpected apply of ${label(request.hash)}`);
    const error = { phase: 'control' as const, code: 'ECONNREFUSED' as const, message: 'gone' };
    if (answer === 'interrupted') return { kind: 'interrupted', error };
    if (answer === 'unreachable') return { kind: 'unreachable', error };
    if (answer === 'current') {
      this.running = request.hash;
      return { kind: 'current', status: { configHash: request.hash } as MasterStatus };
    }
    if (answer === 'ok') this.running = request.hash;
    const result = { ok: answer === 'ok', configHash: request.hash, ...(answer === 'fail' ? { error: { phase: 'ready', code: 'EWORKEREXIT', message: 'exited' } } : {}) };
    return { kind: 'reloaded', result: result as ReloadResult, running: this.running || null };
  }
}

function recorder(log: string[]): SyncEvents {
  return {
    rejected: (hash) => log.push(`rejected ${label(hash)}`),
    checkFailed: (r) => log.push(`check-failed ${label(r.configHash)} ${r.error.code} attempt ${r.attempts}`),
    published: (hash, changed) => log.push(`published ${label(hash)}${changed ? '' : ' (unchanged)'}`),
    applied: (hash) => log.push(`applied ${label(hash)}`),
    reloaded: (result) => log.push(`reloaded ${label(result.configHash)}`),
    reloadFailed: (result, after) => log.push(`reload-failed ${label(result.configHash)} ${after.kind}${after.kind === 'restored' ? ` ${label(after.hash)}` : ''}`),
    missed: (hash) => log.push(`missed ${label(hash)}`),
    unreachable: (hash, error) => log.push(`unreachable ${label(hash)} ${error.code}`),
    failed: (hash, error) => log.push(`failed ${label(hash)} ${error.code}`),
    runningLastGood: (lastGood) => log.push(`running-last-good ${label(lastGood.running?.configHash ?? '')} instead of ${label(lastGood.running?.instead ?? '')}`),
    lastGoodRejected: (hash) => log.push(`last-good-rejected ${label(hash)}`),
    leftLastGood: (hash) => log.push(`left-last-good for ${label(hash)}`),
  };
}

/** The release's Secret as a map; `readFails` makes the next reads fail, as an API server away would. */
class FakeStore implements LastGoodStore {
  readonly name = 'test/last-good';
  record: StoredRecord | null = null;
  readFails = 0;
  writes = 0;

  async read(): Promise<StoredRecord | null> {
    if (this.readFails > 0) {
      this.readFails--;
      throw new HotcycleError('publish', 'ELASTGOOD', 'cannot read Secret test/last-good: no answer');
    }
    return this.record;
  }

  write(record: StoredRecord): void {
    this.writes++;
    this.record = record;
  }

  async hold(label: string, generation = 7): Promise<void> {
    const files = set(label);
    labels.set(hashFileSet(files), label);
    this.record = { archive: await packSet(files), configHash: hashFileSet(files), generation, storedAt: '2026-11-26T00:00:00.000Z' };
  }
}

async function run(syncs: Sync[], store?: FakeStore) {
  const sourceDir = await mkdtemp(join(tmpdir(), 'hotcycle-syncer-'));
  dirs.push(sourceDir);
  const log: string[] = [];
  const publisher = new FakePublisher();
  const link = new FakeLink();
  let checks: Checks = 'ok';
  const runChecks = async (files: FileSet): Promise<Diagnostic[]> => {
    if (checks === 'throw') throw new HotcycleError('check', 'ESCRATCH', 'read-only file system');
    const findings = checks === 'findings' || (checks === 'bad-only' && label(hashFileSet(files)).startsWith('bad'));
    return findings ? [{ file: 'app.conf', line: 1, column: 1, message: 'bad', source: 'test' }] : [];
  };
  const lastGood = store ? new LastGood({ events: { notStored: (hash, bytes) => log.push(`not-stored ${label(hash)} ${bytes > SECRET_LIMIT_BYTES}`), unavailable: (e) => log.push(`unavailable ${e.code}`) } }) : undefined;
  if (store) lastGood?.attach(store);
  // A long check retry: the rows drive every retry themselves.
  const syncer = new Syncer({
    sources: [{ name: '', dir: sourceDir, secret: false }], publisher, link, check: { driver: 'nginx' }, events: recorder(log), runChecks, checkRetry: { backoffMs: 60_000, maxBackoffMs: 60_000 },
    ...(lastGood ? { lastGood } : {}),
  });
  const outcomes: SyncOutcome[] = [];
  for (const sync of syncs) {
    const files = set(sync.version);
    labels.set(hashFileSet(files), sync.version);
    checks = sync.checks ?? 'ok';
    publisher.failNext = sync.publishFails ?? false;
    link.answers = [...(sync.answers ?? [])];
    if (sync.origin === 'volume') await writeFile(join(sourceDir, 'app.conf'), sync.version);
    const result = await syncer.request(sync.origin === 'volume'
      ? { origin: 'volume', reason: 'test', force: sync.force }
      : { origin: 'api', files, reason: 'test', force: sync.force });
    outcomes.push(result.outcome);
    assert.deepEqual(link.answers, [], `every answer of the ${sync.version} sync was used`);
  }
  await syncer.close();
  return { outcomes, log, state: syncer.state(), lag: syncer.lag(), live: label(publisher.current()?.hash ?? ''), lastGood: lastGood?.state() };
}

const cases: { name: string; syncs: Sync[]; outcomes: SyncOutcome[]; log: string[]; live: string }[] = [
  { name: 'a new version is published and reloaded', syncs: [{ version: 'v1', answers: ['ok'] }],
    outcomes: ['reloaded'], log: ['published v1', 'reloaded v1'], live: 'v1' },
  { name: 'the master already runs it', syncs: [{ version: 'v1', answers: ['current'] }],
    outcomes: ['applied'], log: ['published v1', 'applied v1'], live: 'v1' },
  { name: 'the same version again does nothing', syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v1' }],
    outcomes: ['reloaded', 'unchanged'], log: ['published v1', 'reloaded v1'], live: 'v1' },
  { name: 'a volume version the API superseded is stale',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', answers: ['ok'] }, { version: 'v1', origin: 'volume' }],
    outcomes: ['reloaded', 'reloaded', 'stale'], log: ['published v1', 'reloaded v1', 'published v2', 'reloaded v2'], live: 'v2' },
  { name: 'findings reject a version; the live one stays', syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'bad', checks: 'findings' }],
    outcomes: ['reloaded', 'rejected'], log: ['published v1', 'reloaded v1', 'rejected bad'], live: 'v1' },
  { name: 'checks that cannot run judge nothing: the same version is checked again and goes through',
    syncs: [{ version: 'v1', checks: 'throw' }, { version: 'v1', checks: 'throw' }, { version: 'v1', answers: ['ok'] }],
    outcomes: ['check-failed', 'check-failed', 'reloaded'],
    log: ['check-failed v1 ESCRATCH attempt 1', 'check-failed v1 ESCRATCH attempt 2', 'published v1', 'reloaded v1'], live: 'v1' },
  { name: 'a version read after one whose checks could not run supersedes it: the older one is not retried',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', checks: 'throw' }, { version: 'v1' }],
    outcomes: ['reloaded', 'check-failed', 'unchanged'], log: ['published v1', 'reloaded v1', 'check-failed v2 ESCRATCH attempt 1'], live: 'v1' },
  { name: 'a rejected reload restores the previous version, and is not retried',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', answers: ['fail'] }, { version: 'v3', answers: ['ok'] }, { version: 'v2' }],
    outcomes: ['reloaded', 'reload-failed', 'reloaded', 'not-retried'],
    log: ['published v1', 'reloaded v1', 'published v2', 'reload-failed v2 restored v1', 'published v3', 'reloaded v3'], live: 'v3' },
  { name: 'forced, a rejected version is tried again',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', answers: ['fail'] }, { version: 'v2', force: true, answers: ['ok'] }],
    outcomes: ['reloaded', 'reload-failed', 'reloaded'],
    log: ['published v1', 'reloaded v1', 'published v2', 'reload-failed v2 restored v1', 'published v2', 'reloaded v2'], live: 'v2' },
  { name: 'a master away leaves the version published, and a later sync reloads it',
    syncs: [{ version: 'v1', answers: ['unreachable'] }, { version: 'v1', answers: ['ok'] }],
    outcomes: ['published', 'reloaded'], log: ['published v1', 'unreachable v1 ECONNREFUSED', 'reloaded v1'], live: 'v1' },
  { name: 'a failed publish is published again by the next sync, without a new check',
    syncs: [{ version: 'v1', publishFails: true }, { version: 'v1', answers: ['ok'] }],
    outcomes: ['error', 'reloaded'], log: ['failed v1 ENOSPC', 'published v1', 'reloaded v1'], live: 'v1' },
  { name: 'the master died mid-cycle and came back on the previous version: the interrupted one is published and reloaded once more',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', answers: ['interrupted', 'current', 'ok'] }],
    outcomes: ['reloaded', 'reloaded'],
    log: ['published v1', 'reloaded v1', 'published v2', 'unreachable v2 EINTERRUPTED', 'published v2', 'reloaded v2'], live: 'v2' },
  { name: 'the master died mid-cycle and is not back: the previous version stays live until a later sync',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', answers: ['interrupted', 'unreachable'] }, { version: 'v2', answers: ['ok'] }],
    outcomes: ['reloaded', 'interrupted', 'reloaded'],
    log: ['published v1', 'reloaded v1', 'published v2', 'unreachable v2 EINTERRUPTED', 'published v2', 'reloaded v2'], live: 'v2' },
];

describe('Syncer: every outcome, by table', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { outcomes, log, live } = await run(c.syncs);
      assert.deepEqual(outcomes, c.outcomes);
      assert.deepEqual(log, c.log);
      assert.equal(live, c.live);
    });
  }
});

test('Syncer: a version whose checks could not run shows in status until its checks run', async () => {
  const failing = await run([{ version: 'v1', checks: 'throw' }]);
  assert.equal(failing.state.checkError?.error.code, 'ESCRATCH');
  assert.equal(label(failing.state.checkError?.configHash ?? ''), 'v1');
  assert.equal(failing.state.checkError?.retryInMs, 60_000);
  const passed = await run([{ version: 'v1', checks: 'throw' }, { version: 'v1', answers: ['ok'] }]);
  assert.equal(passed.state.checkError, undefined);
  const superseded = await run([{ version: 'v1', answers: ['ok'] }, { version: 'v2', checks: 'throw' }, { version: 'v1' }]);
  assert.equal(superseded.state.checkError, undefined, 'no retry of v2 is pending');
});

// lag(): what hotcycle_config_source_rejected and hotcycle_config_behind_source export (the chart's
// HotcycleConfigRejected and HotcycleConfigBehindSource alerts).
const lagCases: { name: string; syncs: Sync[]; sourceRejected: boolean; behindSource: boolean }[] = [
  { name: 'nothing read yet', syncs: [], sourceRejected: false, behindSource: false },
  { name: 'the master runs the newest version', syncs: [{ version: 'v1', answers: ['ok'] }], sourceRejected: false, behindSource: false },
  { name: 'the newest version rejected by the checks: the master runs an older one',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'bad', checks: 'findings' }], sourceRejected: true, behindSource: true },
  { name: 'the source fixed after a rejection', syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'bad', checks: 'findings' }, { version: 'v2', answers: ['ok'] }],
    sourceRejected: false, behindSource: false },
  { name: 'the source back to the running version after a rejection', syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'bad', checks: 'findings' }, { version: 'v1' }],
    sourceRejected: false, behindSource: false },
  { name: 'the master rejected the newest version', syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', answers: ['fail'] }],
    sourceRejected: false, behindSource: true },
  { name: 'the newest version published, the master away', syncs: [{ version: 'v1', answers: ['unreachable'] }], sourceRejected: false, behindSource: true },
  { name: "the newest version's checks cannot run", syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'v2', checks: 'throw' }],
    sourceRejected: false, behindSource: true },
];

describe('Syncer.lag: the newest version rejected, the master behind it', () => {
  for (const c of lagCases) {
    test(c.name, async () => {
      const { lag, state } = await run(c.syncs);
      assert.deepEqual(lag, { sourceRejected: c.sourceRejected, behindSource: c.behindSource, appliedHash: state.appliedHash });
    });
  }
});

// Step (8). Each row is a pod's sidecar from its start: `held` is what the release's Secret holds
// then (a pod before it stored it); `stored` what it holds at the end.
const lastGoodCases: { name: string; held?: string; readFails?: number; syncs: Sync[]; outcomes: SyncOutcome[]; log: string[]; live: string; stored: string; running?: string }[] = [
  { name: 'each version the master runs is stored: started on, then reloaded to', held: 'v0',
    syncs: [{ version: 'v1', answers: ['current'] }, { version: 'v2', answers: ['ok'] }],
    outcomes: ['applied', 'reloaded'],
    log: ['published v1', 'applied v1', 'published v2', 'reloaded v2'], live: 'v2', stored: 'v2' },
  { name: 'a pod whose source is rejected by the checks at start publishes the stored version and says so', held: 'good',
    syncs: [{ version: 'bad', checks: 'bad-only', answers: ['current'] }],
    outcomes: ['rejected'], log: ['rejected bad', 'running-last-good good instead of bad', 'published good', 'applied good'], live: 'good', stored: 'good', running: 'good' },
  { name: 'a pod whose source the master rejects while it serves nothing publishes the stored version', held: 'good',
    syncs: [{ version: 'v1', answers: ['fail', 'ok'] }],
    outcomes: ['reload-failed'], log: ['published v1', 'reload-failed v1 kept', 'running-last-good good instead of v1', 'published good', 'reloaded good'],
    live: 'good', stored: 'good', running: 'good' },
  { name: 'the source fixed, the pod moves on and stores the new version', held: 'good',
    syncs: [{ version: 'bad', checks: 'bad-only', answers: ['current'] }, { version: 'v2', answers: ['ok'] }],
    outcomes: ['rejected', 'reloaded'],
    log: ['rejected bad', 'running-last-good good instead of bad', 'published good', 'applied good', 'published v2', 'reloaded v2', 'left-last-good for v2'],
    live: 'v2', stored: 'v2' },
  { name: 'a pod that serves a version keeps it when the next is rejected: no fallback', held: 'good',
    syncs: [{ version: 'v1', answers: ['ok'] }, { version: 'bad', checks: 'bad-only' }],
    outcomes: ['reloaded', 'rejected'], log: ['published v1', 'reloaded v1', 'rejected bad'], live: 'v1', stored: 'v1' },
  { name: 'a stored version that fails the checks is not published', held: 'bad-old',
    syncs: [{ version: 'bad', checks: 'bad-only' }],
    outcomes: ['rejected'], log: ['rejected bad', 'last-good-rejected bad-old'], live: '', stored: 'bad-old' },
  { name: 'nothing stored: nothing to fall back on', syncs: [{ version: 'bad', checks: 'bad-only' }],
    outcomes: ['rejected'], log: ['rejected bad'], live: '', stored: '' },
  { name: 'a Secret that cannot be read is read again at the next sync', held: 'good', readFails: 1,
    syncs: [{ version: 'bad', checks: 'bad-only' }, { version: 'bad', checks: 'bad-only', answers: ['current'] }],
    outcomes: ['rejected', 'unchanged'],
    log: ['rejected bad', 'unavailable ELASTGOOD', 'running-last-good good instead of bad', 'published good', 'applied good'], live: 'good', stored: 'good', running: 'good' },
];

describe('Syncer: the last good config, by table', () => {
  for (const c of lastGoodCases) {
    test(c.name, async () => {
      const store = new FakeStore();
      if (c.held) await store.hold(c.held);
      store.readFails = c.readFails ?? 0;
      const { outcomes, log, live, lastGood } = await run(c.syncs, store);
      assert.deepEqual(outcomes, c.outcomes);
      assert.deepEqual(log, c.log);
      assert.equal(live, c.live);
      assert.equal(label(store.record?.configHash ?? ''), c.stored);
      assert.equal(label(lastGood?.running?.configHash ?? ''), c.running ?? '');
    });
  }

  test('a version too large for the Secret is not stored, and that is reported once', async () => {
    const store = new FakeStore();
    const huge = fileSetFrom({ 'blob.bin': (await import('node:crypto')).randomBytes(SECRET_LIMIT_BYTES + 1024) });
    const lastGood = new LastGood({ events: { notStored: (_hash, bytes) => notes.push(bytes), unavailable: () => assert.fail('no read') } });
    const notes: number[] = [];
    lastGood.attach(store);
    await lastGood.remember({ hash: hashFileSet(huge), set: huge }, 3);
    await lastGood.remember({ hash: hashFileSet(huge), set: huge }, 3);
    assert.equal(store.writes, 0);
    assert.equal(notes.length, 1);
    assert.ok(notes[0]! > SECRET_LIMIT_BYTES, `${notes[0]} bytes packed`);
    assert.equal(lastGood.state().notStored, hashFileSet(huge));
  });
});

describe('decideVersion', () => {
  const seen = { volume: 'v1', api: 'a2', last: 'a2' };
  const read: VersionRead = { origin: 'volume', hash: 'v1', force: false, resync: false, superseded: false };
  const cases: [string, Partial<VersionRead>, VersionDecision][] = [
    ['the same volume version', {}, { kind: 'unchanged', missed: false }],
    ['a new volume version', { hash: 'v2' }, { kind: 'check', missed: false }],
    ['a new volume version found by the re-hash was missed', { hash: 'v2', resync: true }, { kind: 'check', missed: true }],
    ['the volume catching up with what the API delivered', { hash: 'a2' }, { kind: 'unchanged', missed: false }],
    ['a volume version the API superseded', { hash: 'a1', superseded: true }, { kind: 'stale' }],
    ['forced, even a superseded one is checked', { hash: 'a1', superseded: true, force: true }, { kind: 'check', missed: false }],
    ['forced, the same version is checked again', { force: true }, { kind: 'check', missed: false }],
    ['the same API version', { origin: 'api', hash: 'a2' }, { kind: 'unchanged', missed: false }],
  ];
  for (const [name, change, expected] of cases) {
    test(name, () => assert.deepEqual(decideVersion(seen, { ...read, ...change }), expected));
  }

  test('a version is remembered as judged only when its checks ran', () => {
    assert.deepEqual(noteSeen(NOTHING_SEEN, 'api', 'a1', false), { volume: '', api: 'a1', last: '' });
    assert.deepEqual(noteSeen(NOTHING_SEEN, 'volume', 'v1', true), { volume: 'v1', api: '', last: 'v1' });
  });
});
