// Which origin brought a version and how far the volume lagged (src/sidecar/sync/arrivals.ts),
// on an injected clock; the real API server and volume: test/cluster/sidecar-fastpath.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Arrivals } from '../../../src/sidecar/sync/arrivals.ts';

function clocked(): { arrivals: Arrivals; at(ms: number): void } {
  let now = 0;
  return { arrivals: new Arrivals(() => now), at: (ms) => void (now = ms) };
}

test('the API brings a version; the volume, later, ends its lag without changing who brought it', () => {
  const { arrivals, at } = clocked();
  at(1000);
  arrivals.note('api', 'v1');
  at(42_000);
  assert.deepEqual(arrivals.of('v1'), { runningSource: 'api', volumeLagMs: 41_000, volumeCaughtUp: false }, 'still behind: the lag so far');
  at(63_000);
  arrivals.note('volume', 'v1');
  at(90_000);
  assert.deepEqual(arrivals.of('v1'), { runningSource: 'api', volumeLagMs: 62_000, volumeCaughtUp: true }, 'caught up: the lag is final');
  at(95_000);
  arrivals.note('volume', 'v1');
  assert.equal(arrivals.of('v1')?.volumeLagMs, 62_000, 'a later volume read (the re-hash) changes nothing');
});

test('a version the volume showed first was brought by the volume, whatever the API says later', () => {
  const { arrivals, at } = clocked();
  arrivals.note('volume', 'v1');
  at(5000);
  arrivals.note('api', 'v1');
  assert.deepEqual(arrivals.of('v1'), { runningSource: 'volume' });
});

test('a relist delivering the same version again keeps its arrival; a revert is a new delivery the volume must catch up with', () => {
  const { arrivals, at } = clocked();
  arrivals.note('api', 'v1');
  at(10_000);
  arrivals.note('volume', 'v1');
  at(20_000);
  arrivals.note('api', 'v1'); // a relist after a 410: the same object
  assert.deepEqual(arrivals.of('v1'), { runningSource: 'api', volumeLagMs: 10_000, volumeCaughtUp: true });
  arrivals.note('api', 'v2');
  at(30_000);
  arrivals.note('api', 'v1'); // reverted before kubelet ever showed v2
  at(31_000);
  assert.deepEqual(arrivals.of('v1'), { runningSource: 'api', volumeLagMs: 1000, volumeCaughtUp: false });
  assert.equal(arrivals.of('v2')?.volumeCaughtUp, false);
});

test('no running version, or one neither origin brought (the last good config from the Secret): nothing to say', () => {
  const { arrivals } = clocked();
  arrivals.note('api', 'v1');
  assert.equal(arrivals.of(''), null);
  assert.equal(arrivals.of('stored'), null);
});

test('only the most recent versions are remembered', () => {
  const { arrivals } = clocked();
  for (let i = 0; i < 40; i++) arrivals.note('api', `v${i}`);
  assert.equal(arrivals.of('v0'), null);
  assert.equal(arrivals.of('v39')?.runningSource, 'api');
});
