// The tracker behind the Pod condition (src/sidecar/report/condition-tracker.ts): the facts read
// from the syncer and the rollout, the whys told by the outcomes (from the sidecar's start), a
// decision after each outcome and on its timer, a write only when the condition changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigApplied } from '../../../src/sidecar/report/condition.ts';
import { ConditionTracker } from '../../../src/sidecar/report/condition-tracker.ts';

const A = 'a1'.repeat(32);
const B = 'b2'.repeat(32);

function pod() {
  const facts = { sourceHash: A, appliedHash: A, publishedHash: A, failedHashes: [] as string[], lastResults: [], sourceRejected: false };
  const syncer = { state: () => ({ ...facts }), lag: () => ({ sourceRejected: facts.sourceRejected, behindSource: facts.sourceHash !== facts.appliedHash, appliedHash: facts.appliedHash }) };
  const written: ConfigApplied[] = [];
  let wrote: (() => void) | undefined;
  const nextWrite = () => new Promise<void>((resolve) => { wrote = resolve; });
  const write = (c: ConfigApplied) => {
    written.push(c);
    wrote?.();
  };
  return { facts, syncer, lastGood: { running: null }, written, write, nextWrite };
}

test('a finding told before start() is the message once it starts; the same condition is written once', async () => {
  const p = pod();
  const tracker = new ConditionTracker({ syncer: p.syncer, lastGood: p.lastGood });
  Object.assign(p.facts, { sourceHash: B, sourceRejected: true });
  tracker.rejected(B, { text: 'hotcycle.yaml:2:1: duplicate key "workers"', tail: '' });
  tracker.changed();
  await Promise.resolve();
  assert.deepEqual(p.written, [], 'nothing is decided before start()');
  tracker.start({ write: p.write });
  assert.deepEqual(p.written, [{ status: 'True', reason: 'Rejected', message: 'config b2b2b2b2b2b2 rejected: hotcycle.yaml:2:1: duplicate key "workers"; serving a1a1a1a1a1a1' }]);
  tracker.changed();
  tracker.changed();
  await Promise.resolve();
  assert.equal(p.written.length, 1, 'unchanged: no second write');
  tracker.close();
});

test('an outcome is decided on a microtask, after the syncer finished updating its state', async () => {
  const p = pod();
  const tracker = new ConditionTracker({ syncer: p.syncer, lastGood: p.lastGood });
  tracker.start({ write: p.write, everyMs: 60_000 });
  assert.deepEqual(p.written.map((c) => c.message), ['config a1a1a1a1a1a1 applied']);
  Object.assign(p.facts, { sourceHash: B, publishedHash: B });
  tracker.changed(); // the reload's outcome is told before the syncer sets what the master runs
  p.facts.appliedHash = B;
  await Promise.resolve();
  assert.deepEqual(p.written.map((c) => c.message), ['config a1a1a1a1a1a1 applied', 'config b2b2b2b2b2b2 applied']);
  tracker.close();
});

test('its timer catches what no outcome announces: a version the rollout holds, then marked bad by another pod', async () => {
  const p = pod();
  const bad: Array<{ hash: string; reason: string }> = [];
  const tracker = new ConditionTracker({ syncer: p.syncer, lastGood: p.lastGood });
  tracker.start({ write: p.write, rollout: () => ({ bad }), everyMs: 20 });
  const held = p.nextWrite();
  p.facts.sourceHash = B;
  await held;
  assert.deepEqual(p.written.at(-1), { status: 'True', reason: 'Held', message: 'config b2b2b2b2b2b2 held: waits for its turn in the rollout; serving a1a1a1a1a1a1' });
  const marked = p.nextWrite();
  bad.push({ hash: B, reason: 'probe: 5xx ratio 1.00 > 0.05' });
  await marked;
  assert.deepEqual(p.written.at(-1), { status: 'True', reason: 'MarkedBad', message: 'config b2b2b2b2b2b2 marked bad by the rollout: probe: 5xx ratio 1.00 > 0.05; serving a1a1a1a1a1a1' });
  tracker.close();
  const count = p.written.length;
  bad.length = 0;
  p.facts.appliedHash = B;
  tracker.changed();
  await Promise.resolve();
  assert.equal(p.written.length, count, 'closed: no more writes');
});

test('a refusal by the master is told with its why; without one remembered, a version refused before still says so', async () => {
  const p = pod();
  const tracker = new ConditionTracker({ syncer: p.syncer, lastGood: p.lastGood });
  tracker.start({ write: p.write, everyMs: 60_000 });
  Object.assign(p.facts, { sourceHash: B, failedHashes: [B] });
  tracker.reloadFailed(B, { text: 'failed in phase check: nginx -t: unknown directive', tail: ' [ENGINXCHECK]' });
  await Promise.resolve();
  assert.equal(p.written.at(-1)?.message, 'config b2b2b2b2b2b2 refused by the master: failed in phase check: nginx -t: unknown directive [ENGINXCHECK]; serving a1a1a1a1a1a1');
  tracker.close();
  const fresh = new ConditionTracker({ syncer: p.syncer, lastGood: p.lastGood });
  const q: ConfigApplied[] = [];
  fresh.start({ write: (c) => q.push(c), everyMs: 60_000 });
  assert.equal(q[0]?.message, 'config b2b2b2b2b2b2 refused by the master: refused before, not tried again; serving a1a1a1a1a1a1');
  fresh.close();
});
