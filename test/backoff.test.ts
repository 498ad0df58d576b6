import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, CRASH_WINDOW_MS, nextStreak } from '../src/backoff.ts';

test('backoff doubles per crash in a streak, capped at maxBackoffMs', () => {
  const policy = { backoffMs: 100, maxBackoffMs: 1000 };
  const table: [number, number][] = [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1000], [50, 1000], [0, 100]];
  for (const [streak, expected] of table) assert.equal(backoffDelay(policy, streak), expected, `streak ${streak}`);
});

test('a crash long after the previous one starts a new streak', () => {
  const table: [number, number | null, number, number][] = [
    [0, null, 1000, 1],
    [3, 1000, 1000 + CRASH_WINDOW_MS, 4],
    [3, 1000, 1001 + CRASH_WINDOW_MS, 1],
  ];
  for (const [streak, last, now, expected] of table) assert.equal(nextStreak(streak, last, now), expected);
});
